"""Table rows whose cells run together with single spaces (pdftotext -raw), rebuilt as tab-separated rows.

Without layout a row is `201 05 07 专项普查活动 257,700 257,700 0 0 0`: its 类/款/项 codes, its label, then its
figures, one space apart. The codes go to one column each (类, 款, 项), the label to the next, the figures to the
columns after it. The column names come from the header lines above a run of such rows, whose cells arrive in the
order the PDF drew them: after the last label column name (…名称, 项目), the words the lexicon knows as column names
(合计, 基本支出, 财政拨款收入 …).

An empty cell leaves no trace, so a row that prints fewer figures than the header names does not say which columns
they are in. When the columns are a total and its parts, the table's own sums may: the rows under a row (by code;
the 合计 row over the 类 rows) add up to it column by column, and a row printing its total and one part is placed
when exactly one choice of parts fits every sum (`place_by_sums`, runs followed across page breaks). When that
does not settle every row, only the first figure, the row's total, is placed under its name and the others stay in
columns without one, which no fact is read from. Deterministic, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from itertools import product

from pipeline.lexicon import lexicon
from pipeline.textgrid import is_amount

_CODE = re.compile(r"^\d{3}$|^\d{5}$|^\d{7}$")
_SUBCODE = re.compile(r"^\d{1,2}$")  # 款 / 项 after a 类 code (some reports print 02 as 2)
_FIGURE = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")
_SENTENCE = re.compile(r"[，。；：:]|\s{2,}|\t")
_STOP = re.compile(r"表\s*(（[^）]{0,12}）|\([^)]{0,12}\))?\s*$|单\s*位\s*[：:]|编制(部门|单位)|部门名称|[，。；]")
_LABEL_HEAD = re.compile(r"名称|^项目$|^科目$")
MIN_ROWS = 3
MAX_HEADER = 8
MAX_LABEL = 40


@dataclass(frozen=True)
class Row:
    """One row whose cells ran together: codes, label, figures."""

    codes: list[str]
    label: str
    figures: list[str]


@dataclass(frozen=True)
class RowTable:
    """A run of rows rebuilt as a grid: lines [first, last] of the page, the header row and the rows' cells."""

    first: int
    last: int
    header: list[str]
    rows: list[list[str]]
    codes: int
    continued: bool = False  # the rows go on from the table at the foot of the page before (header not repeated)


@lru_cache(maxsize=4096)
def parse_row(line: str) -> Row | None:
    """A line read as codes, label and figures one space apart, or None when it is not such a row.

    Every line of a page is read twice (`placements`, then `find_row_tables`): the rows are kept for the second
    reading, a bounded number of them (a `Row` is never changed).
    """
    text = line.strip()
    if not text or _SENTENCE.search(text):
        return None
    tokens = text.split(" ")
    k = 1 if _CODE.match(tokens[0]) else 0
    while k and k < len(tokens) - 1 and k < 3 and len(tokens[0]) == 3 and _SUBCODE.match(tokens[k]):
        k += 1
    codes = tokens[:k]
    label: list[str] = []
    while k < len(tokens) and not _FIGURE.match(tokens[k]):
        label.append(tokens[k])
        k += 1
    figures = tokens[k:]
    name = "".join(label)
    if not figures or not all(_FIGURE.match(f) for f in figures) or not (name or codes) or len(name) > MAX_LABEL:
        return None
    if not any(is_amount(f) or f == "0" for f in figures):
        return None
    return Row(codes, name, figures)


_PAGE_NUMBER = re.compile(r"^[-—–－\s]*\d{1,3}[-—–－\s]*$")


def last_line(lines: list[str]) -> int:
    """Index of a page's last line of content: a page number at its foot does not count (-1 for none)."""
    content = [k for k, line in enumerate(lines) if line.strip()]
    while content and _PAGE_NUMBER.match(lines[content[-1]]) and len(content) > 1:
        content.pop()
    return content[-1] if content else -1


def find_row_tables(
    lines: list[str], skip: set[int], carry: RowTable | None = None, placed: dict[int, list[str]] | None = None
) -> list[RowTable]:
    """Runs of at least `MIN_ROWS` rows under a header naming their figure columns.

    `carry` is the table that ended the page before: a run opening this page continues it. `placed` holds, per
    line, the figure cells `placements` found for rows that do not print every figure.
    """
    placed = placed or {}
    found: list[RowTable] = []
    top = next((n for n, line in enumerate(lines) if line.strip()), 0)
    k = 0
    while k < len(lines):
        run: list[tuple[int, Row]] = []
        j = k
        while j < len(lines) and j not in skip and (row := parse_row(lines[j])) is not None:
            run.append((j, row))
            j += 1
        if run and carry is not None and run[0][0] == top and _continues(run, carry, placed):
            found.append(_rows(run, carry.header, carry.codes, placed, continued=True))
        elif len(run) >= MIN_ROWS:
            table = _table(lines, run, found[-1].last + 1 if found else 0, skip, placed)
            if table is not None:
                found.append(table)
        k = max(j, k + 1)
    return found


def _continues(run: list[tuple[int, Row]], carry: RowTable, placed: dict[int, list[str]]) -> bool:
    """A run opening a page goes on with the table before: same codes, and its figures fit that table's columns."""
    width = len(carry.header) - carry.codes - 1
    if max(len(r.codes) for _, r in run) > carry.codes or max(len(r.figures) for _, r in run) > width:
        return False
    first_only = not any(carry.header[carry.codes + 2 :])
    total_first = lexicon().column_role(carry.header[carry.codes + 1 : carry.codes + 2]) == "total"
    return first_only or all(len(r.figures) == width or (total_first and j in placed) for j, r in run)


def _table(
    lines: list[str], run: list[tuple[int, Row]], floor: int, skip: set[int], placed: dict[int, list[str]]
) -> RowTable | None:
    figures = max(len(r.figures) for _, r in run)
    n_codes = max(len(r.codes) for _, r in run)
    names = _figure_names(lines, run[0][0], floor, skip)
    if names is None or len(names[2]) < figures:
        return None
    head, label_name, value_names = names
    total_first = lexicon().column_role(value_names[:1]) == "total"  # the sums that placed rows assume
    if not all(len(r.figures) == len(value_names) or (total_first and j in placed) for j, r in run):
        # rows missing figures that cannot be placed: only the first, the row's total, is placed; the others stay
        # in columns without a name (which columns they belong to cannot be told)
        if not total_first:
            return None
        value_names = [value_names[0], *[""] * (figures - 1)]
    code_names = ["类", "款", "项"][:n_codes] if n_codes > 1 else ["科目编码"] * n_codes
    table = _rows(run, [*code_names, label_name, *value_names], n_codes, placed)
    return RowTable(head, table.last, table.header, table.rows, n_codes)  # the header lines become its header row


def _rows(
    run: list[tuple[int, Row]],
    header: list[str],
    n_codes: int,
    placed: dict[int, list[str]],
    continued: bool = False,
) -> RowTable:
    width = len(header) - n_codes - 1
    rows = []
    for j, r in run:
        cells = placed[j] if j in placed and len(placed[j]) == width else r.figures
        rows.append([*r.codes, *[""] * (n_codes - len(r.codes)), r.label, *cells, *[""] * (width - len(cells))])
    return RowTable(run[0][0], run[-1][0], header, rows, n_codes, continued)


def _figure_names(lines: list[str], first: int, floor: int, skip: set[int]) -> tuple[int, str, list[str]] | None:
    """(first header line, label column name, figure column names) from the lines above line `first`, or None."""
    head = first
    while head > floor and first - head < MAX_HEADER and head - 1 not in skip:
        text = lines[head - 1].strip()
        if not text:
            head -= 1
            continue
        if _STOP.search(text) or any(_FIGURE.match(t) and is_amount(t) for t in text.split()):
            break
        head -= 1
    words = [w for line in lines[head:first] for w in line.split()]
    at = next((n for n in range(len(words) - 1, -1, -1) if _LABEL_HEAD.search(words[n])), None)
    if at is None:
        return None
    lex = lexicon()
    names = [w for w in words[at + 1 :] if lex.column_role([w]) not in (None, "code", "label")]
    while not lines[head].strip():
        head += 1
    return head, words[at], names


# ---------------------------------------------------------------- figures placed by the table's own sums

MAX_TRIALS = 4096


def placements(pages: list[list[str]]) -> list[dict[int, list[str]]]:
    """Per page, line → figure cells of the rows `place_by_sums` places, runs followed across page breaks."""
    found: list[dict[int, list[str]]] = [{} for _ in pages]
    run: list[tuple[int, int, Row]] = []
    for p, lines in enumerate(pages):
        last = last_line(lines)
        for k, line in enumerate(lines[: last + 1]):  # a page number at the foot does not end a run
            row = parse_row(line)
            if row is not None:
                run.append((p, k, row))
                continue
            _place_run(run, found)
            run = []
        if run and (run[-1][0] != p or run[-1][1] != last):
            _place_run(run, found)
            run = []
    _place_run(run, found)
    return found


def _place_run(run: list[tuple[int, int, Row]], found: list[dict[int, list[str]]]) -> None:
    width = max((len(r.figures) for _, _, r in run), default=0)
    if len(run) < MIN_ROWS or all(len(r.figures) == width for _, _, r in run):
        return
    cells = place_by_sums([r for _, _, r in run], width)
    for (p, k, _), placed in zip(run, cells or [], strict=False):
        found[p][k] = placed


def place_by_sums(rows: list[Row], width: int) -> list[list[str]] | None:
    """Each row's figures in their `width` columns — a total, then parts adding up to it — or None.

    A row that prints its total and one figure equal to it (the other parts empty) is missing which part that
    is. The table's own sums tell: the rows under a row (by their 类/款/项 codes; the 合计 row over the 类 rows)
    add up to it column by column. Each such row is placed only when exactly one choice of parts fits every sum;
    if one row stays undecided, or the printed figures do not add up, None (nothing is guessed).
    """
    parsed = [[_decimal(f) for f in r.figures] for r in rows]
    values = [[v for v in row if v is not None] for row in parsed]
    if any(len(v) != len(r.figures) for v, r in zip(values, rows, strict=True)):
        return None
    full = [k for k, r in enumerate(rows) if len(r.figures) == width]
    if any(sum(values[k][1:], Decimal(0)) != values[k][0] for k in full):
        return None  # the columns are not a total and its parts
    open_rows = {k for k, r in enumerate(rows) if 1 < len(r.figures) < width}
    if any(len(rows[k].figures) != 2 or values[k][0] != values[k][1] for k in open_rows):
        return None
    side = _settle(rows, values, width, open_rows)
    return None if side is None else [_cells(r, side.get(k), width) for k, r in enumerate(rows)]


def _settle(rows: list[Row], values: list[list[Decimal]], width: int, open_rows: set[int]) -> dict[int, int] | None:
    """Row → the part column of its one figure, for every open row, or None when the sums do not settle them all."""
    side: dict[int, int] = {}
    children = _children(rows)
    progress = True
    while open_rows and progress:
        progress = False
        for parent, kids in children.items():
            unknown = [k for k in kids if k in open_rows]
            target = _parts(parent, rows, values, side, width)
            if not unknown or target is None or (width - 1) ** len(unknown) > MAX_TRIALS:
                continue
            choices = product(range(1, width), repeat=len(unknown))
            fits = [c for c in choices if _adds_up(c, unknown, kids, target, rows, values, side, width)]
            if not fits:
                return None  # the printed figures do not add up
            if len(fits) == 1:
                side.update(zip(unknown, fits[0], strict=True))
                open_rows -= set(unknown)
                progress = True
    return None if open_rows else side


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "").rstrip("%"))
    except InvalidOperation:
        return None


def _code(r: Row) -> str:
    return r.codes[0] + "".join(c.zfill(2) for c in r.codes[1:]) if r.codes else ""


def _children(rows: list[Row]) -> dict[int, list[int]]:
    """Rows under each row: by code (201 → 20105 → 2010507), the 合计 row over the 类 rows."""
    at = {_code(r): k for k, r in enumerate(rows) if r.codes}
    total = next((k for k, r in enumerate(rows) if not r.codes and lexicon().total_rows.match(r.label)), None)
    kids: dict[int, list[int]] = {}
    for k, r in enumerate(rows):
        code = _code(r)
        if not code:
            continue
        parent = at.get(code[:-2]) if len(code) > 3 else total
        if parent is not None:
            kids.setdefault(parent, []).append(k)
    return kids


def _parts(
    k: int, rows: list[Row], values: list[list[Decimal]], side: dict[int, int], width: int
) -> list[Decimal] | None:
    """The part columns of a row whose figures are all placed, else None."""
    figures = values[k]
    if len(figures) == width:
        return figures[1:]
    if len(figures) == 1:
        return [Decimal(0)] * (width - 1)
    if k in side:
        return [figures[0] if j == side[k] else Decimal(0) for j in range(1, width)]
    return None


def _adds_up(
    choice: tuple[int, ...],
    unknown: list[int],
    kids: list[int],
    target: list[Decimal],
    rows: list[Row],
    values: list[list[Decimal]],
    side: dict[int, int],
    width: int,
) -> bool:
    trial = {**side, **dict(zip(unknown, choice, strict=True))}
    sums = [Decimal(0)] * (width - 1)
    for k in kids:
        parts = _parts(k, rows, values, trial, width)
        if parts is None:
            return False
        sums = [a + b for a, b in zip(sums, parts, strict=True)]
    return sums == target


def _cells(r: Row, part: int | None, width: int) -> list[str]:
    if part is None:
        return [*r.figures, *[""] * (width - len(r.figures))]
    cells = [r.figures[0], *[""] * (width - 1)]
    cells[part] = r.figures[1]
    return cells
