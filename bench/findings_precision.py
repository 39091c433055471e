"""Precision of the checker's findings, from hand review: every error (and warning) judged REAL or FALSE.

    python bench/findings_precision.py

Runs the pipeline (rules only) on the sample reports, the corpus PDFs with goldens and the other corpus PDFs.
A finding on a document with goldens is REAL when it matches a finding the golden's reader recorded (rule and
concepts, as `budget-extract eval`), FALSE otherwise: the reader found no such inconsistency. A finding on a
corpus PDF without goldens is judged by `goldens/corpus/heldout-review.yaml`, where a reviewer read each one
against the PDF (matched by document, rule, severity and the first 60 characters of the message); one not
there is counted as unjudged and printed, so a changed checker is re-reviewed rather than assumed right.
Prints, per template family and in total: errors, real, false, unjudged, precision; the same for warnings.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.corpus_goldens import corpus_dir  # noqa: E402
from pipeline.document import process_raw  # noqa: E402
from pipeline.evaluate import cases  # noqa: E402
from pipeline.ingest import read_document  # noqa: E402
from schemas.document import DocumentResult, Finding  # noqa: E402
from schemas.golden import GoldenFindings  # noqa: E402

REVIEW = ROOT / "goldens" / "corpus" / "heldout-review.yaml"
PREFIX = 60


def _matched(gold: GoldenFindings, result: DocumentResult) -> set[int]:
    """Indexes of the findings that match a golden finding (one each)."""
    concepts = {f.id: f.concept for f in [*result.facts, *result.tables, *result.indicators]}
    used: set[int] = set()
    for g in gold.findings:
        for n, f in enumerate(result.findings):
            if n not in used and f.rule == g.rule and frozenset(concepts.get(i, i) for i in f.facts) == set(g.concepts):
                used.add(n)
                break
    return used


def _review() -> dict[tuple[str, str, str, str], str]:
    entries = next(iter(yaml.safe_load_all(REVIEW.read_text(encoding="utf-8"))))
    return {(e["document"], e["rule"], e["severity"], e["message"][:PREFIX]): str(e["verdict"]) for e in entries}


def main() -> int:
    """Print the table; exit 1 when an error finding is unjudged."""
    tally: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    unjudged: list[str] = []
    golden_docs = set()
    for case in cases(ROOT / "goldens"):
        result = process_raw(read_document(case.path))
        golden_docs.add(case.path.name)
        gold = GoldenFindings.model_validate(yaml.safe_load((case.gold / "findings.yaml").read_text(encoding="utf-8")))
        real = _matched(gold, result)
        for n, f in enumerate(result.findings):
            if f.severity in ("error", "warning"):
                tally[case.template, f.severity]["REAL" if n in real else "FALSE"] += 1
    review = _review()
    for pdf in sorted(corpus_dir().glob("*.pdf")):
        if pdf.name in golden_docs:
            continue
        result = process_raw(read_document(pdf))
        family = "shanghai (no golden)" if pdf.name.startswith(("putuo", "shanghai")) else "jiangsu (no golden)"
        for f in result.findings:
            if f.severity not in ("error", "warning"):
                continue
            verdict = review.get((pdf.name, f.rule, f.severity, f.message[:PREFIX]))
            if verdict is None:
                unjudged.append(_line(pdf.name, f))
                verdict = "unjudged"
            tally[family, f.severity][verdict] += 1
    _print(tally)
    for line in unjudged:
        print("unjudged:", line)
    return 1 if any(" error " in u for u in unjudged) else 0


def _line(doc: str, f: Finding) -> str:
    return f"{doc} {f.severity} {f.rule} {f.message[:120]}"


def _print(tally: dict[tuple[str, str], dict[str, int]]) -> None:
    print(f"{'family':<26} {'severity':<8} {'findings':>8} {'real':>5} {'false':>5} {'unjudged':>8}  precision")
    for severity in ("error", "warning"):
        total: dict[str, int] = defaultdict(int)
        for (family, sev), counts in sorted(tally.items()):
            if sev != severity:
                continue
            _row(family, sev, counts)
            for k, v in counts.items():
                total[k] += v
        _row("all", severity, total)


def _row(family: str, severity: str, counts: dict[str, int]) -> None:
    real, false, unjudged = counts.get("REAL", 0), counts.get("FALSE", 0), counts.get("unjudged", 0)
    n = real + false + unjudged
    precision = f"{real / (real + false):.3f}" if real + false else "-"
    print(f"{family:<26} {severity:<8} {n:>8} {real:>5} {false:>5} {unjudged:>8}  {precision}")


if __name__ == "__main__":
    sys.exit(main())
