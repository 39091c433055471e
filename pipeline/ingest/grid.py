"""Cell grids of HTML and spreadsheet tables: merged cells placed on a grid, header rows and header paths.

A reader hands over the table's cells with their row and column spans; `place` lays them on a rectangular grid
(a merged cell's text in its first grid cell, empty text in the cells it covers, every row as wide as the widest)
and `finish` drops the empty rows and works out what the layout records: how many leading rows form the column
header and, per column, the header cells above it from the outermost to the innermost.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_NUMBER = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")
_CODE = re.compile(r"^\d{2,3}$|^\d{5}$|^\d{7}$")  # 类 / 款 / 项 codes are labels, not figures
_WHITESPACE = re.compile(r"\s+")
_NOTE = re.compile(r"[：:]\s*\S")
MAX_SPAN = 1000  # columns (and rows one cell spans): beyond this a page is broken, not a table


@dataclass(frozen=True)
class Cell:
    """One cell as the source gives it: its text and how many grid rows and columns it spans."""

    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Grid:
    """Cell texts on a rectangular grid; `origin[r][c]` is the (row, column) of the cell covering (r, c)."""

    texts: list[list[str]]
    origin: list[list[tuple[int, int]]]
    head: list[bool]  # rows the source marks as header rows (HTML thead / th)


@dataclass(frozen=True)
class Table:
    """A finished table: title lines above it, its non-empty rows and what the layout says about its header."""

    titles: list[str]
    rows: list[list[str]]
    header_rows: int
    header_paths: list[list[str]]


def place(rows: list[list[Cell]], head: list[bool] | None = None) -> Grid:
    """Lay cells with row and column spans on a grid, row by row, each cell in the next free column."""
    taken: dict[tuple[int, int], tuple[int, int]] = {}
    placed: list[tuple[int, int, str]] = []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            if c >= MAX_SPAN:
                break
            down = min(max(cell.rowspan, 1), len(rows) - r, MAX_SPAN)
            across = min(max(cell.colspan, 1), MAX_SPAN - c)
            for dr in range(down):
                for dc in range(across):
                    taken.setdefault((r + dr, c + dc), (r, c))
            placed.append((r, c, cell.text))
            c += across
    width = max((c + 1 for _, c in taken), default=0)
    texts = [[""] * width for _ in rows]
    origin = [[(r, c) for c in range(width)] for r in range(len(rows))]
    for (r, c), at in taken.items():
        origin[r][c] = at
    for r, c, text in placed:
        texts[r][c] = text
    return Grid(texts, origin, head if head is not None else [False] * len(rows))


def finish(grid: Grid) -> Table | None:
    """Drop empty rows and lift title rows out; the header is the marked rows, else the rows before the figures.

    Leading rows with a single text (a title merged across the table, a 单位：元 line) above a row of several
    cells are the table's titles, not column headers: they are written as lines of their own before it.
    """
    keep = [r for r, row in enumerate(grid.texts) if any(row)]
    lead = next((k for k, r in enumerate(keep) if sum(1 for t in grid.texts[r] if t) > 1), 0)
    titles = [next(t for t in grid.texts[r] if t) for r in keep[:lead]]
    keep = keep[lead:]
    if not keep:
        return None
    marked = next((k for k, r in enumerate(keep) if not grid.head[r]), len(keep))
    header_rows = marked or next((k for k, r in enumerate(keep) if _is_data_row(grid.texts[r])), len(keep))
    header = [r for r in keep[:header_rows] if not is_note_row(grid.texts[r])]
    return Table(titles, [grid.texts[r] for r in keep], header_rows, header_paths(grid, header))


def header_paths(grid: Grid, header: list[int]) -> list[list[str]]:
    """Per column, the header cells above it, outer → inner.

    A cell covers the columns its span covers; a header cell standing alone before empty cells of its row also
    covers those under which a deeper header row names sub-columns (a header merged by eye, not by a span: 收入
    over 项目 | 预算数), never beyond the cell above it.
    """
    width = len(grid.texts[0]) if grid.texts else 0
    paths: list[list[str]] = [[] for _ in range(width)]
    parent = [(0, width)] * width
    for i, r in enumerate(header):
        deeper = [any(grid.texts[d][c] for d in header[i + 1 :]) for c in range(width)]
        spans = list(parent)
        c = 0
        while c < width:
            at = grid.origin[r][c]
            text = grid.texts[at[0]][at[1]]
            if at[0] < r or not text:  # covered from a row above (already in the path), or an empty cell
                c += 1
                continue
            end = c + 1
            while end < width and grid.origin[r][end] == at:
                end += 1
            while end < parent[c][1] and grid.origin[r][end] == (r, end) and not grid.texts[r][end] and deeper[end]:
                end += 1
            for k in range(c, end):
                paths[k].append(text)
                spans[k] = (c, end)
            c = end
        parent = spans
    return paths


def is_note_row(row: list[str]) -> bool:
    """A row of `label：value` notes above the columns (单位名称：… 单位：元), not column headers."""
    cells = [t for t in row if t]
    return bool(cells) and all(_NOTE.search(t) for t in cells)


def _is_data_row(row: list[str]) -> bool:
    return any(_NUMBER.match(t) and not _CODE.match(t) for t in row if t)


def collapse(text: str) -> str:
    """Whitespace as a browser shows it: runs become one space; a line break between two CJK characters vanishes."""
    if "\n" not in text:
        return " ".join(text.split())

    def space(m: re.Match[str]) -> str:
        if "\n" in m.group() and _wide(text[m.start() - 1 : m.start()]) and _wide(text[m.end() : m.end() + 1]):
            return ""
        return " "

    return _WHITESPACE.sub(space, text).strip()


def _wide(ch: str) -> bool:
    return bool(ch) and unicodedata.east_asian_width(ch) in "WFH" and not "\uac00" <= ch <= "\ud7af"
