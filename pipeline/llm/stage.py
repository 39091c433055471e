"""The LLM stage: chunk, skip what the rules already cover, ask (or read the cache), ground, merge.

Runs between the rules and the checker (`process_raw(raw, llm=stage)`). Each chunk with figures the rules left
becomes at most one request that lists those figures (a long list is split in batches), so a chunk's text is
never sent for two tasks and the answers stay short; neighbouring money or staff requests are packed into one
(`pack`). Requests go out grouped by task: consecutive requests share their prompt's prefix (instructions and
example), which the server (or a provider's prefix cache) reuses.
They are answered concurrently up to the backend's concurrency limit. A truncated answer splits its request; an
exhausted one leaves a line in `result.errors` and the rest of the document goes on. Usage lands in
`result.llm`; an optional `progress` callback gets one line per request.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

from pipeline.errors import LLMError
from pipeline.ground import UNIT_AFTER
from pipeline.llm.backends import BackendConfig, Request, TruncatedOutput, create
from pipeline.llm.cache import SPLIT, AnswerCache, CacheKey
from pipeline.llm.chunks import (
    DEFAULT_BUDGET,
    Chunk,
    cell_figure,
    chunk_document,
    class_row,
    estimate_tokens,
    figure_spans,
    join,
    score_cell,
    split_chunk,
)
from pipeline.llm.facts import FactMaker, merge
from pipeline.llm.prompts import prompt_id, render
from schemas.llm import ANSWER_MODELS, FigureName, IndicatorNames, schema_version

if TYPE_CHECKING:
    from pipeline.document import Parsed
    from pipeline.llm.backends import Backend
    from pipeline.llm.local import ServerInfo
    from schemas.document import DocumentResult

MAX_SPLIT_DEPTH = 3
MAX_OUTPUT_TOKENS = 1024
FIGURES_PER_CALL = 16
# packed requests (`pack`): the document text of one (estimated tokens, a few chunks far inside the server's
# context) per task. Money and staff share one prompt (`figures`) and are packed together. Not `indicators`: the
# 1.5B named packed indicator lists worse (indicators F1 0.707 → 0.664 on the goldens, `bench/bench_llm.py
# --local-model 1.5b`); not `projects`: the 0.5B answered two packed project tables by repeating rows up to the
# output limit (sample 001: 44 s → 201 s)
PACK_TOKENS = {"money": 2000, "staff": 2000}
PACK_FIGURES = 24  # listed figures of one packed request: an answer well inside MAX_OUTPUT_TOKENS
# requests of one task go out together; the money and staff figure lists (one prompt) last, so that the next
# document's first request of them finds the instructions still in the server's prefix cache
TASK_ORDER = ("projects", "scores", "indicators", "money", "staff")

Progress = Callable[[str], None]


@dataclass
class LLMStage:
    """A picklable stage: backend config + cache; each call builds its own client (one per process/loop)."""

    config: BackendConfig
    cache: AnswerCache | None = None
    budget: int = DEFAULT_BUDGET
    max_tokens: int = MAX_OUTPUT_TOKENS
    server: ServerInfo | None = None  # the embedded server, when the stage talks to one
    progress: Progress | None = None  # called with one line per request (picklable: a module-level function)
    on_requests: Callable[[int, int, int], None] | None = None  # (requests answered, requests, calls so far)
    name_indicators: bool = True  # False: indicator figures are named by their list's hints, not asked

    def __call__(self, parsed: Parsed, result: DocumentResult) -> None:
        """Fill `result` with grounded LLM facts (the Stage signature)."""
        asyncio.run(self.run(parsed, result))

    async def run(self, parsed: Parsed, result: DocumentResult) -> None:
        """The async body of the stage."""
        usage: Counter[str] = Counter()
        chunks = chunk_document(parsed.seg, parsed.clean.text, self.budget)
        covered = _covered(parsed, result)
        todo = [c for c in chunks if _open_figures(c, covered)]
        usage["chunks"] = len(todo)
        usage["skipped_chunks"] = len(chunks) - len(todo)
        requests = plan(todo, covered, _project_rows(parsed, result))
        hinted = [] if self.name_indicators else [c for c in requests if c.task == "indicators"]
        requests = [c for c in requests if c not in hinted]
        usage["hint_named"] = len(hinted)
        name = Path(result.source.path).name
        hints = f", {len(hinted)} figure lists named by their hints" if hinted else ""
        self.say(
            f"llm {name}: {len(requests)} requests for {len(todo)} chunks ({len(chunks) - len(todo)} skipped{hints})"
        )
        limit = asyncio.Semaphore(max(1, self.config.concurrency))
        run = _DocumentRun(self, create(self.config), limit, usage, result.meta.unit or "未说明", name, len(requests))
        if self.on_requests is not None:
            self.on_requests(0, len(requests), 0)
        answered = await asyncio.gather(*(run.answer_reporting(c, len(requests)) for c in requests))
        maker = FactMaker(parsed, result)
        for chunk, value in (pair for group in answered for pair in group):
            maker.add(chunk, value)
        for chunk in hinted:
            maker.add(chunk, hint_names(chunk), by="rules")
        merged = merge(result, maker.facts)
        result.ungrounded.extend(maker.ungrounded)
        result.errors.extend(run.errors)
        usage.update(
            {
                "agreed": merged.agreed,
                "disagreed": merged.disagreed,
                "added": merged.added,
                "covered": merged.covered,
                "ungrounded": len(maker.ungrounded),
                "errors": len(run.errors),
            }
        )
        if self.server is not None:
            usage.update(self.server.settings.usage())
        result.llm = {k: int(v) for k, v in usage.items()}

    def say(self, line: str) -> None:
        """Pass a progress line to the callback, if there is one."""
        if self.progress is not None:
            self.progress(line)


@dataclass
class _DocumentRun:
    stage: LLMStage
    backend: Backend
    limit: asyncio.Semaphore
    usage: Counter[str]
    unit: str
    name: str = ""
    total: int = 0
    done: int = 0
    errors: list[str] = field(default_factory=list)
    answered: int = 0

    async def answer_reporting(self, chunk: Chunk, total: int) -> list[tuple[Chunk, BaseModel]]:
        """`answer`, then tell the stage's `on_requests` callback how many requests are answered."""
        report = self.stage.on_requests
        answer = await self.answer(chunk, 0)
        self.answered += 1
        if report is not None:
            report(self.answered, total, self.usage["calls"])
        return answer

    async def answer(self, chunk: Chunk, depth: int) -> list[tuple[Chunk, BaseModel]]:
        """The answer for a chunk (cache first), split on truncation; [] after a recorded error."""
        model = ANSWER_MODELS[chunk.task]
        prompt = render(
            chunk.task, section=chunk.section_title, unit=self.unit, text=chunk.text, figures=chunk.figure_list()
        )
        key = CacheKey(self.stage.config.model, prompt.id, schema_version(model), chunk.digest)
        cached = self.stage.cache.get(key) if self.stage.cache else None
        if cached is not None and cached.answer == SPLIT:  # cut at the output limit before: ask the halves
            self.usage["cache_hits"] += 1
            return await self._parts(chunk, depth)
        if cached is not None:
            try:
                self.usage["cache_hits"] += 1
                value = model.model_validate_json(cached.answer)
                self._say(chunk, "cached")
                return [(chunk, value)]
            except ValidationError:
                self.usage["cache_hits"] -= 1
        request = Request(prompt.system, prompt.user, model, self.stage.max_tokens, chunk.text)
        try:
            async with self.limit:
                start = time.perf_counter()
                answer = await self.backend.complete(request)
        except TruncatedOutput as e:
            self._count(e.attempts, e.tokens_in, e.tokens_out)
            if self.stage.cache is not None and depth < MAX_SPLIT_DEPTH and _split(chunk):
                self.stage.cache.put(key, SPLIT, e.tokens_in, e.tokens_out)
            return await self._parts(chunk, depth)
        except LLMError as e:
            if e.fatal:  # a refused key: no later call can succeed, the run stops
                raise
            self._count(e.attempts, e.tokens_in, e.tokens_out)
            self.errors.append(f"llm: {chunk.id} ({chunk.section_title}): {e}")
            return []
        self._count(answer.calls, answer.tokens_in, answer.tokens_out)
        took = time.perf_counter() - start
        self._say(chunk, f"{answer.tokens_in} tokens in, {answer.tokens_out} out, {took:.1f} s")
        if self.stage.cache is not None:
            self.stage.cache.put(key, answer.value.model_dump_json(), answer.tokens_in, answer.tokens_out)
        return [(chunk, answer.value)]

    async def _parts(self, chunk: Chunk, depth: int) -> list[tuple[Chunk, BaseModel]]:
        """The answers for the two halves of a request whose answer did not fit; [] after a recorded error."""
        parts = _split(chunk) if depth < MAX_SPLIT_DEPTH else []
        if not parts:
            self.errors.append(f"llm: {chunk.id} ({chunk.section_title}): answer truncated and chunk cannot be split")
            return []
        self.usage["splits"] += 1
        self.total += len(parts) - 1
        results = await asyncio.gather(*(self.answer(p, depth + 1) for p in parts))
        return [pair for group in results for pair in group]

    def _say(self, chunk: Chunk, what: str) -> None:
        self.done += 1
        figures = f", {len(chunk.figures)} figures" if chunk.figures else ""
        self.stage.say(f"llm {self.name} [{self.done}/{self.total}] {chunk.task} {chunk.id}{figures}: {what}")

    def _count(self, calls: int, tokens_in: int, tokens_out: int) -> None:
        self.usage["calls"] += calls
        self.usage["tokens_in"] += tokens_in
        self.usage["tokens_out"] += tokens_out


def hint_names(chunk: Chunk) -> IndicatorNames:
    """Every listed figure named by the words right before it, as the figure list shows them: no model.

    What the embedded 0.5B model's names are worth on the goldens: less than these (`bench/bench_llm.py`).
    """
    return IndicatorNames(labels=[FigureName(figure=figure, label=hint) for figure, hint in chunk.listed()])


Spans = list[tuple[int, int]]


def _covered(parsed: Parsed, result: DocumentResult) -> Spans:
    """Clean-text spans of every fact the document has so far, and of the tables the rules read as grids."""
    ct = parsed.clean
    facts = [
        (ct.clean_pos(f.span[0]), ct.clean_pos(f.span[1])) for f in [*result.facts, *result.tables, *result.indicators]
    ]
    return sorted(facts + [(ct.clean_pos(a), ct.clean_pos(b)) for a, b in _grid_tables(result)])


def _grid_tables(result: DocumentResult) -> Spans:
    """Raw spans of the tables the rules read as grids of a known kind (and of their pieces on later pages).

    What the rules left in such a table is not vocabulary by the table's own reading (a 政府采购 table's item rows
    under 一、货物 / 三、服务 are not 会议费 of the 三公 statement): the LLM is not asked to name it.
    """
    layout = result.layout
    if layout is None:
        return []
    kinds = [f.span[0] for f in [*result.facts, *result.tables] if f.table_kind]
    failed = [n.span for n in result.tables_not_understood if n.span is not None]
    read: list[bool] = []
    spans: Spans = []
    for t in layout.tables:
        a, b = t.span or (0, 0)
        own = any(a <= s < b for s in kinds) and not any(x < b and a < y for x, y in failed)
        read.append(own or (t.continues is not None and t.continues < len(read) and read[t.continues]))
        if read[-1] and b > a:
            spans.append((a, b))
    return spans


def _uncovered(chunk: Chunk, covered: Spans) -> Spans:
    """Chunk spans of the figures that no existing fact covers."""
    spans = []
    for s, e in figure_spans(chunk.text):
        span = chunk.clean_span(s, e)
        if span is not None and not any(a <= span[0] and span[1] <= b for a, b in covered):
            spans.append((s, e))
    return spans


def _open_figures(chunk: Chunk, covered: Spans) -> Spans:
    """The uncovered figures that make a chunk worth sending.

    In a score table only the bare cells can be scores: numbers inside the criterion text (扣1分, 计2分) are not
    figures to extract, so a score table whose cells the rules read completely is not sent.
    """
    spans = _uncovered(chunk, covered)
    if chunk.task != "scores":
        return spans
    return [(s, e) for s, e in spans if chunk.in_table_row(s) and score_cell(chunk.text, s, e)]


def _listed(chunk: Chunk, covered: Spans) -> Spans:
    """The uncovered figures a request lists: those with a unit written after them, or alone in a table cell.

    A bare number in prose is an item number or part of a name. A money or staff request lists nothing of a row
    of the function or economic classification: its figure is the class's (`30215 | 会议费` is not the report's
    会议费), which the rules read by its code or not at all.
    """
    money = chunk.task in ("money", "staff")
    return [
        (s, e)
        for s, e in _uncovered(chunk, covered)
        if (UNIT_AFTER.match(chunk.text, e) or (chunk.in_table_row(s) and cell_figure(chunk.text, s, e)))
        and not (money and class_row(chunk.text, s))
    ]


def _project_rows(parsed: Parsed, result: DocumentResult) -> Spans:
    """Clean-text spans of the project rows (`project:` facts) the rules read."""
    ct = parsed.clean
    return [
        (ct.clean_pos(f.span[0]), ct.clean_pos(f.span[1])) for f in result.tables if f.concept.startswith("project:")
    ]


def plan(chunks: list[Chunk], covered: Spans, project_rows: Spans) -> list[Chunk]:
    """The requests for the chunks with open figures: at most one per chunk and task, grouped by task.

    A chunk lists its open figures: money and staff chunks ask for the item each belongs to (one request, at most
    FIGURES_PER_CALL figures), narrative and project-table chunks for what each measures (`indicators`, in
    batches of FIGURES_PER_CALL). A project
    table whose rows the rules did not read and that has nothing to list asks for its rows instead; score
    tables ask for their rows. A chunk with nothing to list is not sent.
    """
    requests: list[Chunk] = []
    for chunk in chunks:
        if chunk.task == "scores":
            requests.append(chunk)
            continue
        spans = _listed(chunk, covered)
        if chunk.task == "projects" and not spans:
            if not any(_inside(chunk, s) for s in project_rows):
                requests.append(chunk)
            continue
        task = "indicators" if chunk.task == "projects" else chunk.task
        if task != "indicators":
            # money and staff: one request per chunk; figures with a written unit first. A table whose cells the
            # rules could not read is not worth one request per sixteen cells
            spans = sorted(spans, key=lambda sp: not UNIT_AFTER.match(chunk.text, sp[1]))[:FIGURES_PER_CALL]
            spans.sort()
        batches = [tuple(spans[i : i + FIGURES_PER_CALL]) for i in range(0, len(spans), FIGURES_PER_CALL)]
        for k, batch in enumerate(batches, 1):
            tag = f".n{k}" if len(batches) > 1 else ".n"
            requests.append(replace(chunk, id=f"{chunk.id}{tag}", task=task, figures=batch))
    return pack(sorted(requests, key=lambda c: TASK_ORDER.index(c.task)))


def pack(requests: list[Chunk]) -> list[Chunk]:
    """Neighbouring requests of one prompt joined into one, within the task's PACK_TOKENS and PACK_FIGURES.

    Every request repeats the task's instructions and the server evaluates them again at each change of task:
    a few chunks in one request send the instructions once for all of them, and each chunk's text still once
    (the batches of one chunk's long figure list are never packed together: that would send its text twice).
    """
    packed: list[Chunk] = []
    group: list[Chunk] = []
    for chunk in [*requests, None]:
        if group and (
            chunk is None
            or chunk.task not in PACK_TOKENS
            or prompt_id(chunk.task) != prompt_id(group[0].task)
            or any(c.pieces == chunk.pieces for c in group)  # batches of one long list: their text once each
            or sum(estimate_tokens(c.text) for c in [*group, chunk]) > PACK_TOKENS[chunk.task]
            or sum(len(c.figures) for c in [*group, chunk]) > PACK_FIGURES
        ):
            packed.append(join(group))
            group = []
        if chunk is not None:
            group.append(chunk)
    return packed


def _inside(chunk: Chunk, span: tuple[int, int]) -> bool:
    """True when a clean-text span lies in one of the chunk's pieces."""
    return any(p.clean_start <= span[0] and span[1] <= p.clean_start + p.length for p in chunk.pieces)


def _split(chunk: Chunk) -> list[Chunk]:
    """Two smaller requests for a truncated answer.

    Halves of a packed request's chunks, else halves of the figure list, else halves of the text.
    """
    if len(chunk.parts) > 1:
        half = len(chunk.parts) // 2
        return [join(chunk.parts[:half]), join(chunk.parts[half:])]
    if len(chunk.figures) > 1:
        half = len(chunk.figures) // 2
        return [
            replace(chunk, id=f"{chunk.id}{tag}", figures=part)
            for tag, part in (("a", chunk.figures[:half]), ("b", chunk.figures[half:]))
        ]
    if chunk.figures:
        return []
    return split_chunk(chunk)
