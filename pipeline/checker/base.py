"""The checker's view of a document: measured facts indexed by (concept, period, measure, scope), and findings.

A figure stated several times is one candidate per distinct value: statements that a more precise statement
falls inside collapse into it (287.51 万元 and 2,875,129.00 元 are one candidate, the 元 one). Rules test an
identity against every combination of candidates and stay silent if any combination holds — conflicting
statements are reported once, by `consistency.same_concept`, not again by every sum they enter.
"""

from __future__ import annotations

import re
from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pipeline.checker.interval import Q, measure, written_decimals
from pipeline.checker.registry import rule
from pipeline.numbers import MONEY_UNITS, parse_number
from schemas.document import Fact, Finding, Severity

Key = tuple[str, str, str, str | None]
_DECIMAL_NUMBER = re.compile(r"(?<![\d.])\d+\.(\d+)(?![\d.]*\s*[%％])")


# A document stating one figure so often that trying every pairing of its statements would cost more than this
# (a compilation of many reports in one file) pairs each statement with the NEAREST statements around it.
MAX_PAIRS = 512
NEAREST = 16


class Nearby:
    """Statements ordered by where they are written, to find the ones nearest a position by bisection."""

    def __init__(self, qs: list[Q]) -> None:
        """Index `qs` by the start of each statement's span."""
        self.qs = qs
        self.order = sorted(range(len(qs)), key=lambda i: (qs[i].fact.span[0], i))
        self.starts = [qs[i].fact.span[0] for i in self.order]

    def nearest(self, pos: int, limit: int = NEAREST) -> list[Q]:
        """The `limit` statements written nearest to raw position `pos`, in their own order (all when few)."""
        if len(self.qs) <= limit:
            return self.qs
        lo = hi = bisect_left(self.starts, pos)
        chosen: list[int] = []
        while len(chosen) < limit:  # widen the window [lo, hi) by the nearer of its two neighbours
            left = pos - self.starts[lo - 1] if lo > 0 else None
            right = self.starts[hi] - pos if hi < len(self.starts) else None
            if right is None or (left is not None and left <= right):
                lo -= 1
                chosen.append(self.order[lo])
            else:
                chosen.append(self.order[hi])
                hi += 1
        return [self.qs[i] for i in sorted(chosen)]


def nearest(qs: list[Q], pos: int, limit: int = NEAREST) -> list[Q]:
    """The `limit` statements written nearest to raw position `pos`, in their own order (all when few)."""
    return qs if len(qs) <= limit else Nearby(qs).nearest(pos, limit)


def key_of(f: Fact) -> Key:
    """The identity of a statement: concept, period, measure, scope."""
    return (f.concept, f.period, f.measure, f.scope)


@dataclass
class Ctx:
    """Facts of one document ready for checking, plus the optional raw text and fiscal year."""

    facts: list[Fact]
    text: str | None = None
    fiscal_year: int | None = None
    excluded: set[str] = field(default_factory=set)
    unsure: frozenset[str] = frozenset()  # facts from tables the reader did not fully understand
    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.statements: dict[Key, list[Q]] = defaultdict(list)
        self._candidates: dict[Key, tuple[int, list[Q]]] = {}  # key -> (len(excluded) it was made with, candidates)
        self._keys: tuple[int, list[Key]] | None = None
        self.memo: dict[str, Any] = {}  # indexes rules build once per context (keyed like _keys)
        rows: dict[tuple[str, int], int] = defaultdict(int)
        for f in self.facts:
            if f.table is not None and f.row is not None and f.unit in MONEY_UNITS:
                rows[f.table, f.row] = max(rows[f.table, f.row], written_decimals(f))
        for f in self.facts:
            q = measure(f, effective_decimals(f, rows))
            if q is not None:
                self.statements[key_of(f)].append(q)

    def all(self, concept: str, period: str, measure: str = "amount", scope: str | None = None) -> list[Q]:
        """Every statement of a key (facts excluded as unit slips left out), as a new list."""
        qs = self.statements.get((concept, period, measure, scope))
        if not qs:
            return []
        if not self.excluded:  # most documents have no unit slip: nothing to test the statements against
            return list(qs)
        return [q for q in qs if q.id not in self.excluded]

    def get(self, concept: str, period: str, measure: str = "amount", scope: str | None = None) -> list[Q]:
        """Distinct candidates of a key, most precise first (see module docstring).

        Kept per key until a statement is excluded (`excluded` only grows): rules ask for the same keys again and
        again, and a figure stated a thousand times must not cost a thousand sorts per question.
        """
        key = (concept, period, measure, scope)
        qs = self.statements.get(key)
        if qs is None or len(qs) < 2:  # nothing to collapse, nothing worth keeping (most keys of a big table)
            return [] if not qs or qs[0].id in self.excluded else [qs[0]]
        made = self._candidates.get(key)
        if made is None or made[0] != len(self.excluded):
            made = (len(self.excluded), candidates(self.all(*key), self.unsure))
            self._candidates[key] = made
        return list(made[1])

    def keys(self) -> list[Key]:
        """Every key with at least one statement (kept, like the candidates, until a statement is excluded)."""
        if self._keys is None or self._keys[0] != len(self.excluded):
            keys = [k for k, qs in self.statements.items() if any(q.id not in self.excluded for q in qs)]
            self._keys = (len(self.excluded), keys)
        return list(self._keys[1])

    def emit(
        self,
        rule_id: str,
        severity: Severity,
        message: str,
        qs: Iterable[Q],
        expected: str | None = None,
        actual: str | None = None,
        tolerance: str | None = None,
    ) -> None:
        """Record a finding (the rule id must be documented in the registry)."""
        rule(rule_id)
        involved = list({q.id: q.fact for q in qs}.values())
        span = (min(f.span[0] for f in involved), max(f.span[1] for f in involved)) if involved else None
        self.findings.append(
            Finding(
                rule=rule_id,
                severity=severity,
                message=message,
                facts=[f.id for f in involved],
                expected=expected,
                actual=actual,
                tolerance=tolerance,
                span=span,
            )
        )


def candidates(statements: list[Q], unsure: frozenset[str] = frozenset()) -> list[Q]:
    """Collapse statements that a more precise one falls inside; most precise first.

    Of equally precise statements, one from prose or an understood table stands for the rest (`unsure` ids last).
    """
    kept: list[Q] = []
    values: list[Decimal] = []  # the kept values, sorted: is one inside q's interval? one bisection
    for q in sorted(statements, key=lambda s: (s.iv.hi - s.iv.lo, s.id in unsure, s.fact.span)):
        i = bisect_left(values, q.iv.lo)
        if i == len(values) or values[i] > q.iv.hi:
            kept.append(q)
            insort(values, q.value)
    return kept


def effective_decimals(f: Fact, rows: dict[tuple[str, int], int]) -> int:
    """Written decimals, except for a whole number of 万元/亿元 among money figures written with d decimals.

    Tables and sentences that drop trailing zeros (预算数 5 next to 执行数 4.64) mean 5.00: the integer takes the
    precision of the money figures of its own table row (`rows`: the most decimals per (table, row)), or of
    the other numbers in its own snippet.
    """
    written = written_decimals(f)
    if written or f.unit not in ("万元", "亿元"):
        return written
    if f.table is not None and f.row is not None:
        return rows.get((f.table, f.row), 0)
    return max((parse_number(m.group(0)).decimals for m in _DECIMAL_NUMBER.finditer(f.text)), default=0)
