"""Rounding intervals: a figure written with d decimals stands for [v − ½·10⁻ᵈ, v + ½·10⁻ᵈ] in its unit.

Identities hold iff intervals intersect (XBRL Calculations 1.1). Money is compared in 万元, the half-ulp being
taken in the unit the figure was written in (so 9,700.00 元 is 0.97 ± 0.0000005 万元). All arithmetic is `Decimal`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from pipeline.numbers import MONEY_UNITS
from schemas.document import Fact

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Interval:
    """A closed interval [lo, hi] of Decimals."""

    lo: Decimal
    hi: Decimal

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.lo + other.lo, self.hi + other.hi)

    def __sub__(self, other: Interval) -> Interval:
        return Interval(self.lo - other.hi, self.hi - other.lo)

    def __neg__(self) -> Interval:
        return Interval(-self.hi, -self.lo)

    def scale(self, k: Decimal) -> Interval:
        """Multiply by a constant."""
        a, b = self.lo * k, self.hi * k
        return Interval(min(a, b), max(a, b))

    def intersects(self, other: Interval) -> bool:
        """True when the two intervals share at least one point."""
        return self.lo <= other.hi and other.lo <= self.hi

    def gap(self, other: Interval) -> Decimal:
        """Distance between the intervals (0 when they intersect)."""
        return max(ZERO, other.lo - self.hi, self.lo - other.hi)

    def div(self, other: Interval) -> Interval | None:
        """Interval quotient self / other, or None when the divisor's interval reaches zero."""
        if other.lo <= 0 <= other.hi:
            return None
        q = [self.lo / other.lo, self.lo / other.hi, self.hi / other.lo, self.hi / other.hi]
        return Interval(min(q), max(q))

    def magnitude(self) -> Interval:
        """The interval of |x|."""
        if self.lo >= 0:
            return self
        if self.hi <= 0:
            return -self
        return Interval(ZERO, max(-self.lo, self.hi))

    @property
    def half(self) -> Decimal:
        """Half the width: the rounding tolerance the interval carries."""
        return (self.hi - self.lo) / 2


def total(intervals: list[Interval]) -> Interval:
    """Sum of intervals (the empty sum is [0, 0])."""
    out = Interval(ZERO, ZERO)
    for iv in intervals:
        out = out + iv
    return out


@lru_cache(maxsize=64)
def half_ulp(decimals: int) -> Decimal:
    """½·10⁻ᵈ (exact, so the same for every decimal context: kept per number of decimals)."""
    return Decimal(5).scaleb(-decimals - 1)


@dataclass(frozen=True)
class Q:
    """A stated figure measured for checking: its value and rounding interval in the comparison unit.

    The comparison unit is 万元 for money (元 and 亿元 converted) and the stated unit otherwise (%, 人, 分 ...).
    """

    fact: Fact
    value: Decimal
    iv: Interval
    decimals: int
    scale: Decimal

    @property
    def id(self) -> str:
        """Id of the underlying fact."""
        return self.fact.id

    @property
    def unit(self) -> str:
        """Unit as stated ('' when none)."""
        return self.fact.unit or ""

    @property
    def money(self) -> bool:
        """True for 元 / 万元 / 亿元 amounts."""
        return self.unit in MONEY_UNITS

    @property
    def ulp(self) -> Decimal:
        """One unit of the last written decimal, in the comparison unit."""
        return Decimal(1).scaleb(-self.decimals) * self.scale

    def written(self) -> str:
        """The figure as written, with its unit."""
        return f"{self.fact.value}{self.unit}"


EXACT_MEASURES = ("count", "score", "score_max")


def written_decimals(fact: Fact) -> int:
    """Decimals as written: the fact's `decimals`, or those of its value string when more (0.50 has 2)."""
    _, point, fraction = fact.value.partition(".")
    return max(fact.decimals, len(fraction) if point else 0)


def measure(fact: Fact, decimals: int | None = None) -> Q | None:
    """Measure a fact; `decimals` overrides the written precision. None when the value is not a number.

    Head counts and scores are exact (28 people, 3 分): only amounts and percentages are rounded figures.
    """
    try:
        value = Decimal(fact.value)
    except (InvalidOperation, ValueError):
        return None
    d = written_decimals(fact) if decimals is None else decimals
    scale = MONEY_UNITS.get(fact.unit or "", ONE)
    h = ZERO if fact.measure in EXACT_MEASURES else half_ulp(d)
    lo = max(ZERO, value - h) if value >= 0 else value - h
    return Q(fact, value * scale, Interval(lo * scale, (value + h) * scale), d, scale)


def in_unit(value: Decimal, q: Q, extra: int = 0, places: int | None = None) -> str:
    """A value in the comparison unit, written in q's stated unit with q's decimals (+ extra) or `places`."""
    shown = value / q.scale
    n = max(q.decimals + extra, 0) if places is None else places
    return format(shown.quantize(Decimal(1).scaleb(-n)), "f")


def tol(value: Decimal, q: Q | None = None) -> str:
    """A tolerance for the record: in q's stated unit when given, to 6 decimals, without trailing zeros."""
    shown = value / q.scale if q is not None else value
    text = format(shown.quantize(Decimal("0.000001")).normalize(), "f")
    return text if text != "-0" else "0"


def fmt(value: Decimal, places: int = 2) -> str:
    """A Decimal with a fixed number of decimals."""
    return format(value.quantize(Decimal(1).scaleb(-places)), "f")
