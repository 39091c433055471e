"""Table rows whose cells run together with single spaces (pdftotext -raw), rebuilt as tab-separated rows.

Without layout a row is `201 05 07 专项普查活动 257,700 257,700 0 0 0`: its 类/款/项 codes, its label, then its
figures, one space apart. An empty cell leaves no trace, so a row's figures can be put in their columns only
when every row of the table prints all of them: a run of such rows is rebuilt only when each has the same
number of figures (a run where some row has fewer is left as it is — which column lost its figure cannot be
told). The codes go to one column each (类, 款, 项), the label to the next, the figures to the columns after it.

The column names come from the header lines above the run, whose cells arrive in the order the PDF drew them:
after the label column's name (the last …名称 or 项目), the words the lexicon knows as column names (合计, 基本支出, 财政拨款
收入 …) name the figure columns when there are exactly as many of them as figures; otherwise the run is left
as it is. Deterministic, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


def parse_row(line: str) -> Row | None:
    """A line read as codes, label and figures one space apart, or None when it is not such a row."""
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


def find_row_tables(lines: list[str], skip: set[int], carry: RowTable | None = None) -> list[RowTable]:
    """Runs of at least `MIN_ROWS` rows with the same number of figures, under a header naming them.

    `carry` is the table that ended the page before: a run opening this page with as many figures continues it.
    """
    found: list[RowTable] = []
    top = next((n for n, line in enumerate(lines) if line.strip()), 0)
    k = 0
    while k < len(lines):
        run: list[tuple[int, Row]] = []
        j = k
        while j < len(lines) and j not in skip and (row := parse_row(lines[j])) is not None:
            run.append((j, row))
            j += 1
        if run:
            opens = len({len(r.figures) for _, r in run}) == 1 and (
                carry is not None and run[0][0] == top and len(carry.header) - carry.codes - 1 == len(run[0][1].figures)
            )
            if opens and carry is not None and max(len(r.codes) for _, r in run) <= carry.codes:
                found.append(_rows(run, carry.header, carry.codes, continued=True))
            elif len(run) >= MIN_ROWS:
                table = _table(lines, run, found[-1].last + 1 if found else 0, skip)
                if table is not None:
                    found.append(table)
        k = max(j, k + 1)
    return found


def _table(lines: list[str], run: list[tuple[int, Row]], floor: int, skip: set[int]) -> RowTable | None:
    figures = max(len(r.figures) for _, r in run)
    uneven = any(len(r.figures) != figures for _, r in run)
    n_codes = max(len(r.codes) for _, r in run)
    names = _figure_names(lines, run[0][0], floor, skip)
    if names is None or len(names[2]) < figures:
        return None
    head, label_name, value_names = names
    if len(value_names) > figures or uneven:
        # fewer figures than named columns in every row: only the first, the row's total, is placed; the others
        # stay in columns without a name (which columns they belong to cannot be told)
        if lexicon().column_role(value_names[:1]) != "total":
            return None
        value_names = [value_names[0], *[""] * (figures - 1)]
    code_names = ["类", "款", "项"][:n_codes] if n_codes > 1 else ["科目编码"] * n_codes
    table = _rows(run, [*code_names, label_name, *value_names], n_codes)
    return RowTable(head, table.last, table.header, table.rows, n_codes)  # the header lines become its header row


def _rows(run: list[tuple[int, Row]], header: list[str], n_codes: int, continued: bool = False) -> RowTable:
    width = len(header) - n_codes - 1
    rows = [
        [*r.codes, *[""] * (n_codes - len(r.codes)), r.label, *r.figures, *[""] * (width - len(r.figures))]
        for _, r in run
    ]
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
