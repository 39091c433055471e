"""The arithmetic checker: interval arithmetic, one table of named cases per rule family, the golden facts of the
five sample reports, the pipeline stage, and the mutation harness."""

from __future__ import annotations

import itertools
import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from conftest import EXPECTED, ROOT, STEMS, read_report
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.checker import RULES, check
from pipeline.checker.completeness import DOCUMENT_RULES
from pipeline.checker.consistency import _slipped, _support, _Supports, slip_pairs
from pipeline.checker.goldens import golden_facts
from pipeline.checker.interval import Interval, Q, measure
from pipeline.document import process_raw
from pipeline.ingest import RawDocument
from pipeline.meta import fiscal_year
from schemas.document import Fact
from schemas.golden import GoldenFindings

sys.path.insert(0, str(ROOT))
from bench import mutations as harness


def F(
    concept: str,
    value: str,
    unit: str | None = "万元",
    period: str = "current",
    measure: str = "amount",
    scope: str | None = None,
    direction: str | None = None,
    text: str = "",
    **table: object,
) -> Fact:
    """A fact for a test case; ids and spans are assigned by `_numbered`."""
    decimals = len(value.split(".", 1)[1]) if "." in value else 0
    return Fact.model_validate(
        {
            "id": "?",
            "concept": concept,
            "period": period,
            "value": value,
            "unit": unit,
            "decimals": decimals,
            "text": text or value,
            "span": (0, 0),
            "measure": measure,
            "scope": scope,
            "direction": direction,
            **table,
        }
    )


def P(concept: str, value: str, **kw: object) -> Fact:
    """A percentage fact."""
    return F(concept, value, unit="%", **kw)  # type: ignore[arg-type]


def _numbered(facts: list[Fact]) -> list[Fact]:
    return [f.model_copy(update={"id": f"f{i}", "span": (10 * i, 10 * i + len(f.value))}) for i, f in enumerate(facts)]


def _run(facts: list[Fact], text: str | None = None, year: int | None = None) -> list[tuple[str, str]]:
    return sorted((x.rule, x.severity) for x in check(_numbered(facts), text=text, fiscal_year=year))


# ---- interval arithmetic --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "lo", "hi"),
    [
        pytest.param("381.13", "万元", "381.125", "381.135", id="two-decimals"),
        pytest.param("0.50", "万元", "0.495", "0.505", id="trailing-zero-keeps-precision"),
        pytest.param("9700.00", "元", "0.9699995", "0.9700005", id="yuan-half-ulp-in-yuan"),
        pytest.param("0", "万元", "0", "0.5", id="zero-clipped-at-zero"),
        pytest.param("1.5", "亿元", "14500", "15500", id="yi-yuan"),
    ],
)
def test_interval_of_a_stated_figure(value: str, unit: str, lo: str, hi: str) -> None:
    q = measure(F("x", value, unit=unit))
    assert q is not None
    assert (q.iv.lo, q.iv.hi) == (Decimal(lo), Decimal(hi))


def test_interval_operations() -> None:
    a, b = Interval(Decimal(1), Decimal(2)), Interval(Decimal(4), Decimal(8))
    assert a + b == Interval(Decimal(5), Decimal(10))
    assert b - a == Interval(Decimal(2), Decimal(7))
    assert a.div(b) == Interval(Decimal("0.125"), Decimal("0.5"))
    assert a.div(Interval(Decimal(0), Decimal(1))) is None
    assert a.intersects(Interval(Decimal(2), Decimal(3))) and not a.intersects(b)
    assert a.gap(b) == Decimal(2)


def test_every_rule_is_documented_in_the_goldens_readme_and_the_readme() -> None:
    goldens_readme = (ROOT / "goldens" / "README.md").read_text(encoding="utf-8")
    listed = set(
        re.findall(r"`((?:sum|balance|share|yoy|completion|consistency|unit|impossible)\.[a-z_0-9]+)`", goldens_readme)
    )
    assert listed <= set(RULES), listed - set(RULES)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [f"| `{r.id}` | {r.family} | {r.description} | {r.severity} |" for r in RULES.values()]
    assert [row for row in rows if row not in readme] == []


# ---- sums -----------------------------------------------------------------------------------------------------

SUMS = [
    pytest.param([F("gb_basic", "381.03"), F("gb_personnel", "320.17"), F("gb_public", "60.86")], [], id="basic-holds"),
    pytest.param(
        [F("gb_basic", "381.13"), F("gb_personnel", "320.17"), F("gb_public", "60.86")],
        [("sum.basic_expenditure", "error")],
        id="basic-off-by-0.10",
    ),
    pytest.param(
        [
            F("expenditure_total", "434.72"),
            F("exp_basic", "434.16"),
            F("exp_project", "0.00"),
            F("exp_operating", "0.55"),
        ],
        [],
        id="rounding-434.16+0.00+0.55=434.72",
    ),
    pytest.param(
        [F("income_total", "100.00"), F("inc_general_budget", "90.00")], [], id="income-single-source-shortfall-silent"
    ),
    pytest.param(
        [F("income_total", "100.00"), F("inc_general_budget", "120.00")],
        [("sum.income_sources", "error")],
        id="income-source-above-total",
    ),
    pytest.param(
        [F("income_total", "556.55"), F("inc_fiscal", "550.95"), F("inc_other", "5.6")],
        [],
        id="income-fiscal-stand-in-holds",
    ),
    pytest.param(
        [F("income_total", "550.95"), F("inc_fiscal", "550.95"), F("inc_gov_fund", "0")],
        [],
        id="income-fiscal-whole-and-partial-split",
    ),
    pytest.param(
        [F("income_total", "556.55"), F("inc_fiscal", "550.95"), F("inc_other", "4.6")],
        [("sum.income_sources", "error")],
        id="income-two-sources-short",
    ),
    pytest.param(
        [
            F("sangong_total", "3.00"),
            F("sg_overseas", "0"),
            F("sg_vehicle_purchase", "0.50"),
            F("sg_vehicle_operation", "1.50"),
            F("sg_reception", "1.00"),
        ],
        [],
        id="sangong-vehicle-split",
    ),
    pytest.param(
        [F("sangong_total", "3.00"), F("sg_overseas", "0.20"), F("sg_vehicle", "2.00"), F("sg_reception", "1.00")],
        [("sum.sangong", "error")],
        id="sangong-broken",
    ),
    pytest.param(
        [F("sg_vehicle", "2.00"), F("sg_vehicle_purchase", "0.50"), F("sg_vehicle_operation", "1.60")],
        [("sum.vehicle", "error")],
        id="vehicle-broken",
    ),
    pytest.param(
        [F("procurement_total", "50.00"), F("proc_goods", "20.00"), F("proc_works", "0"), F("proc_services", "30.00")],
        [],
        id="procurement-holds",
    ),
    pytest.param(
        [F("procurement_total", "50.00"), F("proc_goods", "20.00"), F("proc_works", "0"), F("proc_services", "35.00")],
        [("sum.procurement", "error")],
        id="procurement-broken",
    ),
    pytest.param(
        [
            F("staff_actual", "28", "人", measure="count"),
            F("staff_fully_funded", "25", "人", measure="count"),
            F("staff_subsidized", "4", "人", measure="count"),
        ],
        [("sum.headcount", "error")],
        id="headcount-broken",
    ),
    pytest.param(
        [
            F("staff_actual", "34", "人", measure="count"),
            F("staff_actual", "37", "人", measure="count"),
            F("staff_fully_funded", "27", "人", measure="count"),
            F("staff_fully_funded", "30", "人", measure="count"),
            F("staff_subsidized", "7", "人", measure="count"),
        ],
        [("consistency.same_concept", "error")] * 2,
        id="headcount-conflicts-reported-once-each",
    ),
    pytest.param(
        [F("gb_expenditure", "381.13"), F("func:208", "337.75"), F("func:210", "21.68"), F("func:221", "21.7")],
        [],
        id="function-classes-one-decimal-part",
    ),
    pytest.param(
        [F("gb_expenditure", "381.13"), F("func:208", "337.75"), F("func:210", "21.68"), F("func:221", "22.7")],
        [("sum.function_classes", "error")],
        id="function-classes-broken",
    ),
]


@pytest.mark.parametrize(("facts", "expected"), SUMS)
def test_sums(facts: list[Fact], expected: list[tuple[str, str]]) -> None:
    assert _run(facts) == sorted(expected)


BREAKDOWNS = [
    pytest.param(
        [
            F("func:208", "2875129.00", "元", "budget"),
            F("func:20801", "2592139.00", "元", "budget"),
            F("func:20805", "257070.00", "元", "budget"),
            F("func:20808", "25920.00", "元", "budget"),
        ],
        [],
        id="hierarchy-holds-in-yuan",
    ),
    pytest.param(
        [
            F("func:208", "1183.11"),
            F("func:2080101", "976.43"),
            F("func:2080107", "26.5"),
            F("func:2080109", "70.2"),
            F("func:2080504", "30.82"),
            F("func:2080505", "79.56"),
        ],
        [("sum.code_hierarchy", "error")],
        id="hierarchy-items-skip-absent-kuan",
    ),
    pytest.param([F("func:221", "82.42"), F("func:2210201", "80.00")], [], id="hierarchy-one-child-short-silent"),
    pytest.param(
        [F("func:221", "82.42"), F("func:2210201", "90.00")],
        [("sum.code_hierarchy", "error")],
        id="hierarchy-one-child-above",
    ),
    pytest.param(
        [
            F("econ:301", "100.00", scope="basic"),
            F("econ:30101", "60.00", scope="basic"),
            F("econ:30102", "40.00", scope="basic"),
        ],
        [],
        id="hierarchy-economic-codes",
    ),
    pytest.param(
        [
            F("exp_basic", "427.57"),
            F("econ:301", "372.46", scope="basic"),
            F("econ:302", "46.19", scope="basic"),
            F("econ:303", "6.92", scope="basic"),
        ],
        [("sum.basic_by_economic", "error")],
        id="basic-by-economic-off-by-2",
    ),
    pytest.param(
        [
            F("exp_project", "131"),
            F("func:208", "99", scope="project"),
            F("func:210", "0.33", scope="project"),
            F("econ:303", "30.35", scope="project"),
            F("econ:310", "1.65", scope="project"),
        ],
        [("sum.project_by_class", "warning")],
        id="project-by-class-mixed-cuts",
    ),
    pytest.param(
        [F("exp_project", "50000.00", "元", "budget"), F("func:2080109", "50000.00", "元", "budget", scope="project")],
        [],
        id="project-by-class-one-cut",
    ),
    pytest.param(
        [F("exp_project", "96.70"), F("project:a", "40"), F("project:b", "16"), F("project:c", "34.19")],
        [("sum.projects", "warning")],
        id="projects-short-may-be-selection",
    ),
    pytest.param(
        [F("exp_project", "80.00"), F("project:a", "40"), F("project:b", "46")],
        [("sum.projects", "error")],
        id="projects-above-project-spending",
    ),
    pytest.param(
        [
            F("project:a", "5", "万元", "budget", text="预算数: 5 执行数: 4.64"),
            F("project:a", "5", "万元", "budget", scope="fiscal", text="5"),
            F("project:a", "0", "万元", "budget", scope="other", text="0"),
        ],
        [],
        id="project-fund-split",
    ),
    pytest.param(
        [
            F("project:a", "40.00", "万元", "budget"),
            F("project:a", "30.00", "万元", "budget", scope="fiscal"),
            F("project:a", "5.00", "万元", "budget", scope="other"),
        ],
        [("sum.listed_parts", "error")],
        id="project-fund-split-broken",
    ),
    pytest.param(
        [
            F("inc_fiscal", "381.83"),
            F("func:2080109", "304.51", scope="income"),
            F("func:2101101", "11.92", scope="income"),
            F("func:2210201", "21.7", scope="income"),
        ],
        [("sum.listed_parts", "error")],
        id="listed-income-items-short",
    ),
    pytest.param(
        [
            F("perf_targets", "2", "个", measure="count"),
            F("perf_target_funds", "100.00", period="budget"),
            F("project:a", "60.00", period="budget", table="t1", row=5, table_kind="项目绩效目标表"),
            F("project:b", "50.00", period="budget", table="t2", row=5, table_kind="项目绩效目标表"),
        ],
        [("sum.projects", "error")],
        id="target-forms-exceed-the-funds-they-cover",
    ),
    pytest.param(
        [F("exp_project", "96.70"), F("project:a", "40"), F("project:b", "50.19")],
        [("sum.projects", "warning")],
        id="listed-projects-a-little-short",
    ),
    pytest.param(
        [F("exp_project", "35168.40"), F("project:a", "1410.00"), F("project:b", "1720.00")],
        [],
        id="key-projects-of-many-are-a-selection",
    ),
    pytest.param(
        [
            F("perf_targets", "3", "个", measure="count"),
            F("perf_target_funds", "100.00", period="budget"),
            F("project:a", "60.00", period="budget", table="t1", row=5, table_kind="项目绩效目标表"),
            F("project:b", "50.00", period="budget", table="t2", row=5, table_kind="项目绩效目标表"),
        ],
        [],
        id="target-forms-fewer-than-the-projects-counted",
    ),
    pytest.param(
        [
            F("vehicles_count", "66", "辆", measure="count"),
            F("vehicles_count", "13", "辆", measure="count", scope="一般公务用车"),
            F("vehicles_count", "38", "辆", measure="count", scope="执法执勤用车"),
            F("vehicles_count", "15", "辆", measure="count", scope="特种专业技术用车"),
        ],
        [],
        id="vehicle-categories-add-up",
    ),
    pytest.param(
        [
            F("vehicles_count", "66", "辆", measure="count"),
            F("vehicles_count", "13", "辆", measure="count", scope="一般公务用车"),
            F("vehicles_count", "39", "辆", measure="count", scope="执法执勤用车"),
            F("vehicles_count", "15", "辆", measure="count", scope="特种专业技术用车"),
        ],
        [("sum.listed_parts", "error")],
        id="vehicle-categories-exceed-the-count",
    ),
    pytest.param(
        [
            F("vehicles_count", "66", "辆", measure="count"),
            F("vehicles_count", "13", "辆", measure="count", scope="一般公务用车"),
            F("vehicles_count", "38", "辆", measure="count", scope="执法执勤用车"),
        ],
        [("sum.listed_parts", "error")],
        id="vehicle-categories-fall-short",
    ),
    pytest.param(
        [
            F("vehicles_count", "66", "辆", measure="count"),
            F("vehicles_count", "38", "辆", measure="count", scope="执法执勤用车"),
        ],
        [],
        id="one-vehicle-category-may-leave-others-unstated",
    ),
    pytest.param(
        [
            F("vehicles_count", "2", "辆", measure="count"),
            F("vehicles_count", "2", "辆", measure="count", scope="其他用车"),
            F("vehicles_count", "2", "辆", measure="count"),
            F("vehicles_count", "0", "辆", measure="count", scope="主要领导干部用车"),
            F("vehicles_count", "2", "辆", measure="count", scope="其他用车"),
        ],
        [],
        id="each-count-against-its-own-list",
    ),
]


@pytest.mark.parametrize(("facts", "expected"), BREAKDOWNS)
def test_breakdowns(facts: list[Fact], expected: list[tuple[str, str]]) -> None:
    assert _run(facts) == sorted(expected)


CLASS_CHANGES = (
    "公共安全（类）支出26200.88万元，与上年相比增加{c204}万元。"
    "法院（款）行政运行（项）支出14857.61万元，与上年相比增加3070.69万元。"
    "一般行政管理事务（项）支出6049.97万元，与上年相比减少392.92万元。"
    "机关服务（项）支出1600万元，与上年一致。"
    "案件审判（项）支出3693.30万元，与上年相比增加100万元。"
)


def _class_change_facts(text: str, item_fund: str = "all") -> list[Fact]:
    """Facts of CLASS_CHANGES with their spans in `text`."""
    specs = [
        ("func:204", "26200.88", "budget", None, "all"),
        ("func:204", text.split("增加")[1].split("万元")[0], "change", "up", "all"),
        ("func:2040501", "14857.61", "budget", None, item_fund),
        ("func:2040501", "3070.69", "change", "up", item_fund),
        ("func:2040502", "6049.97", "budget", None, item_fund),
        ("func:2040502", "392.92", "change", "down", item_fund),
        ("func:2040503", "1600", "budget", None, item_fund),
        ("func:2040504", "3693.30", "budget", None, item_fund),
        ("func:2040504", "100", "change", "up", item_fund),
    ]
    out, pos = [], 0
    for i, (concept, value, period, direction, fund) in enumerate(specs):
        start = text.index(value, pos)
        pos = start + len(value)
        f = F(concept, value, period=period, direction=direction, fund=fund)
        out.append(f.model_copy(update={"id": f"f{i}", "span": (start, pos)}))
    return out


@pytest.mark.parametrize(
    ("c204", "item_fund", "expected"),
    [
        pytest.param("2777.77", "all", [], id="items-add-up-unchanged-item-counts-zero"),
        pytest.param("2787.77", "all", [("sum.code_hierarchy", "error")], id="class-change-off-by-ten"),
        pytest.param("2787.77", "fiscal", [("sum.code_hierarchy", "warning")], id="items-of-another-fund"),
    ],
)
def test_class_change_is_the_sum_of_its_item_changes(
    c204: str, item_fund: str, expected: list[tuple[str, str]]
) -> None:
    text = CLASS_CHANGES.format(c204=c204)
    found = check(_class_change_facts(text, item_fund), text=text)
    assert sorted((x.rule, x.severity) for x in found) == expected


def test_class_change_unsplit_when_an_item_states_no_change() -> None:
    text = CLASS_CHANGES.format(c204="2787.77").replace("与上年一致", "主要用于机关服务")
    assert check(_class_change_facts(text), text=text) == []


SCORES_AND_TABLES = [
    pytest.param(
        [
            F("score:预算执行", "7", "分", measure="score_max"),
            F("score:预算执行/控制率", "3", "分", measure="score_max"),
            F("score:预算执行/执行率", "4", "分", measure="score_max"),
        ],
        [],
        id="score-subtotal-holds",
    ),
    pytest.param(
        [
            F("score:预算执行", "8", "分", measure="score_max"),
            F("score:预算执行/控制率", "3", "分", measure="score_max"),
            F("score:预算执行/执行率", "4", "分", measure="score_max"),
        ],
        [("sum.score_table", "error")],
        id="score-subtotal-broken",
    ),
    pytest.param(
        [
            F("score_total", "98.5", "分", measure="score"),
            F("score:a", "48.5", "分", measure="score"),
            F("score:b", "26", "分", measure="score"),
            F("score:c", "24", "分", measure="score"),
        ],
        [],
        id="score-total-holds",
    ),
    pytest.param(
        [F("score:a/x", "5", "分", measure="score"), F("score:a/x", "4", "分", measure="score_max")],
        [("impossible.value", "error")],
        id="score-above-max",
    ),
    pytest.param(
        [
            F("expenditure_total", "3162923.00", "元", "budget", table="t1", row=0, column="合计"),
            F("exp_basic", "3112923.00", "元", "budget", table="t1", row=0, column="基本支出"),
            F("exp_project", "60000.00", "元", "budget", table="t1", row=0, column="项目支出"),
        ],
        [("sum.expenditure_types", "error"), ("sum.table_rows", "error")],
        id="table-row-broken",
    ),
    pytest.param(
        [
            F("sangong_total", "10000.00", "元", "prior", table="t3", row=0, column="上年预算数/小计"),
            F("x1", "10000.00", "元", "prior", table="t3", row=0, column="上年预算数/基本支出"),
            F("x2", "0.00", "元", "prior", table="t3", row=0, column="上年预算数/项目支出"),
            F("sangong_total", "9700.00", "元", "budget", table="t3", row=0, column="本年预算数/小计"),
            F("x1", "9600.00", "元", "budget", table="t3", row=0, column="本年预算数/基本支出"),
            F("x2", "0.00", "元", "budget", table="t3", row=0, column="本年预算数/项目支出"),
        ],
        [("sum.table_rows", "error")],
        id="table-row-column-groups",
    ),
    pytest.param(
        [
            F("gb_expenditure", "300.00", table="t2", row=0, column="金额", label="合计"),
            F("func:208", "200.00", table="t2", row=1, column="金额", label="社会保障和就业"),
            F("func:2080109", "200.00", table="t2", row=2, column="金额", label="社会保险经办机构"),
            F("func:221", "90.00", table="t2", row=3, column="金额", label="住房保障"),
        ],
        [("sum.function_classes", "error"), ("sum.table_columns", "error")],
        id="table-column-broken",
    ),
]


@pytest.mark.parametrize(("facts", "expected"), SCORES_AND_TABLES)
def test_scores_and_tables(facts: list[Fact], expected: list[tuple[str, str]]) -> None:
    assert _run(facts) == sorted(expected)


BALANCE = [
    pytest.param(
        [F("grand_total", "500.00"), F("income_total", "480.00"), F("carryover_begin", "20.00")],
        [],
        id="grand-total-with-carryover",
    ),
    pytest.param(
        [F("grand_total", "500.00"), F("income_total", "480.00"), F("carryover_begin", "10.00")],
        [("balance.grand_total", "error")],
        id="grand-total-carryover-broken",
    ),
    pytest.param(
        [F("grand_total", "1265.78"), F("income_total", "1259.18"), F("expenditure_total", "1265.62")],
        [],
        id="carryover-unstated-silent",
    ),
    pytest.param(
        [F("grand_total", "762.26"), F("income_total", "381.13"), F("expenditure_total", "381.13")],
        [("balance.grand_total", "error")],
        id="income-and-expenditure-added",
    ),
    pytest.param(
        [F("grand_total", "300.00"), F("income_total", "381.13")],
        [("balance.grand_total", "error")],
        id="grand-total-below-income",
    ),
]


@pytest.mark.parametrize(("facts", "expected"), BALANCE)
def test_balance(facts: list[Fact], expected: list[tuple[str, str]]) -> None:
    assert _run(facts) == sorted(expected)


# ---- shares ---------------------------------------------------------------------------------------------------

SHARES = [
    pytest.param(
        [F("gb_expenditure", "381.13"), F("func:221", "21.7"), P("func:221", "5.69", measure="share")],
        [],
        id="share-holds",
    ),
    pytest.param(
        [F("gb_expenditure", "381.13"), F("func:221", "21.7"), P("func:221", "6.69", measure="share")],
        [("share.stated", "error")],
        id="share-wrong",
    ),
    pytest.param(
        [
            F("gb_expenditure", "260.70"),
            F("func:208", "237.57"),
            P("func:208", "91.13", measure="share"),
            F("func:210", "8.75"),
            P("func:210", "3.36", measure="share"),
            F("func:221", "14.38"),
            P("func:221", "5.51", measure="share"),
        ],
        [("share.stated", "warning")],
        id="share-nudged-to-sum-100",
    ),
    pytest.param(
        [
            F("gb_expenditure", "1265.53"),
            F("func:208", "1183.11"),
            P("func:208", "93", measure="share"),
            F("func:221", "82.42"),
            P("func:221", "7", measure="share"),
        ],
        [],
        id="shares-whole-percent",
    ),
    pytest.param(
        [
            F("sangong_total", "0"),
            F("sg_overseas", "0"),
            P("sg_overseas", "0", measure="share"),
            F("sg_reception", "0"),
            P("sg_reception", "0", measure="share"),
        ],
        [],
        id="share-of-zero-undefined",
    ),
    pytest.param(
        [
            F("income_total", "100.00"),
            P("inc_general_budget", "80", measure="share"),
            P("inc_other", "30", measure="share"),
        ],
        [("share.sum_100", "error")],
        id="shares-above-100",
    ),
    pytest.param(
        [
            F("income_total", "480.00"),
            F("inc_general_budget", "460.00"),
            P("inc_general_budget", "95.83", measure="share"),
            F("inc_business", "15.00"),
            P("inc_business", "3.13", measure="share"),
            F("inc_other", "5.00"),
            P("inc_other", "1.04", measure="share"),
        ],
        [],
        id="share-exactly-half-rounds-either-way",
    ),
    pytest.param([P("sg_reception", "120", measure="share")], [("impossible.value", "error")], id="share-above-100"),
    pytest.param(
        [
            F("expenditure_total", "28849.38", period="budget"),
            F("exp_basic", "17123.19", period="budget"),
            P("exp_basic", "59.35", period="budget", measure="share"),
            F("exp_project", "11543.27", period="budget"),
            P("exp_project", "40.01", period="budget", measure="share"),
            F("exp_reserve", "182.92", period="budget"),
            P("exp_reserve", "0.64", period="budget", measure="share"),
        ],
        [("share.stated", "warning")],
        id="reserve-share-forced-to-sum-100",
    ),
    pytest.param(
        [
            F("sg_overseas", "70", period="budget"),
            P("sg_overseas", "13.77", period="budget", measure="share"),
            F("sg_vehicle", "411.20", period="budget"),
            P("sg_vehicle", "80.92", period="budget", measure="share"),
            F("sg_reception", "27", period="budget"),
            P("sg_reception", "5.31", period="budget", measure="share"),
        ],
        [("share.stated", "warning")],
        id="sangong-total-unstated-basis-is-the-sum",
    ),
    pytest.param(
        [
            F("sg_overseas", "222.5", period="budget"),
            P("sg_overseas", "8.75", period="budget", measure="share"),
            F("sg_vehicle", "183.6", period="budget"),
            P("sg_vehicle", "7.22", period="budget", measure="share"),
            F("sg_reception", "427.5", period="budget"),
            P("sg_reception", "16.81", period="budget", measure="share"),
        ],
        [],
        id="sangong-shares-of-another-total-unchecked",
    ),
    pytest.param(
        [
            F("sangong_total", "513.75", period="budget"),
            F("sg_overseas", "160.00", period="budget"),
            P("sg_overseas", "31.14", period="budget", measure="share"),
            F("sg_vehicle_operation", "266.80", period="budget"),
            P("sg_vehicle_operation", "51.93", period="budget", measure="share"),
            F("sg_reception", "86.95", period="budget"),
            P("sg_reception", "16.93", period="budget", measure="share"),
        ],
        [("share.stated", "warning")],
        id="vehicle-operation-share-completes-the-group",
    ),
    pytest.param(
        [
            F("sg_overseas", "160", period="budget"),
            P("sg_overseas", "31.14", period="budget", measure="share", text="占“三公”经费的31.14%"),
            F("sg_vehicle", "266.8", period="budget"),
            F("sg_vehicle_operation", "266.8", period="budget"),
            P("sg_vehicle_operation", "51.93", period="budget", measure="share", text="占“三公”经费的51.93%"),
            F("sg_reception", "86.95", period="budget"),
            P("sg_reception", "16.93", period="budget", measure="share", text="占“三公”经费的16.93%"),
        ],
        [("share.stated", "warning")],  # 16.93 (16.92 computed) nudged so the three sum to 100
        id="vehicle-share-named-of-sangong-is-not-taken-of-the-vehicle-total",
    ),
    pytest.param(
        [
            F("sg_vehicle", "266.8", period="budget"),
            F("sg_vehicle_operation", "200", period="budget"),
            P("sg_vehicle_operation", "70.00", period="budget", measure="share", text="占公务用车购置及运行费的70.00%"),
        ],
        [("share.stated", "error")],
        id="vehicle-share-of-the-vehicle-total-still-checked",
    ),
]


@pytest.mark.parametrize(("facts", "expected"), SHARES)
def test_shares(facts: list[Fact], expected: list[tuple[str, str]]) -> None:
    assert _run(facts) == sorted(expected)


# ---- year on year ---------------------------------------------------------------------------------------------

YOY = [
    pytest.param(
        [
            F("gb_expenditure", "1265.53"),
            F("gb_expenditure", "1257.12", period="prior"),
            F("gb_expenditure", "8.41", period="change", direction="up"),
            P("gb_expenditure", "0.67", period="change", measure="growth_rate", direction="up"),
        ],
        [],
        id="yoy-holds",
    ),
    pytest.param(
        [
            F("gb_expenditure", "1265.53"),
            F("gb_expenditure", "1257.12", period="prior"),
            F("gb_expenditure", "0.59", period="change", direction="up"),
            P("gb_expenditure", "0.05", period="change", measure="growth_rate", direction="up"),
        ],
        [("yoy.amount", "error"), ("yoy.rate", "error")],
        id="yoy-amount-and-rate-wrong",
    ),
    pytest.param(
        [
            F("grand_total", "762.26"),
            F("grand_total", "2.58", period="change", direction="down"),
            P("grand_total", "0.6", period="change", measure="growth_rate", direction="down"),
        ],
        [("yoy.rate", "error")],
        id="yoy-rate-against-derived-prior",
    ),
    pytest.param(
        [
            F("grand_total", "260.70"),
            F("grand_total", "31", period="change", direction="down"),
            P("grand_total", "10.63", period="change", measure="growth_rate", direction="down"),
        ],
        [],
        id="yoy-derived-prior-holds",
    ),
    pytest.param(
        [
            F("organ_running", "120.13"),
            F("organ_running", "122.87", period="prior"),
            F("organ_running", "2.74", period="change", direction="up"),
        ],
        [("yoy.amount", "error"), ("yoy.direction", "error")],
        id="yoy-direction-wrong",
    ),
    pytest.param(
        [
            F("grand_total", "100.00"),
            F("grand_total", "2.00", period="change", direction="up"),
            P("grand_total", "2.04", period="change", measure="growth_rate", direction="down"),
        ],
        [("yoy.direction", "error"), ("yoy.rate", "error")],
        id="yoy-words-contradict",
    ),
    pytest.param(
        [
            F("sg_overseas", "0"),
            F("sg_overseas", "0", period="change", direction="unknown"),
            P("sg_overseas", "0", period="change", measure="growth_rate", direction="unknown"),
        ],
        [],
        id="yoy-unresolved-alternative-magnitude-only",
    ),
    pytest.param(
        [
            F("sg_reception", "0.97", period="budget"),
            F("sg_reception", "10000.00", "元", "prior", scope="budget"),
            P("sg_reception", "3", period="change", measure="growth_rate", direction="down"),
        ],
        [],
        id="yoy-budget-document-mixed-units",
    ),
    pytest.param(
        [P("sg_reception", "120", period="change", measure="growth_rate", direction="down")],
        [("impossible.value", "error")],
        id="decrease-above-100",
    ),
    pytest.param(
        [
            F("func:2210202", "4243.61", period="budget"),
            F("func:2210202", "1657", period="change", direction="up", text="支出4243.61万元，与上年相比增加1657"),
            P("func:2210202", "64.07", period="change", measure="growth_rate", direction="up"),
        ],
        [("yoy.rate", "warning")],
        id="whole-number-change-read-at-its-written-precision",
    ),
    pytest.param(
        [
            F("func:2210202", "4243.61", period="budget"),
            F("func:2210202", "1657", period="change", direction="up", text="支出4243.61万元，与上年相比增加1657"),
            P("func:2210202", "65.07", period="change", measure="growth_rate", direction="up"),
        ],
        [("yoy.rate", "error")],
        id="whole-number-change-rate-wrong-either-way",
    ),
]


@pytest.mark.parametrize(("facts", "expected"), YOY)
def test_year_on_year(facts: list[Fact], expected: list[tuple[str, str]]) -> None:
    assert _run(facts) == sorted(expected)


def test_yoy_explanation_word_against_direction() -> None:
    text = "比上年减少了12.53万元。增加的主要原因是在职人员的减少"
    start = text.index("12.53")
    facts = _numbered(
        [
            F("income_total", "371.18", period="budget"),
            F("income_total", "383.71", period="prior", scope="budget"),
            F("income_total", "12.53", period="change", scope="budget", direction="down"),
        ]
    )
    facts[2] = facts[2].model_copy(update={"span": (start, start + 5)})
    assert [(x.rule, x.severity) for x in check(facts, text=text)] == [("yoy.direction", "warning")]


# ---- completion -----------------------------------------------------------------------------------------------

COMPLETION = [
    pytest.param(
        [
            F("sangong_total", "3.00"),
            F("sangong_total", "4.00", period="budget"),
            P("sangong_total", "75", measure="completion_rate"),
        ],
        [],
        id="completion-holds",
    ),
    pytest.param(
        [
            F("sangong_total", "3.00"),
            F("sangong_total", "4.00", period="budget"),
            P("sangong_total", "80", measure="completion_rate"),
        ],
        [("completion.rate", "error")],
        id="completion-wrong",
    ),
    pytest.param(
        [
            F("project:a", "4.64"),
            F("project:a", "4.64", period="budget"),
            F("project:a", "5", period="budget", text="预算数 5 执行数 4.64"),
            P("project:a", "100", measure="completion_rate"),
        ],
        [("completion.rate", "warning"), ("consistency.same_concept", "error")],
        id="completion-one-of-two-budgets",
    ),
    pytest.param(
        [
            F("gb_expenditure", "381.13"),
            F("income_total", "371.18", period="budget"),
            P("gb_expenditure", "102", measure="completion_rate"),
        ],
        [("completion.rate", "warning")],
        id="completion-stand-in-budget",
    ),
    pytest.param(
        [
            F("gb_expenditure", "1265.53"),
            F("expenditure_total", "11799595", "元", "budget", scope="initial_budget"),
            F("expenditure_total", "12656254.1", "元", "budget", scope="adjusted_budget"),
            P("gb_expenditure", "100", measure="completion_rate"),
        ],
        [],
        id="completion-adjusted-budget",
    ),
    pytest.param(
        [
            F("sg_reception", "0"),
            F("sg_reception", "0", period="budget"),
            P("sg_reception", "0", measure="completion_rate", direction="down"),
        ],
        [("completion.direction", "warning")],
        id="completion-smaller-but-equal-zeros",
    ),
    pytest.param(
        [F("func:208", "300.00"), P("func:208", "120", measure="completion_rate", direction="down")],
        [("completion.direction", "error")],
        id="completion-direction-against-rate",
    ),
    pytest.param(
        [F("func:208", "300.00"), P("func:208", "100", measure="completion_rate", direction="flat")],
        [],
        id="completion-equal-holds",
    ),
]


@pytest.mark.parametrize(("facts", "expected"), COMPLETION)
def test_completion(facts: list[Fact], expected: list[tuple[str, str]]) -> None:
    assert _run(facts) == sorted(expected)


def test_completion_word_read_from_the_text() -> None:
    text = "支出决算为0.3万元，完成预算116.67%，决算数小于预算数的主要原因是节约。"
    start = text.index("116.67")
    facts = _numbered([F("sangong_total", "0.3"), P("sangong_total", "116.67", measure="completion_rate")])
    facts[1] = facts[1].model_copy(update={"span": (start, start + 6)})
    assert [(x.rule, x.severity) for x in check(facts, text=text)] == [("completion.direction", "error")]


# ---- consistency, unit slips, impossible values -----------------------------------------------------------------

CONSISTENCY = [
    pytest.param(
        [F("func:208", "287.51", period="budget"), F("func:208", "2875129.00", "元", "budget")],
        [],
        id="same-figure-in-wan-and-yuan",
    ),
    pytest.param(
        [F("func:221", "18.43", period="budget"), F("func:221", "184249.00", "元", "budget")],
        [("consistency.same_concept", "warning")],
        id="forced-rounding-one-ulp",
    ),
    pytest.param(
        [F("staff_actual", "34", "人", measure="count"), F("staff_actual", "37", "人", measure="count")],
        [("consistency.same_concept", "error")],
        id="same-concept-different",
    ),
    pytest.param(
        [F("project:a", "4.64", period="budget"), F("project:a", "5", period="budget")],
        [],
        id="integer-alone-is-rounded-to-units",
    ),
    pytest.param(
        [F("sg_reception", "381.13"), F("sg_reception", "381.14")],
        [("consistency.same_concept", "warning")],
        id="same-precision-one-ulp-apart",
    ),
    pytest.param(
        [F("sg_reception", "0"), F("sg_reception", "1")],
        [("consistency.same_concept", "warning")],
        id="zero-and-one-touch-at-half",
    ),
    pytest.param(
        [
            F("project:a", "4.64", period="budget"),
            F("project:a", "5", period="budget", text="预算数:\n\t5\n\t执行数:\n\t4.64"),
        ],
        [("consistency.same_concept", "error")],
        id="integer-cell-among-two-decimal-cells",
    ),
    pytest.param(
        [
            F("sg_reception", "9700", period="budget"),
            F("sg_reception", "0.97", period="budget"),
            F("sangong_total", "0.97", period="budget"),
            F("sg_overseas", "0", period="budget"),
            F("sg_vehicle", "0", period="budget"),
        ],
        [("unit.slip", "error")],
        id="unit-slip-reported-once-and-left-out",
    ),
    pytest.param(
        [F("inc_fiscal", "381.83"), F("income_total", "381.13"), F("inc_general_budget", "381.13")],
        [("consistency.same_concept", "info")],
        id="fiscal-income-other-scope-info",
    ),
    pytest.param(
        [F("inc_fiscal", "550.95"), F("income_total", "556.55"), F("inc_other", "5.6")],
        [],
        id="fiscal-income-plus-other-income",
    ),
    pytest.param(
        [F("organ_running", "381.13"), F("gb_public", "60.86"), F("exp_project", "0")],
        [("impossible.value", "warning")],
        id="organ-running-above-public",
    ),
    pytest.param(
        [F("organ_running", "3348.98"), F("gb_public", "1131.92"), F("exp_project", "3123.68")],
        [],
        id="organ-running-counts-project-running-costs",
    ),
    pytest.param(
        [F("proc_sme", "60.00"), F("procurement_total", "50.00")],
        [("impossible.value", "error")],
        id="sme-above-procurement",
    ),
    pytest.param([F("exp_basic", "-3.00")], [("impossible.value", "error")], id="negative-spend"),
]


@pytest.mark.parametrize(("facts", "expected"), CONSISTENCY)
def test_consistency(facts: list[Fact], expected: list[tuple[str, str]]) -> None:
    assert _run(facts) == sorted(expected)


def test_year_label_slip() -> None:
    text = "2020年度收入预算371.18万元，比2020年度收入预算383.71万元减少了12.53万元"
    facts = _numbered(
        [F("income_total", "371.18", period="budget"), F("income_total", "383.71", period="prior", scope="budget")]
    )
    facts[1] = facts[1].model_copy(update={"span": (text.index("383.71"), text.index("383.71") + 6)})
    found = check(facts, text=text, fiscal_year=2020)
    assert [(x.rule, x.severity) for x in found] == [("consistency.same_concept", "warning")]
    assert check(facts, text=text, fiscal_year=2021) == []


def test_named_evaluations_against_their_count() -> None:
    text = "本部门还自行组织了5个项目支出绩效评价。本部门自行组织对助征员费用项目、业务运行费项目开展了绩效评价。"
    fact = _numbered([F("perf_evaluation", "5", "个", measure="count")])[0]
    fact = fact.model_copy(update={"span": (text.index("5"), text.index("5") + 1)})
    assert [(x.rule, x.severity, x.expected) for x in check([fact], text=text)] == [
        ("sum.listed_parts", "warning", "2")
    ]
    assert check([fact.model_copy(update={"value": "2"})], text=text) == []


def test_every_rule_has_a_named_case() -> None:
    """Every rule on facts has a case here; the document-level rules have theirs in test_completeness."""
    tables = [SUMS, BREAKDOWNS, SCORES_AND_TABLES, BALANCE, SHARES, YOY, COMPLETION, CONSISTENCY]
    covered = {rule for table in tables for case in table for rule, _ in case.values[1]}  # type: ignore[attr-defined]
    assert set(RULES) - covered == set(DOCUMENT_RULES)


def test_finding_names_figures_and_covers_spans() -> None:
    facts = _numbered([F("gb_basic", "381.13"), F("gb_personnel", "320.17"), F("gb_public", "60.86")])
    (x,) = check(facts)
    assert x.message == "一般公共预算财政拨款基本支出381.13万元 ≠ 人员经费320.17万元 + 公用经费60.86万元 = 381.03万元"
    assert (x.expected, x.actual, x.facts, x.span) == ("381.03", "381.13", ["f0", "f1", "f2"], (0, 25))
    assert x.tolerance is not None and Decimal(x.tolerance) == Decimal("0.015")


# ---- golden facts, stage, mutation harness --------------------------------------------------------------------


def _golden_findings(stem: str) -> GoldenFindings:
    return GoldenFindings.model_validate(yaml.safe_load((EXPECTED / stem / "findings.yaml").read_text("utf-8")))


def test_golden_facts_every_expected_finding_and_no_false_alarm(stem: str) -> None:
    """On hand-verified facts the checker reports every expected finding, and no `error` beyond them.

    The document-level findings (completeness, years) need the document, not its facts: see the next test.
    """
    raw = read_report(stem)
    facts = golden_facts(EXPECTED / stem, raw)
    concept = {f.id: f.concept for f in facts}
    found = check(facts, text=raw, fiscal_year=fiscal_year(raw))
    unmatched = list(found)
    for g in (g for g in _golden_findings(stem).findings if g.rule not in DOCUMENT_RULES):
        hit = next(
            (x for x in unmatched if x.rule == g.rule and {concept[i] for i in x.facts} == set(g.concepts)), None
        )
        assert hit is not None, f"missed {g.rule} {g.concepts}"
        assert hit.severity == g.severity, (g.rule, g.concepts, hit.severity)
        unmatched.remove(hit)
    assert [x.message for x in unmatched if x.severity == "error"] == []


def test_document_level_findings_of_the_pipeline_are_the_golden_ones(stem: str) -> None:
    """Completeness and year findings of each sample report, as the goldens' reader recorded them (rule, severity, what)."""
    result = process_raw(RawDocument("r.txt", read_report(stem), "0" * 64, "txt"))
    found = sorted((f.rule, f.severity, f.expected) for f in result.findings if f.rule in DOCUMENT_RULES)
    gold = sorted((g.rule, g.severity, g.expected) for g in _golden_findings(stem).findings if g.rule in DOCUMENT_RULES)
    assert found == gold


def test_stage_runs_in_the_pipeline() -> None:
    raw = read_report(STEMS[2])
    result = process_raw(RawDocument("r.txt", raw, "0" * 64, "txt"))
    assert any(x.rule == "sum.basic_by_economic" and x.severity == "error" for x in result.findings)


def test_synthetic_consistent_report_has_no_findings() -> None:
    assert harness.synthetic_findings() == []
    assert len(process_raw(RawDocument("s.txt", harness.SYNTHETIC.read_text("utf-8"), "0" * 64, "txt")).facts) > 80


@pytest.mark.parametrize(
    ("kind", "before", "after"),
    [
        pytest.param("digit", "收、支总计762.26万元", "收、支总计763.26万元", id="digit"),
        pytest.param("unit_slip", "收、支总计762.26万元", "收、支总计7622600.00万元", id="unit-slip"),
        pytest.param("direction", "各减少2.58万元", "各增加2.58万元", id="direction"),
        pytest.param("percentage", "占88.62%", "占89.62%", id="percentage"),
        pytest.param("deleted_part", "其中：基本支出381.13万元，占100%", "其中：占100%", id="deleted-part"),
    ],
)
def test_mutations_edit_the_stated_figure(kind: str, before: str, after: str) -> None:
    number = re.search(r"\d+\.\d+", before)
    assert number is not None
    is_rate = kind == "percentage"
    fact = _numbered(
        [
            F(
                "x",
                number.group(0),
                unit="%" if is_rate else "万元",
                period="change" if kind == "direction" else "current",
                direction="down" if kind == "direction" else None,
            )
        ]
    )[0]
    fact = fact.model_copy(update={"span": number.span()})
    (m,) = harness.mutations(before, [fact], [kind])
    assert m.text(before) == after
    changed = harness.mutate_facts([fact], m)
    assert changed == [] if kind == "deleted_part" else changed[0] != fact


@pytest.mark.slow
def test_mutation_harness_detects_identity_breaking_digit_changes() -> None:
    tallies = harness.run_report(STEMS[2], kinds=("digit", "unit_slip"))
    for t in tallies.values():
        assert t.breaking > 0 and t.detected / t.breaking >= 0.95, t


def test_golden_stems_present() -> None:
    assert [p.name for p in sorted(Path(EXPECTED).iterdir())] == STEMS


def _slip_q(n: int, value: str, unit: str) -> Q:
    fact = Fact(
        id=f"f{n}", concept="income_total", period="current", value=value, unit=unit, decimals=0,
        text=value, span=(n, n + 1), section=None, extractor="rules",
    )  # fmt: skip
    q = measure(fact)
    assert q is not None
    return q


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["0", "1", "5", "47", "2875", "28751", "287512", "10000"]),
                          st.sampled_from(["元", "万元", "亿元", "%"])), max_size=12))  # fmt: skip
def test_slip_pairs_by_bisection_equal_every_pairing(statements: list[tuple[str, str]]) -> None:
    qs = [_slip_q(n, value, unit) for n, (value, unit) in enumerate(statements)]
    expected = [(a, b) for a, b in itertools.combinations(qs, 2) if _slipped(a, b)]
    assert slip_pairs(qs) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["1", "1.0", "1.05", "2", "10000"]), st.sampled_from(["元", "万元"])), min_size=1, max_size=10))  # fmt: skip
def test_reference_support_by_bisection_equals_the_count(statements: list[tuple[str, str]]) -> None:
    qs = [_slip_q(n, value, unit) for n, (value, unit) in enumerate(statements)]
    supports = _Supports(qs)
    assert [supports.of(q) for q in qs] == [_support(q, qs) for q in qs]
