"""Classification tables of a text export written one cell per line (pdftotext without options), rebuilt as rows.

Without its layout options pdftotext writes each table cell on a line of its own, in the order of the page's text
flow: a row of a function or economic classification table comes out as its code cells, its name, then its
figures (`301` / `01` / `基本工资` / `1,952,616.00` / `1,952,616.00`), though a class row's code can trail after
its figures. Under a title the lexicon knows as a function or economic classification table, such runs are
rebuilt as tab-separated rows `code	name	figure` under a header `科目编码	科目名称	合计`, which the table rules
read as a grid of the kind the title names (the kind gives the figures' scope: 基本支出, 机关运行经费 …).

A row is kept only when the lexicon confirms it: its printed code names a class whose name is the row's name (the
trailing code cells that make a valid code), or, without a code, its name is the name of exactly one 类. Only
the first figure after the name is kept, as the row's total: which of several empty-celled columns the others
stand in cannot be told, and a figure no column names is no fact. The lines no row took follow the rebuilt rows.
Rows the lexicon could not confirm are missing from such a table, so no error check rests on it: its layout says
`method: cells`, and the rules read it as a grid and list it as not understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.lexicon import lexicon
from pipeline.textgrid import is_amount
from pipeline.textutil import no_spaces
from schemas.layout import TableLayout

_CODE_PART = re.compile(r"^\d{2,3}$|^\d{5}$|^\d{7}$")
_NAME = re.compile(r"[\u4e00-\u9fff]")
MIN_ROWS = 3  # rows a run must confirm to be rebuilt
_PREAMBLE = re.compile(r"单\s*位\s*[：:]|编制(部门|单位)|^\s*部\s*门\s*[：:]")


@dataclass(frozen=True)
class CellTables:
    """Text with its one-cell-per-line classification tables rebuilt, and where those tables lie."""

    text: str
    tables: list[TableLayout]


def rebuild_cell_streams(text: str) -> CellTables | None:
    """The text with its one-cell-per-line classification tables as tab rows; None when it holds none."""
    if "\t" in text:
        return None
    lines = text.split("\n")
    out: list[str] = []
    tables: list[TableLayout] = []
    pos = 0  # where the next line of `out` starts

    def put(line: str) -> None:
        nonlocal pos
        out.append(line)
        pos += len(line) + 1

    k = 0
    while k < len(lines):
        rows_kind = _classification_title(lines[k])
        if rows_kind is None:
            put(lines[k])
            k += 1
            continue
        end = _region_end(lines, k + 1)
        rebuilt = _rows(lines[k + 1 : end], rows_kind)
        if rebuilt is None:
            for line in lines[k:end]:
                put(line)
        else:
            before, rows, after = rebuilt
            # the title, its 编制部门 / 单位 lines and the rows; the header cells (replaced by the rebuilt header) and
            # the lines no row took after them
            put(lines[k].strip())
            cells = []
            for line in before:
                if _PREAMBLE.search(line):
                    put(line)
                else:
                    cells.append(line)
            after = cells + after
            start = pos
            header = "科目编码\t科目名称\t合计"
            for line in (header, *rows):
                put(line)
            tables.append(
                TableLayout(
                    span=(start, pos - 1),
                    rows=len(rows) + 1,
                    columns=3,
                    header_rows=1,
                    header_paths=[["科目编码"], ["科目名称"], ["合计"]],
                    method="cells",
                )
            )
            for line in after:
                put(line)
        k = end
    return CellTables("\n".join(out), tables) if tables else None


def _classification_title(line: str) -> str | None:
    """`function` or `economic` when the line is the title of a classification table, else None."""
    compact = no_spaces(line)
    if not compact.endswith("表") or len(compact) > 60:
        return None
    kind = lexicon().table_kind(compact)
    return kind.rows if kind is not None and kind.rows in ("function", "economic") else None


def _region_end(lines: list[str], start: int) -> int:
    """Where the table after a title ends: at the next table title, a page break or a sentence."""
    k = start
    while k < len(lines):
        compact = no_spaces(lines[k])
        if "\f" in lines[k] or (compact.endswith("表") and lexicon().table_kind(compact) is not None):
            break
        if len(compact) > 40 or re.search(r"[，。；]", compact):
            break
        k += 1
    return k


def _rows(lines: list[str], rows_kind: str) -> tuple[list[str], list[str], list[str]] | None:
    """The region as (lines before its rows, its confirmed rows, every other line of it, in order).

    None when fewer than MIN_ROWS rows are confirmed. The lines no row took (a second figure, a row the lexicon
    did not confirm) follow the rebuilt rows, so the rows make one table.
    """
    classes = lexicon().function if rows_kind == "function" else lexicon().economic
    before: list[str] = []
    rows: list[str] = []
    rest: list[str] = []
    codes: list[str] = []
    name: str | None = None
    pending: list[str] = []  # the lines of the row being read, kept as they are if it is not confirmed

    def keep(kept: list[str]) -> None:
        (rest if rows else before).extend(kept)

    for line in lines:
        cell = line.strip()
        if not cell:
            continue
        if name is not None and is_amount(cell) and not _CODE_PART.match(cell):
            row = _confirmed(codes, name, cell, classes)
            if row is not None:
                rows.append(row)
            else:
                keep([*pending, line])
            codes, name, pending = [], None, []
        elif _CODE_PART.match(cell):
            if name is not None:  # a name without its figure: not a row
                keep(pending)
                codes, name, pending = [], None, []
            codes.append(cell)
            pending.append(line)
        elif _NAME.search(cell) and not is_amount(cell):
            if name is not None:
                keep(pending)
                codes, pending = [], []
            name = cell
            pending.append(line)
        else:  # a further figure of a row already read, or anything else
            keep([*pending, line])
            codes, name, pending = [], None, []
    keep(pending)
    return (before, rows, rest) if len(rows) >= MIN_ROWS else None


def _confirmed(codes: list[str], name: str, figure: str, classes: dict[str, tuple[str, ...]]) -> str | None:
    """`code	name	figure` when the lexicon confirms the row's code and name, else None."""
    for n in range(min(len(codes), 3), 0, -1):
        code = "".join(codes[-n:])
        if len(code) in (3, 5, 7) and _names(name, classes.get(code, ())):
            return f"{code}\t{name}\t{figure}"
    top = [c for c, names in classes.items() if len(c) == 3 and _names(name, names)]
    if not codes and len(top) == 1:
        return f"{top[0]}\t{name}\t{figure}"
    return None


def _names(name: str, names: tuple[str, ...]) -> bool:
    """The row's name is one of the class's names (a 类 name may be printed with 支出 after it)."""
    compact = no_spaces(name)
    return any(compact in (no_spaces(a), no_spaces(a) + "支出") for a in names)
