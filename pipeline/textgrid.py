"""Tables without ruling lines: columns from the alignment of the text, rows from its lines.

Used for PDF pages whose tables are drawn without lines and for text exports that align columns with spaces
(pdftotext -layout). The input is lines of segments — runs of text with their horizontal extent (points on a PDF
page, display columns in a text file). Column boundaries come from the data rows (rows holding an amount): the
union of their segments' extents, merged where they overlap, is one interval per column. Header rows above the data
are assigned to the columns they cover (a header cell over several columns names each of them). A line with no
amount that holds a single segment right next to a data row is a wrapped cell of that row. Deterministic, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

AMOUNT = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")
CODE = re.compile(r"^\d{1,3}$|^\d{5}$|^\d{7}$")


def is_amount(text: str) -> bool:
    """An amount as written (1,234.50, 0, 12.5%), not a classification code."""
    t = text.strip()
    return bool(AMOUNT.match(t)) and not (CODE.match(t) and "." not in t and t != "0")


@dataclass
class Seg(Generic[T]):
    """A run of text on one line with its horizontal extent; `ref` is the caller's handle (chars, a cell)."""

    x0: float
    x1: float
    text: str
    ref: T


@dataclass
class TextTable(Generic[T]):
    """A table found in aligned text: rows of cells (a cell is the list of segments in it), and its header."""

    first_line: int
    last_line: int
    columns: list[tuple[float, float]]
    rows: list[list[list[Seg[T]]]]
    header_rows: int
    header_paths: list[list[str]] = field(default_factory=list)


def _data(line: Sequence[Seg[T]]) -> bool:
    return len(line) >= 2 and any(is_amount(s.text) for s in line)


def _columns(lines: Sequence[Sequence[Seg[T]]], slack: float) -> list[tuple[float, float]]:
    spans = sorted((s.x0, s.x1) for line in lines for s in line)
    merged: list[list[float]] = []
    for x0, x1 in spans:
        if merged and x0 <= merged[-1][1] + slack:
            merged[-1][1] = max(merged[-1][1], x1)
        else:
            merged.append([x0, x1])
    return [(a, b) for a, b in merged]


def _column_of(columns: list[tuple[float, float]], seg: Seg[T]) -> list[int]:
    """The columns a segment covers (by overlap; the nearest one when it overlaps none)."""
    hit = [k for k, (a, b) in enumerate(columns) if seg.x0 < b and a < seg.x1]
    if hit:
        return hit
    centre = (seg.x0 + seg.x1) / 2
    return [min(range(len(columns)), key=lambda k: abs((columns[k][0] + columns[k][1]) / 2 - centre))]


StopRule = Callable[[str], bool]
_TITLE_OR_NOTE = re.compile(r"表\s*$|单\s*位\s*[：:]|编制部门|部门名称|^\s*注[：:]")


def find_tables(
    lines: Sequence[Sequence[Seg[T]]],
    slack: float = 0.0,
    max_header: int = 4,
    stop: StopRule = lambda t: bool(_TITLE_OR_NOTE.search(t)),
) -> list[TextTable[T]]:
    """Tables in a sequence of lines: runs of ≥ 3 data rows (two or more segments, one an amount).

    Each comes with its wrapped cells and up to `max_header` header lines above it (a title or 单位 line ends them).
    """
    tables: list[TextTable[T]] = []
    i = 0
    while i < len(lines):
        if not _data(lines[i]):
            i += 1
            continue
        j, data_rows = i, 0
        while j < len(lines) and (
            _data(lines[j]) or (len(lines[j]) == 1 and j + 1 < len(lines) and _data(lines[j + 1]))
        ):
            data_rows += _data(lines[j])
            j += 1
        if data_rows >= 3:
            tables.append(_table(lines, i, j, slack, max_header, stop))
        i = max(j, i + 1)
    return tables


def _table(
    lines: Sequence[Sequence[Seg[T]]], first: int, end: int, slack: float, max_header: int, stop: StopRule
) -> TextTable[T]:
    data = [lines[k] for k in range(first, end) if _data(lines[k])]
    columns = _columns(data, slack)
    head = first
    while head > 0 and first - head < max_header and lines[head - 1] and not _data(lines[head - 1]):
        line = lines[head - 1]
        if stop(" ".join(s.text for s in line)) or not all(
            any(s.x0 < b and a < s.x1 for a, b in columns) for s in line
        ):
            break  # a title, a 单位 note, a line outside the table's columns
        head -= 1
    rows: list[list[list[Seg[T]]]] = []
    pending: list[list[Seg[T]]] | None = None  # a wrapped label above its row
    for k in range(head, end):
        cells: list[list[Seg[T]]] = [[] for _ in columns]
        for seg in lines[k]:
            cells[_column_of(columns, seg)[0]].append(seg)
        if k < first:
            rows.append(cells)
            continue
        if not _data(lines[k]):
            nxt = lines[k + 1] if k + 1 < end else None
            column = next(n for n, c in enumerate(cells) if c)
            if nxt is not None and _data(nxt) and not any(_column_of(columns, s)[0] == column for s in nxt):
                pending = cells  # the row below has no text in this column: the label wraps onto it
            elif rows:
                _wrap(rows[-1], cells)
            continue
        if pending is not None:
            for n, segs in enumerate(pending):
                cells[n][:0] = segs
            pending = None
        rows.append(cells)
    header_rows = first - head
    paths = _header_paths(rows[:header_rows], columns)
    return TextTable(head, end - 1, columns, rows, header_rows, paths)


def _wrap(row: list[list[Seg[T]]], cells: list[list[Seg[T]]]) -> None:
    for k, segs in enumerate(cells):
        row[k].extend(segs)


def _header_paths(header: list[list[list[Seg[T]]]], columns: list[tuple[float, float]]) -> list[list[str]]:
    """Per column, the header texts above it: a header segment names every column it covers."""
    paths: list[list[str]] = [[] for _ in columns]
    for row in header:
        for segs in row:
            for seg in segs:
                for k in _column_of(columns, seg):
                    if not paths[k] or paths[k][-1] != seg.text:
                        paths[k].append(seg.text)
    return paths
