"""Rebuild lines, table cells and tables from OCR text boxes (pure geometry, no OCR library needed).

Boxes are grouped into rows by y (boxes whose vertical centres lie within each other's extent), ordered by x, and
split into cells. Where the page has ruling lines (those that draw a grid: `ocr_rulings.grid_rulings`), the
vertical lines crossing a row are its cell boundaries, a box run across one is cut there, a row whose text wraps
inside its ruled cells (no horizontal line between the two text lines) is one row, and a merged cell's text goes
to the cell's first row and leftmost column, as the PDF reader writes it; else a gap wider than `GAP_HEIGHTS` box
heights between two boxes is a cell boundary. A run of consecutive rows with at least two cells that share column
boundaries is a table; its rows are laid on one column grid (empty cells included), so every row of a table has
the same number of tab-separated cells. A line outside every table joins its cells with spaces.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pipeline.ingest.ocr_rulings import (
    MEET,
    SNAP,
    Box,
    Rulings,
    TextBox,
    ceiling,
    grid_rulings,
    left_ruling,
    same_row,
    snap,
    split_at_rulings,
)

__all__ = ["OcrCell", "OcrLine", "OcrTable", "Rulings", "TextBox", "build_lines", "find_tables", "group_rows"]

Cells = list[tuple[Box, list["TextBox"]]]

GAP_HEIGHTS = 1.5  # a gap wider than this many box heights separates two cells
NUMBER_GAP = 0.5  # next to a box that is only a number, a gap this wide suffices
WRAP_GAP = 0.5  # a line of text wrapped in a cell sits closer than this (box heights) below the line above
ROW_GAP = 1.0  # a one-cell row stays in a gap table when it follows the row above this closely (box heights)
_NUMBER_BOX = re.compile(r"[-+]?\d[\d,.]*%?")


@dataclass(frozen=True)
class OcrCell:
    """One cell of a line: its text (boxes joined in reading order), box and lowest box confidence."""

    text: str
    bbox: Box | None
    confidence: float | None


@dataclass(frozen=True)
class OcrLine:
    """One line of the page: its cells (one for prose), box and mean confidence of its boxes."""

    cells: tuple[OcrCell, ...]
    bbox: Box
    confidence: float
    ruled: bool = False  # cell boundaries came from vertical ruling lines
    in_table: bool = True  # a row of a table (else a line of text whose cells are only wide gaps)

    @property
    def text(self) -> str:
        """The line as it goes into the raw text: a table row's cells joined by tabs.

        A line outside any table reads as the PDF reader writes one: its cells joined by a space, or by three
        when there are three cells or more (text set in columns); one wide gap is a spread line of prose
        (`部门：某局` … `单位：万元`), which must not read as a one-row table.
        """
        texts = [c.text for c in self.cells]
        if self.in_table:
            return "\t".join(texts)
        return ("   " if len(texts) >= 3 else " ").join(t for t in texts if t)


@dataclass(frozen=True)
class OcrTable:
    """A run of lines that form a table: first and last line index, columns, where the boundaries came from."""

    first: int
    last: int
    columns: int
    method: Literal["lines", "gaps"]
    extents: tuple[tuple[float, float], ...] = ()  # x0, x1 of each column


@dataclass(frozen=True)
class _Row:
    boxes: tuple[TextBox, ...]
    bounds: tuple[float, ...]  # vertical rulings crossing the row, sorted; () when none

    @property
    def top(self) -> float:
        return min(b.box[1] for b in self.boxes)

    @property
    def bottom(self) -> float:
        return max(b.box[3] for b in self.boxes)

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


def build_lines(boxes: Sequence[TextBox], rulings: Rulings | None = None) -> tuple[list[OcrLine], list[OcrTable]]:
    """Lines (cells joined by tabs) and tables of one page from its text boxes and ruling lines."""
    rulings = rulings or Rulings()
    if not boxes:
        return [], []
    unit = statistics.median(b.height for b in boxes)
    rulings = grid_rulings(rulings, unit * MEET)
    rows = _lift_spanning(_merge_wrapped(_with_bounds(group_rows(boxes), rulings, unit), rulings), rulings)
    cells = [_cells(r, rulings, unit) for r in rows]
    tables = find_tables(cells, [bool(r.bounds) for r in rows], unit)
    grids = []
    for t in tables:
        columns = _columns(cells[t.first : t.last + 1], unit)
        cells[t.first : t.last + 1] = _on_grid(cells[t.first : t.last + 1], columns)
        grids.append(OcrTable(t.first, t.last, len(cells[t.first]), t.method, tuple(columns)))
    tables = grids
    inside = {k for t in tables for k in range(t.first, t.last + 1)}
    lines = [_line(c, r, k in inside) for k, (c, r) in enumerate(zip(cells, rows, strict=True))]
    return lines, tables


def group_rows(boxes: Sequence[TextBox]) -> list[list[TextBox]]:
    """Boxes grouped into rows: a box joins a row when its vertical centre and the row's overlap each other."""
    rows: list[list[TextBox]] = []
    for b in sorted(boxes, key=lambda b: (b.cy, b.box[0])):
        for row in reversed(rows[-3:]):
            if any(same_row(b, o) for o in row):
                row.append(b)
                break
        else:
            rows.append([b])
    return [sorted(r, key=lambda b: b.box[0]) for r in rows]


def _with_bounds(rows: list[list[TextBox]], rulings: Rulings, unit: float) -> list[_Row]:
    out = []
    for r in rows:
        cy = (min(b.box[1] for b in r) + max(b.box[3] for b in r)) / 2
        xs = rulings.crossing(cy)
        bounds = tuple(snap(xs, unit * SNAP)) if len(xs) >= 2 else ()
        out.append(_Row(split_at_rulings(r, rulings, unit) if bounds else tuple(r), bounds))
    return out


def _merge_wrapped(rows: list[_Row], rulings: Rulings) -> list[_Row]:
    """Join a ruled row with the next when no horizontal ruling separates them (text wrapped inside its cells)."""
    out: list[_Row] = []
    for row in rows:
        prev = out[-1] if out else None
        if prev is not None and prev.bounds and row.bounds and not _ruled_between(prev, row, rulings):
            out[-1] = _Row(prev.boxes + row.boxes, prev.bounds if len(prev.bounds) >= len(row.bounds) else row.bounds)
        else:
            out.append(row)
    return out


def _lift_spanning(rows: list[_Row], rulings: Rulings) -> list[_Row]:
    """A box in a ruled cell spanning several rows goes to the cell's first row, where the PDF reader puts it.

    The cell reaches up to the horizontal ruling above the box; the box moves up through the ruled rows below
    that ruling as long as none of them holds a box in its place under another ruling (which would mean a
    ruling the scan lost); the lines of text wrapped in the same cell go up together.
    """
    boxes = [list(r.boxes) for r in rows]
    for i, row in enumerate(rows):
        for b in row.boxes if row.bounds else ():
            top = ceiling(b, rulings)
            j = i
            while top is not None and j > 0 and rows[j - 1].bounds and rows[j - 1].cy > top:
                if any(_over(o, b) and not _wrapped_above(o, b, top, rulings) for o in boxes[j - 1]):
                    break
                j -= 1
            if j < i:
                boxes[i].remove(b)
                boxes[j].append(b)
    return [_Row(tuple(sorted(bs, key=lambda b: b.box[0])), r.bounds) for bs, r in zip(boxes, rows, strict=True) if bs]


def _wrapped_above(o: TextBox, b: TextBox, top: float, rulings: Rulings) -> bool:
    """Box `o` is the line of text right above `b` in the same ruled cell (under the same ruling, no row gap)."""
    return ceiling(o, rulings) == top and b.box[1] - o.box[3] < WRAP_GAP * b.height


def _over(a: TextBox, b: TextBox) -> bool:
    """Two boxes overlap horizontally."""
    return a.box[0] < b.box[2] and b.box[0] < a.box[2]


def _ruled_between(a: _Row, b: _Row, rulings: Rulings) -> bool:
    """True when some box of `b` has a horizontal ruling above it, below the centre of row `a`."""
    for box in b.boxes:
        for y, x0, x1 in rulings.horizontal:
            if a.cy < y < box.cy and x0 <= box.cx <= x1:
                return True
    return False


def _cells(row: _Row, rulings: Rulings, unit: float) -> list[tuple[Box, list[TextBox]]]:
    """The row's cells as (cell box, boxes in it): between ruling lines when it has them, else split at gaps."""
    if row.bounds:
        return _ruled_cells(row, rulings, unit)
    cells: list[list[TextBox]] = []
    for b in row.boxes:
        if cells and not _cell_gap(cells[-1][-1], b, max(unit, b.height)):
            cells[-1].append(b)
        else:
            cells.append([b])
    return [(_union([b.box for b in c]), c) for c in cells]


def _cell_gap(left: TextBox, right: TextBox, height: float) -> bool:
    """Whether the gap between two boxes of a row separates cells.

    It does when wider than `GAP_HEIGHTS` box heights, or `NUMBER_GAP` next to a box that is a number alone (a
    figure column set close to its label).
    """
    gap = right.box[0] - left.box[2]
    numeric = bool(_NUMBER_BOX.fullmatch(left.text) or _NUMBER_BOX.fullmatch(right.text))
    return gap > GAP_HEIGHTS * height or (numeric and gap > NUMBER_GAP * height)


def _ruled_cells(row: _Row, rulings: Rulings, unit: float) -> list[tuple[Box, list[TextBox]]]:
    edges = [min(row.bounds[0], *(b.box[0] for b in row.boxes)), *row.bounds]
    edges.append(max(row.bounds[-1], *(b.box[2] for b in row.boxes)))
    spans = list(itertools.pairwise(snap(edges, 0.5)))
    slots: list[list[TextBox]] = [[] for _ in spans]
    for b in row.boxes:
        slots[_slot(b, spans, row.bounds[0], rulings, unit)].append(b)
    cells: list[tuple[Box, list[TextBox]]] = []
    for (left, right), inside in zip(spans, slots, strict=True):
        is_margin = (left < row.bounds[0] or right > row.bounds[-1]) and not inside
        if not is_margin:
            cells.append(((left, row.top, right, row.bottom), inside))
    return cells


def _slot(b: TextBox, spans: list[tuple[float, float]], first: float, rulings: Rulings, unit: float) -> int:
    """The row cell a box goes in: the first cell of the ruled cell it sits in at its own height.

    A merged cell (`功能分类科目编码` over `类 款 项`) has no ruling at the box's height where the row below has its
    column boundaries; its text goes to the leftmost column it spans, as the PDF reader puts it.
    """
    at = next((k for k, (left, right) in enumerate(spans) if left <= b.cx < right), len(spans) - 1)
    own = left_ruling(b, rulings)
    if own is None:
        return at
    inside = (k for k, (left, _) in enumerate(spans) if max(first, own - SNAP * unit) <= left <= b.cx)
    return min(inside, default=at)


def find_tables(rows: list[list[tuple[Box, list[TextBox]]]], ruled: list[bool], unit: float) -> list[OcrTable]:
    """Runs of consecutive rows with at least two cells whose cell boundaries line up (one ruled row suffices).

    In a table without ruling lines a row with one cell (its other cells empty) stays in the table when it sits
    in one column of the last full row and follows the row above closely.
    """
    tables: list[OcrTable] = []
    i = 0
    while i < len(rows):
        if len(rows[i]) < 2:
            i += 1
            continue
        j, ref, seen = i, i, list(rows[i])
        while j + 1 < len(rows) and _continues(seen, rows[ref], rows[j], rows[j + 1], ruled[j] == ruled[j + 1], unit):
            j += 1
            if len(rows[j]) >= 2:
                ref = j
                seen.extend(rows[j])
        while j > ref and len(rows[j]) < 2:
            j -= 1  # a table ends on a full row
        if j > i or ruled[i]:
            tables.append(OcrTable(i, j, 0, "lines" if all(ruled[i : j + 1]) else "gaps"))
        i = j + 1
    return tables


def _continues(seen: Cells, ref: Cells, prev: Cells, b: Cells, same: bool, unit: float) -> bool:
    """Row `b` continues the table whose last full row is `ref`: both ruled or both not, boundaries aligned.

    `seen` holds the cells of every full row of the table so far: a row may share its edges with any of them
    (a column the last row left empty).
    """
    if not same:
        return False
    if len(b) >= 2:
        return _aligned(ref, b, unit) or _shared_edges(seen, b, unit) >= 2
    top, bottom = b[0][0][1], max(box[3] for box, _ in prev)
    return bool(b[0][1]) and _overlapping_columns(ref, b) == 1 and top - bottom <= ROW_GAP * unit


def _aligned(a: list[tuple[Box, list[TextBox]]], b: list[tuple[Box, list[TextBox]]], unit: float) -> bool:
    """Two rows share column boundaries: at least two cell edges of the narrower row match edges of the other."""
    return _shared_edges(a, b, unit) >= 2 or _overlapping_columns(a, b) >= 2


def _shared_edges(a: Cells, b: Cells, unit: float) -> int:
    """Cell edges of `b` that match a cell edge of `a`."""
    ea = _edges(a)
    return sum(1 for x in _edges(b) if any(abs(x - y) <= unit * SNAP for y in ea))


def _edges(row: list[tuple[Box, list[TextBox]]]) -> list[float]:
    return [e for box, _ in row for e in (box[0], box[2])]


def _overlapping_columns(a: list[tuple[Box, list[TextBox]]], b: list[tuple[Box, list[TextBox]]]) -> int:
    """Cells of `b` that overlap exactly one cell of `a` horizontally (right-aligned numbers, ragged labels)."""
    n = 0
    for box, _ in b:
        hits = [o for o, _ in a if o[0] < box[2] and box[0] < o[2]]
        n += len(hits) == 1
    return n


def _on_grid(rows: list[Cells], columns: list[tuple[float, float]]) -> list[Cells]:
    """Lay the rows of one table on a shared column grid, inserting empty cells (a row that does not fit is kept)."""
    out = []
    for row in rows:
        slots: list[tuple[Box, list[TextBox]] | None] = [None] * len(columns)
        for cell in row:
            k = _column_of(cell[0], columns)
            if slots[k] is not None:
                break  # two cells of this row fall in one column: keep the row's own cells
            slots[k] = cell
        else:
            y0, y1 = min(b[1] for b, _ in row), max(b[3] for b, _ in row)
            row = [s or ((c0, y0, c1, y1), []) for s, (c0, c1) in zip(slots, columns, strict=True)]
        out.append(row)
    return out


def _columns(rows: list[list[tuple[Box, list[TextBox]]]], unit: float) -> list[tuple[float, float]]:
    """Column extents of a table: narrow cells first define columns; a cell over several columns spans them."""
    eps = unit * 0.1
    cols: list[list[float]] = []
    for x0, x1 in sorted(((b[0], b[2]) for row in rows for b, _ in row), key=lambda s: s[1] - s[0]):
        hits = [c for c in cols if c[0] < x1 - eps and x0 + eps < c[1]]
        if not hits:
            cols.append([x0, x1])
        elif len(hits) == 1:
            hits[0][0], hits[0][1] = min(hits[0][0], x0), max(hits[0][1], x1)
    return sorted((a, b) for a, b in cols)


def _column_of(box: Box, columns: list[tuple[float, float]]) -> int:
    """The first column the box covers (a spanning cell goes to its leftmost column), else the nearest one."""
    eps = (box[3] - box[1]) * 0.1
    for k, (c0, c1) in enumerate(columns):
        if c0 < box[2] - eps and box[0] + eps < c1:
            return k
    cx = (box[0] + box[2]) / 2
    return min(range(len(columns)), key=lambda k: abs((columns[k][0] + columns[k][1]) / 2 - cx))


def _line(cells: list[tuple[Box, list[TextBox]]], row: _Row, in_table: bool) -> OcrLine:
    out = [OcrCell(_join(c), box if c else None, min(b.confidence for b in c) if c else None) for box, c in cells]
    return OcrLine(
        tuple(out),
        _union([b.box for b in row.boxes]),
        statistics.fmean(b.confidence for b in row.boxes),
        ruled=bool(row.bounds),
        in_table=in_table,
    )


def _join(boxes: list[TextBox]) -> str:
    """Text of one cell: its visual lines top to bottom (text wrapped in the cell), boxes left to right."""
    text = ""
    for row in group_rows(boxes):
        for b in row:
            t = b.text.strip()
            if text and t and _is_word(text[-1]) and _is_word(t[0]):
                text += " "
            text += t
    return text


def _is_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _union(boxes: Sequence[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
