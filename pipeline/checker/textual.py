"""Words next to a figure in the raw text that the arithmetic needs.

决算数大于/小于预算数, the direction word of an explanation (增加的主要原因是), the year label in front of a
figure, and projects named in a list.

All functions take the raw text and raw offsets and return None when the text says nothing clear.
"""

from __future__ import annotations

import re

Direction = str  # "up" | "down" | "flat"

_COMPLETION_WORD = re.compile(r"决算数?(大于|小于|等于|高于|低于)预算数?|(与预算数?持平)")
_WORDS = {"大于": "up", "高于": "up", "小于": "down", "低于": "down", "等于": "flat"}
_REASON_WORD = re.compile(r"(增加|减少|增长|下降|上升|降低)的主要原因")
_REASON_ENDS = re.compile(
    r"^[%％]?[，,。]?主要原因(是|为)[：:]?(?P<body>[^。；]{0,30}?)(?P<word>增加|减少|增长|下降|上升|降低)[。；]"
)
_REASON_DIRECTIONS = {"增加": "up", "增长": "up", "上升": "up", "减少": "down", "下降": "down", "降低": "down"}
_YEAR_LABEL = re.compile(r"(\d{4})\s*年度?([^，。；;,\d]{0,12})$")
_PRIOR_WORDS = ("上年", "上一年", "去年", "同期")
_WHITESPACE = re.compile(r"\s+")
_ENUMERATED_EVALUATION = re.compile(r"对((?:[^，。；、]{2,40}?项目、)+[^，。；、]{2,40}?项目)开展了?绩效评价")


def _sentence_after(text: str, end: int, limit: int = 60) -> str:
    """The rest of the sentence after a figure, line breaks (PDF wraps) removed, up to the next 完成预算."""
    window = _WHITESPACE.sub("", text[end : end + limit])
    cut = min((i for i in (window.find("。"), window.find("完成预算")) if i >= 0), default=len(window))
    return window[:cut]


def completion_word(text: str, end: int) -> Direction | None:
    """The 决算数大于/小于/等于预算数 (or 与预算数持平) stated right after a completion rate ending at `end`."""
    m = _COMPLETION_WORD.search(_sentence_after(text, end))
    if m is None:
        return None
    return "flat" if m.group(2) else _WORDS[m.group(1)]


def reason_word(text: str, end: int) -> tuple[Direction, str] | None:
    """The direction of the explanation following a change ending at `end` (this or the next sentence).

    '增加的主要原因是…', or '主要原因是：…经费增加。' when the explanation ends on one direction word.
    """
    window = _WHITESPACE.sub("", text[end : end + 60])
    m = _REASON_WORD.search(window[:30])
    if m:
        return _REASON_DIRECTIONS[m.group(1)], m.group(0)
    m = _REASON_ENDS.match(window)
    if m and not any(w in m.group("body") for w in _REASON_DIRECTIONS):
        return _REASON_DIRECTIONS[m.group("word")], m.group(0).lstrip("%，,。")
    return None


def year_label(text: str, start: int) -> int | None:
    """The year written in the same clause just before a figure starting at `start` (2020年度收入预算383.71 → 2020)."""
    m = _YEAR_LABEL.search(_WHITESPACE.sub("", text[max(0, start - 24) : start]))
    if m is None or any(w in m.group(2) for w in _PRIOR_WORDS):
        return None
    return int(m.group(1))


def enumerated_evaluations(text: str) -> list[tuple[int, int, list[str]]]:
    """Project evaluations named in a list: 对A项目、B项目开展了绩效评价 → (start, end, [A项目, B项目])."""
    return [
        (m.start(), m.end(), _WHITESPACE.sub("", m.group(1)).split("、")) for m in _ENUMERATED_EVALUATION.finditer(text)
    ]
