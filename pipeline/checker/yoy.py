"""Year on year: current − prior = change, change / prior = rate, and the direction words against the sign.

增加/减少 X is the change, 增长/下降 Y% the rate; the prior may be derived as current ∓ change when it is not stated.

A 预算 document compares budgets (本年预算 against 上年预算); a 决算 that also states 上年预算 (prior, scope
budget) compares its budget figures on that basis. Changes stated with `direction: unknown` (增加/减少 left
unresolved) are tested on magnitudes only.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from pipeline.checker.base import MAX_PAIRS, Ctx, Nearby
from pipeline.checker.identity import name
from pipeline.checker.interval import HUNDRED, Interval, Q, fmt, in_unit, measure, tol, written_decimals
from pipeline.checker.textual import reason_word
from schemas.document import Severity

SIGN = {"up": 1, "down": -1, "flat": 1}
WORD = {"up": "增加", "down": "减少", "flat": "持平"}


@dataclass
class Basis:
    """The statements one comparison is made of."""

    currents: list[Q]
    priors: list[Q]
    changes: list[Q]
    rates: list[Q]
    nearby: tuple[Nearby, Nearby, Nearby] | None = None  # currents, priors, changes by position (crowded files)


def bases(ctx: Ctx, concept: str) -> list[Basis]:
    """The actual-on-actual comparison and, where stated, the budget-on-budget one."""
    has_current = bool(ctx.get(concept, "current"))
    if not has_current:  # a 预算 document: its budget figures are this year's
        scopes: tuple[str | None, ...] = (None, "budget")
        return [
            Basis(
                ctx.get(concept, "budget"),
                [q for s in scopes for q in ctx.get(concept, "prior", "amount", s)],
                [q for s in scopes for q in ctx.all(concept, "change", "amount", s)],
                [q for s in scopes for q in ctx.all(concept, "change", "growth_rate", s)],
            )
        ]
    return [
        Basis(
            ctx.get(concept, "current"),
            ctx.get(concept, "prior"),
            ctx.all(concept, "change"),
            ctx.all(concept, "change", "growth_rate"),
        ),
        Basis(
            ctx.get(concept, "budget"),
            ctx.get(concept, "prior", "amount", "budget"),
            ctx.all(concept, "change", "amount", "budget"),
            ctx.all(concept, "change", "growth_rate", "budget"),
        ),
    ]


def signs(q: Q) -> tuple[int, ...]:
    """The signs a change may carry: one for a known direction word, both when unknown."""
    d = q.fact.direction
    return (SIGN[d],) if d in SIGN else (1, -1)


def check_yoy(ctx: Ctx) -> None:
    """Every year-on-year statement of every concept."""
    concepts = sorted({k[0] for k in ctx.keys() if k[1] in ("change", "prior")})
    for concept in concepts:
        for b in bases(ctx, concept):
            for ch in b.changes:
                _check_amount(ctx, _near(b, ch), ch)
                if not b.priors:
                    _check_negative_prior(ctx, b, ch)
            options = _rate_options(b) if b.rates and not _crowded(b) else []  # the same for every rate: made once
            for rt in b.rates:
                _check_rate(ctx, _near(b, rt), rt, _rate_options(_near(b, rt)) if _crowded(b) else options)
            _check_directions(ctx, b)


def _crowded(b: Basis) -> bool:
    """More pairings than are worth trying: a file holding many reports (see `base.nearest`)."""
    return max(len(b.currents), len(b.changes)) * max(len(b.priors), len(b.currents)) > MAX_PAIRS


def _near(b: Basis, q: Q) -> Basis:
    """The comparison as seen from one statement: all of it, or in a crowded file the statements near it."""
    if not _crowded(b):
        return b
    if b.nearby is None:
        b.nearby = (Nearby(b.currents), Nearby(b.priors), Nearby(b.changes))
    pos = q.fact.span[0]
    currents, priors, changes = b.nearby
    return Basis(currents.nearest(pos), priors.nearest(pos), changes.nearest(pos), b.rates)


def _check_amount(ctx: Ctx, b: Basis, ch: Q) -> None:
    best: tuple[Decimal, Q, Q, Interval] | None = None
    for cur, prior in itertools.product(b.currents, b.priors):
        diff = cur.iv - prior.iv
        for s in signs(ch):
            gap = ch.iv.scale(Decimal(s)).gap(diff)
            if gap == 0:
                return
            if best is None or gap < best[0]:
                best = (gap, cur, prior, diff)
    if best is None:
        return
    _, cur, prior, diff = best
    value = cur.value - prior.value
    msg = f"{name(ch)} ≠ {name(cur)} − {name(prior)} = {in_unit(value, ch)}{ch.unit}"
    ctx.emit(
        "yoy.amount",
        "error",
        msg,
        [ch, cur, prior],
        expected=in_unit(abs(value), ch),
        actual=ch.fact.value,
        tolerance=tol(ch.iv.half + diff.half, ch),
    )


RateOption = tuple[list[Q], Interval, Decimal, Callable[[], str]]


def _rate_options(b: Basis) -> list[RateOption]:
    """(facts used, signed rate interval, point value, formula) for every way the rate can be computed.

    The formula is written only for the option a finding reports (a function: the names cost more than the sums).
    """
    out: list[RateOption] = []
    for cur, prior in itertools.product(b.currents, b.priors):
        r = (cur.iv - prior.iv).div(prior.iv)
        if r is not None:
            point = (cur.value - prior.value) / prior.value * HUNDRED
            out.append(([cur, prior], r.scale(HUNDRED), point, partial(_difference_formula, cur, prior)))
    if out:
        return out
    for ch, prior in itertools.product(b.changes, b.priors):
        for s in signs(ch):
            r = ch.iv.scale(Decimal(s)).div(prior.iv)
            if r is not None:
                point = s * ch.value / prior.value * HUNDRED
                out.append(([ch, prior], r.scale(HUNDRED), point, partial(_change_formula, ch, prior)))
    if out:
        return out
    for ch, cur in itertools.product(b.changes, b.currents):
        for s in signs(ch):
            signed = ch.iv.scale(Decimal(s))
            prior_value = cur.value - s * ch.value
            r = signed.div(cur.iv - signed)
            if r is not None and prior_value:
                point = s * ch.value / prior_value * HUNDRED
                out.append(([ch, cur], r.scale(HUNDRED), point, partial(_derived_formula, ch, cur, s, prior_value)))
    return out


def _difference_formula(cur: Q, prior: Q) -> str:
    return f"({name(cur)} − {name(prior)}) / {name(prior)}"


def _change_formula(ch: Q, prior: Q) -> str:
    return f"{name(ch)} / {name(prior)}"


def _derived_formula(ch: Q, cur: Q, s: int, prior_value: Decimal) -> str:
    return f"{name(ch)} / 上年{in_unit(prior_value, cur)}{cur.unit}（{name(cur)} {'+' if s < 0 else '−'} 变动额）"


def truncated(stated: Q, computed: Interval) -> bool:
    """The stated figure is the computed one cut (not rounded) at the stated decimals: a habit, not a mismatch."""
    step = Decimal(1).scaleb(-stated.decimals)
    value = abs(stated.value)
    lo, hi = sorted((abs(computed.lo), abs(computed.hi)))
    return value <= lo and hi < value + step


def _check_negative_prior(ctx: Ctx, b: Basis, ch: Q) -> None:
    """An increase larger than the figure itself: last year's figure would have been negative."""
    if ch.fact.direction != "up" or not b.currents:
        return
    for cur in b.currents:
        if not ch.iv.lo > cur.iv.hi:
            return
    cur = b.currents[0]
    prior = cur.value - ch.value
    msg = f"{name(ch)}，但{name(cur)}：上年应为{in_unit(prior, ch)}{ch.unit}，为负数"
    ctx.emit("yoy.amount", "error", msg, [ch, cur], expected=None, actual=ch.fact.value)


def _check_rate(ctx: Ctx, b: Basis, rt: Q, options: list[RateOption]) -> None:
    if not options:
        return
    best = None
    for used, r, point, formula in options:
        for s in signs(rt):
            gap = rt.iv.scale(Decimal(s)).gap(r)
            if gap == 0:
                return
            if best is None or gap < best[0]:
                best = (gap, used, r, point, formula)
    assert best is not None
    _, used, r, point, formula = best
    msg = f"{name(rt)} ≠ {formula()} = {fmt(abs(point))}%"
    severity: Severity = "error"
    if truncated(rt, r):
        severity, msg = "warning", msg + "（所列增幅为截尾而非四舍五入）"
    elif _holds(rt, _rate_options(_as_written(b))):
        severity, msg = "warning", msg + "（将所列整数金额视为四舍五入到整数则相符）"
    ctx.emit(
        "yoy.rate",
        severity,
        msg,
        [rt, *used],
        expected=fmt(abs(point)),
        actual=rt.fact.value,
        tolerance=tol(rt.iv.half + r.half),
    )


def _holds(rt: Q, options: list[RateOption]) -> bool:
    return any(rt.iv.scale(Decimal(s)).gap(r) == 0 for _, r, _, _ in options for s in signs(rt))


def _as_written(b: Basis) -> Basis:
    """The comparison with whole numbers taken at their written precision (1657万元 as 1657 ± 0.5, not 1657.00).

    A whole number among figures with decimals usually means .00, so the checker reads it so; when only that
    reading breaks an identity, the finding is a warning.
    """

    def loose(qs: list[Q]) -> list[Q]:
        out = []
        for q in qs:
            m = measure(q.fact) if written_decimals(q.fact) < q.decimals else None
            out.append(m if m is not None else q)
        return out

    return Basis(loose(b.currents), loose(b.priors), loose(b.changes), b.rates)


def _check_directions(ctx: Ctx, b: Basis) -> None:
    words = [q for q in b.changes + b.rates if q.fact.direction in SIGN]
    for q in words:
        if _against_amounts(ctx, _near(b, q), q):
            return
    ups = [q for q in words if q.fact.direction == "up"]
    downs = [q for q in words if q.fact.direction == "down"]
    if ups and downs:
        ctx.emit(
            "yoy.direction",
            "error",
            f"同一变动既称{WORD['up']}（{name(ups[0])}）又称{WORD['down']}（{name(downs[0])}）",
            [ups[0], downs[0]],
            expected=None,
            actual=None,
        )
        return
    if ctx.text is None:
        return
    for q in (c for c in b.changes + b.rates if c.fact.direction in ("up", "down")):
        said = reason_word(ctx.text, q.fact.span[1])
        if said and said[0] != q.fact.direction:
            msg = f"{name(q)}，紧随的说明却写“{said[1]}”"
            ctx.emit("yoy.direction", "warning", msg, [q], expected=q.fact.direction, actual=said[0])
            return


def _against_amounts(ctx: Ctx, b: Basis, q: Q) -> bool:
    """A direction word every combination of stated current and prior amounts contradicts beyond rounding."""
    d = q.fact.direction or "flat"
    wrong = []
    for cur, prior in itertools.product(b.currents, b.priors):
        diff = cur.iv - prior.iv
        if (d == "up" and diff.hi >= 0) or (d == "down" and diff.lo <= 0) or (d == "flat" and diff.lo <= 0 <= diff.hi):
            return False
        wrong.append((cur, prior))
    if not wrong:
        return False
    cur, prior = wrong[0]
    value = cur.value - prior.value
    actual = "up" if value > 0 else "down" if value < 0 else "flat"
    msg = f"{name(q)}，但{name(cur)} − {name(prior)} = {in_unit(value, cur)}{cur.unit}"
    ctx.emit("yoy.direction", "error", msg, [q, cur, prior], expected=actual, actual=d)
    return True
