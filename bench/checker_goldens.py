"""The arithmetic checker on hand-verified facts: finding recall and false alarms against the golden findings.

    python bench/checker_goldens.py

Runs `pipeline.checker.check` on goldens/expected/<stem>/facts.yaml (spans located in the raw report), so the
figures measure the checker alone, whatever the extractor does. A finding matches an expected one when the rule
and the set of concepts agree (as in `budget-extract eval`); an unmatched `error` is a false alarm. The
document-level findings (completeness, years) need the document, not its facts: `budget-extract eval` scores them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.checker import check  # noqa: E402
from pipeline.checker.completeness import DOCUMENT_RULES  # noqa: E402
from pipeline.checker.goldens import golden_facts  # noqa: E402
from pipeline.meta import fiscal_year  # noqa: E402
from schemas.golden import GoldenFindings  # noqa: E402


def main() -> int:
    """Print per-report and total recall, severity agreement and false alarms."""
    expected = matched = same_severity = alarms = 0
    for report in sorted((ROOT / "goldens" / "reports").glob("*.txt")):
        raw = report.read_text(encoding="utf-8")
        exp = ROOT / "goldens" / "expected" / report.stem
        facts = golden_facts(exp, raw)
        concept = {f.id: f.concept for f in facts}
        found = check(facts, text=raw, fiscal_year=fiscal_year(raw))
        gold = GoldenFindings.model_validate(yaml.safe_load((exp / "findings.yaml").read_text(encoding="utf-8")))
        unmatched = list(found)
        for g in (g for g in gold.findings if g.rule not in DOCUMENT_RULES):  # those need the document: eval
            hit = next(
                (x for x in unmatched if x.rule == g.rule and {concept[i] for i in x.facts} == set(g.concepts)), None
            )
            expected += 1
            if hit is None:
                print(f"  missed {report.stem[:3]} {g.severity} {g.rule} {g.concepts}")
                continue
            unmatched.remove(hit)
            matched += 1
            same_severity += hit.severity == g.severity
        for x in unmatched:
            alarms += x.severity == "error"
            print(f"  extra  {report.stem[:3]} {x.severity} {x.rule}: {x.message}")
        print(f"{report.stem}: {len(gold.findings)} expected, {len(found)} reported")
    print(f"finding recall {matched}/{expected}, same severity {same_severity}/{matched}, false alarms {alarms}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
