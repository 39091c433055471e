"""Mutation harness for the arithmetic checker: change one stated figure, see whether the pipeline notices.

Documents: the five sample reports (goldens/reports + goldens/expected) and the corpus PDFs with goldens
(goldens/corpus/<stem>/facts.yaml; the PDF is read once with the PDF reader and its raw text is mutated, table
rows being tab-separated lines of it). For each golden fact, one mutation per applicable kind:
  digit        the units digit of an amount or count changes (381.13 → 382.13), in prose or in a table cell
  unit_slip    an amount in 万元 is written ×10⁴ (the 元 figure with 万元), one in 元 ÷10⁴
  unit_word    the unit word after a prose amount changes (万元 → 元, 元 / 亿元 → 万元)
  direction    the direction word before a change is swapped (增加 ↔ 减少, 增长 ↔ 下降, 降幅 ↔ 增幅)
  percentage   the units digit of a percentage changes (88.62% → 89.62%)
  deleted_part the clause (in a table: the cell) stating an amount is deleted
A mutation *breaks an identity* when the checker, run on the golden facts with the mutated value (or without the
deleted fact), reports a finding it did not report before and that involves the mutated figure — measured on
hand-verified facts so the denominator does not depend on the extractor; the rule families of those findings are
the mutation's families. It is *detected* when the full pipeline (extraction + checker, `process_raw`) run on the
mutated text reports a new finding next to the mutation.

    python bench/mutations.py [--set samples|corpus|all] [--stem S] [--kind K] [--max-per-doc N] [--quick] [--missed]

prints, per document, mutation kind, location (table cell / prose) and rule family: mutations / identity-breaking /
detected and the share detected, the overall figure and the runtime; then the findings of the pipeline on the
consistent synthetic report tests/data/synthetic_consistent.txt (must be 0). At most N (default 150, 0: all)
mutations per document are run, the kinds taken in turn from lists shuffled with a fixed seed; --quick runs the
pipeline on the identity-breaking mutations only; --missed lists the missed ones with their context.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.mutation_docs import NUMBER_IN_TEXT, Doc, load_docs, sample_doc  # noqa: E402
from pipeline.checker import check  # noqa: E402
from pipeline.checker.registry import RULES  # noqa: E402
from pipeline.document import process_raw  # noqa: E402
from pipeline.ingest import RawDocument  # noqa: E402
from pipeline.numbers import parse_number, to_wan  # noqa: E402
from schemas.document import DocumentResult, Fact, Finding  # noqa: E402
from schemas.layout import Layout, LineBox, PageLayout, TableLayout  # noqa: E402

SYNTHETIC = ROOT / "tests" / "data" / "synthetic_consistent.txt"
KINDS = ("digit", "unit_slip", "unit_word", "direction", "percentage", "deleted_part")
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
UNIT_WORDS = {"万元": "元", "元": "万元", "亿元": "万元"}
_DIRECTION_WORD = re.compile("|".join(sorted(SWAPS, key=len, reverse=True)))
_LEFT_STOPS, _RIGHT_STOPS = "，,；;。：:\n\t、", "，,；;。\n\t、"
NEAR = 24  # characters: how close a finding's fact must be to the mutated text to count as noticing it
SEED = 13
Spanned = TypeVar("Spanned", PageLayout, TableLayout, LineBox)
MAX_PER_DOC = 150  # mutations per document by default: the corpus in a few minutes on 2 shared cores


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
    unit: str | None = None  # the new unit of those facts (unit_word)

    def text(self, raw: str) -> str:
        """The mutated raw text."""
        return raw[: self.start] + self.replacement + raw[self.end :]

    def describe(self, raw: str) -> str:
        """e.g. digit: '381.13' → '382.13'."""
        return f"{self.kind}: {raw[self.start : self.end]!r} → {self.replacement!r}"


# ---------------------------------------------------------------- the mutations


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
        if _parsed(written) is None:
            continue  # a nothing-statement (本表为空表): no figure to edit
        for kind in kinds:
            m = _mutation(kind, raw, f, ids, start, end, written)
            if m is not None:
                out.append(m)
    return out


def _parsed(written: str) -> str | None:
    try:
        return parse_number(written).text
    except ValueError:
        return None


def _mutation(
    kind: str, raw: str, f: Fact, ids: tuple[str, ...], start: int, end: int, written: str
) -> Mutation | None:
    is_rate = f.unit == "%"
    if kind in ("digit", "percentage") and is_rate == (kind == "percentage"):
        new = _change_digit(written)
        return None if new is None else Mutation(kind, start, end, new, ids, (start, end), parse_number(new).text)
    if kind == "unit_slip":
        new = _unit_slip(f)
        return None if new is None else Mutation(kind, start, end, new, ids, (start, end), new)
    if kind == "unit_word" and f.measure == "amount" and f.unit in UNIT_WORDS and not _in_table(raw, start):
        after = raw[end : end + 3].lstrip(" ")
        word = next((w for w in sorted(UNIT_WORDS, key=len, reverse=True) if after.startswith(w)), None)
        if word == f.unit:
            s = raw.index(word, end)
            return Mutation(kind, s, s + len(word), UNIT_WORDS[word], ids, (start, end), unit=UNIT_WORDS[word])
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


def _in_table(raw: str, at: int) -> bool:
    """The position lies on a tab-separated line: a table row (every reader writes table rows so)."""
    left = raw.rfind("\n", 0, at) + 1
    right = raw.find("\n", at)
    return "\t" in raw[left : right if right >= 0 else len(raw)]


def location(raw: str, m: Mutation) -> str:
    """'table' for a table cell, 'prose' for a sentence."""
    return "table" if _in_table(raw, m.number[0]) else "prose"


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
        elif m.kind == "unit_word":
            wan = to_wan(Decimal(f.value), m.unit)
            out.append(f.model_copy(update={"unit": m.unit, "value_wan": None if wan is None else format(wan, "f")}))
        else:
            assert m.value is not None
            d = len(m.value.split(".", 1)[1]) if "." in m.value else 0
            wan = to_wan(Decimal(m.value), f.unit)
            update = {"value": m.value, "decimals": d, "value_wan": None if wan is None else format(wan, "f")}
            out.append(f.model_copy(update=update))
    return out


def mutant(raw: RawDocument, m: Mutation) -> RawDocument:
    """The document as the mutated text: the reader's layout (pages, tables, lines) shifted past the edit."""
    text = m.text(raw.text)
    layout = None if raw.layout is None else shift_layout(raw.layout, m)
    return replace(raw, text=text, sha256=hashlib.sha256(text.encode()).hexdigest(), layout=layout)


def shift_layout(layout: Layout, m: Mutation) -> Layout:
    """Every span of the layout moved as the edit moves the text after it."""
    delta, edited_end = len(m.replacement) - (m.end - m.start), m.start + len(m.replacement)

    def at(p: int) -> int:
        return p + delta if p >= m.end else min(p, edited_end)

    def moved(items: list[Spanned]) -> list[Spanned]:
        return [x.model_copy(update={"span": (at(x.span[0]), at(x.span[1]))}) for x in items]

    return layout.model_copy(
        update={"pages": moved(layout.pages), "tables": moved(layout.tables), "lines": moved(layout.lines)}
    )


# ---------------------------------------------------------------- identity-breaking and detected

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
    """A deleted number still written elsewhere (as written, or in the other of 元 / 万元): the golden fact, listed
    once, may still be stated, so whether an identity breaks cannot be told from the golden facts."""
    if m.kind != "deleted_part":
        return False
    value = parse_number(raw[m.number[0] : m.number[1]]).value
    same = {value, value * 10000, value / 10000}
    return any(parse_number(n.group(0)).value in same for n in NUMBER_IN_TEXT.finditer(m.text(raw)))


def broken(doc: Doc, base: dict[Signature, Finding], m: Mutation) -> list[Finding]:
    """The new findings of the checker on the golden facts as mutated that involve the mutated figure."""
    if restated(doc.raw.text, m):
        return []
    mutated = mutate_facts(doc.facts, m)
    new = _new(base, signatures(check(mutated, text=doc.raw.text, fiscal_year=doc.year), mutated))
    return [x for x in new if m.kind == "deleted_part" or set(x.facts) & set(m.facts)]


def noticed(doc: Doc, base: dict[Signature, Finding], m: Mutation) -> list[Finding]:
    """The new findings of the full pipeline on the mutated text that lie next to the mutation."""
    result = process_raw(mutant(doc.raw, m))
    facts = [*result.facts, *result.tables]
    spans = {f.id: f.span for f in facts}
    site = (m.start - NEAR, m.start + len(m.replacement) + NEAR)
    return [
        x
        for x in _new(base, signatures(result.findings, facts))
        if m.kind == "deleted_part"
        or any(site[0] <= spans[i][1] and spans[i][0] <= site[1] for i in x.facts if i in spans)
    ]


def detected(doc: Doc, base: dict[Signature, Finding], m: Mutation) -> bool:
    """The full pipeline on the mutated text reports a new finding near the mutation."""
    return bool(noticed(doc, base, m))


def family(rule_id: str) -> str:
    """The rule family of the README's rules table (totals, tables, balance, shares, year-on-year …)."""
    known = RULES.get(rule_id)
    return known.family if known is not None else rule_id.split(".", 1)[0]


@dataclass(frozen=True)
class Outcome:
    """What one mutation did."""

    doc: str
    group: str
    kind: str
    location: str  # table | prose
    restated: bool
    rules: tuple[str, ...]  # rules of the golden findings it breaks (empty: breaks no identity)
    seen: tuple[str, ...] | None  # rules of the pipeline's new findings next to it (None: pipeline not run)
    described: str
    context: str
    concepts: tuple[str, ...] = ()  # the golden facts the edited figure states

    @property
    def breaking(self) -> bool:
        """Breaks an identity of the golden facts."""
        return bool(self.rules)

    @property
    def detected(self) -> bool:
        """The pipeline reported a new finding next to it."""
        return bool(self.seen)

    @property
    def families(self) -> tuple[str, ...]:
        """Rule families of the identities it breaks."""
        return tuple(sorted({family(r) for r in self.rules}))


def pipeline_baseline(raw: RawDocument | str) -> tuple[DocumentResult, dict[Signature, Finding]]:
    """Findings of the full pipeline on the unmutated document."""
    if isinstance(raw, str):
        raw = RawDocument("original.txt", raw, hashlib.sha256(raw.encode()).hexdigest(), "txt")
    result = process_raw(raw)
    return result, signatures(result.findings, [*result.facts, *result.tables])


def pick(found: list[Mutation], limit: int | None, seed: int = SEED) -> list[Mutation]:
    """At most `limit` mutations, the kinds taken in turn, each kind's order shuffled with a fixed seed."""
    if limit is None or len(found) <= limit:
        return found
    by_kind: dict[str, list[Mutation]] = defaultdict(list)
    for m in found:
        by_kind[m.kind].append(m)
    rng = random.Random(seed)
    for ms in by_kind.values():
        rng.shuffle(ms)
    chosen: list[Mutation] = []
    while len(chosen) < limit:
        for ms in by_kind.values():
            if ms and len(chosen) < limit:
                chosen.append(ms.pop())
    return sorted(chosen, key=lambda m: (m.start, m.kind))


def run_doc(
    doc: Doc, kinds: Iterable[str] = KINDS, limit: int | None = None, harmless: bool = True, end_to_end: bool = True
) -> list[Outcome]:
    """Every (or a sample of `limit`) mutation of one document. The pipeline runs on the identity-breaking ones
    (unless not `end_to_end`), and on the others too when `harmless`, to count what it notices although no
    identity breaks."""
    text = doc.raw.text
    golden_base = signatures(check(doc.facts, text=text, fiscal_year=doc.year), doc.facts)
    pipe_base = pipeline_baseline(doc.raw)[1] if end_to_end else {}
    out = []
    for m in pick(mutations(text, doc.facts, kinds), limit):
        rules = tuple(sorted({x.rule for x in broken(doc, golden_base, m)}))
        run = end_to_end and (harmless or bool(rules))
        seen = tuple(sorted({x.rule for x in noticed(doc, pipe_base, m)})) if run else None
        where, again = location(text, m), restated(text, m)
        concepts = tuple(_key(f) for f in doc.facts if f.id in m.facts)
        out.append(
            Outcome(
                doc.name, doc.group, m.kind, where, again, rules, seen, m.describe(text), _context(text, m), concepts
            )
        )
    return out


def _key(f: Fact) -> str:
    return "|".join(x for x in (f.concept, f.period, f.measure if f.measure != "amount" else "", f.scope or "") if x)


def _context(raw: str, m: Mutation, width: int = 40) -> str:
    """The text around the mutation, the edit in 【】, tabs ⇥ and line breaks ⏎."""
    left = raw[max(0, m.start - width) : m.start]
    right = raw[m.end : m.end + width]
    shown = f"{left}【{raw[m.start : m.end]}→{m.replacement}】{right}"
    return shown.replace("\t", "⇥").replace("\n", "⏎").replace("\f", "␌")


# ---------------------------------------------------------------- tallies


@dataclass
class Tally:
    """Counts for one group of mutations."""

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

    def add(self, o: Outcome) -> None:
        """Count one outcome."""
        self.mutations += 1
        self.restated += o.restated
        self.breaking += o.breaking
        self.detected += o.breaking and o.detected
        self.noticed_harmless += (not o.breaking) and o.detected
        if o.breaking and not o.detected:
            self.missed.append(o.described)


def tally(outcomes: Iterable[Outcome], key: Callable[[Outcome], Iterable[str]]) -> dict[str, Tally]:
    """Tallies per key (an outcome may count under several keys, e.g. the families it breaks)."""
    out: dict[str, Tally] = defaultdict(Tally)
    for o in outcomes:
        for k in key(o):
            out[k].add(o)
    return dict(sorted(out.items()))


def run_report(
    stem: str, kinds: Iterable[str] = KINDS, limit: int | None = None, end_to_end: bool = True
) -> dict[str, Tally]:
    """Tallies per kind for one sample report."""
    kinds = tuple(kinds)
    tallies = {k: Tally() for k in kinds}
    for o in run_doc(sample_doc(stem), kinds, limit, end_to_end=end_to_end):
        tallies[o.kind].add(o)
    return tallies


def synthetic_findings() -> list[Finding]:
    """Findings of the full pipeline on the consistent synthetic report (expected: none)."""
    result, _ = pipeline_baseline(SYNTHETIC.read_text(encoding="utf-8"))
    return result.findings


# ---------------------------------------------------------------- report

_HEAD = f"{'mutations':>9} {'restated':>9} {'breaking':>9} {'detected':>9} {'share':>7} {'noticed*':>9}"


def _row(name: str, t: Tally, width: int = 56) -> str:
    share = "-" if t.share is None else f"{t.share:.1%}"
    return (
        f"{name:<{width}} {t.mutations:>9} {t.restated:>9} {t.breaking:>9} {t.detected:>9} {share:>7} "
        f"{t.noticed_harmless:>9}"
    )


def print_tables(outcomes: list[Outcome], groups: list[str]) -> None:
    """Per document, then per kind, location and family for each group and for all of them."""
    print(f"{'document':<56} {_HEAD}")
    for name, t in tally(outcomes, lambda o: [o.doc]).items():
        print(_row(name, t))
    for group in [*groups, *(["all"] if len(groups) > 1 else [])]:
        chosen = [o for o in outcomes if group in ("all", o.group)]
        for title, key in (
            ("kind", lambda o: [o.kind]),
            ("location", lambda o: [o.location]),
            ("family", lambda o: o.families or ["(none)"]),
        ):
            print(f"\n{group + ' by ' + title:<56} {_HEAD}")
            for name, t in tally(chosen, key).items():
                if name != "(none)":
                    print(_row(name, t))
        total = tally(chosen, lambda o: ["ALL"])
        print(_row(f"{group} ALL", total.get("ALL", Tally())))
        caught = tally((o for o in chosen if o.breaking and o.detected), lambda o: {family(r) for r in o.seen or ()})
        print(f"{group} detected, by the families of the pipeline's findings: ", end="")
        print(", ".join(f"{name} {t.mutations}" for name, t in caught.items()) or "-")


def print_missed(outcomes: list[Outcome]) -> None:
    """Each identity-breaking mutation the pipeline did not notice, with the rules it breaks and its context."""
    missed = [o for o in outcomes if o.breaking and not o.detected]
    print(f"\nmissed identity-breaking mutations: {len(missed)}")
    for o in missed:
        print(f"  {o.doc} [{o.location}] {' '.join(o.concepts)} {o.described}  breaks {', '.join(o.rules)}")
        print(f"      {o.context}")


def main(argv: list[str] | None = None) -> int:
    """Print the figures."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--set", dest="which", choices=("samples", "corpus", "all"), default="all")
    ap.add_argument("--stem", help="only documents whose name starts with this")
    ap.add_argument("--kind", action="append", choices=KINDS, help="only these kinds (repeatable)")
    ap.add_argument(
        "--max-per-doc",
        type=int,
        default=MAX_PER_DOC,
        help=f"at most N mutations per document, kinds in turn, fixed seed (default {MAX_PER_DOC}; 0: every one)",
    )
    ap.add_argument("--quick", action="store_true", help="run the pipeline on identity-breaking mutations only")
    ap.add_argument("--missed", action="store_true", help="list identity-breaking mutations not detected")
    args = ap.parse_args(argv)
    kinds = tuple(args.kind or KINDS)
    began = time.perf_counter()
    docs = load_docs(args.which, args.stem)
    read = time.perf_counter() - began
    outcomes: list[Outcome] = []
    for doc in docs:
        if doc.unlocated:
            print(f"{doc.name}: {len(doc.unlocated)} golden facts not found in the reader's text (not mutated)")
        started = time.perf_counter()
        outcomes += run_doc(doc, kinds, args.max_per_doc or None, harmless=not args.quick)
        done = tally((o for o in outcomes if o.doc == doc.name), lambda o: [o.doc]).get(doc.name, Tally())
        print(f"{_row(doc.name, done)}  {time.perf_counter() - started:.0f} s", flush=True)
    print()
    print_tables(outcomes, sorted({d.group for d in docs}, reverse=True))
    print("restated: deletions of a number still written elsewhere (not counted as identity-breaking);")
    print("* noticed: mutations that break no identity on the golden facts yet change the pipeline's findings", end="")
    print(" (not measured with --quick)" if args.quick else "")
    print("a mutation breaking identities of several families counts under each of them")
    if args.missed:
        print_missed(outcomes)
    if args.which in ("samples", "all") and not args.stem:
        found = synthetic_findings()
        print(f"synthetic consistent report: {len(found)} findings (must be 0)")
        for x in found:
            print(f"    {x.severity} {x.rule}: {x.message}")
    print(f"runtime {time.perf_counter() - began:.0f} s ({read:.1f} s reading {len(docs)} documents)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
