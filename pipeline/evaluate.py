"""Score the pipeline against the hand-verified goldens: facts, placeholders and findings.

Facts match on (concept, period, measure, scope, value), money compared in 万元, duplicates collapsed (goldens
list a figure once however often the report repeats it). Placeholders match one-to-one on kind and overlapping
raw spans. Findings match when the rule and the set of concepts involved agree; an `error` finding that matches
no expected finding is a false alarm.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from pipeline.ingest import RawDocument, read_document
from pipeline.numbers import MONEY_UNITS, plain, to_wan
from schemas.document import DocumentResult, Fact
from schemas.golden import (
    GoldenFact,
    GoldenFacts,
    GoldenFindings,
    GoldenIndicator,
    GoldenIndicators,
    GoldenPlaceholder,
    GoldenPlaceholders,
)

FactKey = tuple[str, str, str, str, str]


class Score(BaseModel):
    """Counts and the ratios derived from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """Share of predictions that are right (1.0 when nothing was predicted)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of expected items found (1.0 when nothing was expected)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Score) -> None:
        """Accumulate another score's counts."""
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def summary(self) -> dict[str, float | int]:
        """Counts and rounded ratios for printing."""
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


class DocEval(BaseModel):
    """Scores of one report."""

    report: str
    facts: dict[str, float | int]
    indicators: dict[str, float | int] = Field(default_factory=dict)
    llm: dict[str, int] = Field(default_factory=dict)
    missed_facts: list[str] = Field(default_factory=list)
    extra_facts: list[str] = Field(default_factory=list)
    placeholders: dict[str, float | int]
    findings_expected: int = 0
    findings_matched: int = 0
    missed_findings: list[str] = Field(default_factory=list)
    false_alarms: list[str] = Field(default_factory=list)


class EvalReport(BaseModel):
    """Scores over all reports."""

    documents: list[DocEval]
    facts_micro: dict[str, float | int]
    facts_by_concept: dict[str, dict[str, float | int]]
    indicators: dict[str, float | int] = Field(default_factory=dict)
    all_micro: dict[str, float | int] = Field(default_factory=dict, description="facts + indicators together")
    placeholders_overall: dict[str, float | int]
    placeholders_by_kind: dict[str, dict[str, float | int]]
    finding_recall: float
    findings_expected: int
    findings_matched: int
    false_alarms: int
    missed_by_rules: int = 0
    recovered_by_llm: int = 0
    ungrounded_rejected: int = 0
    variants: dict[str, dict[str, float | int]] = Field(default_factory=dict)


def fact_key(concept: str, period: str, measure: str, scope: str | None, value: str, unit: str | None) -> FactKey:
    """The identity of a stated figure for matching: money in 万元, other values as exact decimals."""
    amount = Decimal(value)
    if unit in MONEY_UNITS:
        wan = to_wan(amount, unit)
        assert wan is not None
        amount = wan
    return (concept, period, measure, scope or "", plain(amount))


def golden_key(g: GoldenFact) -> FactKey:
    """Matching key of a golden fact."""
    return fact_key(g.concept, g.period, g.measure, g.scope, g.value, g.unit)


def result_key(f: Fact) -> FactKey:
    """Matching key of an extracted fact."""
    return fact_key(f.concept, f.period, f.measure, f.scope, f.value, f.unit)


def concept_family(concept: str) -> str:
    """Group row concepts for per-concept tables: func:208 -> func:*, project:x -> project:*."""
    return concept.split(":", 1)[0] + ":*" if ":" in concept else concept


def score_facts(gold: Iterable[FactKey], pred: Iterable[FactKey]) -> tuple[Score, dict[str, Score]]:
    """Micro and per-concept-family scores of two sets of fact keys."""
    gold_set, pred_set = set(gold), set(pred)
    micro = Score(tp=len(gold_set & pred_set), fp=len(pred_set - gold_set), fn=len(gold_set - pred_set))
    per: dict[str, Score] = defaultdict(Score)
    for key in gold_set | pred_set:
        fam = concept_family(key[0])
        if key in gold_set and key in pred_set:
            per[fam].tp += 1
        elif key in gold_set:
            per[fam].fn += 1
        else:
            per[fam].fp += 1
    return micro, dict(per)


def locate(needle: str, context: str, raw: str) -> tuple[int, int] | None:
    """Raw span of `needle` inside the first occurrence of `context`, whitespace ignored (corpus goldens)."""
    keep = [i for i, ch in enumerate(raw) if not ch.isspace()]
    squeezed = "".join(raw[i] for i in keep)
    ctx, want = re.sub(r"\s+", "", context), re.sub(r"\s+", "", needle)
    at = squeezed.find(ctx)
    inner = ctx.find(want)
    if at < 0 or inner < 0 or not want:
        return None
    first = at + inner
    return keep[first], keep[first + len(want) - 1] + 1


def golden_span(g: GoldenPlaceholder, raw: str) -> tuple[int, int] | None:
    """A golden placeholder's raw span: its offsets, or (corpus goldens) found by its text and context."""
    if g.start is not None and g.end is not None:
        return g.start, g.end
    return locate(g.text, g.context or g.text, raw)


def score_placeholders(gold: GoldenPlaceholders, pred: DocumentResult, raw: str = "") -> tuple[Score, dict[str, Score]]:
    """One-to-one matching on kind and overlapping raw spans."""
    per: dict[str, Score] = defaultdict(Score)
    unmatched = list(pred.placeholders)
    for g in gold.placeholders:
        span = golden_span(g, raw)
        hit = next(
            (p for p in unmatched if span and p.kind == g.kind and p.span[0] < span[1] and span[0] < p.span[1]), None
        )
        if hit is not None:
            unmatched.remove(hit)
            per[g.kind].tp += 1
        else:
            per[g.kind].fn += 1
    for p in unmatched:
        per[p.kind].fp += 1
    total = Score()
    for s in per.values():
        total.add(s)
    return total, dict(per)


def score_findings(gold: GoldenFindings, pred: DocumentResult) -> tuple[int, list[str], list[str]]:
    """Matched expected findings, the expected ones missed, and `error` findings matching nothing."""
    concepts = {f.id: f.concept for f in [*pred.facts, *pred.tables, *pred.indicators]}
    predicted = [(f, frozenset(concepts.get(i, i) for i in f.facts)) for f in pred.findings]
    used: set[int] = set()
    missed = []
    for g in gold.findings:
        want = frozenset(g.concepts)
        hit = next((n for n, (f, c) in enumerate(predicted) if n not in used and f.rule == g.rule and c == want), None)
        if hit is None:
            missed.append(f"{g.rule} {sorted(want)}")
        else:
            used.add(hit)
    alarms = [f"{f.rule}: {f.message}" for n, (f, _) in enumerate(predicted) if n not in used and f.severity == "error"]
    return len(gold.findings) - len(missed), missed, alarms


def _load(model: type[BaseModel], path: Path) -> BaseModel | None:
    if not path.exists():
        return None
    return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


Processor = Callable[[RawDocument], DocumentResult]


def _default_processor() -> Processor:
    from pipeline.document import process_raw

    return process_raw


def bigram_overlap(a: str, b: str) -> float:
    """Dice coefficient of the character bigrams of two labels (1.0 for equal labels)."""

    def grams(t: str) -> set[str]:
        t = re.sub(r"[\s（）()“”\"：:，,、]", "", t)
        return {t[i : i + 2] for i in range(len(t) - 1)} or {t}

    ga, gb = grams(a), grams(b)
    return 2 * len(ga & gb) / (len(ga) + len(gb))


def _indicator_value(value: str, unit: str | None) -> str:
    amount = Decimal(value)
    wan = to_wan(amount, unit) if unit in MONEY_UNITS else None
    return plain(wan if wan is not None else amount)


def match_indicators(gold: list[GoldenIndicator], pred: list[Fact]) -> tuple[Score, list[int]]:
    """One-to-one matching of indicators on equal values and similar labels.

    Returns the score and the indices of the gold indicators that were matched.
    """
    unmatched = list(pred)
    hits: list[int] = []
    for n, g in enumerate(gold):
        want = _indicator_value(g.value, g.unit)
        best = max(
            (p for p in unmatched if _indicator_value(p.value, p.unit) == want),
            key=lambda p: bigram_overlap(g.label, p.label or p.concept.split(":", 1)[-1]),
            default=None,
        )
        if best is not None and bigram_overlap(g.label, best.label or best.concept.split(":", 1)[-1]) >= 0.3:
            unmatched.remove(best)
            hits.append(n)
    return Score(tp=len(hits), fp=len(unmatched), fn=len(gold) - len(hits)), hits


@dataclass
class _Totals:
    micro: Score = field(default_factory=Score)
    everything: Score = field(default_factory=Score)
    indicators: Score = field(default_factory=Score)
    placeholders: Score = field(default_factory=Score)
    per_concept: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    per_kind: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    findings_expected: int = 0
    findings_matched: int = 0
    false_alarms: int = 0
    missed_by_rules: int = 0
    recovered_by_llm: int = 0
    ungrounded: int = 0


def _evaluate_doc(report: Path, exp: Path, result: DocumentResult, totals: _Totals) -> tuple[DocEval, set[FactKey]]:
    facts = _load(GoldenFacts, exp / "facts.yaml")
    gold_keys = {golden_key(g) for g in facts.facts} if isinstance(facts, GoldenFacts) else set()
    extracted = [*result.facts, *result.tables]
    pred_keys = {result_key(f) for f in extracted}
    doc_micro, doc_concepts = score_facts(gold_keys, pred_keys)
    totals.micro.add(doc_micro)
    for fam, s in doc_concepts.items():
        totals.per_concept[fam].add(s)
    inds = _load(GoldenIndicators, exp / "indicators.yaml")
    gold_inds = inds.indicators if isinstance(inds, GoldenIndicators) else []
    ind_score, _ = match_indicators(gold_inds, result.indicators)
    totals.indicators.add(ind_score)
    totals.everything.add(doc_micro)
    totals.everything.add(ind_score)
    # what the rules miss, and how much of it the LLM supplies (grounded answers only reach the result)
    rules_keys = {result_key(f) for f in extracted if f.extractor == "rules"}
    llm_keys = {result_key(f) for f in extracted if f.extractor == "llm"}
    _, llm_ind_hits = match_indicators(gold_inds, [f for f in result.indicators if f.extractor == "llm"])
    _, rules_ind_hits = match_indicators(gold_inds, [f for f in result.indicators if f.extractor == "rules"])
    missed = (gold_keys - rules_keys, set(range(len(gold_inds))) - set(rules_ind_hits))
    totals.missed_by_rules += len(missed[0]) + len(missed[1])
    totals.recovered_by_llm += len(missed[0] & llm_keys) + len(missed[1] & set(llm_ind_hits))
    totals.ungrounded += len(result.ungrounded)
    ph = _load(GoldenPlaceholders, exp / "placeholders.yaml")
    ph_score, ph_kinds = score_placeholders(ph, result) if isinstance(ph, GoldenPlaceholders) else (Score(), {})
    totals.placeholders.add(ph_score)
    for kind, s in ph_kinds.items():
        totals.per_kind[kind].add(s)
    fd = _load(GoldenFindings, exp / "findings.yaml")
    n_match, missed_f, false_alarms = score_findings(fd, result) if isinstance(fd, GoldenFindings) else (0, [], [])
    totals.findings_expected += n_match + len(missed_f)
    totals.findings_matched += n_match
    totals.false_alarms += len(false_alarms)
    doc = DocEval(
        report=report.stem,
        facts=doc_micro.summary(),
        indicators=ind_score.summary(),
        missed_facts=sorted("|".join(k) for k in gold_keys - pred_keys),
        extra_facts=sorted("|".join(k) for k in pred_keys - gold_keys),
        placeholders=ph_score.summary(),
        findings_expected=n_match + len(missed_f),
        findings_matched=n_match,
        missed_findings=missed_f,
        false_alarms=false_alarms,
        llm=dict(result.llm),
    )
    return doc, gold_keys


def evaluate_folder(goldens: str | Path, variants: bool = False, processor: Processor | None = None) -> EvalReport:
    """Run the pipeline on every golden report and score it."""
    root = Path(goldens)
    process = processor or _default_processor()
    totals = _Totals()
    docs: list[DocEval] = []
    all_gold: dict[str, set[FactKey]] = {}
    for report in sorted((root / "reports").glob("*.txt")):
        doc, gold_keys = _evaluate_doc(report, root / "expected" / report.stem, process(read_document(report)), totals)
        docs.append(doc)
        all_gold[report.stem] = gold_keys
    report_model = EvalReport(
        documents=docs,
        facts_micro=totals.micro.summary(),
        facts_by_concept={k: v.summary() for k, v in sorted(totals.per_concept.items())},
        indicators=totals.indicators.summary(),
        all_micro=totals.everything.summary(),
        placeholders_overall=totals.placeholders.summary(),
        placeholders_by_kind={k: v.summary() for k, v in sorted(totals.per_kind.items())},
        finding_recall=round(totals.findings_matched / totals.findings_expected, 4)
        if totals.findings_expected
        else 1.0,
        findings_expected=totals.findings_expected,
        findings_matched=totals.findings_matched,
        false_alarms=totals.false_alarms,
        missed_by_rules=totals.missed_by_rules,
        recovered_by_llm=totals.recovered_by_llm,
        ungrounded_rejected=totals.ungrounded,
    )
    if variants:
        report_model.variants = _score_variants(root, all_gold, process)
    return report_model


def _score_variants(root: Path, gold: dict[str, set[FactKey]], process: Processor) -> dict[str, dict[str, float | int]]:
    from pipeline.variants import VARIANTS

    out = {}
    for name, retype in VARIANTS.items():
        total = Score()
        for report in sorted((root / "reports").glob("*.txt")):
            text = retype(report.read_text(encoding="utf-8"))
            raw = RawDocument(f"{report.stem}.{name}", text, "0" * 64, "txt")
            result = process(raw)
            s, _ = score_facts(gold[report.stem], {result_key(f) for f in [*result.facts, *result.tables]})
            total.add(s)
        out[name] = total.summary()
    return out


def render(report: EvalReport) -> str:
    """A plain-text table of the scores for the terminal."""
    lines = ["facts", _row("report", "P", "R", "F1", "tp/fp/fn")]
    for d in report.documents:
        f = d.facts
        lines.append(_row(d.report, f["precision"], f["recall"], f["f1"], f"{f['tp']}/{f['fp']}/{f['fn']}"))
    m = report.facts_micro
    lines.append(_row("MICRO", m["precision"], m["recall"], m["f1"], f"{m['tp']}/{m['fp']}/{m['fn']}"))
    i, a = report.indicators, report.all_micro
    if i:
        lines.append(_row("indicators", i["precision"], i["recall"], i["f1"], f"{i['tp']}/{i['fp']}/{i['fn']}"))
        lines.append(_row("facts + indicators", a["precision"], a["recall"], a["f1"], f"{a['tp']}/{a['fp']}/{a['fn']}"))
    lines.append(
        f"golden items the rules miss: {report.missed_by_rules}; supplied by the LLM: {report.recovered_by_llm}; "
        f"LLM answers rejected as ungrounded: {report.ungrounded_rejected}"
    )
    lines += ["", "facts by concept", _row("concept", "P", "R", "F1", "tp/fp/fn")]
    for concept, s in report.facts_by_concept.items():
        lines.append(_row(concept, s["precision"], s["recall"], s["f1"], f"{s['tp']}/{s['fp']}/{s['fn']}"))
    lines += ["", "placeholders by kind", _row("kind", "P", "R", "F1", "tp/fp/fn")]
    for kind, s in report.placeholders_by_kind.items():
        lines.append(_row(kind, s["precision"], s["recall"], s["f1"], f"{s['tp']}/{s['fp']}/{s['fn']}"))
    p = report.placeholders_overall
    lines.append(_row("OVERALL", p["precision"], p["recall"], p["f1"], f"{p['tp']}/{p['fp']}/{p['fn']}"))
    lines += [
        "",
        f"findings: recall {report.finding_recall:.4f} ({report.findings_matched}/{report.findings_expected}),"
        f" false alarms (error findings matching nothing): {report.false_alarms}",
    ]
    for d in report.documents:
        for missed in d.missed_findings:
            lines.append(f"  missed  {d.report[:3]} {missed}")
        for alarm in d.false_alarms:
            lines.append(f"  ALARM   {d.report[:3]} {alarm}")
    if report.variants:
        lines += ["", "re-typeset variants (facts micro)", _row("variant", "P", "R", "F1", "tp/fp/fn")]
        for name, s in report.variants.items():
            lines.append(_row(name, s["precision"], s["recall"], s["f1"], f"{s['tp']}/{s['fp']}/{s['fn']}"))
    return "\n".join(lines) + "\n"


def _row(name: str, p: object, r: object, f1: object, counts: str) -> str:
    def fmt(x: object) -> str:
        return f"{x:.3f}" if isinstance(x, float) else str(x)

    return f"{name[:34]:<34} {fmt(p):>6} {fmt(r):>6} {fmt(f1):>6}  {counts}"
