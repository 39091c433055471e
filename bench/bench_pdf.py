"""PDF reading time against `pdftotext -layout` on the same files, side by side in one run; OCR time per page.

    python bench/bench_pdf.py [--corpus DIR] [--repeat N] [--ocr-pages N]

For each corpus PDF: the best of N runs of our reader (text layer, ruled and aligned tables as grids) and of
poppler's `pdftotext -layout` (text only), and their ratio; then the totals (target: ours ≤ 5× pdftotext).
With --ocr-pages, OCR time per page on that many rendered corpus pages (needs the ocr extra).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.corpus_goldens import corpus_dir  # noqa: E402
from pipeline.ingest.pdf import read_pdf  # noqa: E402


def best(run: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=corpus_dir())
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--ocr-pages", type=int, default=0)
    args = ap.parse_args()
    exe = shutil.which("pdftotext")
    if exe is None:
        sys.exit("pdftotext not found: install poppler-utils")
    files = sorted(args.corpus.glob("*.pdf"))
    total_ours = total_theirs = 0.0
    pages = tables = 0
    print(f"{'file':52} {'pages':>5} {'tables':>6} {'ours s':>8} {'pdftotext s':>11} {'ratio':>6}")
    for f in files:
        read = read_pdf(f)
        ours = best(lambda f=f: read_pdf(f), args.repeat)
        theirs = best(
            lambda f=f: subprocess.run([exe, "-layout", str(f), "-"], capture_output=True, check=True), args.repeat
        )
        n_tables = len(read.layout.tables) if read.layout else 0
        total_ours, total_theirs = total_ours + ours, total_theirs + theirs
        pages, tables = pages + (read.pages or 0), tables + n_tables
        print(f"{f.name[:52]:52} {read.pages:>5} {n_tables:>6} {ours:>8.3f} {theirs:>11.3f} {ours / theirs:>6.2f}")
    print(
        f"{'TOTAL':52} {pages:>5} {tables:>6} {total_ours:>8.3f} {total_theirs:>11.3f} {total_ours / total_theirs:>6.2f}"
        f"   ({1000 * total_ours / pages:.1f} ms/page ours, {1000 * total_theirs / pages:.1f} ms/page pdftotext)"
    )
    if args.ocr_pages:
        ocr_bench(files, args.ocr_pages)


def ocr_bench(files: list[Path], n: int) -> None:
    try:
        from pipeline.ingest.ocr import ocr_pdf_page
    except ImportError as e:  # the ocr extra is not installed
        print(f"OCR: not installed ({e})")
        return
    done, spent = 0, 0.0
    for f in files:
        if done >= n:
            break
        t = time.perf_counter()
        ocr_pdf_page(f, 0)
        spent += time.perf_counter() - t
        done += 1
    print(f"OCR: {done} pages, {spent / max(done, 1):.2f} s/page")


if __name__ == "__main__":
    main()
