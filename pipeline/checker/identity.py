"""Testing one identity total = Σ parts over every combination of candidate statements, and reporting it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

from pipeline.checker.base import Ctx
from pipeline.checker.interval import Interval, Q, in_unit, tol, total
from pipeline.checker.labels import label, qualified
from schemas.document import Severity

MAX_COMBINATIONS = 512
SLIP_FACTORS = (Decimal(10) ** 4, Decimal(10) ** -4, Decimal(10) ** 8, Decimal(10) ** -8)


@dataclass(frozen=True)
class Outcome:
    """The best combination found for one identity."""

    holds: bool
    total: Q
    parts: tuple[Q, ...]
    sum: Interval

    @property
    def sum_value(self) -> Decimal:
        """Σ of the parts' values as written."""
        return sum((p.value for p in self.parts), Decimal(0))

    @property
    def over(self) -> bool:
        """True when the parts exceed the total beyond rounding."""
        return self.sum.lo > self.total.iv.hi


def evaluate(totals: list[Q], parts: list[list[Q]]) -> Outcome | None:
    """Holding combination if any, else the combination whose intervals come closest."""
    if not totals or not parts or any(not p for p in parts):
        return None
    combos: object = itertools.product(*parts)
    if _count(parts) > MAX_COMBINATIONS:
        combos = [tuple(p[0] for p in parts)]
    best: Outcome | None = None
    best_gap: Decimal | None = None
    for combo in combos:  # type: ignore[attr-defined]
        s = total([p.iv for p in combo])
        for t in totals:
            if t.iv.intersects(s):
                return Outcome(True, t, tuple(combo), s)
            gap = t.iv.gap(s)
            if best_gap is None or gap < best_gap:
                best, best_gap = Outcome(False, t, tuple(combo), s), gap
    return best


def _count(parts: list[list[Q]]) -> int:
    n = 1
    for p in parts:
        n *= len(p)
    return n


CHANGE_WORDS = {
    ("amount", "up"): "增加",
    ("amount", "down"): "减少",
    ("growth_rate", "up"): "增长",
    ("growth_rate", "down"): "下降",
    ("amount", "flat"): "持平",
    ("growth_rate", "flat"): "持平",
}


def name(q: Q) -> str:
    """A figure's name and value as written: 人员经费320.17万元, 收、支总计减少2.58万元, 公务接待费下降100%."""
    f = q.fact
    if f.period == "change":
        word = CHANGE_WORDS.get((f.measure, f.direction or ""), "增减" if f.measure == "amount" else "增减幅")
        return f"{label(f.concept)}{word}{q.written()}"
    title = qualified(f.concept, f.period, f.measure)
    return f"{title}{' ' if title[-1:].isdigit() else ''}{q.written()}"


def sum_message(o: Outcome) -> str:
    """基本支出381.13万元 ≠ 人员经费320.17万元 + 公用经费60.86万元 = 381.03万元."""
    parts = " + ".join(name(p) for p in o.parts)
    msg = f"{name(o.total)} ≠ {parts} = {expected(o)}{o.total.unit}"
    return msg + slip_hint(o)


def slip_hint(o: Outcome) -> str:
    """A note when one figure ×/÷ 10⁴ or 10⁸ would make the identity hold (元/万元/亿元 mix-up)."""
    for k in SLIP_FACTORS:
        if _slippable(o.total, k) and o.total.iv.scale(k).intersects(o.sum):
            return f"（{name(o.total)}疑似单位错误）"
        for p in o.parts:
            if _slippable(p, k) and (o.sum - p.iv + p.iv.scale(k)).intersects(o.total.iv):
                return f"（{name(p)}疑似单位错误）"
    return ""


def _slippable(q: Q, k: Decimal) -> bool:
    """Only a figure with digits to spare can be a slip: not 0, and not a one-digit number read as 10⁻⁴ of itself."""
    return q.money and q.value != 0 and (k > 1 or abs(q.value / q.scale) >= 10)


def expected(o: Outcome) -> str:
    """Σ parts in the total's unit, with the finest precision of the figures written in that unit."""
    places = max((p.decimals for p in (o.total, *o.parts) if p.unit == o.total.unit), default=o.total.decimals)
    return in_unit(o.sum_value, o.total, places=places)


def tolerance(o: Outcome) -> str:
    """The rounding tolerance used, in the total's unit."""
    return tol(o.total.iv.half + o.sum.half, o.total)


def check_sum(
    ctx: Ctx,
    rule_id: str,
    totals: list[Q],
    parts: list[list[Q]],
    *,
    min_parts: int | None = 2,
    short: Severity = "error",
    over: Severity = "error",
    note: str = "",
) -> Outcome | None:
    """Report total ≠ Σ parts beyond rounding.

    Parts above the total are always reported; a shortfall only with ≥ min_parts parts stated (a single stated
    part may leave others unstated), never when min_parts is None (a bound: the parts may be a selection).
    """
    o = evaluate(totals, [p for p in parts if p])
    if o is None or o.holds:
        return o
    if not o.over and (min_parts is None or len(o.parts) < min_parts):
        return o
    ctx.emit(
        rule_id,
        over if o.over else short,
        sum_message(o) + note,
        [o.total, *o.parts],
        expected=expected(o),
        actual=o.total.fact.value,
        tolerance=tolerance(o),
    )
    return o
