"""The LLM's label step: each distinct label the lexicon does not know, classified once into the concept list.

An answer is used only when the label's own characters support it: the label and one of the concept's wordings
(its name or an alias) share two pairs of characters that are not generic (支出, 经费, 预算 …), and the label holds
every word that tells the concept's name apart (`label_heads` of the lexicon: 收入, 支出, 合计, 总计, 基本 …), and
no 收入 for a concept of spending or 支出 for one of income. So the model is asked only about what it could
settle: a label no concept supports is not sent (it stays unknown), and each request lists — in its prompt and
in its answer schema's `concept` enum — only the concepts the batch's labels support, plus `none`.
Answers are cached one label at a time (key: the label's text and the concepts it was asked among), so a rerun,
or the next report using the same label, makes no call for it; a label the model leaves out of its answer is
cached as `none` (it was asked); labels not in the cache go out in batches of `BATCH`, labels with the same
candidates together.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from pipeline.errors import LLMError
from pipeline.lexicon import lexicon
from pipeline.llm.backends import BackendConfig, Request, TruncatedOutput, create
from pipeline.llm.cache import AnswerCache, CacheKey
from pipeline.llm.prompts import prompt_id, render
from schemas.llm import schema_version

BATCH = 12
NONE = "none"
SHARED = 2  # non-generic character pairs a label shares with one wording of the concept it is read as
# pairs of characters every budget label has: sharing one says nothing about the concept
GENERIC = {
    "支出",
    "经费",
    "预算",
    "收入",
    "资金",
    "合计",
    "本年",
    "上年",
    "财政",
    "项目",
    "拨款",
    "年度",
    "其中",
    "部门",
    "单位",
}


@cache
def answer_model(ids: tuple[str, ...] | None = None) -> type[BaseModel]:
    """The answer schema: one {label, concept} per label; concept an enum of `ids` (default: all) and `none`."""
    ids = tuple(sorted(lexicon().concepts)) if ids is None else ids
    concept_enum = Enum("ConceptId", {c.replace(":", "_"): c for c in [*ids, NONE]}, type=str)  # type: ignore[misc]
    entry = create_model(
        "LabelConcept",
        __config__=ConfigDict(extra="ignore"),
        label=(str, Field(description="The label exactly as given.")),
        concept=(concept_enum, Field(description="The concept id the label names, or none.")),
    )
    return create_model(
        "LabelConcepts",
        __config__=ConfigDict(extra="ignore"),
        labels=(list[entry], Field(default_factory=list, description="One entry per label, in the order given.")),
    )


def concept_list(ids: tuple[str, ...] | None = None) -> str:
    """The prompt's concept lines, `id: name — description`, of `ids` (default: every concept)."""
    concepts = lexicon().concepts
    lines = []
    for cid in sorted(concepts) if ids is None else ids:
        c = concepts[cid]
        lines.append(f"{cid}: {c.name}" + (f" — {c.description}" if c.description else ""))
    return "\n".join(lines)


def _pairs(text: str) -> set[str]:
    chars = re.sub(r"[^\u4e00-\u9fff]", "", text)
    return {chars[i : i + 2] for i in range(len(chars) - 1)} - GENERIC


_SYNTAX = re.compile(r"[\[\]().?*+|^$\\{}\d,]")


@cache
def _texts(concept: str) -> tuple[str, ...]:
    """A concept's name and aliases as plain text: regex syntax dropped, optional groups left out."""
    c = lexicon().concepts.get(concept)
    if c is None:
        return ()
    required = (re.sub(r"\([^()]*\)\?|\[[^\]]*\]\?|.\?", "", a.pattern) for a in c.aliases)
    return (c.name, *(_SYNTAX.sub("", t) for t in required))


def _heads(text: str) -> frozenset[int]:
    """The `label_heads` groups a text holds a word of (by index)."""
    return frozenset(i for i, group in enumerate(lexicon().label_heads) if any(w in text for w in group))


def _opposite(label: str, texts: tuple[str, ...]) -> bool:
    """收入 in the label for a concept none of whose wordings speaks of income, or 支出 for one of income."""
    spends = any(w in t for t in texts for w in ("支出", "经费", "费"))
    earns = any("收入" in t for t in texts)
    return ("收入" in label and not earns) or ("支出" in label and earns and not spends)


def supported(label: str, concept: str | None) -> bool:
    """The label's characters support the concept (`none` is always supported)."""
    if concept is None:
        return True
    texts = _texts(concept)
    pairs = _pairs(label)
    if not any(len(pairs & _pairs(t)) >= SHARED for t in texts) or _opposite(label, texts):
        return False
    return _heads(texts[0]) <= _heads(label)  # the words that tell the concept's own name apart


@cache
def candidates(label: str) -> tuple[str, ...]:
    """The concepts an answer for the label could name and be used: the only ones worth asking about."""
    return tuple(c for c in sorted(lexicon().concepts) if supported(label, c))


@dataclass
class LabelClassifier:
    """Classify unknown labels with an LLM backend (picklable: builds its client per call)."""

    config: BackendConfig
    cache: AnswerCache | None = None
    usage: dict[str, int] = field(default_factory=dict)

    def __call__(self, labels: list[str]) -> dict[str, str | None]:
        """Concept (or None) for each label the model answered with support; unanswered labels are left out."""
        return asyncio.run(self.classify(labels))

    def _key(self, label: str) -> CacheKey:
        digest = hashlib.sha256("\n".join([label, *candidates(label)]).encode("utf-8")).hexdigest()
        return CacheKey(self.config.model, prompt_id("labels"), schema_version(answer_model()), digest)

    async def classify(self, labels: list[str]) -> dict[str, str | None]:
        """Cached answers first, the rest in batches; answers without support become None (no concept)."""
        out: dict[str, str | None] = {}
        todo = []
        for label in labels:
            if not candidates(label):  # no answer could be used: not asked
                out[label] = None
                self._count("not_asked")
                continue
            hit = self.cache.get(self._key(label)) if self.cache else None
            if hit is not None:
                out[label] = _decode(hit.answer)
                self._count("cache_hits")
            else:
                todo.append(label)
        backend = create(self.config)
        limit = asyncio.Semaphore(max(1, self.config.concurrency))
        todo.sort(key=lambda label: (candidates(label), label))  # few concepts per request
        batches = [todo[i : i + BATCH] for i in range(0, len(todo), BATCH)]
        for answered in await asyncio.gather(*(self._ask(backend, limit, b) for b in batches)):
            out.update(answered)
        return {label: (c if supported(label, c) else None) for label, c in out.items()}

    async def _ask(self, backend: Any, limit: asyncio.Semaphore, batch: list[str]) -> dict[str, str | None]:
        listed = "\n".join(f"{n}. {label}" for n, label in enumerate(batch, 1))
        ids = tuple(sorted({c for label in batch for c in candidates(label)}))
        prompt = render("labels", concepts=concept_list(ids), labels=listed)
        request = Request(prompt.system, prompt.user, answer_model(ids), 64 + 40 * len(batch), listed)
        try:
            async with limit:
                answer = await backend.complete(request)
        except (TruncatedOutput, LLMError) as e:
            if isinstance(e, LLMError) and e.fatal:
                raise
            self._count("errors")
            return {}
        self._count("calls", answer.calls)
        self._count("tokens_in", answer.tokens_in)
        self._count("tokens_out", answer.tokens_out)
        given = {re.sub(r"\s+", "", label): label for label in batch}
        answered: dict[str, str] = {}
        for entry in answer.value.labels:
            label = given.get(re.sub(r"\s+", "", entry.label))
            if label is not None and label not in answered:  # a label the model made up or changed is ignored
                answered[label] = entry.concept.value
        out: dict[str, str | None] = {}
        for label in batch:  # a label left out of the answer was asked: it is none, and is not asked again
            concept = answered.get(label, NONE)
            out[label] = None if concept == NONE else concept
            if self.cache is not None:
                self.cache.put(
                    self._key(label), concept, answer.tokens_in // len(batch), answer.tokens_out // len(batch)
                )
        return out

    def _count(self, name: str, n: int = 1) -> None:
        self.usage[name] = self.usage.get(name, 0) + n


def _decode(stored: str) -> str | None:
    return None if stored == NONE else stored
