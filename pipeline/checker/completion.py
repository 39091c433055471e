"""Completion: 完成预算Z% against 决算数 / 预算数, and 决算数大于/小于/等于预算数 against the rate and the amounts."""

from __future__ import annotations

import itertools
from decimal import Decimal

from pipeline.checker.base import Ctx
from pipeline.checker.identity import name
from pipeline.checker.interval import HUNDRED, Interval, Q, fmt, tol
from pipeline.checker.shares import ratio
from pipeline.checker.textual import completion_word
from schemas.document import Severity

BUDGET_SCOPES = (None, "initial_budget", "adjusted_budget")
# when a concept's own budget is not stated, the budget it is measured against (a stand-in: warning at most)
STAND_INS = {"gb_expenditure": ("expenditure_total", "income_total"), "expenditure_total": ("income_total",)}
WORDS = {"up": "大于", "down": "小于", "flat": "等于"}


def budget_groups(ctx: Ctx, concept: str, scope: str | None) -> tuple[list[list[Q]], bool]:
    """Statements of the budget, one list per budget key, and whether they belong to a stand-in concept.

    年初预算 and 调整预算 are legitimately different keys: the rate may hold against either.
    """
    own = [ctx.all(concept, "budget", "amount", s) for s in _scopes(scope)]
    own = [g for g in own if g]
    if own or scope is not None:
        return own, False
    for other in STAND_INS.get(concept, ()):
        groups = [g for g in (ctx.all(other, "budget", "amount", s) for s in BUDGET_SCOPES) if g]
        if groups:
            return groups, True
    return [], False


def _scopes(scope: str | None) -> tuple[str | None, ...]:
    return BUDGET_SCOPES if scope is None else (scope,)


def _holds(rate: Q, currents: list[Q], budget: Q) -> tuple[bool, Q | None, Interval | None]:
    near: tuple[Q | None, Interval | None] = (None, None)
    for cur in currents:
        r = ratio(cur, budget)
        if r is None:
            return True, None, None  # a zero budget defines no rate: nothing to contradict
        if rate.iv.intersects(r):
            return True, cur, r
        near = (cur, r)
    return False, *near


def check_rates(ctx: Ctx) -> None:
    """完成预算Z% = 决算数 / 预算数, tried against every statement of the budget."""
    for concept, period, measure, scope in ctx.keys():
        if measure != "completion_rate":
            continue
        currents = ctx.get(concept, "current", "amount", scope)
        groups, stand_in = budget_groups(ctx, concept, scope)
        if not currents or not groups:
            continue
        for rate in ctx.get(concept, period, measure, scope):
            _check_rate(ctx, rate, currents, groups, stand_in)


def _check_rate(ctx: Ctx, rate: Q, currents: list[Q], groups: list[list[Q]], stand_in: bool) -> None:
    failed: list[tuple[Q, Q, Interval]] = []
    verdicts = []
    for g in groups:
        results = [(b, *_holds(rate, currents, b)) for b in g]
        verdicts.append([ok for _, ok, _, _ in results])
        failed += [(b, cur, r) for b, ok, cur, r in results if not ok and cur is not None and r is not None]
    if any(all(v) for v in verdicts) or not failed:
        return
    partial = any(any(v) for v in verdicts)
    severity: Severity = "warning" if partial or stand_in else "error"
    budget, cur, r = failed[0]
    point = cur.value / budget.value * HUNDRED
    why = "（预算数另有一处表述与之相符）" if partial else "（以" + name(budget) + "代替预算数）" if stand_in else ""
    msg = f"{name(rate)} ≠ {name(cur)} / {name(budget)} = {fmt(point)}%{why}"
    ctx.emit(
        "completion.rate",
        severity,
        msg,
        [rate, cur, budget],
        expected=fmt(point),
        actual=rate.fact.value,
        tolerance=tol(rate.iv.half + r.half),
    )


def check_directions(ctx: Ctx) -> None:
    """决算数大于/小于/等于预算数 against the stated rate and the stated amounts."""
    for concept, period, measure, scope in ctx.keys():
        if measure != "completion_rate":
            continue
        for rate in ctx.get(concept, period, measure, scope):
            word: str | None = rate.fact.direction if rate.fact.direction in WORDS else None
            if word is None and ctx.text is not None:
                word = completion_word(ctx.text, rate.fact.span[1])
            if word is None:
                continue
            budgets = [b for s in _scopes(scope) for b in ctx.get(concept, "budget", "amount", s)]
            _check_direction(ctx, rate, word, ctx.get(concept, "current", "amount", scope), budgets)


def _possible(word: str, a: Interval, b: Interval) -> bool:
    return {"up": a.hi > b.lo, "down": a.lo < b.hi, "flat": a.intersects(b)}[word]


def _point(word: str, a: Decimal, b: Decimal) -> bool:
    return {"up": a > b, "down": a < b, "flat": a == b}[word]


def _check_direction(ctx: Ctx, rate: Q, word: str, currents: list[Q], budgets: list[Q]) -> None:
    hundred = Interval(HUNDRED, HUNDRED)
    checks = [([rate], rate.iv, hundred, rate.value, HUNDRED, f"{name(rate)}")]
    for cur, bud in itertools.product(currents, budgets):
        checks.append(([rate, cur, bud], cur.iv, bud.iv, cur.value, bud.value, f"{name(cur)}、{name(bud)}"))
    for qs, a, b, av, bv, shown in checks:
        if _possible(word, a, b) and _point(word, av, bv):
            continue
        severity: Severity = "warning" if _possible(word, a, b) else "error"
        actual = f"决算数{WORDS[word]}预算数"
        expected = "决算数" + next(WORDS[w] for w in ("up", "down", "flat") if _point(w, av, bv)) + "预算数"
        msg = f"文中称{actual}，但{shown}表明{expected}"
        if severity == "warning":
            msg += "（仅在金额取整后才可能相符）"
        ctx.emit("completion.direction", severity, msg, qs, expected=expected, actual=actual)
        return
