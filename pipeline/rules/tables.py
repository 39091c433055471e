"""Figures in tables: budget tables, project tables, score tables and chart-data dumps.

Budget tables come with 类/款/项 code columns, truncated names and headers split over several rows.
A row's concept comes from its label (alias tables) or its classification codes; a cell's meaning from its column
header (合计, 基本支出, 项目支出, 人员经费, 上年预算数, 下降% …), never from its position alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.lexicon import TableKind, lexicon
from pipeline.numbers import NUMBER
from pipeline.rules.emit import Emitter
from pipeline.rules.grid import procurement_row
from pipeline.rules.labels import resolve
from pipeline.rules.vocab import (
    concept_of,
    econ_code_by_name,
    econ_code_by_prefix,
    func_code_by_name,
    func_code_by_prefix,
)
from pipeline.segment import Block, Cell, Section
from pipeline.textutil import no_spaces
from schemas.document import Measure, Period

_NUM = re.compile(rf"^(?:{NUMBER})$")
_BRACKETED_UNIT = re.compile(r"[（(](万元|元)[）)]")  # （万元） in a score table's cell
_UNIT_LINE = re.compile(r"单[位元]\s*[：:]\s*(万元|亿元|元)")
_CODE = re.compile(r"^\d{2,3}$")
_CLASS_CODE = re.compile(r"^\d{3}(?:\d{2}){0,2}$")  # 303, 30301, 2040501
_SCOPE_COLUMNS = {"基本支出": "basic", "项目支出": "project"}
_TOTAL_COLUMNS = {
    "人员经费": "gb_personnel",
    "公用经费": "gb_public",
    "基本支出": "exp_basic",
    "项目支出": "exp_project",
}


def is_number(text: str) -> bool:
    """A cell holding one number as written (3,162,923.00, 16, 0.97)."""
    return bool(_NUM.match(text.strip()))


def _num_span(cell: Cell) -> tuple[int, int]:
    lead = len(cell.text) - len(cell.text.lstrip())
    return cell.start + lead, cell.start + len(cell.text.rstrip())


@dataclass
class _Header:
    """Column names of a table, built from its header rows (groups filled rightwards within their parent).

    Exports often shift the header against the data (merged cells), so data columns are aligned on the label
    column: the k-th cell after a row's label has the name of the k-th header column after the header's label.
    """

    names: dict[int, list[str]] = field(default_factory=dict)
    partial: bool = False  # only the first number's column is known (cells ran together, empty ones vanished)
    label_col: int = 0
    has_codes: bool = False
    data_label_col: int = 0

    def _col(self, col: int) -> int:
        return self.label_col + (col - self.data_label_col)

    def names_of(self, col: int) -> list[str]:
        return self.names.get(self._col(col), [])

    def of(self, col: int) -> str:
        return "/".join(self.names_of(col))

    def has(self, col: int, word: str) -> bool:
        return any(word in n for n in self.names_of(col))


def _header(rows: list[list[Cell]]) -> tuple[_Header, int]:
    """Header of a TSV table and the index of its first data row."""
    first_data = next(
        (i for i, r in enumerate(rows) if any(is_number(c.text) and not _CODE.match(c.text) for c in r)), len(rows)
    )
    header = _Header()
    groups: list[list[str]] = []  # the header text covering each column, per header row
    for r in rows[:first_data]:
        cells = [c.text for c in r]
        parent = groups[-1] if groups else None
        covering = [""] * max(len(cells), len(parent or []))
        for j, text in enumerate(cells):
            if text in ("类", "款", "项") or "科目编码" in text:
                header.has_codes = True
            if any(w in text for w in ("名称", "科目名称")) or text in ("项目",):
                header.label_col = j
            if not text or text in ("类", "款", "项") or re.match(r"^(填报单位|单位名称|单[位元])[：:]", text):
                continue
            header.names.setdefault(j, []).append(text)
            covering[j] = text
            k = j + 1
            while k < len(cells) and not cells[k] and _spans_right(text) and _same_group(parent, j, k):
                header.names.setdefault(k, []).append(text)
                covering[k] = text
                k += 1
        groups.append(covering)
    return header, first_data


def _same_group(parent: list[str] | None, j: int, k: int) -> bool:
    """A header cell spans right only under the same parent header cell."""
    if parent is None:
        return True
    pj = parent[j] if j < len(parent) else ""
    pk = parent[k] if k < len(parent) else ""
    return pj == pk


def _spans_right(text: str) -> bool:
    return any(w in text for w in ("预算数", "三公经费合计", "费用", "接待费", "运行维护费", "购置", "其他交通"))


def table_unit(section: Section, block: Block, text: str, default: str | None) -> str | None:
    """Unit of a table: its own 单位 line or header cell, else the last 单位 line of its section before it."""
    for r in block.rows[:3]:
        for c in r:
            m = _UNIT_LINE.search(c.text) or re.search(r"[（(](万元|元)[）)]", c.text)
            if m:
                return m.group(1)
    m = None
    for b in section.blocks:
        if b is block:
            break
        found = _UNIT_LINE.findall(text[b.start : b.end])
        if found:
            m = found[-1]
    return m or default


def split_tables(rows: list[list[Cell]]) -> list[list[list[Cell]]]:
    """Split a block where a second header starts after data rows (a wide table exported in column groups)."""
    parts: list[list[list[Cell]]] = [[]]
    seen_data = False
    for row in rows:
        first = next((c.text for c in row if c.text), "")
        numeric = any(is_number(c.text) and not _CODE.match(c.text) for c in row)
        if seen_data and not numeric and (first in ("项目", "科目编码", "单位编码") or first.startswith("单位名称")):
            parts.append([])
            seen_data = False
        parts[-1].append(row)
        seen_data = seen_data or numeric
    return [p for p in parts if p]


def extract_tsv(
    em: Emitter,
    section: Section,
    rows: list[list[Cell]],
    table_id: str,
    unit: str | None,
    doc_type: str | None,
    loose: bool = False,
) -> None:
    """Emit figures of a tab-separated, space-aligned or pipe table (`loose`: cells run together, see below)."""
    header, first = _header(rows)
    value_names = _loose_value_names(rows[:first]) if loose else []
    title = section.title
    if "绩效目标" in title:
        _project_funds(em, rows, header, first, table_id, unit)
        return
    kind = _procurement_kind(
        title, [c.text for row in rows[:first] for c in row], [c.text for row in rows[first:] for c in row]
    )
    procurement = kind is not None
    base_period: Period = "budget" if doc_type == "预算" or "预算" in title else "current"
    scope_table = "basic" if "基本支出" in title else ("project" if "项目支出" in title else None)
    func_ctx: dict[int, str] = {}
    for r_index, row in enumerate(rows[first:], start=first):
        texts = [c.text for c in row]
        label_col = next(
            (
                j
                for j, t in enumerate(texts)
                if t and not is_number(t) and not _CODE.match(t) and not re.match(r"^\d{6}$", t)
            ),
            None,
        )
        if label_col is None:
            continue
        header.data_label_col = label_col
        label = texts[label_col]
        if loose:
            label = _loose_label(texts, label_col)
            header = _loose_header(texts, label_col, value_names)
        concept: str | None
        if procurement:  # its rows are what is bought, by economic class (会议费): only the totals are vocabulary
            total = no_spaces(label) in ("合计", "总计")
            concept = kind.total.get("total") if total and kind is not None else procurement_row(no_spaces(label))
            if concept == "item":
                continue
        elif "项目支出" in title and label not in ("合计",) and not concept_of(label):
            concept = f"project:{re.sub(r'项目$', '', label)}" if _looks_like_project(texts, label_col) else None
        else:
            concept = _row_concept(texts, label_col, title, func_ctx, header.has_codes)
            if concept != "total":
                concept = resolve("row", label, concept)
        _emit_row(em, row, label_col, concept, header, unit, base_period, scope_table, table_id, r_index, title, label)


_PROCUREMENT_HEADER = re.compile(r"采购品目|采购组织形式|采购物品名称|采购方式")
_PROCUREMENT_FORM = re.compile(r"政府集中采购|部门集中采购|分散自行组织|分散采购")


def _procurement_kind(title: str, header: list[str], cells: list[str]) -> TableKind | None:
    """The procurement table kind when the table is one, else None.

    Its own header (采购品目 | … | 采购组织形式) or cells (政府集中采购, 分散自行组织) decide, else its title with a
    header that speaks of 采购: a title can be a heading the table only follows (pdftotext -raw writes a page's
    title after its table, so a 收支总表 can follow a table of contents' last line 十二、政府采购支出预算表, and a
    procurement table's rows the title of the table before them).
    """
    kinds = [k for k in lexicon().table_kinds if k.rows == "procurement"]
    titled = lexicon().table_kind(title)
    if any(_PROCUREMENT_HEADER.search(h) for h in header) or any(_PROCUREMENT_FORM.search(c) for c in cells):
        return titled if titled in kinds else (kinds[0] if kinds else None)
    if titled is not None and titled.rows == "procurement" and any("采购" in h for h in header):
        return titled
    return None


def _loose_value_names(header_rows: list[list[Cell]]) -> list[str]:
    """Value-column names of a table whose cells run together: the words after its label column's name."""
    for row in header_rows:
        words = [c.text for c in row]
        at = next(
            (k for k, w in enumerate(words) if ("名称" in w and "：" not in w and ":" not in w) or w == "项目"), None
        )
        if at is not None and at + 1 < len(words):
            return words[at + 1 :]
    return []


def _loose_header(texts: list[str], label_col: int, value_names: list[str]) -> _Header:
    """Column names for one row of a table whose cells ran together.

    Empty cells are gone, so columns are known only when a row has one number per named column; otherwise only the
    first number keeps a name, and `partial` marks that the rest are unknown.
    """
    header = _Header(label_col=label_col, data_label_col=label_col)
    numbers = [j for j, t in enumerate(texts) if j > label_col and is_number(t) and not _next_code(texts, j)]
    if numbers and len(numbers) == len(value_names):
        header.names = {j: [name] for j, name in zip(numbers, value_names, strict=True)}
    elif numbers and value_names:
        header.names = {numbers[0]: [value_names[0]]}
        header.partial = True
    return header


def _next_code(texts: list[str], j: int) -> bool:
    """A code with a name after it (`30301 离休费 30216 培训费`: two code lists side by side), not a figure."""
    return bool(_CLASS_CODE.match(texts[j])) and j + 1 < len(texts) and not is_number(texts[j + 1])


def _loose_label(texts: list[str], label_col: int) -> str:
    """In a row whose cells run together, the label is every word up to the first number."""
    words = []
    for t in texts[label_col:]:
        if is_number(t):
            break
        words.append(t)
    return "".join(words)


def _looks_like_project(texts: list[str], label_col: int) -> bool:
    """A project row carries its function code (类 款 项) before the name; unit and subtotal rows do not."""
    return sum(1 for t in texts[:label_col] if _CODE.match(t)) >= 2


def _project_funds(
    em: Emitter, rows: list[list[Cell]], header: _Header, first: int, table_id: str, unit: str | None
) -> None:
    """Performance-target tables: a project's 资金总额 (budget) and 财政拨款 (scope fiscal); nothing else."""
    for r_index, row in enumerate(rows[first:], start=first):
        texts = [c.text for c in row]
        if not texts or not texts[0] or re.match(r"^\d+-", texts[0]) or len(texts) < 3 or texts[0] in ("合计", "小计"):
            continue
        if not (is_number(texts[1]) and is_number(texts[2])):
            continue
        concept = f"project:{re.sub(r'项目$', '', texts[0])}"
        for col, scope in ((1, None), (2, "fiscal")):
            s, e = _num_span(row[col])
            em.add(
                concept,
                "budget",
                "amount",
                s,
                e,
                unit,
                scope=scope,
                label=texts[0],
                table=table_id,
                row=r_index,
                column="资金总额" if col == 1 else "财政拨款",
            )


def _row_concept(texts: list[str], label_col: int, title: str, func_ctx: dict[int, str], has_codes: bool) -> str | None:
    label = no_spaces(texts[label_col])
    # a classification table prints its codes (科目 / 经济分类 / 功能分类 in the title); elsewhere 12 is a figure
    codes = [t for t in texts[:label_col] if _CODE.match(t)] if has_codes or re.search("科目|分类", title) else []
    if codes and len(codes[0]) == 3:
        code = "".join(codes)
        if "经济" in title or "基本支出" in title:
            return f"econ:{code}"
        return f"func:{code}"
    if label in ("合计", "总计", "小计"):
        return "total"
    if codes and len(codes) == 1 and len(codes[0]) == 2:
        parent = func_ctx.get(5)
        return f"func:{parent}{codes[0]}" if parent else None
    concept: str | None = concept_of(label)
    if concept is None:
        found = func_code_by_prefix(label) or func_code_by_prefix(label, func_ctx.get(3))
        if found is not None:
            concept = f"func:{found}"
    if concept and concept.startswith("func:"):
        code = concept[5:]
        func_ctx[len(code)] = code
        if len(code) == 3:
            func_ctx.pop(5, None)
    if concept is None and econ_code_by_name(label):
        concept = f"econ:{econ_code_by_name(label)}"
    return concept


def _emit_row(
    em: Emitter,
    row: list[Cell],
    label_col: int,
    concept: str | None,
    header: _Header,
    unit: str | None,
    period: Period,
    scope_table: str | None,
    table_id: str,
    r_index: int,
    title: str,
    label: str,
) -> None:
    """A row: pairs of (label, first number after it) for two-sided tables; column meaning from the header."""
    numbers = [(j, c) for j, c in enumerate(row) if j > label_col and is_number(c.text)]
    if not numbers:
        return
    if concept == "total":
        _emit_total_row(em, row, label_col, header, unit, period, table_id, r_index, title)
        return
    # two-sided tables (收入 | 支出): a later label cell starts a second pair
    later_label = next((j for j, c in enumerate(row) if j > label_col and c.text and not is_number(c.text)), None)
    if later_label is not None:
        # the cell right before the second label may be its code (30301 离休费 | 30216 培训费), not a figure
        numbers = [(j, c) for j, c in numbers if j < later_label and not _next_code([c.text for c in row], j)]
        _emit_row(
            em,
            row,
            later_label,
            resolve("row", row[later_label].text, _pair_concept(row[later_label].text, title)),
            header,
            unit,
            period,
            scope_table,
            table_id,
            r_index,
            title,
            row[later_label].text,
        )
    if concept is None or not numbers:
        return
    first_col, first = numbers[0]
    leaf_names = header.names_of(first_col)
    if leaf_names and not any(_VALUE_HEADER.match(n) for n in leaf_names) and econ_code_by_name(leaf_names[-1]):
        return  # a column group of a wide table split in two: the row total is in the other part
    if concept.startswith("project:"):
        scope_table = None
    s, e = _num_span(first)
    em.add(
        concept,
        period,
        "amount",
        s,
        e,
        unit,
        scope=scope_table,
        label=label,
        table=table_id,
        row=r_index,
        column=header.of(first_col),
        snippet=(row[label_col].start, e),
    )
    if not concept.startswith("func:"):
        return
    for j, cell in numbers[1:]:
        scope = next((v for k, v in _SCOPE_COLUMNS.items() if header.has(j, k)), None)
        if scope:
            s, e = _num_span(cell)
            em.add(
                concept,
                period,
                "amount",
                s,
                e,
                unit,
                scope=scope,
                label=label,
                table=table_id,
                row=r_index,
                column=header.of(j),
            )


def _pair_concept(label: str, title: str) -> str | None:
    concept = concept_of(label)
    if concept == "grand_total" and "财政拨款" in title:
        return "fiscal_grand_total"
    if concept in ("expenditure_total",) and "财政拨款" in title and "本年支出" in label and label.startswith("一"):
        return "gb_expenditure"
    return concept


def _emit_total_row(
    em: Emitter,
    row: list[Cell],
    label_col: int,
    header: _Header,
    unit: str | None,
    period: Period,
    table_id: str,
    r_index: int,
    title: str,
) -> None:
    """A 合计 row: each column's header names the concept (人员经费, 基本支出, a 三公 part, an economic class)."""
    for j, cell in enumerate(row):
        if j <= label_col or not is_number(cell.text):
            continue
        if header.partial and not all(_VALUE_HEADER.match(n) for n in header.names_of(j)):
            continue
        concept, col_period, measure, scope = _column_concept(header, j, title, period)
        if concept is None:
            continue
        s, e = _num_span(cell)
        em.add(
            concept,
            col_period,
            measure,
            s,
            e,
            "%" if measure == "growth_rate" else unit,
            scope=scope,
            direction="down" if measure == "growth_rate" and "下降" in header.of(j) else None,
            label="合计",
            table=table_id,
            row=r_index,
            column=header.of(j),
        )


_VALUE_HEADER = re.compile(r"^(合计|小计|总计|金额|本年预算数|上年预算数|预算数|决算数|\d{4}年预算数|本年|上年)$")
_SANGONG = ("sangong_total", "sg_overseas", "sg_vehicle", "sg_vehicle_purchase", "sg_vehicle_operation", "sg_reception")


def _column_concept(
    header: _Header, col: int, title: str, period: Period
) -> tuple[str | None, Period, Measure, str | None]:
    """What the figure in a total row's column stands for, from the column's header names (outer to inner)."""
    names = header.names_of(col)
    leaf = names[-1] if names else ""
    col_period: Period = period
    scope = None
    if any("上年" in n for n in names):
        col_period, scope = "prior", "budget"
    if "下降" in leaf or "增长" in leaf:
        return _table_concept(title), "change", "growth_rate", None
    if any(w in leaf for w in ("基本支出", "项目支出")) and len(names) >= 3:
        return None, col_period, "amount", None  # sub-columns of a 三公 group are not reported separately
    for name in names:
        concept = concept_of(re.sub(r"(合计|小计)$", "", name))
        if concept in _SANGONG:
            return concept, col_period, "amount", scope
    for name in reversed(names):
        if name in ("人员经费", "公用经费") and "基本支出" in title:
            return _TOTAL_COLUMNS[name], col_period, "amount", scope
        if name in ("基本支出", "项目支出") and "三公" not in title:
            return _TOTAL_COLUMNS[name], col_period, "amount", scope
        econ = econ_code_by_name(name)
        if econ and "支出预算表" in title:
            return f"econ:{econ}", col_period, "amount", scope
        if name == "小计" and len(names) >= 2 and econ_code_by_prefix(names[0]):
            return f"econ:{econ_code_by_prefix(names[0])}", col_period, "amount", scope
    if names and all(_VALUE_HEADER.match(n) for n in names):
        return _table_concept(title), col_period, "amount", scope
    return None, col_period, "amount", scope


def _table_concept(title: str) -> str | None:
    """The total a table's 合计 column stands for, from the table title."""
    if "三公" in title:
        return "sangong_total"
    if "基本支出" in title:
        return "gb_basic"
    return None


# ---------------------------------------------------------------- one-cell-per-line tables


def is_cell_table(rows: list[list[Cell]]) -> bool:
    """A project performance table (项目名称 …) or a score table (分值 … 得分), whatever its layout."""
    first = [c.text for c in rows[0]] if rows else []
    return ("分值" in first and "得分" in first) or any(r and r[0].text == "项目名称" for r in rows)


def extract_cells(em: Emitter, block: Block, table_id: str, section: Section) -> None:
    """Project performance tables (预算数 / 执行数 / 其中-财政拨款 / 其它资金) and score tables (分值 / 得分)."""
    rows = block.rows
    first = [c.text for c in rows[0]] if rows else []
    if "分值" in first and "得分" in first:
        _score_table(em, rows, table_id)
        return
    project: str | None = None
    unit = "万元"
    scope = None
    for r_index, row in enumerate(rows):
        texts = [c.text for c in row]
        if len(texts) >= 2 and texts[0] == "项目名称":
            project = f"project:{re.sub(r'项目$', '', texts[1])}"  # several tables may run together
            continue
        if project is None:
            continue
        m = next((found for t in texts if (found := _BRACKETED_UNIT.search(t))), None)
        if m:
            unit = m.group(1)
        for j, t in enumerate(texts[:-1]):
            key = t.rstrip(":： ")
            if key in ("预算数", "执行数", "其中-财政拨款", "其它资金", "其他资金"):
                period: Period = "budget" if key == "预算数" else "current"
                if key.startswith("其中"):
                    scope, period = "fiscal", ("budget" if _first_in_row(texts, t, j) else "current")
                elif key.startswith("其"):
                    scope, period = "other", ("budget" if _first_in_row(texts, t, j) else "current")
                else:
                    scope = None
                value = row[j + 1]
                if is_number(value.text):
                    s, e = _num_span(value)
                    em.add(
                        project,
                        period,
                        "amount",
                        s,
                        e,
                        unit,
                        scope=scope,
                        label=key,
                        table=table_id,
                        row=r_index,
                        column=key,
                    )


def _first_in_row(texts: list[str], text: str, j: int) -> bool:
    return texts.index(text) == j


def _score_table(em: Emitter, rows: list[list[Cell]], table_id: str) -> None:
    """分值 of each 二级指标 and 三级指标, and each row's 得分 (the last cell)."""
    second = ""
    for r_index, row in enumerate(rows[1:], start=1):
        texts = [c.text for c in row]
        if len(texts) < 5:
            continue
        if texts[1]:
            second = texts[1]
            if is_number(_strip_points(texts[2])):
                _score(em, f"score:{second}", "score_max", row[2], table_id, r_index)
        third = texts[3]
        if not third or not second:
            continue
        concept = f"score:{second}/{third}"
        if is_number(_strip_points(texts[4])):
            _score(em, concept, "score_max", row[4], table_id, r_index)
        if len(texts) >= 7 and is_number(_strip_points(texts[-1])):
            _score(em, concept, "score", row[-1], table_id, r_index)


def _strip_points(text: str) -> str:
    return text.strip().removesuffix("分").strip()


def _score(em: Emitter, concept: str, measure: Measure, cell: Cell, table_id: str, r_index: int) -> None:
    m = re.search(NUMBER, cell.text)
    if m:
        em.add(
            concept,
            "current",
            measure,
            cell.start + m.start(),
            cell.start + m.end(),
            "分",
            table=table_id,
            row=r_index,
            column=measure,
        )


# ---------------------------------------------------------------- chart-data dumps

_CHART_TITLES: list[tuple[str, str | None]] = [
    (r"财政拨款收、?支决算总计", "fiscal_grand_total"),
    (r"收、?支决算总计", "grand_total"),
    (r"一般公共预算财政拨款支出决算变动", "gb_expenditure"),
    (r"一般公共预算财政拨款支出决算结构", None),
    (r"三公.{0,2}经费", None),
    (r"收入决算结构", None),
    (r"支出决算结构", None),
]


def extract_chart(em: Emitter, block: Block, fiscal_year: int | None, unit: str | None) -> None:
    """Chart-data dumps: a year axis gives current / prior of the titled total; category labels name parts."""
    title = (block.title or "").replace(" ", "")
    labels, numbers = block.rows
    total = next((c for pattern, c in _CHART_TITLES if re.search(pattern, title)), "unknown")
    for label, number in zip(labels, numbers, strict=False):
        year = re.fullmatch(r"(\d{4})年?", label.text)
        if year and total not in (None, "unknown"):
            y = int(year.group(1))
            period: Period = "current" if fiscal_year is None or y == fiscal_year else "prior"
            concept: str | None = total
        elif not year:
            concept, period = concept_of(label.text), "current"
            if concept is None:
                code = func_code_by_name(label.text)
                concept = f"func:{code}" if code else None
        else:
            concept = None
        if concept:
            s, e = _num_span(number)
            em.add(concept, period, "amount", s, e, unit, label=label.text, snippet=(block.start, block.end))
