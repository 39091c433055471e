"""Turn a grounded figure (the model's label + the number's place in the text) into a fact's identity.

The model only copies; the code decides the concept from the one lexicon (`pipeline/lexicon/lexicon.yaml`, read
through `pipeline.rules.vocab` as the rules read it: the wording ending nearest the end of the label, longest on
ties; counts by the `label` of the lexicon's count rules), the measure (from the unit written in the text and the
words before the number) and the period (上年 → prior, 预算 → budget, 增加/减少/增长/下降 → change). Figures whose
label matches no concept are not facts: they become indicators. Deterministic, no LLM imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.lexicon import CountRule, lexicon
from pipeline.numbers import MONEY_UNITS
from pipeline.rules import vocab

_COUNT_UNITS = {"人", "名", "辆", "个", "台", "次", "项", "批", "套", "件", "户", "家"}
_CHANGE = re.compile(r"(增加|减少|增长|下降|上升|降低|节约|减幅|增幅)[了为]?\s*$")
_PRIOR = re.compile(r"上年|上一年|上年度|同期")
_BUDGET = re.compile(r"预算数|年初预算|调整预算|全年预算")
_SHARE = re.compile(r"占")
_COMPLETION = re.compile(r"完成|执行率|完成率")
_DOWN = re.compile(r"减少|下降|降低|节约|减幅")


def _count_units(concept: str) -> tuple[str, ...]:
    """The units a count is written in, from the lexicon (人/名 for people, 辆 for vehicles)."""
    return tuple(u for c in _model_counts() if c.concept == concept for u in c.units)


@dataclass(frozen=True)
class Identity:
    """What a grounded figure states: concept, period, measure and (for changes) direction."""

    concept: str
    period: str
    measure: str
    direction: str | None = None


def _model_counts() -> list[CountRule]:
    """The lexicon's counts an LLM may name (those with a `label`)."""
    return [c for c in lexicon().counts if c.label is not None]


def concept_of(label: str, unit: str | None) -> str | None:
    """The vocabulary concept of a label given the figure's unit, or None."""
    compact = re.sub(r"\s+", "", label)
    if unit in _COUNT_UNITS:
        return next((c.concept for c in _model_counts() if c.name_pattern.search(compact)), None)
    whole = vocab.concept_of(compact)
    found = vocab.last_concept(compact)
    concept = whole or (found.concept if found is not None else None)
    return concept.partition("@")[0] if concept else None


def concept_in(text: str, unit: str | None) -> str | None:
    """The label of the vocabulary item written last in `text` (the one a following figure belongs to), or None."""
    compact = re.sub(r"\s+", "", text)
    if unit in _COUNT_UNITS:
        best: tuple[int, int, str] | None = None
        for c in _model_counts():
            for m in c.name_pattern.finditer(compact):
                key = (m.end(), m.end() - m.start(), m.group(0))
                if best is None or key[:2] > best[:2]:
                    best = key
        return best[2] if best else None
    found = vocab.last_concept(compact)
    return compact[found.start : found.end] if found is not None else None


def identify(
    label: str, unit: str | None, before: str, doc_type: str | None, section_kind: str, task: str = "money"
) -> Identity | None:
    """Concept, period and measure of a figure; `before` is the sentence text leading up to the number."""
    concept = concept_of(label, unit)
    if concept is None:
        return None
    if unit in _COUNT_UNITS and (task != "staff" or unit not in _count_units(concept)):
        return None  # head counts only from the department overview, in people; vehicles in 辆
    if concept == "exp_basic" and section_kind == "一般公共预算财政拨款基本支出决算":
        concept = "gb_basic"
    change = _CHANGE.search(before[-8:])
    if unit == "%":
        if change:
            return Identity(concept, "change", "growth_rate", "down" if _DOWN.search(change.group(1)) else "up")
        if _SHARE.search(before[-12:]):
            return Identity(concept, "current", "share")
        if _COMPLETION.search(before[-12:]):
            return Identity(concept, "current", "completion_rate")
        return None
    if unit in _COUNT_UNITS:
        return Identity(concept, "current", "count")
    if unit not in MONEY_UNITS:
        return None
    if change:
        return Identity(concept, "change", "amount", "down" if _DOWN.search(change.group(1)) else "up")
    if _PRIOR.search(before[-12:]):
        return Identity(concept, "prior", "amount")
    if _BUDGET.search(before[-10:]) or doc_type == "预算":
        return Identity(concept, "budget", "amount")
    return Identity(concept, "current", "amount")
