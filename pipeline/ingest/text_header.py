"""Header lines of a space-aligned table (pdftotext -layout): each column's header path, outer → inner.

A table's header sits in the lines above its data, its cells centred over their columns and broken over several
lines; a cell spanning several columns (收入预算 over 合计 … 其他收入) is written once. The lines are taken up to a
title, a 单位 / 编制部门 line, a sentence or a line with an amount. A header text names the columns it overlaps,
else the one whose cell holds its centre — amounts are right-aligned, so the gap left of an amount column is its
cell's, and labels and codes are left-aligned, so the gap right of them is theirs. Texts right of every data
column, and a second far-apart text of the innermost line over one column, head columns no data row fills. The top
line of a header of several lines names the column groups (收入 | 支出, 项目 | 收入预算), parting before the next
side's label column. Used by `pipeline.ingest.text_tables`.
"""

from __future__ import annotations

import re
from itertools import pairwise

from pipeline.textgrid import Seg, TextTable, is_amount

_NUMERIC = re.compile(r"^[-\d.,%]+$")
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")

# a title, a 单位 / 编制部门 line, a note or a sentence: not a header line (nor a wrapped cell)
STOP = re.compile(
    r"表\s*(（[^）]{0,12}）|\([^)]{0,12}\))?\s*$|单\s*位\s*[：:]|编制(部门|单位)|部门名称|^\s*注[：:]|[，。；]"
)
MAX_HEADER = 8


def add_header(t: TextTable[int], lines: list[list[Seg[int]]], floor: int) -> None:
    """Header lines above the data, each header text written in the first column it covers.

    Up to `MAX_HEADER` lines, stopping at a title, a 单位 line, a sentence, a line with an amount or the table above.
    """
    first = t.columns[0]
    left = first[0] - max(4.0, first[1] - first[0])  # a header centred over a right-aligned first column
    head = t.first_line
    while head > floor and t.first_line - head < MAX_HEADER:
        line = lines[head - 1]
        text = " ".join(s.text for s in line)
        if STOP.search(text) or any(s.x0 < left for s in line) or any(is_amount(s.text) for s in line):
            break
        head -= 1
    header = lines[head : t.first_line]
    added = _header_columns(t, header)
    for data_row in t.rows:
        for k in added:
            data_row.insert(k, [])
    cells = _Cells(t)
    # the top line of a header of several lines may name column groups
    covers = [cells.line_cover(line, top=n == 0 and len(header) > 1) for n, line in enumerate(header)]
    if header:
        _give_headless_column(t, covers)
    rows: list[list[list[Seg[int]]]] = []
    for line, cover in zip(header, covers, strict=True):
        row: list[list[Seg[int]]] = [[] for _ in t.columns]
        for seg, cols in zip(line, cover, strict=True):
            row[cols[0]].append(seg)
        rows.append(row)
    t.rows[:0] = rows
    t.header_rows = len(rows)
    t.first_line = head
    t.header_paths = _paths(header, covers, len(t.columns))


def _header_columns(t: TextTable[int], header: list[list[Seg[int]]]) -> list[int]:
    """Add the columns only a header names (no data row has a figure there); returns their indexes, ascending.

    A header text right of every data column heads a column of its own; so does a text of the innermost header
    line that would share a column with another text of that line far from it (`功能科目名称      金额` over one
    column of labels). Any other header text between data columns names one of them: headers are centred over
    left-aligned labels and right-aligned amounts.
    """
    right = max(b for _, b in t.columns)
    new: list[tuple[float, float]] = []
    for line in header:
        for seg in line:
            if seg.x0 >= right and all(not (seg.x0 < b and a < seg.x1) for a, b in new):
                new.append((seg.x0, seg.x1))
    if header:
        cells = _Cells(t)
        by_column: dict[int, list[Seg[int]]] = {}
        for seg in header[-1]:
            by_column.setdefault(cells.covered(seg)[0], []).append(seg)
        for k, segs in by_column.items():
            a, b = t.columns[k]
            for x, y in pairwise(segs):
                if y.x0 - x.x1 > NEW_COLUMN_GAP and min(len(x.text), len(y.text)) >= 2:
                    lone = y if not (y.x0 < b and a < y.x1) else x
                    if not (lone.x0 < b and a < lone.x1) and (lone.x0, lone.x1) not in new:
                        new.append((lone.x0, lone.x1))
    columns = sorted([*t.columns, *new])
    t.columns[:] = columns
    return sorted(columns.index(c) for c in new)


NEW_COLUMN_GAP = 4  # spaces between two header texts over one column for them to be two cells


class _Cells:
    """The horizontal extent of each column's cells, for placing header texts that overlap no data.

    Amounts are right-aligned, so the gap left of an amount column belongs to it; labels are left-aligned, so the
    gap right of a label column belongs to it; between a label and an amount column the gap is shared.
    """

    def __init__(self, t: TextTable[int]) -> None:
        self.columns = t.columns
        words = [not _numeric(t, k) for k in range(len(t.columns))]
        codes = [_codes(t, k) for k in range(len(t.columns))]
        self.labels = [k for k in range(len(t.columns)) if words[k] and not codes[k]]
        # codes (类 款 项) are left-aligned, like the label after them
        before_label = range(self.labels[0]) if self.labels else range(0)
        numeric = [not words[k] and not (codes[k] and k in before_label) for k in range(len(t.columns))]
        self.bounds: list[float] = []  # right end of each column's cell but the last
        for k in range(len(t.columns) - 1):
            (_, b), (a, _) = t.columns[k], t.columns[k + 1]
            if numeric[k + 1]:
                self.bounds.append(b if numeric[k] else (a + b) / 2)
            else:
                self.bounds.append(a if not numeric[k] else (a + b) / 2)

    def _split(self, start: int, mid: float) -> int:
        """Where a column group after `start` ends (the first column of the next group).

        Before the next side's label column (two-sided tables), else after its own label column (项目 | 收入预算),
        else at the cell boundary nearest to `mid`.
        """
        own = next((k for k in self.labels if k >= start), None)
        sides = [k for k in self.labels if own is not None and k > own]
        if not sides:
            sides = [k + 1 for k in self.labels if start <= k < len(self.bounds)]
        if not sides:
            sides = list(range(start + 1, len(self.columns)))
        return min(sides, key=lambda k: abs(self.bounds[k - 1] - mid)) if sides else len(self.columns)

    def covered(self, seg: Seg[int]) -> list[int]:
        """The columns a header text overlaps, else the one whose cell holds its centre."""
        hit = [k for k, (a, b) in enumerate(self.columns) if seg.x0 < b and a < seg.x1]
        if hit:
            return hit
        centre = (seg.x0 + seg.x1) / 2
        return [sum(1 for b in self.bounds if b < centre)]

    def line_cover(self, line: list[Seg[int]], top: bool) -> list[list[int]]:
        """The columns each header text of a line covers.

        The top line of a header with two or more texts names the table's column groups (收入 | 支出, 项目 |
        收入预算): each group spans its columns as a merged cell does, two groups parting where the next side's
        label column starts (or, in a one-sided table, where its label column ends).
        """
        if not top or len(line) < 2 or not self.bounds:
            return [self.covered(seg) for seg in line]
        cover: list[list[int]] = []
        start = 0
        for a, b in pairwise(line):
            split = min(max(self._split(start, (a.x1 + b.x0) / 2), start + 1), len(self.columns))
            cover.append(list(range(start, split)))
            start = split
        cover.append(list(range(start, len(self.columns))))
        return [c or self.covered(seg) for c, seg in zip(cover, line, strict=True)]


def _give_headless_column(t: TextTable[int], covers: list[list[list[int]]]) -> None:
    """The right-hand of two innermost header texts over one column heads the headless amount column after it.

    The export writes a CJK header as one character per grid cell though it is drawn nearly twice as wide, so a
    header centred over an amount column can seem to end over the label column before it
    (`科目名称   机关运行经费支出` over `差旅费      350.00`).
    """
    headed = {k for line_cover in covers for cols in line_cover for k in cols}
    cover = covers[-1]  # the innermost line's
    for n in range(1, len(cover)):
        k = cover[n][0]
        if (
            cover[n] == cover[n - 1] == [k]
            and k + 1 < len(t.columns)
            and k + 1 not in headed
            and not _numeric(t, k)
            and _numeric(t, k + 1)
            and any(s.text for row in t.rows for s in row[k + 1])
        ):
            cover[n] = [k + 1]
            headed.add(k + 1)


def _codes(t: TextTable[int], k: int) -> bool:
    texts = [s.text for row in t.rows for s in row[k]]
    return bool(texts) and all(x.isdigit() for x in texts)


def _numeric(t: TextTable[int], k: int) -> bool:
    texts = [s.text for row in t.rows for s in row[k]]
    return not texts or 2 * sum(1 for x in texts if _NUMERIC.match(x)) > len(texts)


def _paths(header: list[list[Seg[int]]], covers: list[list[list[int]]], width: int) -> list[list[str]]:
    """Per column, the header texts above it, outer → inner (a text names every column it covers).

    Texts of one line over the same columns are one header cell letter-spaced (`金  额`) and are joined.
    """
    paths: list[list[str]] = [[] for _ in range(width)]
    for line, cover in zip(header, covers, strict=True):
        cells: dict[tuple[int, ...], str] = {}
        for seg, cols in zip(line, cover, strict=True):
            key = tuple(cols)
            cells[key] = join_text(cells[key], seg.text) if key in cells else seg.text
        for key, text in cells.items():
            for k in key:
                paths[k].append(text)
    return paths


def join_text(a: str, b: str) -> str:
    """Two pieces of one cell's text: CJK runs join without a space."""
    return a + b if a and b and _CJK.match(a[-1]) and _CJK.match(b[0]) else f"{a} {b}"
