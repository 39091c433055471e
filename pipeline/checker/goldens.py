"""Hand-verified golden facts as checker input: goldens/expected/<stem>/facts.yaml → `Fact`s with raw spans.

Lets the checker be measured on facts a person verified, independently of any extractor: the span of each fact
is the position of its number inside its quote inside the raw report.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from pipeline.numbers import NUMBER, parse_number, to_wan
from schemas.document import Fact, Span
from schemas.golden import GoldenFact, GoldenFacts

_NUMBER_IN_TEXT = re.compile(rf"(?<![\d.,])(?:{NUMBER})(?![\d])")
RATES = ("share", "growth_rate", "completion_rate")


def locate(g: GoldenFact, raw: str) -> Span:
    """Raw span of the golden fact's number: its quote's position plus the number's offset in the quote.

    Among equal numbers in the quote a percentage fact takes one followed by %, an amount one that is not; the
    current-period figure of a '预算数…执行数…' quote takes the last, anything else the first.
    """
    base = raw.find(g.quote)
    if base < 0:
        raise ValueError(f"quote not in report: {g.quote!r}")
    want = Decimal(g.value)
    equal, preferred = [], []
    for m in _NUMBER_IN_TEXT.finditer(g.quote):
        try:
            if parse_number(m.group(0)).value != want:
                continue
        except (ValueError, InvalidOperation):
            continue
        equal.append(m)
        is_rate = g.quote[m.end() : m.end() + 2].lstrip().startswith(("%", "％"))
        if is_rate == (g.measure in RATES or g.unit == "%"):
            preferred.append(m)
    hits = preferred or equal
    if not hits and want == 0 and "无" in g.quote:
        return (base, base + len(g.quote))  # a nothing-statement: the statement is the figure
    if not hits:
        raise ValueError(f"value {g.value} not found in quote {g.quote!r}")
    m = hits[-1] if g.period == "current" and len(hits) > 1 else hits[0]
    return (base + m.start(), base + m.end())


def to_fact(g: GoldenFact, raw: str, fact_id: str, span: Span | None = None) -> Fact:
    """One golden fact as a checker `Fact` (at `span` when the caller located it, else where its quote is)."""
    decimals = len(g.value.split(".", 1)[1]) if "." in g.value else 0
    wan = to_wan(Decimal(g.value), g.unit)
    return Fact(
        id=fact_id,
        concept=g.concept,
        period=g.period,
        value=g.value,
        unit=g.unit,
        value_wan=None if wan is None else format(wan, "f"),
        decimals=decimals,
        text=g.quote,
        span=span if span is not None else locate(g, raw),
        measure=g.measure,
        scope=g.scope,
        direction=g.direction,
    )


def golden_facts(expected_dir: str | Path, raw: str) -> list[Fact]:
    """All facts of one report's facts.yaml, ids g0, g1, ..."""
    path = Path(expected_dir) / "facts.yaml"
    data = GoldenFacts.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    return [to_fact(g, raw, f"g{i}") for i, g in enumerate(data.facts)]
