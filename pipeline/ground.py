"""Grounding: a number the LLM returns is kept only if it occurs in the text it was given.

The number is compared after the same normalisation the rules use (`pipeline.numbers.parse_number`: thousands
separators dropped, full-width digits folded by cleaning, chart float artifacts rounded) and must match a whole
number token of the text, never a piece of a longer one. The unit is read from the text right after the number,
not from the model. Deterministic: no LLM imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.numbers import NUMBER_RE, Number, parse_number
from pipeline.textutil import fold

# what follows a number on its own line (the next line's first word, 人力资源… or 年初…, is not its unit)
NOT_A_FIGURE = re.compile(r"[^\S\n]*(年|月|日|号|届|季度)")
UNIT_AFTER = re.compile(
    r"[^\S\n]*(万元|亿元|元|%|万人次|万人|万户|人次|人|名|辆|个|台|次|分|户|家|项|批|套|件|条|科|室|所|场|篇|期|份|处|座)"
)


@dataclass(frozen=True)
class Located:
    """Where a grounded number sits in the text, with its parsed form and the unit written after it."""

    start: int
    end: int
    number: Number
    unit: str | None


def model_number(value: str) -> Number | None:
    """The first number in a model-supplied figure string ('381.13万元' → 381.13), or None."""
    m = NUMBER_RE.search(fold(value).replace("，", ","))
    if m is None:
        return None
    try:
        return parse_number(m.group(0))
    except ValueError:
        return None


def locate(value: str, text: str, anchors: list[int] | None = None) -> Located | None:
    """The occurrence of the figure `value` in `text` closest after one of `anchors` (label positions), or None."""
    target = model_number(value)
    if target is None:
        return None
    hits = []
    for m in NUMBER_RE.finditer(text):
        if NOT_A_FIGURE.match(text, m.end()):
            continue  # a year or a date is never a figure
        try:
            n = parse_number(m.group(0))
        except ValueError:
            continue
        if n.text == target.text or (n.artifact and n.value == target.value):
            unit = UNIT_AFTER.match(text, m.end())
            hits.append(Located(m.start(), m.end(), n, unit.group(1) if unit else None))
    if not hits:
        return None
    scored = [(h.start - a, h) for h in hits for a in anchors or [] if h.start >= a]
    if scored:
        return min(scored, key=lambda t: t[0])[1]
    return hits[0]


def located_at(text: str, start: int, end: int) -> Located | None:
    """The number the code found at text[start:end], with the unit written after it (None if it does not parse)."""
    try:
        number = parse_number(text[start:end])
    except ValueError:
        return None
    unit = UNIT_AFTER.match(text, end)
    return Located(start, end, number, unit.group(1) if unit else None)


LABEL_MIN_SHARE = 0.6


def label_in_text(label: str, text: str) -> bool:
    """True when the label is made of the text's words: most of its character pairs occur in the text.

    A model naming a figure may join the subject and the measure from two places of a sentence
    (城镇企业职工基本养老保险 … 参保 … 人 → 城镇企业职工基本养老保险参保人数), so the check is on character pairs,
    not on the whole label; a label the text does not support (an invented or echoed name) fails it.
    """
    compact = re.sub(r"[\s，,。、：:（）()“”]", "", label)
    if len(compact) < 2:
        return False
    flat = re.sub(r"\s+", "", text)
    pairs = [compact[i : i + 2] for i in range(len(compact) - 1)]
    return sum(p in flat for p in pairs) >= LABEL_MIN_SHARE * len(pairs)


def label_positions(label: str, text: str) -> list[int]:
    """Where the model's label occurs in the text (whitespace-insensitive), in order."""
    compact = re.sub(r"\s+", "", label)
    if not compact:
        return []
    pattern = r"\s*".join(re.escape(ch) for ch in compact)
    return [m.start() for m in re.finditer(pattern, text)]
