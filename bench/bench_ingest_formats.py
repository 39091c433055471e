"""Time the HTML and .xlsx readers and the whole pipeline on an HTML page against the same report as text.

Inputs are built at run time: the five sample reports as web pages (tables as <table>), one page of the five
reports repeated 20 times, and workbooks of 2,000 and 20,000 formatted rows. Prints the best of several runs.
Run: python bench/bench_ingest_formats.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from make_inputs import large_workbook, report_page  # noqa: E402

from pipeline.document import process_file  # noqa: E402
from pipeline.ingest import read_document  # noqa: E402

REPORTS = sorted((ROOT / "goldens" / "reports").glob("*.txt"))


def best(fn: Callable[[], object], repeats: int) -> float:
    """Fastest of `repeats` runs, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    texts = [p.read_text(encoding="utf-8") for p in REPORTS]
    pages = []
    for p, text in zip(REPORTS, texts, strict=True):
        f = tmp / f"{p.stem}.html"
        f.write_bytes(report_page(text, "gb18030").encode("gb18030"))
        pages.append(f)
    size = sum(f.stat().st_size for f in pages)
    t = best(lambda: [read_document(f) for f in pages], 5)
    print(f"html read: 5 report pages (GB18030), {size / 1e3:.0f} kB: {t * 1000:.0f} ms ({size / t / 1e6:.2f} MB/s)")
    big = tmp / "big.html"
    big.write_bytes(report_page("\n".join(texts * 20), "utf-8").encode("utf-8"))
    t = best(lambda: read_document(big), 3)
    chars = len(read_document(big).text)
    mb = big.stat().st_size / 1e6
    print(f"html read: one page of {mb:.1f} MB ({chars} chars out): {t * 1000:.0f} ms ({mb / t:.2f} MB/s)")
    for rows in (2_000, 20_000):
        book = tmp / f"rows{rows}.xlsx"
        large_workbook(book, rows)
        t = best(lambda book=book: read_document(book), 3)
        print(f"xlsx read: {rows} rows x 6 columns: {t * 1000:.0f} ms ({rows / t:,.0f} rows/s)")
    report = REPORTS[3]
    page = tmp / f"{report.stem}.html"
    t_txt = best(lambda: process_file(report), 3)
    t_html = best(lambda: process_file(page), 3)
    print(f"pipeline (rules + checker) on {report.stem}: .txt {t_txt * 1000:.0f} ms, .html {t_html * 1000:.0f} ms")


if __name__ == "__main__":
    main()
