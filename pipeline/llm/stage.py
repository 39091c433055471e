"""The LLM stage: chunk, skip what the rules already cover, ask (or read the cache), ground, merge.

Runs between the rules and the checker (`process_raw(raw, llm=stage)`). Chunks are answered concurrently up to
the backend's concurrency limit. A truncated answer splits its chunk; an exhausted chunk leaves a line in
`result.errors` and the rest of the document goes on. Usage lands in `result.llm`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

from pipeline.errors import LLMError
from pipeline.llm.backends import BackendConfig, Request, TruncatedOutput, create
from pipeline.llm.cache import AnswerCache, CacheKey
from pipeline.llm.chunks import DEFAULT_BUDGET, Chunk, chunk_document, figure_spans, split_chunk
from pipeline.llm.facts import FactMaker, merge
from pipeline.llm.prompts import render
from schemas.llm import ANSWER_MODELS, schema_version

if TYPE_CHECKING:
    from pipeline.document import Parsed
    from pipeline.llm.backends import Backend
    from schemas.document import DocumentResult

MAX_SPLIT_DEPTH = 3
MAX_OUTPUT_TOKENS = 1024


@dataclass
class LLMStage:
    """A picklable stage: backend config + cache; each call builds its own client (one per process/loop)."""

    config: BackendConfig
    cache: AnswerCache | None = None
    budget: int = DEFAULT_BUDGET
    max_tokens: int = MAX_OUTPUT_TOKENS

    def __call__(self, parsed: Parsed, result: DocumentResult) -> None:
        """Fill `result` with grounded LLM facts (the Stage signature)."""
        asyncio.run(self.run(parsed, result))

    async def run(self, parsed: Parsed, result: DocumentResult) -> None:
        """The async body of the stage."""
        usage: Counter[str] = Counter()
        chunks = chunk_document(parsed.seg, parsed.clean.text, self.budget)
        todo = _needs_llm(chunks, parsed, result)
        usage["chunks"] = len(todo)
        usage["skipped_chunks"] = len(chunks) - len(todo)
        limit = asyncio.Semaphore(max(1, self.config.concurrency))
        run = _DocumentRun(self, create(self.config), limit, usage, result.meta.unit or "未说明")
        answered = await asyncio.gather(*(run.answer(c, 0) for c in todo))
        maker = FactMaker(parsed, result)
        for chunk, value in (pair for group in answered for pair in group):
            maker.add(chunk, value)
        merged = merge(result, maker.facts)
        result.ungrounded.extend(maker.ungrounded)
        result.errors.extend(run.errors)
        usage.update({"agreed": merged.agreed, "disagreed": merged.disagreed, "added": merged.added,
                      "covered": merged.covered,
                      "ungrounded": len(maker.ungrounded), "errors": len(run.errors)})
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
        prompt = render(chunk.task, section=chunk.section_title, unit=self.unit, text=chunk.text)
        key = CacheKey(self.stage.config.model, prompt.id, schema_version(model), chunk.digest)
        cached = self.stage.cache.get(key) if self.stage.cache else None
        if cached is not None:
            try:
                self.usage["cache_hits"] += 1
                return [(chunk, model.model_validate_json(cached.answer))]
            except ValidationError:
                self.usage["cache_hits"] -= 1
        request = Request(prompt.system, prompt.user, model, self.stage.max_tokens)
        try:
            async with self.limit:
                answer = await self.backend.complete(request)
        except TruncatedOutput as e:
            self._count(e.attempts, e.tokens_in, e.tokens_out)
            parts = split_chunk(chunk) if depth < MAX_SPLIT_DEPTH else []
            if not parts:
                self.errors.append(f"llm: {chunk.id} ({chunk.section_title}): answer truncated and chunk cannot be split")
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


def _needs_llm(chunks: list[Chunk], parsed: Parsed, result: DocumentResult) -> list[Chunk]:
    """Chunks with at least one figure that no existing fact covers."""
    ct = parsed.clean
    covered = sorted(
        (ct.clean_pos(f.span[0]), ct.clean_pos(f.span[1]))
        for f in [*result.facts, *result.tables, *result.indicators]
    )
    todo = []
    for chunk in chunks:
        for s, e in figure_spans(chunk.text):
            span = chunk.clean_span(s, e)
            if span is not None and not any(a <= span[0] and span[1] <= b for a, b in covered):
                todo.append(chunk)
                break
    return todo
