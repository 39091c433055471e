"""OCR figures: time per page, numbers read exactly on corpus table pages, facts F1 of rendered sample reports.

    python bench/bench_ocr.py                      # corpus pages at 200 dpi + the two sample reports
    python bench/bench_ocr.py --dpi 150 200 300    # the resolution comparison of the README
    python bench/bench_ocr.py --skip-reports       # pages only
    python bench/bench_ocr.py --scanned            # + whole corpus PDFs as scans (image-only PDFs), facts F1

Corpus pages: each page of a corpus PDF that has a text layer is rendered to an image and OCR'd; every number of
the text layer must be found, exactly, among the numbers of the OCR'd lines (multiset). Numbers read wrongly or
misread are listed with the confidence of their OCR cell, which is how the warning threshold was chosen. Small
print: the same check on the typeset sample report 003's pages whose tables are set in 7.5 pt and 5.5 pt.
Sample reports: the report's text is typeset to PDF (tables as ruled grids), rendered to a multi-page TIFF, read
back through the image reader and processed; its facts are scored against the facts of the text run.
Scanned corpus PDFs (`--scanned`): every page of three corpus PDFs rendered with pdftoppm and saved as an
image-only PDF (what a scanner gives), read back by the PDF reader (which OCRs pages without a text layer) and
scored against the facts of the original PDF's text-layer run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from ocr_support import number_tokens, render_report_tiff, write_report_pdf  # noqa: E402

from pipeline.corpus_goldens import corpus_dir  # noqa: E402
from pipeline.document import process_file, process_raw  # noqa: E402
from pipeline.evaluate import result_key, score_facts  # noqa: E402
from pipeline.ingest import read_document  # noqa: E402
from pipeline.ingest.ocr import LOW_CONFIDENCE, ocr_pdf_page  # noqa: E402
from schemas.document import DocumentResult, Fact  # noqa: E402

CORPUS = corpus_dir()
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
SMALL_PRINT_PAGES = [11, 12, 15]  # 0-based pages of the typeset 003 whose tables are set in 7.5 pt and 5.5 pt


def text_layer(path: Path, index: int) -> str:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return pdf.pages[index].extract_text() or ""


@dataclass
class PageResult:
    """Numbers of one page's text layer against its OCR."""

    page: str
    seconds: float
    cpu: float
    expected: int
    found: int
    missed: list[str]
    wrong: list[tuple[str, float | None]]
    right_conf: list[float]
    wrong_flagged: int
    right_flagged: int


def bench_page(path: Path, index: int, dpi: int) -> PageResult:
    expected = Counter(number_tokens(text_layer(path, index)))
    t0, c0 = time.perf_counter(), time.process_time()
    page = ocr_pdf_page(path, index, dpi / 72)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    cells = [c for line in page.lines for c in line.cells]
    got = Counter(t for c in cells for t in number_tokens(c.text))
    found, missed, wrong = expected & got, expected - got, got - expected
    conf = {t: c.confidence for c in cells for t in number_tokens(c.text)}
    flagged = {t for t, c in conf.items() if c is not None and c < LOW_CONFIDENCE}
    return PageResult(
        page=f"{path.name} p{index + 1}",
        seconds=seconds,
        cpu=cpu,
        expected=sum(expected.values()),
        found=sum(found.values()),
        missed=sorted(missed.elements()),
        wrong=[(t, conf.get(t)) for t in sorted(wrong.elements())],
        right_conf=[c for t in found.elements() if (c := conf.get(t)) is not None],
        wrong_flagged=sum(1 for t in wrong.elements() if t in flagged),
        right_flagged=sum(1 for t in found.elements() if t in flagged),
    )


def bench_corpus(dpis: list[int]) -> None:
    pages = [(CORPUS / name, i) for name, i in PAGES if (CORPUS / name).exists()]
    if not pages:
        print("corpus PDFs not found: skipped")
        return
    for dpi in dpis:
        print_pages(f"corpus table pages at {dpi} dpi", [bench_page(path, i, dpi) for path, i in pages], dpi)


def bench_small_print(dpis: list[int]) -> None:
    """The typeset sample report 003's pages with the smallest type (7.5 pt and 5.5 pt tables) vs its text layer."""
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "003.pdf"
        write_report_pdf((ROOT / "goldens" / "reports" / f"{REPORTS[1]}.txt").read_text(encoding="utf-8"), pdf)
        for dpi in dpis:
            rows = [bench_page(pdf, i, dpi) for i in SMALL_PRINT_PAGES]
            print_pages(f"small print (003 typeset, 7.5 pt and 5.5 pt tables) at {dpi} dpi", rows, dpi)


def print_pages(title: str, rows: list[PageResult], dpi: int) -> None:
    print(f"\n## {title}")
    for r in rows:
        wrong = ", ".join(f"{t} ({c:.3f})" for t, c in r.wrong if c is not None)
        print(
            f"{r.page:<62} {r.seconds:5.1f} s (cpu {r.cpu:5.1f} s)  {r.found}/{r.expected} exact"
            f"  missed {r.missed or '-'}  misread {wrong or '-'}"
        )
    exp, found = sum(r.expected for r in rows), sum(r.found for r in rows)
    secs, cpus = [r.seconds for r in rows], [r.cpu for r in rows]
    right = [c for r in rows for c in r.right_conf]
    print(
        f"{dpi} dpi: numbers exact {found}/{exp} = {found / exp:.4f}; misread {sum(len(r.wrong) for r in rows)} "
        f"({sum(r.wrong_flagged for r in rows)} flagged below {LOW_CONFIDENCE}); right numbers flagged "
        f"{sum(r.right_flagged for r in rows)}/{found}; lowest right confidence {min(right):.3f}; per page wall "
        f"median {statistics.median(secs):.1f} s (max {max(secs):.1f} s), cpu median {statistics.median(cpus):.1f} s "
        f"(max {max(cpus):.1f} s)"
    )


def bench_reports(dpi: int) -> None:
    print(f"\n## sample reports typeset, rendered at {dpi} dpi, OCR'd, facts vs the text run and the PDF's text layer")
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
            # the typeset PDF read through its own text layer: what the page holds without OCR
            layer_facts = {result_key(f) for f in _facts(process_file(tif.with_suffix(".pdf")))}
            layer, _ = score_facts(layer_facts, ocr_facts)
            typeset, _ = score_facts(text_facts, layer_facts)
            print(
                f"{stem}: {pages} pages, wall {seconds:.0f} s ({seconds / pages:.1f} s/page), cpu {cpu:.0f} s "
                f"({cpu / pages:.1f} s/page); facts vs text run "
                f"P {score.precision:.3f} R {score.recall:.3f} F1 {score.f1:.3f} "
                f"({score.tp}/{score.fp}/{score.fn}); vs the typeset PDF's text-layer run F1 {layer.f1:.3f} "
                f"({layer.tp}/{layer.fp}/{layer.fn}) (that run vs the text run F1 {typeset.f1:.3f}); "
                f"low-confidence warnings {warnings}"
            )
            for key in sorted(ocr_facts - text_facts)[:10]:
                print("   only OCR:", key)
            for key in sorted(text_facts - ocr_facts)[:10]:
                print("   only text:", key)


SCANNED = (
    "jiangsu-zhengxie-bangongting-2019-yusuan-biao.pdf",  # Jiangsu, tables only, 12 pages
    "jiangsu-shengwei-bangongting-2018-bumen-yusuan-biao.pdf",  # Jiangsu, tables only, 15 pages
    "putuo-shangwuwei-2025-danwei-yusuan.pdf",  # Shanghai, tables and narrative, 22 pages
)


def scan_of(pdf: Path, out: Path, dpi: int) -> Path:
    """An image-only PDF of `pdf`: each page rendered by pdftoppm, the images saved as one PDF."""
    import subprocess

    from PIL import Image

    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), str(out / "p")], check=True)
    pages = [Image.open(p) for p in sorted(out.glob("p-*.png"))]
    target = out / f"{pdf.stem}-scan.pdf"
    pages[0].save(target, save_all=True, append_images=pages[1:], resolution=dpi)
    return target


def bench_scanned(dpi: int) -> None:
    print(f"\n## corpus PDFs as scans (image-only PDF at {dpi} dpi), OCR'd, facts vs the text-layer run")
    for name in SCANNED:
        pdf = CORPUS / name
        text_facts = {result_key(f) for f in _facts(process_file(pdf))}
        with tempfile.TemporaryDirectory() as tmp:
            scan = scan_of(pdf, Path(tmp), dpi)
            t0, c0 = time.perf_counter(), time.process_time()
            result = process_file(scan)
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        ocr_facts = {result_key(f) for f in _facts(result)}
        score, _ = score_facts(text_facts, ocr_facts)
        pages = len(result.layout.pages) if result.layout else 0
        print(
            f"{name}: {pages} pages OCR'd, wall {seconds:.0f} s, cpu {cpu:.0f} s ({cpu / max(pages, 1):.1f} s/page); "
            f"facts vs text run P {score.precision:.3f} R {score.recall:.3f} F1 {score.f1:.3f} "
            f"({score.tp}/{score.fp}/{score.fn}); warnings {len(result.warnings)}",
            flush=True,
        )
        for key in sorted(ocr_facts - text_facts)[:8]:
            print("   only OCR:", key)
        for key in sorted(text_facts - ocr_facts)[:8]:
            print("   only text:", key)


def _facts(result: DocumentResult) -> list[Fact]:
    return [*result.facts, *result.tables]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dpi", type=int, nargs="+", default=[200])
    ap.add_argument("--skip-reports", action="store_true")
    ap.add_argument("--skip-corpus", action="store_true")
    ap.add_argument("--skip-small-print", action="store_true")
    ap.add_argument("--scanned", action="store_true", help="also OCR three whole corpus PDFs rendered as scans")
    args = ap.parse_args()
    if not args.skip_corpus:
        bench_corpus(args.dpi)
    if not args.skip_small_print:
        bench_small_print(args.dpi)
    if not args.skip_reports:
        bench_reports(args.dpi[-1] if len(args.dpi) == 1 else 200)
    if args.scanned:
        bench_scanned(args.dpi[-1] if len(args.dpi) == 1 else 200)


if __name__ == "__main__":
    main()
