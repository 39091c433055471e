"""Rules-only scores of the corpus PDFs read as the text poppler's pdftotext makes of them, per document and mode.

    python bench/bench_pdftotext.py [--modes layout,raw,default] [--dump DIR] [--heldout]

Each corpus PDF with goldens is converted by `pdftotext` (default, `-layout`, `-raw`), read as a `.txt` file is
read (`pipeline.ingest.read_text_export`, so aligned tables are rebuilt as the reader rebuilds them) and scored
against its goldens as `budget-extract eval` scores it: facts P / R / F1, findings matched / expected and false
alarms (error findings matching no golden finding). `--dump DIR` writes each document's missed and extra facts
and false alarms to DIR/<mode>/<stem>.txt for reading. `--heldout` also counts the error findings on the corpus
PDFs without goldens: read by the PDF reader, and their pdftotext text read as it is (no table rebuilt) and as the
text reader reads it (`goldens/corpus/heldout-review.yaml` reviews the PDF reader's ones).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.corpus_goldens import corpus_dir, pdftotext  # noqa: E402
from pipeline.document import process_raw  # noqa: E402
from pipeline.evaluate import Score, cases, golden_key, result_key, score_facts, score_findings  # noqa: E402
from pipeline.ingest import RawDocument, read_document, read_text_export  # noqa: E402
from schemas.document import DocumentResult  # noqa: E402
from schemas.golden import GoldenFacts, GoldenFindings  # noqa: E402


def main() -> int:
    """Print one line per document and mode, then the micro scores per mode."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--modes", default="default,layout,raw")
    ap.add_argument("--dump", type=Path)
    ap.add_argument("--heldout", action="store_true")
    args = ap.parse_args()
    found = cases(ROOT / "goldens", "corpus")
    totals: dict[str, Score] = {}
    alarms: dict[str, int] = {}
    for mode in args.modes.split(","):
        total, n_alarms = Score(), 0
        for case in found:
            text = pdftotext(case.path, mode)
            result = process_raw(read_text_export(f"{case.name}.pdftotext-{mode}.txt", text))
            facts = GoldenFacts.model_validate(_yaml(case.gold / "facts.yaml"))
            gold = {golden_key(g) for g in facts.facts}
            pred = {result_key(f) for f in [*result.facts, *result.tables]}
            s, _ = score_facts(gold, pred)
            total.add(s)
            fd_path = case.gold / "findings.yaml"
            fd = GoldenFindings.model_validate(_yaml(fd_path)) if fd_path.exists() else None
            matched, missed, false = score_findings(fd, result) if fd else (0, [], [])
            n_alarms += len(false)
            print(
                f"{mode:<8} {case.name[:48]:<48} P {s.precision:.3f} R {s.recall:.3f} F1 {s.f1:.3f}"
                f"  {s.tp:>4}/{s.fp:>3}/{s.fn:>3}  findings {matched}/{matched + len(missed)} alarms {len(false)}"
            )
            if args.dump:
                out = args.dump / mode / f"{case.name}.txt"
                out.parent.mkdir(parents=True, exist_ok=True)
                lines = [f"MISSED {'|'.join(k)}" for k in sorted(gold - pred)]
                lines += [f"EXTRA  {'|'.join(k)}" for k in sorted(pred - gold)]
                lines += [f"ALARM  {a}" for a in false] + [f"NOFIND {m}" for m in missed]
                out.write_text("\n".join(lines) + "\n", encoding="utf-8")
        totals[mode], alarms[mode] = total, n_alarms
    print()
    for mode, t in totals.items():
        print(
            f"pdftotext {mode:<8} micro P {t.precision:.4f} R {t.recall:.4f} F1 {t.f1:.4f}"
            f"  {t.tp}/{t.fp}/{t.fn}  false alarms {alarms[mode]}"
        )
    if args.heldout:
        _heldout(args.modes.split(","), {c.path.name for c in found})
    return 0


def _heldout(modes: list[str], with_goldens: set[str]) -> None:
    """Error findings on the corpus PDFs without goldens: PDF reader, pdftotext text as it is, as the reader reads it."""
    pdfs = sorted(p for p in corpus_dir().glob("*.pdf") if p.name not in with_goldens)
    pdf_errors = sum(_errors(process_raw(read_document(p))) for p in pdfs)
    print(f"\nerror findings on the {len(pdfs)} corpus PDFs without goldens: PDF reader {pdf_errors}")
    for mode in modes:
        before = after = 0
        for p in pdfs:
            text = pdftotext(p, mode)
            before += _errors(process_raw(RawDocument(p.stem, text, "0" * 64, "txt")))
            after += _errors(process_raw(read_text_export(f"{p.stem}.txt", text)))
        print(f"pdftotext {mode:<8} text as it is {before}, as the text reader reads it {after}")


def _errors(result: DocumentResult) -> int:
    return sum(1 for f in result.findings if f.severity == "error")


def _yaml(path: Path) -> object:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    raise SystemExit(main())
