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

from pipeline.ingest import RawDocument, read_document, read_text_export
from pipeline.numbers import MONEY_UNITS, plain, to_wan
from schemas.document import DocumentResult, Fact, Finding
from schemas.golden import (
    GoldenFact,
    GoldenFacts,
    GoldenFindings,
    GoldenIndicator,
    GoldenIndicators,
    GoldenMeta,
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
    group: str = "samples"
    template: str = ""
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
    meta_errors: list[str] = Field(default_factory=list)


class GroupScore(BaseModel):
    """Scores of a group of documents (all, samples, corpus, corpus:<template>)."""

    documents: int
    facts: dict[str, float | int]
    placeholders: dict[str, float | int]
    findings_expected: int
    findings_matched: int
    false_alarms: int
    meta: str = Field(description="meta fields right / checked")


class EvalReport(BaseModel):
    """Scores over all reports."""

    documents: list[DocEval]
    groups: dict[str, GroupScore] = Field(default_factory=dict)
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
    """A golden placeholder's raw span: its offsets, or (corpus goldens) found by its text and context.

    A context copied from one reader's text may not occur in another's (wrapped table cells come out in another
    order): then the text with the context's part after it, or before it, locates the placeholder.
    """
    if g.start is not None and g.end is not None:
        return g.start, g.end
    context = g.context or g.text
    found = locate(g.text, context, raw)
    if found is None and g.text in context:
        head, _, tail = context.partition(g.text)
        for side in (g.text + tail, head + g.text):
            if len(re.sub(r"\s+", "", side)) > len(re.sub(r"\s+", "", g.text)):
                found = found or locate(g.text, side, raw)
    return found


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
    predicted = [(f, _concept_sets(f, concepts)) for f in pred.findings]
    used: set[int] = set()
    missed = []
    for g in gold.findings:
        want = frozenset(g.concepts)
        hit = next((n for n, (f, c) in enumerate(predicted) if n not in used and f.rule == g.rule and want in c), None)
        if hit is None:
            missed.append(f"{g.rule} {sorted(want)}")
        else:
            used.add(hit)
    alarms = [f"{f.rule}: {f.message}" for n, (f, _) in enumerate(predicted) if n not in used and f.severity == "error"]
    return len(gold.findings) - len(missed), missed, alarms


def _concept_sets(finding: Finding, concepts: dict[str, str]) -> tuple[frozenset[str], ...]:
    """The concepts a finding names, as sets a golden finding may equal.

    A share of the 三公 total the report does not state is checked against the sum of its three parts (出国 + 公车 +
    接待); the golden writes it as the share's concept and sangong_total.
    """
    named = frozenset(concepts.get(i, i) for i in finding.facts)
    parts = {"sg_overseas", "sg_reception"} <= named and bool({"sg_vehicle", "sg_vehicle_operation"} & named)
    if finding.rule == "share.stated" and parts and "sangong_total" not in named:
        return named, frozenset({concepts.get(finding.facts[0], ""), "sangong_total"})
    return (named,)


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
    meta_fields: int = 0
    meta_right: int = 0
    documents: int = 0

    def group(self) -> GroupScore:
        """The scores of this group of documents."""
        return GroupScore(
            documents=self.documents,
            facts=self.micro.summary(),
            placeholders=self.placeholders.summary(),
            findings_expected=self.findings_expected,
            findings_matched=self.findings_matched,
            false_alarms=self.false_alarms,
            meta=f"{self.meta_right}/{self.meta_fields}",
        )


@dataclass(frozen=True)
class Case:
    """One golden document: where its goldens are and how to read its input."""

    name: str
    group: str  # samples | corpus
    template: str
    gold: Path
    path: Path
    meta: GoldenMeta | None = None


def cases(goldens: str | Path, which: str = "all") -> list[Case]:
    """The sample reports (goldens/reports + expected/) and the corpus PDFs with goldens (goldens/corpus/)."""
    root = Path(goldens)
    found: list[Case] = []
    if which in ("all", "samples"):
        for report in sorted((root / "reports").glob("*.txt")):
            gold = root / "expected" / report.stem
            meta = _load(GoldenMeta, gold / "meta.yaml")
            assert meta is None or isinstance(meta, GoldenMeta)
            found.append(Case(report.stem, "samples", "sichuan_hunan", gold, report, meta))
    if which in ("all", "corpus") and (root / "corpus").exists():
        from pipeline.corpus_goldens import corpus_dir

        for folder in sorted(p for p in (root / "corpus").iterdir() if (p / "meta.yaml").exists()):
            meta = _load(GoldenMeta, folder / "meta.yaml")
            assert isinstance(meta, GoldenMeta)
            found.append(Case(folder.name, "corpus", meta.template, folder, corpus_dir() / meta.report, meta))
    return found


def _meta_errors(case: Case, result: DocumentResult) -> tuple[int, list[str]]:
    """Meta fields checked and the ones the pipeline got wrong."""
    if case.meta is None:
        return 0, []
    wrong = []
    got = result.meta
    for name in ("fiscal_year", "doc_type", "unit_name"):
        want = getattr(case.meta, name).value
        have = getattr(got, name)
        if want is not None and str(want) != str(have):
            wrong.append(f"{name}: expected {want}, got {have}")
    return 3, wrong


def _evaluate_doc(
    case: Case, raw: RawDocument, result: DocumentResult, totals: list[_Totals]
) -> tuple[DocEval, set[FactKey]]:
    exp = case.gold
    facts = _load(GoldenFacts, exp / "facts.yaml")
    gold_keys = {golden_key(g) for g in facts.facts} if isinstance(facts, GoldenFacts) else set()
    extracted = [*result.facts, *result.tables]
    pred_keys = {result_key(f) for f in extracted}
    doc_micro, doc_concepts = score_facts(gold_keys, pred_keys)
    inds = _load(GoldenIndicators, exp / "indicators.yaml")
    gold_inds = inds.indicators if isinstance(inds, GoldenIndicators) else []
    ind_score, _ = match_indicators(gold_inds, result.indicators)
    # what the rules miss, and how much of it the LLM supplies (grounded answers only reach the result)
    rules_keys = {result_key(f) for f in extracted if f.extractor == "rules"}
    llm_keys = {result_key(f) for f in extracted if f.extractor == "llm"}
    _, llm_ind_hits = match_indicators(gold_inds, [f for f in result.indicators if f.extractor == "llm"])
    _, rules_ind_hits = match_indicators(gold_inds, [f for f in result.indicators if f.extractor == "rules"])
    missed = (gold_keys - rules_keys, set(range(len(gold_inds))) - set(rules_ind_hits))
    ph = _load(GoldenPlaceholders, exp / "placeholders.yaml")
    ph_score, ph_kinds = (
        score_placeholders(ph, result, raw.text) if isinstance(ph, GoldenPlaceholders) else (Score(), {})
    )
    fd = _load(GoldenFindings, exp / "findings.yaml")
    n_match, missed_f, false_alarms = score_findings(fd, result) if isinstance(fd, GoldenFindings) else (0, [], [])
    n_meta, meta_wrong = _meta_errors(case, result)
    for t in totals:
        t.documents += 1
        t.micro.add(doc_micro)
        for fam, s in doc_concepts.items():
            t.per_concept[fam].add(s)
        t.indicators.add(ind_score)
        t.everything.add(doc_micro)
        t.everything.add(ind_score)
        t.missed_by_rules += len(missed[0]) + len(missed[1])
        t.recovered_by_llm += len(missed[0] & llm_keys) + len(missed[1] & set(llm_ind_hits))
        t.ungrounded += len(result.ungrounded)
        t.placeholders.add(ph_score)
        for kind, s in ph_kinds.items():
            t.per_kind[kind].add(s)
        t.findings_expected += n_match + len(missed_f)
        t.findings_matched += n_match
        t.false_alarms += len(false_alarms)
        t.meta_fields += n_meta
        t.meta_right += n_meta - len(meta_wrong)
    doc = DocEval(
        report=case.name,
        group=case.group,
        template=case.template,
        facts=doc_micro.summary(),
        indicators=ind_score.summary(),
        missed_facts=sorted("|".join(k) for k in gold_keys - pred_keys),
        extra_facts=sorted("|".join(k) for k in pred_keys - gold_keys),
        placeholders=ph_score.summary(),
        findings_expected=n_match + len(missed_f),
        findings_matched=n_match,
        missed_findings=missed_f,
        false_alarms=false_alarms,
        meta_errors=meta_wrong,
        llm=dict(result.llm),
    )
    return doc, gold_keys


def evaluate_folder(
    goldens: str | Path, variants: bool = False, processor: Processor | None = None, which: str = "all"
) -> EvalReport:
    """Run the pipeline on every golden document (sample reports and corpus PDFs) and score it, per group."""
    process = processor or _default_processor()
    totals: dict[str, _Totals] = defaultdict(_Totals)
    docs: list[DocEval] = []
    all_gold: dict[str, set[FactKey]] = {}
    found = cases(goldens, which)
    for case in found:
        raw = read_document(case.path)
        groups = ["all", case.group, *([f"{case.group}:{case.template}"] if case.group == "corpus" else [])]
        doc, gold_keys = _evaluate_doc(case, raw, process(raw), [totals[g] for g in groups])
        docs.append(doc)
        all_gold[case.name] = gold_keys
    t = totals["all"]
    report_model = EvalReport(
        documents=docs,
        groups={g: totals[g].group() for g in sorted(totals, key=lambda g: (g != "all", g))},
        facts_micro=t.micro.summary(),
        facts_by_concept={k: v.summary() for k, v in sorted(t.per_concept.items())},
        indicators=t.indicators.summary(),
        all_micro=t.everything.summary(),
        placeholders_overall=t.placeholders.summary(),
        placeholders_by_kind={k: v.summary() for k, v in sorted(t.per_kind.items())},
        finding_recall=round(t.findings_matched / t.findings_expected, 4) if t.findings_expected else 1.0,
        findings_expected=t.findings_expected,
        findings_matched=t.findings_matched,
        false_alarms=t.false_alarms,
        missed_by_rules=t.missed_by_rules,
        recovered_by_llm=t.recovered_by_llm,
        ungrounded_rejected=t.ungrounded,
    )
    if variants:
        report_model.variants = _score_variants(found, all_gold, process)
    return report_model


def _score_variants(
    found: list[Case], gold: dict[str, set[FactKey]], process: Processor
) -> dict[str, dict[str, float | int]]:
    """Sample reports re-typeset as other exports; corpus PDFs as the three pdftotext layouts."""
    from pipeline.variants import VARIANTS

    out = {}
    samples = [c for c in found if c.group == "samples"]
    corpus = [c for c in found if c.group == "corpus"]
    for name, retype in VARIANTS.items() if samples else ():
        total = Score()
        for case in samples:
            text = retype(case.path.read_text(encoding="utf-8"))
            result = process(read_text_export(f"{case.name}.{name}.txt", text))
            s, _ = score_facts(gold[case.name], {result_key(f) for f in [*result.facts, *result.tables]})
            total.add(s)
        out[name] = total.summary()
    if corpus:
        from pipeline.corpus_goldens import pdftotext

        for mode in ("default", "layout", "raw"):
            total = Score()
            for case in corpus:
                text = pdftotext(case.path, mode)  # read as the .txt file a user would save it to
                result = process(read_text_export(f"{case.name}.pdftotext-{mode}.txt", text))
                s, _ = score_facts(gold[case.name], {result_key(f) for f in [*result.facts, *result.tables]})
                total.add(s)
            out[f"pdftotext_{mode}"] = total.summary()
    return out


def render(report: EvalReport) -> str:
    """A plain-text table of the scores for the terminal."""
    lines = ["facts", _row("report", "P", "R", "F1", "tp/fp/fn")]
    for d in report.documents:
        f = d.facts
        lines.append(_row(d.report, f["precision"], f["recall"], f["f1"], f"{f['tp']}/{f['fp']}/{f['fn']}"))
    lines += ["", "by group (facts micro; placeholders; findings found/expected, false alarms; meta)"]
    for name, g in report.groups.items():
        f, p = g.facts, g.placeholders
        lines.append(
            f"{name[:30]:<30} docs {g.documents:>2}  facts P {f['precision']:.3f} R {f['recall']:.3f} F1 {f['f1']:.3f}"
            f"  ph P {p['precision']:.3f} R {p['recall']:.3f}  findings {g.findings_matched}/{g.findings_expected}"
            f" alarms {g.false_alarms}  meta {g.meta}"
        )
    lines.append("")
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
            lines.append(f"  missed  {d.report[:24]} {missed}")
        for alarm in d.false_alarms:
            lines.append(f"  ALARM   {d.report[:24]} {alarm}")
        for wrong in d.meta_errors:
            lines.append(f"  META    {d.report[:24]} {wrong}")
    if report.variants:
        lines += ["", "re-typeset variants (facts micro)", _row("variant", "P", "R", "F1", "tp/fp/fn")]
        for name, s in report.variants.items():
            lines.append(_row(name, s["precision"], s["recall"], s["f1"], f"{s['tp']}/{s['fp']}/{s['fn']}"))
    return "\n".join(lines) + "\n"


def _row(name: str, p: object, r: object, f1: object, counts: str) -> str:
    def fmt(x: object) -> str:
        return f"{x:.3f}" if isinstance(x, float) else str(x)

    return f"{name[:34]:<34} {fmt(p):>6} {fmt(r):>6} {fmt(f1):>6}  {counts}"
