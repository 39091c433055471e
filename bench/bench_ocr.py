"""OCR figures: time per page, numbers read exactly on corpus table pages, facts F1 of rendered sample reports.

    python bench/bench_ocr.py                      # corpus pages at 200 dpi + the two sample reports
    python bench/bench_ocr.py --dpi 150 200 300    # the resolution comparison of the README
    python bench/bench_ocr.py --skip-reports       # corpus pages only

Corpus pages: each page of a corpus PDF that has a text layer is rendered to an image and OCR'd; every number of
the text layer must be found, exactly, among the numbers of the OCR'd lines (multiset). Numbers read wrongly or
missed are listed with the confidence of the nearest OCR cell, which is how the warning threshold was chosen.
Sample reports: the report's text is typeset to PDF (tables as ruled grids), rendered to PNG, read back through
the image reader and processed; its facts are scored against the facts of the text run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from ocr_support import number_tokens, render_report_tiff  # noqa: E402

from pipeline.document import process_file, process_raw  # noqa: E402
from pipeline.evaluate import result_key, score_facts  # noqa: E402
from pipeline.ingest import read_document  # noqa: E402
from pipeline.ingest.ocr import LOW_CONFIDENCE, ocr_pdf_page  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "pdf"
PAGES = [  # (file, 0-based page): table pages of both provinces' layouts, ruled and gridded
    ("putuo-shangwuwei-2025-bumen-yusuan.pdf", 9),
    ("putuo-shangwuwei-2025-bumen-yusuan.pdf", 14),
    ("putuo-shangwuwei-2025-bumen-yusuan.pdf", 18),
    ("putuo-shangwuwei-2025-bumen-yusuan.pdf", 6),
    ("jiangsu-gaoyuan-2019-bumen-yusuan.pdf", 9),
    ("jiangsu-gaoyuan-2019-bumen-yusuan.pdf", 10),
    ("jiangsu-gaoyuan-2019-bumen-yusuan.pdf", 15),
    ("jiangsu-gaoyuan-2019-bumen-yusuan.pdf", 19),
    ("shanghai-caizhengju-2025-danwei-yusuan.pdf", 7),
    ("jiangsu-shengwei-bangongting-2019-bumen-yusuan-biaoge.pdf", 5),
]
REPORTS = ["000_71be4926d984000e", "003_7c46becd3f9fd372"]


def text_layer(path: Path, index: int) -> str:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return pdf.pages[index].extract_text() or ""


def bench_page(name: str, index: int, dpi: int) -> dict[str, object]:
    path = CORPUS / name
    expected = Counter(number_tokens(text_layer(path, index)))
    t0, c0 = time.perf_counter(), time.process_time()
    page = ocr_pdf_page(path, index, dpi / 72)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    cells = [c for line in page.lines for c in line.cells]
    got = Counter(t for c in cells for t in number_tokens(c.text))
    found = expected & got
    missed = expected - got
    wrong = got - expected
    conf = {t: c.confidence for c in cells for t in number_tokens(c.text)}
    flagged = {t for t, c in conf.items() if c is not None and c < LOW_CONFIDENCE}
    return {
        "page": f"{name} p{index + 1}",
        "seconds": seconds,
        "cpu": cpu,
        "expected": sum(expected.values()),
        "found": sum(found.values()),
        "missed": sorted(missed.elements()),
        "wrong": [(t, conf.get(t)) for t in sorted(wrong.elements())],
        "right_conf": [conf[t] for t in found.elements() if conf.get(t) is not None],
        "wrong_flagged": sum(1 for t in wrong.elements() if t in flagged),
        "right_flagged": sum(1 for t in found.elements() if t in flagged),
    }


def bench_corpus(dpis: list[int]) -> None:
    for dpi in dpis:
        rows = [bench_page(name, i, dpi) for name, i in PAGES if (CORPUS / name).exists()]
        if not rows:
            print("corpus PDFs not found: skipped")
            return
        print(f"\n## corpus table pages at {dpi} dpi")
        for r in rows:
            wrong = ", ".join(f"{t} ({c:.3f})" for t, c in r["wrong"])  # type: ignore[attr-defined]
            print(
                f"{r['page']:<62} {r['seconds']:5.1f} s (cpu {r['cpu']:5.1f} s)  {r['found']}/{r['expected']} exact"
                f"  missed {r['missed'] or '-'}  misread {wrong or '-'}"
            )
        exp = sum(int(r["expected"]) for r in rows)  # type: ignore[call-overload]
        found = sum(int(r["found"]) for r in rows)  # type: ignore[call-overload]
        secs = [float(r["seconds"]) for r in rows]  # type: ignore[arg-type]
        cpus = [float(r["cpu"]) for r in rows]  # type: ignore[arg-type]
        right = [c for r in rows for c in r["right_conf"]]  # type: ignore[attr-defined]
        wrong_n = sum(len(r["wrong"]) for r in rows)  # type: ignore[arg-type]
        wrong_flag = sum(int(r["wrong_flagged"]) for r in rows)  # type: ignore[call-overload]
        right_flag = sum(int(r["right_flagged"]) for r in rows)  # type: ignore[call-overload]
        print(
            f"{dpi} dpi: numbers exact {found}/{exp} = {found / exp:.4f}; misread {wrong_n} "
            f"({wrong_flag} flagged below {LOW_CONFIDENCE}); right numbers flagged {right_flag}/{found}; "
            f"lowest right confidence {min(right):.3f}; per page wall median {statistics.median(secs):.1f} s "
            f"(max {max(secs):.1f} s), cpu median {statistics.median(cpus):.1f} s (max {max(cpus):.1f} s)"
        )


def bench_reports(dpi: int) -> None:
    print(f"\n## sample reports typeset, rendered at {dpi} dpi, OCR'd, facts vs the text run")
    with tempfile.TemporaryDirectory() as tmp:
        for stem in REPORTS:
            report = ROOT / "goldens" / "reports" / f"{stem}.txt"
            text_facts = {result_key(f) for f in _facts(process_file(report))}
            t0, c0 = time.perf_counter(), time.process_time()
            tif = render_report_tiff(report.read_text(encoding="utf-8"), Path(tmp) / stem, dpi)
            raw = read_document(tif)
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
            ocr_facts = {result_key(f) for f in _facts(process_raw(raw))}
            warnings = len(raw.warnings)
            pages = raw.pages or 1
            score, _ = score_facts(text_facts, ocr_facts)
            print(
                f"{stem}: {pages} pages, wall {seconds:.0f} s ({seconds / pages:.1f} s/page), cpu {cpu:.0f} s "
                f"({cpu / pages:.1f} s/page); facts vs text run "
                f"P {score.precision:.3f} R {score.recall:.3f} F1 {score.f1:.3f} "
                f"({score.tp}/{score.fp}/{score.fn}); low-confidence warnings {warnings}"
            )
            for key in sorted(ocr_facts - text_facts)[:10]:
                print("   only OCR:", key)
            for key in sorted(text_facts - ocr_facts)[:10]:
                print("   only text:", key)


def _facts(result):  # type: ignore[no-untyped-def]
    return [*result.facts, *result.tables]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dpi", type=int, nargs="+", default=[200])
    ap.add_argument("--skip-reports", action="store_true")
    ap.add_argument("--skip-corpus", action="store_true")
    args = ap.parse_args()
    if not args.skip_corpus:
        bench_corpus(args.dpi)
    if not args.skip_reports:
        bench_reports(args.dpi[-1] if len(args.dpi) == 1 else 200)


if __name__ == "__main__":
    main()
