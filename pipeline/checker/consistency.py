"""One figure stated several times: conflicts, 元/万元/亿元 slips, year-label slips; and impossible values."""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from decimal import ROUND_HALF_UP, Decimal

from pipeline.checker.base import Ctx, candidates
from pipeline.checker.identity import SLIP_FACTORS, name
from pipeline.checker.interval import HUNDRED, Q, tol
from pipeline.checker.labels import label
from pipeline.checker.textual import year_label
from pipeline.numbers import plain
from schemas.document import Severity

NON_FISCAL = ("inc_superior_subsidy", "inc_business", "inc_operating", "inc_affiliated", "inc_other")
# part ≤ whole bounds not already implied by a sum identity; definitional ones are warnings
BOUNDS: tuple[tuple[str, str, Severity], ...] = (
    ("organ_running", "gb_public", "warning"),
    ("proc_small_micro", "proc_sme", "error"),
    ("proc_sme", "procurement_total", "error"),
    ("gb_expenditure", "expenditure_total", "error"),
)


def _support(q: Q, statements: list[Q]) -> int:
    return sum(1 for s in statements if s.iv.intersects(q.iv))


class _Supports:
    """How many statements intersect an interval, by bisection: all, less those entirely above or below it."""

    def __init__(self, statements: list[Q]) -> None:
        self.los = sorted(s.iv.lo for s in statements)
        self.his = sorted(s.iv.hi for s in statements)

    def of(self, q: Q) -> int:
        above = len(self.los) - bisect_right(self.los, q.iv.hi)
        below = bisect_left(self.his, q.iv.lo)
        return len(self.los) - above - below


def _reference(statements: list[Q]) -> Q:
    """The statement most others agree with (ties: the most precise)."""
    cands = candidates(statements)
    supports = _Supports(statements)
    return max(cands, key=lambda c: (supports.of(c), -(c.iv.hi - c.iv.lo)))


def _slipped(a: Q, b: Q) -> bool:
    """Two statements differing by 10⁴ or 10⁸ (a zero is no slipped figure: 0 and 47.91 are two statements)."""
    if a.iv.intersects(b.iv) or not a.money or a.value == 0 or b.value == 0:
        return False
    return any(a.iv.scale(k).intersects(b.iv) for k in SLIP_FACTORS)


def slip_pairs(cands: list[Q]) -> list[tuple[Q, Q]]:
    """The pairs of `cands` (in `itertools.combinations` order) that `_slipped`, found by bisection over values.

    A statement b meets a·k only if b's value lies within the widest interval's width of a·k.
    """
    if len(cands) < 2:
        return []  # no pair (most keys: one figure stated once)
    order = sorted(range(len(cands)), key=lambda i: cands[i].value)
    values = [cands[i].value for i in order]
    reach = max(q.iv.hi - q.iv.lo for q in cands)
    found: set[tuple[int, int]] = set()
    for i, a in enumerate(cands):
        if not a.money or a.value == 0:
            continue
        for k in SLIP_FACTORS:
            s = a.iv.scale(k)
            for j in order[bisect_left(values, s.lo - reach) : bisect_right(values, s.hi + reach)]:
                if j > i and _slipped(a, cands[j]):
                    found.add((i, j))
    return [(cands[i], cands[j]) for i, j in sorted(found)]


def find_unit_slips(ctx: Ctx) -> None:
    """Two statements of one amount differing by 10⁴ or 10⁸: report, and leave the slipped one out of all checks."""
    for key in ctx.keys():
        statements = ctx.all(*key)
        if len(statements) < 2:
            continue  # a figure stated once has nothing to slip against (most keys)
        for a, b in slip_pairs(candidates(statements, ctx.unsure)):
            slipped, kept = _culprit(ctx, a, b, statements)
            ctx.excluded.update(s.id for s in statements if s.iv.intersects(slipped.iv))
            should = plain(kept.value / slipped.scale)
            msg = f"{name(slipped)}与{name(kept)}相差10⁴或10⁸倍：元/万元/亿元单位混用，应为{should}{slipped.unit}"
            ctx.emit("unit.slip", "error", msg, [slipped, kept], expected=should, actual=slipped.fact.value)


def _culprit(ctx: Ctx, a: Q, b: Q, statements: list[Q]) -> tuple[Q, Q]:
    """(slipped, kept): the minority statement; on a tie the one farther from the report's typical amount."""
    sa, sb = _support(a, statements), _support(b, statements)
    if sa != sb:
        return (a, b) if sa < sb else (b, a)
    amounts = sorted(q.value for k in ctx.keys() for q in ctx.get(*k) if q.money and q.value > 0)
    if not amounts or a.value <= 0 or b.value <= 0:
        return (a, b) if a.value > b.value else (b, a)
    typical = amounts[len(amounts) // 2].log10()
    da, db = abs(a.value.log10() - typical), abs(b.value.log10() - typical)
    return (a, b) if da > db else (b, a)


def _forced(coarse: Q, fine: Q) -> bool:
    """The finer statement, rounded to the coarser one's precision, is one unit of the last place away."""
    if coarse.ulp <= fine.ulp:
        return False
    rounded = (fine.value / coarse.scale).quantize(Decimal(1).scaleb(-coarse.decimals), rounding=ROUND_HALF_UP)
    return abs(rounded - coarse.value / coarse.scale) == Decimal(1).scaleb(-coarse.decimals)


def _same_precision_differ(a: Q, b: Q) -> bool:
    """Written in one unit with the same decimals, yet different.

    Such statements are not two roundings of one number: 0 and 1 only meet at 0.5, which no single rounding rule
    writes both ways.
    """
    return a.unit == b.unit and a.decimals == b.decimals and a.value != b.value


def check_same_concept(ctx: Ctx) -> None:
    """Statements of one key must intersect.

    A one-ulp miss between different precisions is a forced rounding (warning), and so is a one-ulp difference at
    the same precision (intervals touching at their edge).
    """
    for key in ctx.keys():
        statements = ctx.all(*key)
        if len(statements) < 2:
            continue
        ref = _reference(statements)
        for other in candidates(statements, ctx.unsure):
            touching = other.iv.intersects(ref.iv)
            if other is ref or (touching and not _same_precision_differ(ref, other)):
                continue
            coarse, fine = (ref, other) if ref.ulp >= other.ulp else (other, ref)
            forced = touching or _forced(coarse, fine)
            severity: Severity = "warning" if forced else "error"
            why = (
                "（相差末位一个单位，疑为取整调整）" if touching else "（一处为迁就合计而进位的尾数）" if forced else ""
            )
            msg = f"{name(ref)}与{name(other)}为同一数字的两处表述，不相符{why}"
            ctx.emit(
                "consistency.same_concept",
                severity,
                msg,
                [ref, other],
                expected=plain(ref.value / other.scale),
                actual=other.fact.value,
                tolerance=tol(ref.iv.half + other.iv.half, other),
            )


def check_year_labels(ctx: Ctx) -> None:
    """A prior-year figure labelled with the report's own year reads as a second, different statement of it."""
    if ctx.text is None or ctx.fiscal_year is None:
        return
    for concept, period, measure, scope in ctx.keys():
        if period != "prior" or measure != "amount":
            continue
        same = ctx.get(concept, "budget" if scope == "budget" else "current", "amount", None)
        for q in ctx.get(concept, period, measure, scope):
            if year_label(ctx.text, q.fact.span[0]) != ctx.fiscal_year:
                continue
            for other in same:
                if not other.iv.intersects(q.iv):
                    msg = (
                        f"{name(q)}标为{ctx.fiscal_year}年度，与{name(other)}同年同口径而数值不同"
                        f"（按比较语境应为上年数，疑为年份笔误）"
                    )
                    ctx.emit(
                        "consistency.same_concept",
                        "warning",
                        msg,
                        [other, q],
                        expected=other.fact.value,
                        actual=q.fact.value,
                    )
                    break


def check_fiscal_income(ctx: Ctx) -> None:
    """财政拨款收入 against 本年收入合计: above it, or different while all income is fiscal — info (scopes may differ)."""
    for period in ("current", "budget"):
        pairs = list(itertools.product(ctx.get("inc_fiscal", period), ctx.get("income_total", period)))
        if not pairs or any(f.iv.intersects(w.iv) for f, w in pairs):
            continue
        f, w = pairs[0]
        others = [q for c in NON_FISCAL for q in ctx.get(c, period)]
        if f.value > w.value or all(q.value == 0 for q in others):
            msg = f"{name(f)}与{name(w)}不同，而其余收入为零或未列（可能为不同口径）"
            ctx.emit("consistency.same_concept", "info", msg, [f, w], expected=w.fact.value, actual=f.fact.value)


def check_impossible(ctx: Ctx) -> None:
    """Shares above 100%, decreases above 100%, negative amounts, 得分 above 分值, parts above their whole."""
    for concept, period, measure, scope in ctx.keys():
        for q in ctx.get(concept, period, measure, scope):
            why = _impossible(q)
            if why:
                ctx.emit("impossible.value", "error", f"{name(q)}{why}", [q], actual=q.fact.value)
        if measure == "score":
            for s, m in itertools.product(
                ctx.get(concept, period, "score", scope), ctx.get(concept, period, "score_max", scope)
            ):
                if s.iv.lo > m.iv.hi:
                    ctx.emit(
                        "impossible.value",
                        "error",
                        f"{name(s)}高于{name(m)}",
                        [s, m],
                        expected=f"<= {m.fact.value}",
                        actual=s.fact.value,
                    )
    for part, whole, severity in BOUNDS:
        for period in ("current", "budget"):
            _bound(ctx, part, whole, period, severity)


def _impossible(q: Q) -> str:
    f = q.fact
    if f.measure == "share" and q.iv.lo > HUNDRED:
        return "：占比超过100%"
    if f.measure == "growth_rate" and f.direction == "down" and q.iv.lo > HUNDRED:
        return "：降幅超过100%"
    if q.value < 0 and f.measure in ("amount", "count", "score", "score_max"):
        return "：为负数"
    return ""


def _no_project_spending(ctx: Ctx, period: str) -> bool:
    """The report says it spends nothing on projects (项目支出 0, or 基本支出 = 本年支出合计)."""
    projects = [q for k in ctx.keys() if k[0] in ("exp_project", "gb_project") and k[1] == period for q in ctx.all(*k)]
    if projects:
        return all(q.value == 0 for q in projects)
    basic, total = ctx.get("exp_basic", period), ctx.get("expenditure_total", period)
    return any(b.iv.intersects(t.iv) for b in basic for t in total)


def _bound(ctx: Ctx, part: str, whole: str, period: str, severity: Severity) -> None:
    pairs = list(itertools.product(ctx.get(part, period), ctx.get(whole, period)))
    if not pairs or any(p.iv.lo <= w.iv.hi for p, w in pairs):
        return
    if part == "organ_running" and not _no_project_spending(ctx, period):
        return  # since 2017 机关运行经费 also counts the running costs paid from 项目支出: no bound by 公用经费
    p, w = pairs[0]
    msg = f"{name(p)}超过{name(w)}（{label(part)}是{label(whole)}的一部分）"
    ctx.emit("impossible.value", severity, msg, [p, w], expected=f"<= {w.fact.value}", actual=p.fact.value)
