"""Table cells (facts carrying `table`, `row`, `column`).

A row's 合计 cell against its part columns, and a column's 合计 row against its top-level rows. Tables whose
layout is not recognised are left alone.
"""

from __future__ import annotations

import re
from collections import defaultdict

from pipeline.checker.base import Ctx
from pipeline.checker.breakdowns import LEVELS, top_level
from pipeline.checker.identity import check_sum
from pipeline.checker.interval import Q, measure

TOTAL_HEADERS = {"合计", "总计", "小计", "金额合计"}
PARTITIONS = (
    {"基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出"},
    {"人员经费", "公用经费", "日常公用经费"},
    {"财政拨款", "其它资金", "其他资金"},
    {"一般公共预算", "政府性基金预算", "国有资本经营预算"},
    {"货物", "工程", "服务"},
    {"因公出国（境）费", "公务用车购置及运行费", "公务接待费"},
)
_NOISE = re.compile(r"\s|其中[-－:：]?|[（(]\s*[万元]+\s*[)）]")


def header(text: str | None) -> str:
    """A column header or row label without spaces, 其中- prefixes and unit notes."""
    return _NOISE.sub("", text or "")


def _cells(ctx: Ctx) -> dict[str, list[Q]]:
    tables: dict[str, list[Q]] = defaultdict(list)
    for f in ctx.facts:
        if f.table is not None and f.row is not None and f.id not in ctx.excluded and f.measure == "amount":
            q = next((s for s in ctx.all(f.concept, f.period, f.measure, f.scope) if s.id == f.id), None) or measure(f)
            if q is not None:
                tables[f.table].append(q)
    return tables


def check_tables(ctx: Ctx) -> None:
    """Rows and columns of every table."""
    for cells in _cells(ctx).values():
        if not any(q.fact.table_kind == "三公表" for q in cells):  # its columns nest: the 三公 identities check it
            _rows(ctx, cells)
        _columns(ctx, cells)


def _rows(ctx: Ctx, cells: list[Q]) -> None:
    """Within a row and a column group (上年预算数/小计, 上年预算数/基本支出 ...): 合计 = Σ the part columns."""
    groups: dict[tuple[int, str], list[tuple[str, Q]]] = defaultdict(list)
    for q in cells:
        prefix, _, last = header(q.fact.column).rpartition("/")
        groups[q.fact.row or 0, prefix].append((last, q))
    for group in groups.values():
        totals = [q for last, q in group if last in TOTAL_HEADERS]
        parts = [q for last, q in group if last not in TOTAL_HEADERS]
        heads = {last for last, _ in group if last not in TOTAL_HEADERS}
        if len(totals) == 1 and len(parts) >= 2 and any(heads <= p for p in PARTITIONS):
            check_sum(ctx, "sum.table_rows", totals, [[q] for q in parts])


def _columns(ctx: Ctx, cells: list[Q]) -> None:
    columns: dict[str, list[Q]] = defaultdict(list)
    for q in cells:
        columns[header(q.fact.column)].append(q)
    for column in columns.values():
        totals = [q for q in column if header(q.fact.label) in TOTAL_HEADERS]
        rows = [q for q in column if header(q.fact.label) not in TOTAL_HEADERS]
        if len(totals) != 1 or len(rows) < 2:
            continue
        family = {q.fact.concept.partition(":")[0] for q in rows}
        if len(family) != 1 or not family <= {"func", "econ", "project"}:
            continue
        kind = family.pop()
        if kind in LEVELS:
            by_code = {q.fact.concept.partition(":")[2]: q for q in rows}
            rows = [by_code[c] for c in top_level(sorted(by_code), kind)]
        check_sum(ctx, "sum.table_columns", totals, [[q] for q in rows])
