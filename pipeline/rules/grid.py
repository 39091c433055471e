"""Figures of budget tables read as grids: every cell gets an identity, or the table is reported as not understood.

A table's kind comes from its title (收支总表, 收入表, 支出表, 财政拨款收支总表, 一般公共预算支出表, 基本支出经济分类表,
三公表 …, `lexicon.table_kinds`); a column's role from its header path (合计, 基本支出, 项目支出, 人员经费, 财政拨款收入 …,
`lexicon.columns`); a row's identity from its printed codes (类/款/项, never inferred from the name when codes are
printed), else from its label (concept wordings, function-class names, the table's own lines). Each cell fact
carries the table kind, the row's code as printed, the row label and the column's header path. What cannot be
identified is not guessed: the table goes to `tables_not_understood` with the reason, and only its identified
cells become facts.

The header paths come from the reader when it saw the grid (PDF, Word, HTML, spreadsheet: `layout.tables`), else
they are rebuilt from the header rows (a header cell spans right over the empty cells above which a deeper header
row has names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.lexicon import TableKind, lexicon
from pipeline.numbers import NUMBER, parse_number
from pipeline.rules.emit import Emitter
from pipeline.rules.labels import resolve
from pipeline.rules.vocab import concept_of, econ_code_by_name, func_code_by_name, func_code_by_prefix
from pipeline.segment import Cell
from pipeline.textutil import no_spaces
from schemas.document import Period

_NUM = re.compile(rf"^(?:{NUMBER})$")
_CODE_CELL = re.compile(r"^\d{1,3}$|^\d{5}$|^\d{7}$")
_CODED_LABEL = re.compile(r"^(?P<code>\d{3}(?:\s?\d{2}){0,2})\s*(?P<name>\D.*)$")  # 2080505 名称 in one cell
_NUMBERING = re.compile(r"^[一二三四五六七八九十]+、|^\d+[.．、]\s*|^[（(][一二三四五六七八九十\d]+[）)]")
_EMPTY = {"", "-", "—", "－", "/", "--"}


def is_amount(text: str) -> bool:
    """A cell holding one amount as written (3,162,923.00, 0, 16.5), not a code."""
    t = text.strip()
    return bool(_NUM.match(t)) and not (_CODE_CELL.match(t) and len(t) in (2, 3, 5, 7) and "." not in t and t != "0")


@dataclass
class Column:
    """One column of a table: its header path and role."""

    index: int
    path: list[str]
    role: str | None

    @property
    def header(self) -> str:
        """The header path as one string."""
        return "/".join(self.path)


@dataclass
class Side:
    """A label column with its code columns and amount columns (two-sided tables have several)."""

    label: int
    codes: list[int] = field(default_factory=list)
    amounts: list[Column] = field(default_factory=list)
    name: str = ""  # the side's top header: 收入 / 支出 / 财政拨款收入 …

    @property
    def side(self) -> str:
        """Income or expenditure, from the side's top header."""
        return "expenditure" if "支出" in self.name and "收入" not in self.name else "income"


@dataclass
class Grid:
    """A table block prepared for reading."""

    rows: list[list[Cell]]
    header_rows: int
    paths: list[list[str]]
    title: str
    kind: TableKind | None
    table_id: str
    unit: str | None
    period: Period
    fiscal_year: int | None = None
    problems: list[str] = field(default_factory=list)


def header_paths(rows: list[list[str]], width: int) -> list[list[str]]:
    """Per column, the header cells above it (outer → inner), rebuilt from header rows written cell by cell.

    A merged header cell is written once, at its first column; it covers the empty columns to its right under
    which a deeper header row names sub-columns (and no further than its parent covers).
    """
    paths: list[list[str]] = [[] for _ in range(width)]
    parent_span = [(0, width)] * width
    for r, row in enumerate(rows):
        cells = [*row, *[""] * (width - len(row))][:width]
        deeper = [any(c < len(rr) and rr[c].strip() for rr in rows[r + 1 :]) for c in range(width)]
        spans: list[tuple[int, int]] = [(c, c + 1) for c in range(width)]
        for c, text in enumerate(cells):
            if not text.strip():
                continue
            hi = parent_span[c][1]
            end = c + 1
            while end < min(hi, width) and not cells[end].strip() and deeper[end]:
                end += 1
            for k in range(c, end):
                paths[k].append(text.strip())
                spans[k] = (c, end)
        parent_span = spans
    return paths


def realign(paths: list[list[str]], data: list[list[Cell]]) -> list[list[str]]:
    """Header paths set one column right when the header stands one column left of its data.

    Exports that drop a merged cell write the header one cell short: the column the header names as the label
    column holds no names in the data (codes or nothing: 203101), the column after it holds them, and the last
    column holds nothing (the header's last name has no column of its own). The columns from the label on then
    take the paths of the column before them; the header's label column keeps no path.
    """
    lex = lexicon()
    label = next((j for j, p in enumerate(paths) if lex.column_role(p) == "label"), None)
    if label is None or label + 1 >= len(paths) or not data:
        return paths

    def texts(j: int) -> list[str]:
        return [r[j].text.strip() for r in data if j < len(r) and r[j].text.strip()]

    words_at_label = [t for t in texts(label) if not t.isdigit()]
    if words_at_label or texts(len(paths) - 1) or not _mostly_words(data, label + 1):
        return paths
    return [*paths[:label], [], *paths[label : len(paths) - 1]]


def columns_of(grid: Grid) -> list[Column]:
    """Every column with its role from the lexicon (None when the header names no known role).

    A column headed by a year (2021年预算数) is the report's own figure in its fiscal year, a prior-year one before.
    """
    lex = lexicon()
    width = max((len(r) for r in grid.rows), default=0)
    columns = []
    for j in range(width):
        path = grid.paths[j] if j < len(grid.paths) else []
        role = lex.column_role(path) if path else None
        if role == "total" and any(lex.column_role([p]) == "prior" for p in path[:-1]):
            role = "prior"  # 小计 under 上年预算数: the prior year's subtotal
        if role == "year":
            year = next((int(m.group(1)) for p in reversed(path) if (m := re.match(r"^(\d{4})年", p.strip()))), None)
            role = "total" if grid.fiscal_year is None or year == grid.fiscal_year else "prior"
        columns.append(Column(j, path, role))
    return columns


def sides_of(columns: list[Column], rows: list[list[Cell]]) -> list[Side]:
    """Split the columns into sides: a label column (with the code columns before it) and its amount columns."""
    sides: list[Side] = []
    pending_codes: list[int] = []
    for col in columns:
        if col.role == "code":
            pending_codes.append(col.index)
        elif col.role == "label" or (col.role is None and not sides and _mostly_words(rows, col.index)):
            sides.append(Side(col.index, pending_codes, name=col.path[0] if col.path else ""))
            pending_codes = []
        elif sides:
            sides[-1].amounts.append(col)
    if not sides and pending_codes:
        sides.append(Side(pending_codes[-1], pending_codes[:-1]))
    return sides


def _mostly_words(rows: list[list[Cell]], j: int) -> bool:
    texts = [r[j].text for r in rows if j < len(r) and r[j].text.strip()]
    return bool(texts) and 5 * sum(1 for t in texts if not is_amount(t)) >= 3 * len(texts)


# ---------------------------------------------------------------- row identity


def row_code(row: list[Cell], side: Side) -> str | None:
    """The classification code a row prints (类/款/项 cells joined, or one cell 2080505 / 208 05 05)."""
    parts = [row[j].text.strip() for j in side.codes if j < len(row) and row[j].text.strip().isdigit()]
    if parts:
        code = "".join(parts)
        return code if len(code) in (3, 5, 7) else None
    return None


@dataclass
class _Context:
    """Codes of the rows above, for rows that print a partial code or only a name."""

    by_level: dict[int, str] = field(default_factory=dict)

    def note(self, code: str) -> None:
        self.by_level[len(code)] = code
        for level in (5, 7):
            if level > len(code):
                self.by_level.pop(level, None)


def identify(row: list[Cell], side: Side, grid: Grid, ctx: _Context) -> tuple[str | None, str | None, str]:
    """(concept, printed code, label) of a row on one side; concept 'total' for a 合计 row."""
    lex = lexicon()
    label = row[side.label].text.strip() if side.label < len(row) else ""
    if not label:  # a merged cell over the code and name columns (合计) sits in the first of them
        label = next(
            (
                row[j].text.strip()
                for j in side.codes
                if j < len(row) and not row[j].text.strip().isdigit() and row[j].text.strip()
            ),
            "",
        )
    compact = no_spaces(label)
    if lex.total_rows.match(compact):
        return "total", None, label
    kind = grid.kind
    rows_kind = kind.rows if kind else "function"
    code = row_code(row, side)
    if code is None and (m := _CODED_LABEL.match(label)) and rows_kind in ("function", "economic"):
        code, label = no_spaces(m.group("code")), m.group("name").strip()
        compact = no_spaces(label)
    misprint = None
    if code is not None and not _plausible(code, rows_kind):
        code, misprint = None, code  # a misprinted code (7 11 02 for 210 11 02): read the row by its name instead
    if code is not None:
        return _coded(code, label, rows_kind, grid, ctx), code, label
    if rows_kind == "lines":
        return _line_concept(compact, side, kind), None, label
    if rows_kind == "procurement":
        return procurement_row(compact), None, label
    if rows_kind == "economic":
        econ = econ_code_by_name(_NUMBERING.sub("", compact), grid.fiscal_year)
        return (f"econ:{econ}", None, label) if econ else (None, None, label)
    if rows_kind == "function":
        name = _NUMBERING.sub("", compact)
        found = func_code_by_name(name) or func_code_by_prefix(name)
        if found and len(found) == 3:
            ctx.note(found)
            return f"func:{found}", None, label
        for parent_level in (5, 3):
            parent = ctx.by_level.get(parent_level)
            child = func_code_by_name(name, parent=parent) if parent else None
            if child:
                ctx.note(child)
                return f"func:{child}", misprint, label  # the code as printed stays on the fact
        if kind is not None and kind.scope == "income" and code is None and misprint is None:
            return _income_line(row, side, label)
    return None, None, label


def _income_line(row: list[Cell], side: Side, label: str) -> tuple[str | None, None, str]:
    """A line of an income table listed by source, not by function class (Jiangsu's 收入预算总表).

    `收入总计`, `一般公共预算资金 | 小计` (the group's line) and `| 其他收入` (a source under a group, its label in
    the next column) name their concept; a sub-line the lexicon does not know (公共财政拨款(补助)资金) names none.
    """
    if not label:  # a source under a group: its label in a name column after the side's own
        label = next((c.text.strip() for c in row[side.label + 1 :] if c.text.strip()), "")
        label = "" if is_amount(label) else label
    compact = _NUMBERING.sub("", no_spaces(label))
    if lexicon().sub_lines.match(compact):
        return "item", None, label  # a part of a group the lexicon knows to name no figure
    return (concept_of(compact) if label else None), None, label


_PROCUREMENT_GROUP = re.compile(r"^[一二三][、.．]?\s*(货物|工程|服务)")
_PROCUREMENT_GROUPS = {"货物": "proc_goods", "工程": "proc_works", "服务": "proc_services"}


def procurement_row(compact: str) -> str:
    """What a row of a 政府采购 table is: a group total (一、货物 → proc_goods) or `item`, a procurement item.

    An item's label is an economic class or what is bought (会议费, 办公设备购置): never the report's own 会议费.
    """
    group = _PROCUREMENT_GROUP.match(compact)
    return _PROCUREMENT_GROUPS[group.group(1)] if group else "item"


def _identified(row: list[Cell], side: Side, grid: Grid, ctx: _Context) -> tuple[str | None, str | None, str]:
    """`identify`, with the row's label recorded and settled by an override or the model when the lexicon fails."""
    concept, code, label = identify(row, side, grid, ctx)
    if concept in ("total", "item") or (concept or "").startswith("project:"):
        return concept, code, label
    kind = grid.kind.kind if grid.kind else None
    return resolve("row", label, concept, kind, fixed=code is not None), code, label


def _coded(code: str, label: str, rows_kind: str, grid: Grid, ctx: _Context) -> str:
    """The concept of a row that prints its code: the class, or in a project table a project charged to it."""
    if rows_kind == "economic" or (rows_kind == "function" and code.startswith("3")):
        return f"econ:{code}"
    compact = no_spaces(label)
    if grid.kind is not None and grid.kind.projects and compact and not _names_class(compact, code):
        return f"project:{re.sub(r'项目$', '', label)}"
    ctx.note(code)
    return f"func:{code}"


def _names_class(name: str, code: str) -> bool:
    """A row label that is the name of its printed function class (in full or cut to the cell's width)."""
    parent = code[:-2] if len(code) > 3 else None
    return code in (func_code_by_name(name), func_code_by_name(name, parent), func_code_by_prefix(name, parent))


def _plausible(code: str, rows_kind: str) -> bool:
    """A printed code whose 类 exists in the classification (function 2xx, economic 3xx)."""
    lex = lexicon()
    if code.startswith("3"):
        return code[:3] in lex.economic
    return code[:3] in lex.function


def _line_concept(compact: str, side: Side, kind: TableKind | None) -> str | None:
    lex = lexicon()
    for rule in lex.line_rules(kind.kind if kind else "", side.side):
        if rule.pattern.search(compact):
            return rule.concept + (f"@{rule.scope}" if rule.scope else "")
    name = _NUMBERING.sub("", compact)
    concept = concept_of(name)
    if concept is None and side.side == "expenditure":
        code = func_code_by_name(name) or func_code_by_prefix(name)  # a name cut to its cell: 八、社会保障和就
        concept = f"func:{code}" if code and len(code) == 3 else None
    return concept


# ---------------------------------------------------------------- reading a grid


def read_grid(em: Emitter, grid: Grid) -> None:
    """Emit every identified cell of a grid; record what was not understood in `grid.problems`."""
    columns = columns_of(grid)
    sides = _one_side(grid, sides_of(columns, grid.rows[grid.header_rows :]))
    if grid.kind is None:
        grid.problems.append(f"table kind not recognised from its title {grid.title!r}")
        return
    if grid.kind.rows == "single":
        _read_single(em, grid, columns)
        return
    if grid.kind.rows == "key_value":
        _read_key_value(em, grid)
        return
    if not sides:
        if grid.kind.total and all(c.role for c in columns if _has_amounts(grid, c.index)):
            _read_totals_only(em, grid, columns)  # one data row of totals by column (支出预算总表 of Jiangsu)
        else:
            grid.problems.append("no label column found in the header")
        return
    unknown = sorted(
        {
            c.header or f"column {c.index + 1}"
            for s in sides
            for c in s.amounts
            if c.role is None and _has_amounts(grid, c.index)
        }
    )
    if unknown:
        grid.problems.append("columns not understood: " + ", ".join(unknown))
    uncoded: list[str] = []
    ctx = _Context()
    for r in range(grid.header_rows, len(grid.rows)):
        row = grid.rows[r]
        for side in sides:
            # in a column the header makes an amount column, 15 or 775 is a figure, not a code
            amounts = [
                (c, row[c.index]) for c in side.amounts if c.index < len(row) and _NUM.match(row[c.index].text.strip())
            ]
            if not amounts:
                continue
            concept, code, label = _identified(_spanning_label(row, side, sides), side, grid, ctx)
            if concept == "item":
                continue  # a procurement item, an income table's sub-line: not vocabulary
            if grid.kind.rows == "procurement":
                amounts = amounts[-1:]  # the row's total (总计 / 金额) is its last amount
            if concept is None:
                uncoded.append(label or f"row {r + 1}")
                continue
            _emit_row(em, grid, r, concept, code, label, amounts)
    if uncoded:
        grid.problems.append(f"rows not identified: {len(uncoded)} (e.g. {uncoded[0]!r})")


def _spanning_label(row: list[Cell], side: Side, sides: list[Side]) -> list[Cell]:
    """The row with the label of a merged cell that spans this side's name column written into it.

    A two-sided table whose 支出 half has two label columns (功能分类 | 支出用途) writes `当年支出小计` once, in
    the first, and its figure under the last: the figure belongs to that label, from a side of the same half
    that has no figure on the row.
    """
    if (
        side.label >= len(row)
        or row[side.label].text.strip()
        or any(j < len(row) and row[j].text.strip() for j in side.codes)
    ):
        return row
    for other in reversed(sides[: sides.index(side)]):
        if other.name != side.name or other.label >= len(row):
            continue
        if any(c.index < len(row) and row[c.index].text.strip() for c in other.amounts):
            return row  # the label is that side's own
        if row[other.label].text.strip():
            return [*row[: side.label], row[other.label], *row[side.label + 1 :]]
    return row


def economic_columns(grid: Grid) -> bool:
    """A function table whose figures stand in columns named by economic classes (基本工资, 津贴补贴 …).

    The function × economic cross table: the grid reader gives columns roles (合计, 基本支出 …), never classes,
    so such a table is read by the text-table reader, which names a 合计 row's figures by their columns' classes.
    """
    if grid.kind is None or grid.kind.rows != "function":
        return False
    return any(
        c.role is None and c.path and econ_code_by_name(c.path[-1], grid.fiscal_year) and _has_amounts(grid, c.index)
        for c in columns_of(grid)
    )


def _one_side(grid: Grid, sides: list[Side]) -> list[Side]:
    """A procurement table's name columns as one side (采购品目大类 | 专项名称 | 经济科目 | 采购物品名称 | … | 总计).

    The name columns describe one row, read by its first label (一、货物 / 合计) and its total; the text columns
    between them hold no figures.
    """
    if grid.kind is not None and grid.kind.scope == "income" and len(sides) == 2 and not sides[0].amounts:
        # 项目名称 over two name columns (一般公共预算资金 | 小计, then | 公共财政拨款(补助)资金): one side, read by
        # its lines (`_income_line`), never a side whose 小计 lines would be the table's total
        first, second = sides
        return [Side(first.label, first.codes, second.amounts, first.name)]
    if grid.kind is None or grid.kind.rows != "procurement" or len(sides) < 2:
        return sides
    amounts = [c for side in sides for c in side.amounts if c.role is not None]
    return [Side(sides[0].label, sides[0].codes, amounts, sides[0].name)]


def _has_amounts(grid: Grid, j: int) -> bool:
    return any(j < len(r) and is_amount(r[j].text) for r in grid.rows[grid.header_rows :])


def _emit_row(
    em: Emitter, grid: Grid, r: int, concept: str, code: str | None, label: str, amounts: list[tuple[Column, Cell]]
) -> None:
    kind = grid.kind
    assert kind is not None
    for col, cell in amounts:
        period, prior_scope = _period_of(col, grid.period)
        if period is None:
            continue
        scope: str | None = prior_scope
        if concept == "total":
            name = kind.total.get(col.role or "")
            if name is None:
                continue
            target, scope = name, _total_scope(kind, name) if prior_scope is None else prior_scope
        elif concept.startswith("func:"):
            if col.role in ("basic", "project") and kind.scope is None:
                scope = col.role
            elif col.role != "total" and col.role != "prior":
                continue
            else:
                scope = kind.scope if prior_scope is None else prior_scope
            target = concept
        elif concept.startswith("econ:"):
            if col.role not in ("total", "prior"):
                continue
            target = concept
            scope = prior_scope or kind.scope or ("basic" if kind.kind.endswith("基本支出表") else None)
        else:
            split = _fund_column(kind, concept, col)
            if split is not None:
                _add(em, grid, r, split, period, None, cell, col, code, label)
                continue
            if col.role not in ("total", "prior", None) and len(amounts) > 1 and kind.rows != "procurement":
                continue
            target, _, line_scope = concept.partition("@")
            scope = prior_scope or line_scope or None
        _add(em, grid, r, target, period, scope, cell, col, code, label)


_SPENDING_TOTALS = ("fiscal_grand_total", "expenditure_total", "fiscal_expenditure")


def _fund_column(kind: TableKind, concept: str, col: Column) -> str | None:
    """A 财政拨款收支总表's spending total split by budget in columns (一般公共预算 → gb_expenditure)."""
    if kind.kind != "财政拨款收支总表" or concept.partition("@")[0] not in _SPENDING_TOTALS:
        return None
    return lexicon().fund_columns.get(col.role or "")


def _period_of(col: Column, base: Period) -> tuple[Period | None, str | None]:
    """The period a column's cells report, and the scope a prior-year column implies."""
    if col.role == "change":
        return None, None
    if col.role == "prior":
        return "prior", ("budget" if any("预算" in p for p in col.path) else None)
    return base, None


def _add(
    em: Emitter,
    grid: Grid,
    r: int,
    concept: str,
    period: Period,
    scope: str | None,
    cell: Cell,
    col: Column,
    code: str | None,
    label: str,
) -> None:
    lead = len(cell.text) - len(cell.text.lstrip())
    start, end = cell.start + lead, cell.start + len(cell.text.rstrip())
    row = grid.rows[r]
    em.add(
        concept,
        period,
        "amount",
        start,
        end,
        grid.unit,
        scope=scope,
        label=label,
        table=grid.table_id,
        row=r,
        column=col.header,
        table_kind=grid.kind.kind if grid.kind else None,
        row_code=code,
        fund=grid.kind.fund if grid.kind else None,
        snippet=(row[0].start, end),
    )


def _read_totals_only(em: Emitter, grid: Grid, columns: list[Column]) -> None:
    """A table without a label column: its data row holds the table's totals, one per column role."""
    kind = grid.kind
    assert kind is not None
    for r in range(grid.header_rows, len(grid.rows)):
        row = grid.rows[r]
        for col in columns:
            if col.index >= len(row) or not is_amount(row[col.index].text):
                continue
            concept = kind.total.get(col.role or "")
            period, scope = _period_of(col, grid.period)
            if concept is None or period is None:
                continue
            _add(em, grid, r, concept, period, scope or _total_scope(kind, concept), row[col.index], col, None, "合计")


def _total_scope(kind: TableKind, concept: str) -> str | None:
    """The scope of a total the kind's 合计 row gives.

    None for a concept that is that fund's own total already (财政拨款支出 of the 财政拨款支出表), else the kind's
    `total_scope` (the same table's 基本支出 is the fiscal part of 基本支出).
    """
    found = lexicon().concepts.get(concept)
    return None if found is not None and found.fund == kind.total_scope else kind.total_scope


def _read_single(em: Emitter, grid: Grid, columns: list[Column]) -> None:
    """A table of one data row whose columns are the figures (the 三公 table), or one row per figure."""
    lex = lexicon()
    if _read_by_rows(em, grid, columns):
        return
    has_meeting = any(any("会议费" in p for p in c.path) for c in columns)
    for r in range(grid.header_rows, len(grid.rows)):
        row = grid.rows[r]
        for col in columns:
            if col.index >= len(row) or not is_amount(row[col.index].text) or _scope_part(col):
                continue
            concept = _sangong_concept(col.path, has_meeting, lex.sangong_columns)
            if concept is None:
                grid.problems.append(f"column not understood: {col.header or col.index + 1}")
                continue
            period, scope = _period_of(col, grid.period)
            if period is None:
                continue
            _add(em, grid, r, concept, period, scope, row[col.index], col, None, col.header)


def _scope_part(col: Column) -> bool:
    """A 基本支出 or 项目支出 column under a figure's group (三公经费合计 / 本年预算数 / 基本支出): a part, not the figure.

    The group's own figure is its 小计 column; the parts by scope are not vocabulary.
    """
    return len(col.path) >= 2 and col.role in ("basic", "project")


_UNIT_IN_LABEL = re.compile(r"[（(](万元|元|亿元)[）)]")


def _read_key_value(em: Emitter, grid: Grid) -> None:
    """A form of label cells each followed by its figure (a project's 绩效目标填报表): the project's budget.

    The year's figure (年度资金申请总额) is the project's budget; the all-years total (项目资金总额) is the same figure
    only when both are equal; 财政资金 (of the total) and 当年财政拨款 (of the year, when nothing is carried over)
    are its 财政拨款 part. Other cells are not vocabulary.
    """
    assert grid.kind is not None
    keys = grid.kind.cells
    found: dict[str, list[tuple[int, Cell]]] = {}
    unit = grid.unit
    for r, row in enumerate(grid.rows):
        for j, cell in enumerate(row):
            text = no_spaces(cell.text)
            if m := _UNIT_IN_LABEL.search(text):
                unit = m.group(1)  # 项目资金（元）: the form's own unit over the page's
            role = keys.get(text.removeprefix("其中：").removeprefix("其中:"))
            figure = next((c for c in row[j + 1 :] if c.text.strip()), None)
            if role is None or figure is None:
                continue
            found.setdefault(role, []).append((r, figure))
    name = next((no_spaces(c.text) for _, c in found.get("name", [])), "")
    annual = [(r, c) for r, c in found.get("annual", []) if is_amount(c.text)]
    if not name or not annual:
        grid.problems.append("no 项目名称 or 年度资金申请总额 found")
        return
    value = parse_number(annual[0][1].text).value
    totals = [(r, c) for r, c in found.get("total", []) if is_amount(c.text)]
    same_total = bool(totals) and all(parse_number(c.text).value == value for _, c in totals)
    carried = [parse_number(c.text).value for _, c in found.get("carryover", []) if is_amount(c.text)]
    emit: list[tuple[int, Cell, str | None]] = [(r, c, None) for r, c in annual]
    if same_total:
        emit += [(r, c, None) for r, c in totals] + [(r, c, "fiscal") for r, c in found.get("fiscal", [])]
    if all(v == 0 for v in carried):
        emit += [(r, c, "fiscal") for r, c in found.get("fiscal_current", [])]
    concept = f"project:{name}"
    kv = Grid(grid.rows, grid.header_rows, grid.paths, grid.title, grid.kind, grid.table_id, unit, grid.period)
    for r, cell, scope in emit:
        if is_amount(cell.text):
            index = next(j for j, c in enumerate(grid.rows[r]) if c is cell)
            _add(em, kv, r, concept, grid.period, scope, cell, Column(index, [], None), None, name)


_ITEM_PREFIX = re.compile(r"^(?:其中[：:]?)?(?:[一二三四五六七八九十]+、|\d+[.．、]|[（(]\d+[）)])*")


def _read_by_rows(em: Emitter, grid: Grid, columns: list[Column]) -> bool:
    """The 三公 table set vertically (项目 | 本年预算数: 合计, 1．因公出国（境）费用, …): figures by their row label."""
    data = grid.rows[grid.header_rows :]
    if len(data) < 2 or not columns or not _mostly_words(data, 0):
        return False
    lex = lexicon()
    labels = [_ITEM_PREFIX.sub("", no_spaces(row[0].text)) if row else "" for row in data]
    has_meeting = any("会议费" in label for label in labels)
    concepts = [_sangong_concept([label], has_meeting, lex.sangong_columns) for label in labels]
    if sum(c is not None for c in concepts) < 2:
        return False
    for k, (row, concept, label) in enumerate(zip(data, concepts, labels, strict=True)):
        amounts = [c for c in columns[1:] if c.index < len(row) and is_amount(row[c.index].text)]
        if amounts and concept is None:
            grid.problems.append(f"row not understood: {label}")
            continue
        for col in amounts:
            period, scope = _period_of(col, grid.period)
            if period is not None and concept is not None:
                _add(em, grid, grid.header_rows + k, concept, period, scope, row[col.index], col, None, label)
    return True


def _sangong_concept(path: list[str], has_meeting: bool, rules: tuple[tuple[str, re.Pattern[str]], ...]) -> str | None:
    names = [no_spaces(p) for p in path if p.strip()]
    if not names:
        return None
    leaf = names[-1]
    if leaf in ("合计", "总计") and len(names) == 1:
        return "sangong_meeting_training_total" if has_meeting else "sangong_total"
    group = names[:-1] if leaf in ("小计", "合计") else names
    for name in reversed(group):
        for concept, pattern in rules:
            if pattern.search(name):
                return concept
    return None
