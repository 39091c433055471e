"""Totals = Σ parts over the fixed vocabulary, the balance of 收、支总计, score tables and head counts."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.checker.base import Ctx
from pipeline.checker.identity import check_sum, evaluate, name
from pipeline.checker.interval import Q, in_unit, tol

Alt = tuple[str, ...]


@dataclass(frozen=True)
class Identity:
    """total = Σ slots; each slot lists alternative ways the report may state it.

    Every combination of the alternatives present is tried (财政拨款收入 as one figure or split by budget); the
    identity is reported, on the first alternatives, only when none holds.
    """

    rule: str
    total: str
    slots: tuple[tuple[Alt, ...], ...]
    measure: str = "amount"


def _one(*concepts: str) -> tuple[tuple[Alt, ...], ...]:
    return tuple(((c,),) for c in concepts)


IDENTITIES = (
    Identity(
        "sum.income_sources",
        "income_total",
        (
            (("inc_general_budget", "inc_gov_fund", "inc_state_capital"), ("inc_fiscal",)),
            *_one("inc_superior_subsidy", "inc_business", "inc_operating", "inc_affiliated", "inc_other"),
        ),
    ),
    Identity(
        "sum.expenditure_types",
        "expenditure_total",
        _one(
            "exp_basic", "exp_project", "exp_reserve", "exp_remit_superior", "exp_operating", "exp_affiliated_subsidy"
        ),
    ),
    Identity("sum.basic_expenditure", "gb_basic", _one("gb_personnel", "gb_public")),
    Identity(
        "sum.sangong",
        "sangong_total",
        (
            (("sg_overseas",),),
            (("sg_vehicle",), ("sg_vehicle_purchase", "sg_vehicle_operation")),
            (("sg_reception",), ("sg_reception_domestic", "sg_reception_foreign")),
        ),
    ),
    Identity("sum.sangong", "sg_reception", _one("sg_reception_domestic", "sg_reception_foreign")),
    Identity("sum.vehicle", "sg_vehicle", _one("sg_vehicle_purchase", "sg_vehicle_operation")),
    Identity("sum.procurement", "procurement_total", _one("proc_goods", "proc_works", "proc_services")),
    Identity("sum.headcount", "staff_actual", _one("staff_fully_funded", "staff_subsidized"), "count"),
    Identity("sum.headcount", "staff_actual", _one("staff_established", "staff_temporary"), "count"),
)


def check_identities(ctx: Ctx) -> None:
    """Every vocabulary identity, for each period and scope its total is stated in."""
    for ident in IDENTITIES:
        for concept, period, measure, scope in ctx.keys():
            if concept != ident.total or measure != ident.measure:
                continue
            options: list[list[str]] = [[]]
            for slot in ident.slots:
                present = [a for a in slot if any(ctx.get(c, period, measure, scope) for c in a)]
                options = [o + list(a) for o in options for a in present] if present else options
            totals = ctx.get(concept, period, measure, scope)
            tries = [[p for p in (ctx.get(c, period, measure, scope) for c in o) if p] for o in options]
            if not any(o is not None and o.holds for o in (evaluate(totals, t) for t in tries[1:])):
                check_sum(ctx, ident.rule, totals, tries[0])


def check_balance(ctx: Ctx) -> None:
    """收入总计 = 本年收入合计 + 年初结转 and = 本年支出合计 + 年末结转; without carry-overs, bounds only."""
    for period in ("current", "budget"):
        grand = ctx.get("grand_total", period)
        if not grand:
            continue
        income, spent = ctx.get("income_total", period), ctx.get("expenditure_total", period)
        begin, end = ctx.get("carryover_begin", period), ctx.get("carryover_end", period)
        for side, carry in ((income, begin), (spent, end)):
            if side and carry:
                check_sum(ctx, "balance.grand_total", grand, [side, carry], min_parts=1)
            elif side:
                check_sum(ctx, "balance.grand_total", grand, [side], min_parts=None)
        if income and spent and not begin and not end:
            _doubled(ctx, grand, income, spent)
        fiscal = ctx.get("fiscal_grand_total", period)
        out = [ctx.get(c, period) for c in ("gb_expenditure", "gov_fund_expenditure", "state_capital_expenditure")]
        check_sum(ctx, "balance.grand_total", fiscal, out, min_parts=None)


def _doubled(ctx: Ctx, grand: list[Q], income: list[Q], spent: list[Q]) -> None:
    """收、支总计 stated as 本年收入合计 + 本年支出合计: the two sides added together."""
    for g in grand:
        for i in income:
            for s in spent:
                if i.value > 0 and not g.iv.intersects(i.iv) and (i.iv + s.iv).intersects(g.iv):
                    msg = (
                        f"{name(g)} = {name(i)} + {name(s)}：收、支两方被相加；未列年初、年末结转和结余，"
                        f"收、支总计应为{in_unit(i.value, g)}{g.unit}"
                    )
                    ctx.emit(
                        "balance.grand_total",
                        "error",
                        msg,
                        [g, i],
                        expected=in_unit(i.value, g),
                        actual=g.fact.value,
                        tolerance=tol(g.iv.half + i.iv.half, g),
                    )
                    return


def check_scores(ctx: Ctx) -> None:
    """二级指标 = Σ its 三级指标 (分值 and 得分), and the stated total = Σ 二级指标."""
    for measure in ("score_max", "score"):
        seconds = sorted(
            {
                k[0]
                for k in ctx.keys()
                if k[0].startswith("score:") and "/" not in k[0] and k[2] == measure and k[1] == "current"
            }
        )
        for second in seconds:
            rows = sorted({k[0] for k in ctx.keys() if k[0].startswith(second + "/") and k[2] == measure})
            check_sum(
                ctx,
                "sum.score_table",
                ctx.get(second, "current", measure),
                [ctx.get(r, "current", measure) for r in rows],
            )
        thirds = sorted({k[0] for k in ctx.keys() if k[0].startswith("score:") and "/" in k[0] and k[2] == measure})
        parts = seconds or thirds
        check_sum(
            ctx,
            "sum.score_table",
            ctx.get("score_total", "current", measure),
            [ctx.get(c, "current", measure) for c in parts],
        )
