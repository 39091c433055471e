"""Mutation harness for the arithmetic checker: change one stated figure, see whether the pipeline notices.

For each golden fact of a sample report, one mutation per applicable kind is made in the raw text:
  digit        the units digit of an amount or count changes (381.13 → 382.13)
  unit_slip    an amount in 万元 is written ×10⁴ (the 元 figure with 万元), one in 元 ÷10⁴
  direction    the direction word before a change is swapped (增加 ↔ 减少, 增长 ↔ 下降, 降幅 ↔ 增幅)
  percentage   the units digit of a percentage changes (88.62% → 89.62%)
  deleted_part the clause stating an amount is deleted
A mutation *breaks an identity* when the checker, run on the golden facts with the mutated value (or without the
deleted fact), reports a finding it did not report before and that involves the mutated figure — measured on
hand-verified facts so the denominator does not depend on the extractor. It is *detected* when the full pipeline
(extraction + checker, `process_raw`) run on the mutated text reports a new finding next to the mutation.

    python bench/mutations.py [--stem 000] [--kind digit] [--limit N]

prints, per report and kind, mutations / identity-breaking / detected, and the share detected; then the findings
of the pipeline on the consistent synthetic report tests/data/synthetic_consistent.txt (must be 0).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.checker import check  # noqa: E402
from pipeline.checker.goldens import golden_facts  # noqa: E402
from pipeline.document import process_raw  # noqa: E402
from pipeline.ingest import RawDocument  # noqa: E402
from pipeline.meta import fiscal_year  # noqa: E402
from pipeline.numbers import parse_number  # noqa: E402
from schemas.document import DocumentResult, Fact, Finding  # noqa: E402

REPORTS = ROOT / "goldens" / "reports"
EXPECTED = ROOT / "goldens" / "expected"
SYNTHETIC = ROOT / "tests" / "data" / "synthetic_consistent.txt"
KINDS = ("digit", "unit_slip", "direction", "percentage", "deleted_part")
SWAPS = {
    "增加": "减少",
    "减少": "增加",
    "增长": "下降",
    "下降": "增长",
    "上升": "下降",
    "降低": "增加",
    "增幅": "降幅",
    "降幅": "增幅",
    "少支出": "多支出",
    "多支出": "少支出",
}
_DIRECTION_WORD = re.compile("|".join(sorted(SWAPS, key=len, reverse=True)))
_LEFT_STOPS, _RIGHT_STOPS = "，,；;。：:\n\t、", "，,；;。\n\t、"
NEAR = 24  # characters: how close a finding's fact must be to the mutated text to count as noticing it


@dataclass(frozen=True)
class Mutation:
    """One edit of the raw text, and what it does to the golden facts."""

    kind: str
    start: int
    end: int
    replacement: str
    facts: tuple[str, ...]  # ids of the golden facts stated by the edited number
    number: tuple[int, int]  # raw span of that number
    value: str | None = None  # the new value of those facts (None: deleted, or only the direction changes)

    def text(self, raw: str) -> str:
        """The mutated raw text."""
        return raw[: self.start] + self.replacement + raw[self.end :]

    def describe(self, raw: str) -> str:
        """e.g. digit: '381.13' → '382.13'."""
        return f"{self.kind}: {raw[self.start : self.end]!r} → {self.replacement!r}"


def _units_digit(written: str) -> int | None:
    """Index of the units digit in a number as written (3,162,923.00 → the 3 before the point)."""
    point = written.find(".")
    digits = [i for i, ch in enumerate(written[: point if point >= 0 else len(written)]) if ch.isdigit()]
    return digits[-1] if digits else None


def _change_digit(written: str) -> str | None:
    i = _units_digit(written)
    if i is None:
        return None
    return written[:i] + str((int(written[i]) + 1) % 10) + written[i + 1 :]


def _unit_slip(f: Fact) -> str | None:
    if f.measure != "amount" or Decimal(f.value) == 0:
        return None
    if f.unit in ("万元", "亿元"):
        return format(Decimal(f.value) * 10000, "f")
    if f.unit == "元":
        return format(Decimal(f.value) / 10000, "f")
    return None


def _clause(raw: str, start: int, end: int) -> tuple[int, int]:
    left = max(raw.rfind(c, 0, start) for c in _LEFT_STOPS) + 1
    rights = [i for i in (raw.find(c, end) for c in _RIGHT_STOPS) if i >= 0]
    right = min(rights, default=len(raw))
    if right < len(raw) and raw[right] in "，,、；;":
        right += 1
    return left, right


def mutations(raw: str, facts: list[Fact], kinds: Iterable[str] = KINDS) -> list[Mutation]:
    """Every mutation of every kind the golden facts allow, one per stated number."""
    by_span: dict[tuple[int, int], list[Fact]] = defaultdict(list)
    for f in facts:
        by_span[f.span].append(f)
    out = []
    for (start, end), group in sorted(by_span.items()):
        f, ids, written = group[0], tuple(g.id for g in group), raw[start:end]
        is_rate = f.unit == "%"
        for kind in kinds:
            m = _mutation(kind, raw, f, ids, start, end, written, is_rate)
            if m is not None:
                out.append(m)
    return out


def _mutation(
    kind: str, raw: str, f: Fact, ids: tuple[str, ...], start: int, end: int, written: str, is_rate: bool
) -> Mutation | None:
    if kind in ("digit", "percentage") and is_rate == (kind == "percentage"):
        new = _change_digit(written)
        return None if new is None else Mutation(kind, start, end, new, ids, (start, end), parse_number(new).text)
    if kind == "unit_slip":
        new = _unit_slip(f)
        return None if new is None else Mutation(kind, start, end, new, ids, (start, end), new)
    if kind == "direction" and f.direction in ("up", "down"):
        window = raw[max(0, start - 12) : start]
        hits = list(_DIRECTION_WORD.finditer(window))
        if hits:
            w = hits[-1]
            s = start - len(window) + w.start()
            return Mutation(kind, s, s + len(w.group(0)), SWAPS[w.group(0)], ids, (start, end))
    if kind == "deleted_part" and f.measure == "amount" and not is_rate:
        left, right = _clause(raw, start, end)
        return Mutation(kind, left, right, "", ids, (start, end))
    return None


def mutate_facts(facts: list[Fact], m: Mutation) -> list[Fact]:
    """The golden facts as the mutated text states them."""
    out = []
    for f in facts:
        if f.id not in m.facts:
            out.append(f)
        elif m.kind == "deleted_part":
            continue
        elif m.kind == "direction":
            out.append(f.model_copy(update={"direction": "down" if f.direction == "up" else "up"}))
        else:
            assert m.value is not None
            d = len(m.value.split(".", 1)[1]) if "." in m.value else 0
            out.append(f.model_copy(update={"value": m.value, "decimals": d}))
    return out


Signature = tuple[str, str, frozenset[str], str | None, str | None]


def signatures(findings: list[Finding], facts: list[Fact]) -> dict[Signature, Finding]:
    """Findings keyed by what they say (rule, severity, concepts, expected, actual), not by fact ids."""
    concept = {f.id: f"{f.concept}|{f.period}|{f.measure}|{f.scope}" for f in facts}
    return {
        (x.rule, x.severity, frozenset(concept.get(i, i) for i in x.facts), x.expected, x.actual): x for x in findings
    }


def _new(before: dict[Signature, Finding], after: dict[Signature, Finding]) -> list[Finding]:
    return [x for s, x in after.items() if s not in before]


def restated(raw: str, m: Mutation) -> bool:
    """A deleted number still written elsewhere: the golden fact (listed once) may still be stated, so whether an
    identity breaks cannot be told from the golden facts."""
    if m.kind != "deleted_part":
        return False
    number = re.escape(raw[m.number[0] : m.number[1]])
    return re.search(rf"(?<![\d.,]){number}(?![\d]|[.,]\d)", m.text(raw)) is not None


def breaks_identity(raw: str, facts: list[Fact], base: dict[Signature, Finding], m: Mutation, year: int | None) -> bool:
    """The checker on golden facts reports a new finding involving the mutated figure."""
    if restated(raw, m):
        return False
    mutated = mutate_facts(facts, m)
    new = _new(base, signatures(check(mutated, text=raw, fiscal_year=year), mutated))
    return any(m.kind == "deleted_part" or set(x.facts) & set(m.facts) for x in new)


def detected(raw: str, base: dict[Signature, Finding], m: Mutation) -> bool:
    """The full pipeline on the mutated text reports a new finding near the mutation."""
    text = m.text(raw)
    result = process_raw(RawDocument("mutant.txt", text, hashlib.sha256(text.encode()).hexdigest(), "txt"))
    facts = [*result.facts, *result.tables]
    spans = {f.id: f.span for f in facts}
    site = (m.start - NEAR, m.start + len(m.replacement) + NEAR)
    for x in _new(base, signatures(result.findings, facts)):
        if m.kind == "deleted_part" or any(
            site[0] <= spans[i][1] and spans[i][0] <= site[1] for i in x.facts if i in spans
        ):
            return True
    return False


@dataclass
class Tally:
    """Counts for one report and kind."""

    mutations: int = 0
    breaking: int = 0
    detected: int = 0
    noticed_harmless: int = 0
    restated: int = 0  # deletions of a number still written elsewhere: left out of the identity-breaking count
    missed: list[str] = field(default_factory=list)

    @property
    def share(self) -> float | None:
        """Detected share of identity-breaking mutations."""
        return self.detected / self.breaking if self.breaking else None


def pipeline_baseline(raw: str) -> tuple[DocumentResult, dict[Signature, Finding]]:
    """Findings of the full pipeline on unmutated text."""
    result = process_raw(RawDocument("original.txt", raw, hashlib.sha256(raw.encode()).hexdigest(), "txt"))
    return result, signatures(result.findings, [*result.facts, *result.tables])


def run_report(
    stem: str, kinds: Iterable[str] = KINDS, limit: int | None = None, end_to_end: bool = True
) -> dict[str, Tally]:
    """Tallies per kind for one sample report."""
    raw = (REPORTS / f"{stem}.txt").read_text(encoding="utf-8")
    facts = golden_facts(EXPECTED / stem, raw)
    year = fiscal_year(raw)
    golden_base = signatures(check(facts, text=raw, fiscal_year=year), facts)
    _, pipe_base = pipeline_baseline(raw) if end_to_end else (None, {})
    tallies: dict[str, Tally] = {k: Tally() for k in kinds}
    for m in mutations(raw, facts, kinds)[:limit]:
        t = tallies[m.kind]
        t.mutations += 1
        t.restated += restated(raw, m)
        breaking = breaks_identity(raw, facts, golden_base, m, year)
        seen = end_to_end and detected(raw, pipe_base, m)
        t.breaking += breaking
        t.detected += breaking and seen
        t.noticed_harmless += (not breaking) and seen
        if breaking and not seen:
            t.missed.append(m.describe(raw))
    return tallies


def synthetic_findings() -> list[Finding]:
    """Findings of the full pipeline on the consistent synthetic report (expected: none)."""
    result, _ = pipeline_baseline(SYNTHETIC.read_text(encoding="utf-8"))
    return result.findings


def main(argv: list[str] | None = None) -> int:
    """Print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stem", help="only reports whose name starts with this")
    ap.add_argument("--kind", action="append", choices=KINDS, help="only these kinds (repeatable)")
    ap.add_argument("--limit", type=int, help="at most N mutations per report")
    ap.add_argument("--missed", action="store_true", help="list identity-breaking mutations not detected")
    args = ap.parse_args(argv)
    kinds = tuple(args.kind or KINDS)
    print(
        f"{'report':<22} {'kind':<13} {'mutations':>9} {'restated':>9} {'breaking':>9} {'detected':>9} {'share':>7} "
        f"{'noticed*':>9}"
    )
    for path in sorted(REPORTS.glob("*.txt")):
        if args.stem and not path.stem.startswith(args.stem):
            continue
        tallies = run_report(path.stem, kinds, args.limit)
        for kind, t in tallies.items():
            share = "-" if t.share is None else f"{t.share:.1%}"
            print(
                f"{path.stem:<22} {kind:<13} {t.mutations:>9} {t.restated:>9} {t.breaking:>9} {t.detected:>9} "
                f"{share:>7} {t.noticed_harmless:>9}"
            )
            for line in t.missed if args.missed else []:
                print(f"    missed {line}")
        b = sum(t.breaking for t in tallies.values())
        d = sum(t.detected for t in tallies.values())
        print(
            f"{path.stem:<22} {'ALL':<13} {sum(t.mutations for t in tallies.values()):>9} "
            f"{sum(t.restated for t in tallies.values()):>9} {b:>9} {d:>9} {(d / b if b else 1):>7.1%}"
        )
    print("restated: deletions of a number still written elsewhere (not counted as identity-breaking);")
    print("* noticed: mutations that break no identity on the golden facts yet change the pipeline's findings")
    found = synthetic_findings()
    print(f"synthetic consistent report: {len(found)} findings (must be 0)")
    for x in found:
        print(f"    {x.severity} {x.rule}: {x.message}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
