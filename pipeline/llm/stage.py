"""The LLM stage: chunk, skip what the rules already cover, ask (or read the cache), ground, merge.

Runs between the rules and the checker (`process_raw(raw, llm=stage)`). Chunks are answered concurrently up to
the backend's concurrency limit. A truncated answer splits its chunk; an exhausted chunk leaves a line in
`result.errors` and the rest of the document goes on. Usage lands in `result.llm`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

from pipeline.errors import LLMError
from pipeline.ground import UNIT_AFTER
from pipeline.llm.backends import BackendConfig, Request, TruncatedOutput, create
from pipeline.llm.cache import AnswerCache, CacheKey
from pipeline.llm.chunks import (
    DEFAULT_BUDGET,
    Chunk,
    cell_figure,
    chunk_document,
    figure_spans,
    score_cell,
    split_chunk,
)
from pipeline.llm.facts import FactMaker, merge
from pipeline.llm.prompts import render
from schemas.llm import ANSWER_MODELS, schema_version

if TYPE_CHECKING:
    from pipeline.document import Parsed
    from pipeline.llm.backends import Backend
    from pipeline.llm.local import ServerInfo
    from schemas.document import DocumentResult

MAX_SPLIT_DEPTH = 3
MAX_OUTPUT_TOKENS = 1024
FIGURES_PER_CALL = 8
NAMED_TASKS = ("indicators", "projects")  # chunks whose uncovered figures the model is asked to name


@dataclass
class LLMStage:
    """A picklable stage: backend config + cache; each call builds its own client (one per process/loop)."""

    config: BackendConfig
    cache: AnswerCache | None = None
    budget: int = DEFAULT_BUDGET
    max_tokens: int = MAX_OUTPUT_TOKENS
    server: ServerInfo | None = None  # the embedded server, when the stage talks to one

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
        todo = [part for c in todo for part in _figure_batches(c, covered)]
        limit = asyncio.Semaphore(max(1, self.config.concurrency))
        run = _DocumentRun(self, create(self.config), limit, usage, result.meta.unit or "未说明")
        answered = await asyncio.gather(*(run.answer(c, 0) for c in todo))
        maker = FactMaker(parsed, result)
        for chunk, value in (pair for group in answered for pair in group):
            maker.add(chunk, value)
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
        result.llm = {k: int(v) for k, v in usage.items()}


@dataclass
class _DocumentRun:
    stage: LLMStage
    backend: Backend
    limit: asyncio.Semaphore
    usage: Counter[str]
    unit: str
    errors: list[str] = field(default_factory=list)

    async def answer(self, chunk: Chunk, depth: int) -> list[tuple[Chunk, BaseModel]]:
        """The answer for a chunk (cache first), split on truncation; [] after a recorded error."""
        model = ANSWER_MODELS[chunk.task]
        prompt = render(
            chunk.task, section=chunk.section_title, unit=self.unit, text=chunk.text, figures=chunk.figure_list()
        )
        key = CacheKey(self.stage.config.model, prompt.id, schema_version(model), chunk.digest)
        cached = self.stage.cache.get(key) if self.stage.cache else None
        if cached is not None:
            try:
                self.usage["cache_hits"] += 1
                return [(chunk, model.model_validate_json(cached.answer))]
            except ValidationError:
                self.usage["cache_hits"] -= 1
        request = Request(prompt.system, prompt.user, model, self.stage.max_tokens, chunk.text)
        try:
            async with self.limit:
                answer = await self.backend.complete(request)
        except TruncatedOutput as e:
            self._count(e.attempts, e.tokens_in, e.tokens_out)
            parts = _split(chunk) if depth < MAX_SPLIT_DEPTH else []
            if not parts:
                self.errors.append(
                    f"llm: {chunk.id} ({chunk.section_title}): answer truncated and chunk cannot be split"
                )
                return []
            self.usage["splits"] += 1
            results = await asyncio.gather(*(self.answer(p, depth + 1) for p in parts))
            return [pair for group in results for pair in group]
        except LLMError as e:
            self._count(e.attempts, e.tokens_in, e.tokens_out)
            self.errors.append(f"llm: {chunk.id} ({chunk.section_title}): {e}")
            return []
        self._count(answer.calls, answer.tokens_in, answer.tokens_out)
        if self.stage.cache is not None:
            self.stage.cache.put(key, answer.value.model_dump_json(), answer.tokens_in, answer.tokens_out)
        return [(chunk, answer.value)]

    def _count(self, calls: int, tokens_in: int, tokens_out: int) -> None:
        self.usage["calls"] += calls
        self.usage["tokens_in"] += tokens_in
        self.usage["tokens_out"] += tokens_out


Spans = list[tuple[int, int]]


def _covered(parsed: Parsed, result: DocumentResult) -> Spans:
    """Clean-text spans of every fact the document has so far."""
    ct = parsed.clean
    return sorted(
        (ct.clean_pos(f.span[0]), ct.clean_pos(f.span[1])) for f in [*result.facts, *result.tables, *result.indicators]
    )


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


def _figure_batches(chunk: Chunk, covered: Spans) -> list[Chunk]:
    """The requests for a chunk: its uncovered figures to name, at most FIGURES_PER_CALL per request.

    Narrative and project-table chunks are named; a project table is also asked for its budget / execution
    rows, other chunks go out unchanged. Only figures with a unit written after them, or on a table row, are listed: a bare number in prose is an
    item number or part of a name.
    """
    if chunk.task not in NAMED_TASKS:
        return [chunk]
    spans = [
        (s, e)
        for s, e in _uncovered(chunk, covered)
        if UNIT_AFTER.match(chunk.text, e) or (chunk.in_table_row(s) and cell_figure(chunk.text, s, e))
    ]
    batches = [tuple(spans[i : i + FIGURES_PER_CALL]) for i in range(0, len(spans), FIGURES_PER_CALL)]
    keep = [chunk] if chunk.task != "indicators" else []
    if len(batches) == 1:
        return [*keep, replace(chunk, id=f"{chunk.id}.n", task="indicators", figures=batches[0])]
    return [
        *keep,
        *(replace(chunk, id=f"{chunk.id}.n{k}", task="indicators", figures=b) for k, b in enumerate(batches, 1)),
    ]


def _split(chunk: Chunk) -> list[Chunk]:
    """Two smaller requests for a truncated answer: halves of the figure list, else halves of the text."""
    if len(chunk.figures) > 1:
        half = len(chunk.figures) // 2
        return [
            replace(chunk, id=f"{chunk.id}{tag}", figures=part)
            for tag, part in (("a", chunk.figures[:half]), ("b", chunk.figures[half:]))
        ]
    if chunk.figures:
        return []
    return split_chunk(chunk)
