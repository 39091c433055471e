"""Read .xlsx workbooks: each visible sheet's name as a line, then its rows as tab-separated lines.

openpyxl reads the workbook in read-only mode (rows are streamed; no cell objects are kept, only the text) with
`data_only=True` (a formula cell gives the value the workbook last calculated). A number is written as the cell
shows it (`pipeline.ingest.numfmt`): the number format's decimals, thousands separators and percent, from the
value's shortest decimal form (never a float artifact such as 1183.1099999999999). A merged cell is written once,
in its first column, with empty cells for the columns it covers; empty rows and empty leading and trailing
columns are dropped. Each sheet's grid goes into the layout as one table (method "xlsx").
"""

from __future__ import annotations

import re
import warnings
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.ingest.base import Read
from pipeline.ingest.grid import Grid, collapse, finish
from pipeline.ingest.numfmt import format_number
from schemas.layout import Layout, TableLayout

_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=[\"']([A-Za-z]+[0-9]+(?::[A-Za-z]+[0-9]+)?)[\"']")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .xls files and of password-protected workbooks


def read_xlsx(p: Path, data: bytes) -> Read:
    """Every visible sheet in workbook order: its name, then its rows; one table layout per sheet."""
    if data.startswith(_OLE2):
        raise InputError(
            str(p), "not an .xlsx file: an old binary .xls workbook or a password-protected one; save it as .xlsx"
        )
    if not zipfile.is_zipfile(p):
        raise InputError(str(p), "not a valid .xlsx file (not a zip archive; corrupt?)")
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # openpyxl's notes on features it drops (validation, styles)
        try:
            book = openpyxl.load_workbook(p, read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises several unrelated types for broken packages
            raise InputError(str(p), f"cannot open .xlsx ({type(e).__name__}: {e})") from e
        try:
            return _read_book(p, book)
        except InputError:
            raise
        except Exception as e:  # a sheet's XML broken after the workbook opened
            raise InputError(str(p), f"cannot read .xlsx ({type(e).__name__}: {e})") from e
        finally:
            book.close()


def _read_book(p: Path, book: Any) -> Read:
    lines: list[str] = []
    tables: list[TableLayout] = []
    notes: list[str] = []
    pos = 0
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            notes.append(f"sheet {sheet.title} is hidden and was not read")
            continue
        done = finish(_sheet_grid(sheet))
        if done is None:
            continue
        for line in (collapse(sheet.title), *done.titles):
            lines.append(line)
            pos += len(line) + 1
        start = pos
        for row in done.rows:
            lines.append("\t".join(row))
            pos += len(lines[-1]) + 1
        tables.append(
            TableLayout(
                span=(start, pos - 1),
                rows=len(done.rows),
                columns=len(done.rows[0]),
                header_rows=done.header_rows,
                header_paths=done.header_paths,
                method="xlsx",
            )
        )
    if not lines:
        raise InputError(str(p), "no text found (every sheet of the workbook is empty)")
    return Read("\n".join(lines) + "\n", "xlsx", layout=Layout(tables=tables), warnings=notes)


def _sheet_grid(sheet: Any) -> Grid:
    """The sheet's cell texts on a grid without empty outer columns, merged cells blanked past their first cell."""
    sheet.reset_dimensions()  # the stored dimension may be wrong: read every row the sheet has
    texts = [[cell_text(c.value, c.number_format) for c in row] for row in sheet.iter_rows()]
    width = max((len(r) for r in texts), default=0)
    texts = [r + [""] * (width - len(r)) for r in texts]
    origin = [[(r, c) for c in range(width)] for r in range(len(texts))]
    for top, left, bottom, right in _merged_ranges(sheet):
        for r in range(top, min(bottom + 1, len(texts))):
            for c in range(left, min(right + 1, width)):
                origin[r][c] = (top, left)
                if (r, c) != (top, left):
                    texts[r][c] = ""
    used = [c for c in range(width) if any(row[c] for row in texts)]
    if not used:
        return Grid([], [], [])
    first, last = used[0], used[-1] + 1
    texts = [row[first:last] for row in texts]
    origin = [[(r, max(c - first, 0)) for r, c in row[first:last]] for row in origin]
    return Grid(texts, origin, [False] * len(texts))


def _merged_ranges(sheet: Any) -> list[tuple[int, int, int, int]]:
    """Merged ranges as 0-based (top, left, bottom, right), read from the sheet's XML.

    A read-only worksheet does not parse its merged cells, so the `<mergeCell ref="A1:C1"/>` elements that follow
    the sheet's data are found in its XML stream, a chunk at a time (a tag is matched once its `>` has arrived).
    """
    from openpyxl.utils.cell import range_boundaries

    ranges: list[tuple[int, int, int, int]] = []
    pending = b""
    with sheet._get_source() as source:
        while chunk := source.read(1 << 20):
            pending += chunk
            done = pending.rfind(b">") + 1
            for match in _MERGE.finditer(pending, 0, done):
                left, top, right, bottom = range_boundaries(match.group(1).decode("ascii"))
                if left and top and right and bottom:
                    ranges.append((top - 1, left - 1, bottom - 1, right - 1))
            pending = pending[done:]
    return ranges


def cell_text(value: object, number_format: str | None) -> str:
    """A cell's value as the sheet shows it: numbers in their number format, text with whitespace collapsed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return format_number(value, number_format or "General")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return collapse(str(value))
