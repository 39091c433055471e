"""OCR text boxes against the ruling lines of a page (pure geometry, no OCR library needed).

A page's ruling lines come from OpenCV morphology (`pipeline.ingest.ocr.find_rulings`): every long thin stroke,
including the strokes of large glyphs. `grid_rulings` keeps the ones that draw a table's grid. The detector
sometimes runs one text box across a vertical ruling (a right-aligned figure and the label that starts right after
it); `split_at_rulings` cuts such a box at the ruling. `left_ruling` and `ceiling` say which ruled cell a box sits
in, at the box's own height: the cell a merged (spanning) cell's text belongs to.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

Box = tuple[float, float, float, float]  # x0, top, x1, bottom

SNAP = 0.6  # two boundaries closer than this many box heights are the same column boundary
MEET = 0.15  # a ruling's end this close to another ruling (box heights) meets it (a glyph stroke stops short)
CROSS = 0.4  # a box reaching this far (box heights) past a vertical ruling on both sides crosses it
SHORT = 0.9  # a piece of a cut box narrower than this (box heights) is no text of its own
CUT_REACH = 1.5  # a box is cut at a character edge at most this far (box heights) from the ruling
_AMOUNT = re.compile(r"(?:[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*|0)(?:\.\d+)?")  # no leading zero, commas in threes
_TAIL_FIGURES = re.compile(r"[\d,. ]*\d[\d,.]*$")
_HEAD_FIGURES = re.compile(r"^[\d,.][\d,. ]*")


@dataclass(frozen=True)
class TextBox:
    """One recognised text box: its text, box and recognition confidence."""

    text: str
    box: Box
    confidence: float

    @property
    def height(self) -> float:
        """Box height."""
        return self.box[3] - self.box[1]

    @property
    def cy(self) -> float:
        """Vertical centre."""
        return (self.box[1] + self.box[3]) / 2

    @property
    def cx(self) -> float:
        """Horizontal centre."""
        return (self.box[0] + self.box[2]) / 2


@dataclass(frozen=True)
class Rulings:
    """Ruling lines of a page: vertical (x, top, bottom) and horizontal (y, x0, x1) segments."""

    vertical: tuple[tuple[float, float, float], ...] = ()
    horizontal: tuple[tuple[float, float, float], ...] = ()

    def crossing(self, y: float) -> list[float]:
        """Positions of the vertical rulings that cross height `y`, sorted."""
        return sorted(x for x, top, bottom in self.vertical if top <= y <= bottom)


def grid_rulings(rulings: Rulings, tol: float) -> Rulings:
    """The rulings that draw a grid: a vertical segment counts when both its ends meet a horizontal ruling.

    Long strokes of large glyphs (a title above the table, a bold total in a tall row) pass the morphology's
    length test too, but stand free: the cell borders of a ruled table run from one horizontal line to another.
    """

    def meets(x: float, y: float) -> bool:
        return any(abs(y - hy) <= tol and x0 - tol <= x <= x1 + tol for hy, x0, x1 in rulings.horizontal)

    vertical = tuple(v for v in rulings.vertical if meets(v[0], v[1]) and meets(v[0], v[2]))
    return Rulings(vertical, rulings.horizontal)


def same_row(a: TextBox, b: TextBox) -> bool:
    """Two boxes on one line: the vertical centre of each lies within the other's extent."""
    return a.box[1] <= b.cy <= a.box[3] and b.box[1] <= a.cy <= b.box[3]


def left_ruling(b: TextBox, rulings: Rulings) -> float | None:
    """The vertical ruling on the left of a box at the box's own height: its ruled cell's left edge."""
    xs = [x for x in rulings.crossing(b.cy) if x <= b.cx]
    return xs[-1] if xs else None


def ceiling(b: TextBox, rulings: Rulings) -> float | None:
    """The horizontal ruling right above a box's centre, over its centre: the top of its ruled cell."""
    ys = [y for y, x0, x1 in rulings.horizontal if x0 <= b.cx <= x1 and y < b.cy]
    return max(ys) if ys else None


def split_at_rulings(boxes: Sequence[TextBox], rulings: Rulings, unit: float) -> tuple[TextBox, ...]:
    """The boxes of a row, a box the detector ran across a vertical ruling cut in two at the ruling.

    The detector joins a right-aligned figure with the label that starts right after the ruling
    (`13,297.11一、一般公共服务支出`); the cut falls between the characters whose estimated right edge is nearest
    the ruling (`char_edges`), a `|` read off the ruling itself is dropped. A piece that lies over another box
    of the row is a second reading of that box's last characters (`0二、科学技术支出` beside `371,514,655.00`) and
    is dropped too.
    """
    out: list[TextBox] = []
    for b in boxes:
        parts = [b]
        for x in snap(rulings.crossing(b.cy), SNAP * unit):
            parts = [q for p in parts for q in (_cut(p, x, unit, boxes) if _crosses(p, x, unit) else [p])]
        out.extend(parts)
    return tuple(sorted(out, key=lambda b: b.box[0]))


def snap(xs: Sequence[float], tol: float) -> list[float]:
    """Sorted positions with near-duplicates (one thick line seen twice) merged."""
    out: list[float] = []
    for x in sorted(xs):
        if out and x - out[-1] <= tol:
            continue
        out.append(x)
    return out


def _crosses(b: TextBox, x: float, unit: float) -> bool:
    return b.box[0] + CROSS * unit < x < b.box[2] - CROSS * unit


def _cut(b: TextBox, x: float, unit: float, row: Sequence[TextBox]) -> list[TextBox]:
    """Box `b` cut at the ruling `x`: at the character edge nearest it, one that splits no number wrongly.

    A piece narrower than `SHORT` box heights is the detector's padding past the ruling (the box stays whole),
    unless another box of the row lies over it and reads the same there: then it is a second reading of that
    box's end (`0` of `0二、科学技术支出` over the `…655.00` beside it) and is dropped.
    """
    edges = char_edges(b.text, b.box[0], b.box[2])
    near = [k for k in range(1, len(b.text)) if abs(edges[k - 1] - x) <= CUT_REACH * unit]
    if not near:
        return [b]  # a box of one character, or no character edge near the ruling
    k = min(near, key=lambda k: abs(edges[k - 1] - x) / unit + _cut_cost(b.text[:k], b.text[k:]))
    left, right = b.text[:k].rstrip("| "), b.text[k:].lstrip("| ")
    x0, top, x1, bottom = b.box
    pieces = [TextBox(left, (x0, top, x, bottom), b.confidence), TextBox(right, (x, top, x1, bottom), b.confidence)]
    pieces = [p for p in pieces if p.text]
    short = [p for p in pieces if p.box[2] - p.box[0] < SHORT * unit]
    if not short:
        return pieces
    if any(_read_twice(p, o, p.box[0] == x0) for p in short for o in row if o is not b):
        return [p for p in pieces if p not in short]
    return [b]


def _read_twice(piece: TextBox, other: TextBox, left: bool) -> bool:
    """`other` lies over `piece` and ends (for a left piece; else starts) with the same text."""
    same = other.text.endswith(piece.text) if left else other.text.startswith(piece.text)
    return same and _covers(other, piece)


def _cut_cost(left: str, right: str) -> float:
    """What a cut between `left` and `right` costs beyond its distance from the ruling.

    Inside a run of figures (two amounts read as one: `371,514,655.00371,514,655.00`) both halves must be
    well-formed numbers; a cut where the script changes (`13,297.11` | `一、…`) is the likely one.
    """
    tail, head = _TAIL_FIGURES.search(left), _HEAD_FIGURES.match(right)
    if tail and head:
        halves = (tail.group().replace(" ", ""), head.group().replace(" ", ""))
        return 0.0 if all(_AMOUNT.fullmatch(h) for h in halves) else 2.0
    before, after = left.rstrip("| "), right.lstrip("| ")  # a bar read off the ruling is no script
    if not before or not after:
        return 0.0
    return -0.5 if _is_wide(before[-1]) != _is_wide(after[0]) else 0.0


def char_edges(text: str, x0: float, x1: float) -> list[float]:
    """Estimated right edge of each character of a box: wide (CJK) characters take one em, the others half."""
    weights = [1.0 if _is_wide(ch) else 0.5 for ch in text]
    em = (x1 - x0) / sum(weights) if weights else 0.0
    return [x0 + em * w for w in itertools.accumulate(weights)]


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _covers(a: TextBox, b: TextBox) -> bool:
    """Box `a` holds most of box `b`'s width on the same line (`b` is a second reading of part of `a`)."""
    overlap = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
    wider = b.box[2] - b.box[0] < a.box[2] - a.box[0]
    return wider and same_row(a, b) and overlap > 0.6 * (b.box[2] - b.box[0])
