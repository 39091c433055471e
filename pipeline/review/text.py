"""Raw text as HTML: escaped excerpts around spans, with the spans highlighted.

An excerpt shows the raw characters around one or more marks (a fact's number, a finding's span, a placeholder).
Marks far apart get windows of their own, joined by a gap sign that says how many characters were left out; a
long mark shows its head and tail. Line breaks, tabs and form feeds are shown as faint signs, so a table row
reads as one line. Everything is escaped: the text comes from the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise

CONTEXT = 40  # raw characters shown on each side of a mark
LINE_REACH = 120  # the window reaches back to the start of the mark's line (a table row's label) within this
LONG_SPAN = 160  # a longer mark is shown as its head and tail
MERGE_GAP = 24  # windows closer than this are shown as one


@dataclass(frozen=True)
class Mark:
    """A highlighted range `[start, end)` of the raw text; `css` names its kind, `ref` what it points at."""

    start: int
    end: int
    css: str
    ref: str | None = None
    anchor: bool = True  # the excerpt opens a window on it; False: highlighted only where other windows show it


def excerpt(raw: str, marks: Sequence[Mark]) -> str:
    """Escaped raw text around `marks`, each one highlighted; distant marks in windows joined by a gap sign."""
    n = len(raw)
    if len(marks) == 1 and marks[0].anchor and 0 <= marks[0].start < marks[0].end <= min(n, marks[0].start + LONG_SPAN):
        return _excerpt_one(raw, marks[0])
    marks = [Mark(max(0, min(m.start, n)), max(0, min(m.end, n)), m.css, m.ref, m.anchor) for m in marks]
    windows = _merge(w for m in marks if m.anchor for w in _windows(raw, m))
    parts = ["…" if windows and windows[0][0] > 0 else ""]
    # windows ascend: sweep the marks once (a finding over a 100,000-row table has that many), each window
    # getting the marks that reach into it
    order = sorted(marks, key=lambda m: (m.start, -m.end))
    reaching: list[Mark] = []
    next_mark = 0
    for i, (a, b) in enumerate(windows):
        if i:
            skipped = a - windows[i - 1][1]
            parts.append(f'<span class="gap">〔中略 {skipped} 字〕</span>')
        while next_mark < len(order) and order[next_mark].start < b:
            reaching.append(order[next_mark])
            next_mark += 1
        reaching = [m for m in reaching if m.end > a]
        parts.append(_highlight(raw, a, b, reaching))
    parts.append("…" if windows and windows[-1][1] < n else "")
    return "".join(parts)


def _excerpt_one(raw: str, m: Mark) -> str:
    """`excerpt` of one short, non-empty mark inside the text (a fact's number): one window, one highlight."""
    a, b = _before(raw, m.start), _after(raw, m.end)
    return (
        ("…" if a > 0 else "")
        + plain(raw[a : m.start])
        + _open(m)
        + plain(raw[m.start : m.end])
        + "</mark>"
        + plain(raw[m.end : b])
        + ("…" if b < len(raw) else "")
    )


def snippet(text: str, value: str, css: str, ref: str | None = None) -> str:
    """A clean-text snippet with the first occurrence of `value` highlighted (thousands separators allowed)."""
    found = re.search("[,，]?".join(re.escape(c) for c in value), text) if value else None
    if found is None:
        return plain(text)
    a, b = found.span()
    return plain(text[:a]) + _open(Mark(a, b, css, ref)) + plain(text[a:b]) + "</mark>" + plain(text[b:])


def marked(text: str, css: str) -> str:
    """A whole piece of text highlighted (a placeholder shown without its context)."""
    return _open(Mark(0, len(text), css)) + plain(text) + "</mark>"


_HTML_SPECIAL = re.compile("[&<>\"']")  # what html.escape replaces
_SIGN = '<span class="ws">{}</span>'
_BREAK, _TAB, _FEED = _SIGN.format("⏎"), _SIGN.format("⇥"), _SIGN.format("␌")


def plain(s: str) -> str:
    """Escape a piece of raw text (as `html.escape` does), showing line breaks, tabs and form feeds as faint signs."""
    if _HTML_SPECIAL.search(s):  # most pieces hold nothing to escape: one search instead of five replacements
        s = escape(s)  # str.replace is much faster than str.translate to strings, and most pieces hold no sign
    if "\n" in s or "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\n", _BREAK)
    if "\t" in s:
        s = s.replace("\t", _TAB)
    if "\f" in s:
        s = s.replace("\f", _FEED)
    return s


def _windows(raw: str, m: Mark) -> list[tuple[int, int]]:
    if m.end - m.start > LONG_SPAN:
        half = LONG_SPAN // 2
        return [(_before(raw, m.start), m.start + half), (m.end - half, _after(raw, m.end))]
    return [(_before(raw, m.start), _after(raw, m.end))]


def _before(raw: str, start: int) -> int:
    """Where a window opens: CONTEXT characters back, or further back to the line's start when it is near."""
    lo = max(0, start - CONTEXT)
    line = raw.rfind("\n", max(0, start - LINE_REACH), start) + 1
    return line if 0 < line < lo or (line == 0 and start <= LINE_REACH) else lo


def _after(raw: str, end: int) -> int:
    hi = min(len(raw), end + CONTEXT)
    reach = min(len(raw), end + LINE_REACH)
    line = raw.find("\n", end, reach)
    if line < 0 and reach == len(raw):
        line = reach
    return line if line > hi else hi


def _merge(windows: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(windows):
        if merged and a <= merged[-1][1] + MERGE_GAP:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _highlight(raw: str, a: int, b: int, marks: Sequence[Mark]) -> str:
    """Raw text [a, b) with the marks inside it as nested elements; a mark crossing another is split and reopened."""
    inside = sorted((m for m in marks if m.start < b and m.end > a), key=lambda m: (m.start, -m.end))
    if len(inside) == 1 and a <= inside[0].start and inside[0].end <= b:  # the common case: one number
        m = inside[0]
        return plain(raw[a : m.start]) + _open(m) + plain(raw[m.start : m.end]) + "</mark>" + plain(raw[m.end : b])
    cuts = sorted({a, b, *(max(a, m.start) for m in inside), *(min(b, m.end) for m in inside)})
    out: list[str] = []
    stack: list[Mark] = []
    covering: list[Mark] = []  # the marks over [lo, hi), in `inside` order: one sweep, not a scan per cut
    next_mark = 0
    for lo, hi in pairwise(cuts):
        while next_mark < len(inside) and inside[next_mark].start <= lo:
            covering.append(inside[next_mark])
            next_mark += 1
        covering = [m for m in covering if m.end >= hi]
        want = covering[:]
        keep = 0
        while keep < len(stack) and keep < len(want) and stack[keep] is want[keep]:
            keep += 1
        out.append("</mark>" * (len(stack) - keep))
        out.extend(_open(m) for m in want[keep:])
        stack = want
        out.append(plain(raw[lo:hi]))
    out.append("</mark>" * len(stack))
    return "".join(out)


def _open(m: Mark) -> str:
    ref = f' data-ref="{escape(m.ref)}"' if m.ref else ""
    return f'<mark class="{escape(m.css)}"{ref}>'
