"""Build the review site for many documents and open it in headless Chromium; print the figures.

The documents are copies of the five sample reports' document JSONs (rules only) under varied names
(`00042-000_71be….json`), hard-linked so the copies cost no disk; their input files are the sample reports, so
every page quotes the raw text. Printed: build time and documents per second, peak memory of the build process,
the time of a rebuild with nothing changed, the site's size (total, index.html, index data, the average document
page), and what Chromium shows: the index's rows after every shard loaded, a sort, and a document page's
highlights. `--index-rows N` also writes an index of N rows alone (no document pages) and times Chromium on it.

Run: python bench/bench_review.py [--docs 10000] [--index-rows 100000] [--out DIR] [--shots DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.cli import main as cli  # noqa: E402
from pipeline.review.index import IndexRow, IndexWriter  # noqa: E402
from schemas.document import DocumentResult  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def sample_docs(work: Path) -> list[Path]:
    """The five sample reports' document JSONs, made by the pipeline (rules only)."""
    os.environ["BUDGET_EXTRACT_LLM"] = "none"
    assert cli(["run", str(ROOT / "goldens" / "reports"), "--out", str(work / "samples"), "--quiet"]) == 0
    sys.stdout.flush()
    return sorted((work / "samples" / "docs").glob("*.json"))


def make_copies(samples: list[Path], out: Path, n: int) -> None:
    docs = out / "docs"
    docs.mkdir(parents=True)
    for i in range(n):
        src = samples[i % len(samples)]
        os.link(src, docs / f"{i:06d}-{src.name}")


def build(out: Path) -> dict[str, float]:
    """One build in a child process, so its peak memory is its own."""
    code = (
        "import json, resource, sys, time; sys.path.insert(0, sys.argv[2]);"
        "from pipeline.review import build_site; t, c = time.perf_counter(), time.process_time();"
        "r = build_site(sys.argv[1]);"
        "print(json.dumps({'seconds': time.perf_counter() - t, 'cpu': time.process_time() - c,"
        "'rendered': r.rendered, 'kept': r.kept,"
        "'documents': r.documents, 'rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(out), str(ROOT)], capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout)
    return result


def size(path: Path) -> tuple[int, int]:
    """Bytes and files under a folder."""
    total = files = 0
    for entry in path.rglob("*"):
        if entry.is_file():
            total += entry.stat().st_size
            files += 1
    return total, files


def chromium(url: str, profile: Path, *args: str) -> tuple[str, float]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}", *args, url,
    ]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    return done.stdout, time.perf_counter() - start


def index_rows_shown(dom: str) -> tuple[int, str]:
    """Rows on the index page, and its status line with the page's own timings (ms since navigation; last update)."""
    body = dom.split('<table id="docs">', 1)[1].split("</table>", 1)[0]
    status = re.search(r'id="status"[^>]*>([^<]*)<', dom)
    ready = re.search(r'data-ready-ms="(\d+)"', dom)
    update = re.search(r'data-update-ms="(\d+)"', dom)
    timing = f"; all rows in and shown {ready.group(1)} ms after navigation" if ready else "; rows not loaded"
    timing += f", filter + sort + render {update.group(1)} ms" if update else ""
    return body.count("<tr>") - 1, (status.group(1) if status else "") + timing  # minus the header row


def browse(site: Path, profile: Path, shots: Path | None) -> None:
    if CHROMIUM is None:
        print("chromium: not installed, pages not opened")
        return
    _, blank = chromium("about:blank", profile, "--dump-dom")
    dom, seconds = chromium((site / "index.html").as_uri(), profile, "--dump-dom")
    rows, status = index_rows_shown(dom)
    print(
        f"chromium, index.html: {rows} rows on the first page, status '{status}', {seconds:.1f} s"
        f" (about:blank {blank:.1f} s)"
    )
    dom, seconds = chromium((site / "index.html").as_uri() + "#sort=facts&dir=asc&page=3", profile, "--dump-dom")
    rows, status = index_rows_shown(dom)
    print(f"chromium, index.html#sort=facts&dir=asc&page=3: {rows} rows, status '{status}', {seconds:.1f} s")
    page = min((site / "docs").glob("*.html"))
    dom, seconds = chromium(page.as_uri(), profile, "--dump-dom")
    marks = {css: len(re.findall(f'<mark class="{css}"', dom)) for css in ("fact", "span", "ph")}
    print(f"chromium, docs/{page.name}: highlights {marks}, {seconds:.1f} s")
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
        for name, url, height in (("index", site / "index.html", 900), ("document", page, 1100)):
            chromium(url.as_uri(), profile, f"--window-size=1280,{height}", "--hide-scrollbars",
                     f"--screenshot={shots / f'bench-{name}.png'}")  # fmt: skip
        print(f"screenshots in {shots}")


def index_only(samples: list[Path], out: Path, n: int, profile: Path) -> None:
    """An index of n rows alone: how big it is and how long Chromium takes to load, sort and page it."""
    docs = [(p.stem, DocumentResult.model_validate_json(p.read_text("utf-8"))) for p in samples]
    site = out / "review"
    start = time.perf_counter()
    writer = IndexWriter(site)
    for i in range(n):
        stem, doc = docs[i % len(docs)]
        writer.add(IndexRow.of(f"{i:06d}-{stem}", doc, 0))
    writer.close({})
    shutil.copytree(ROOT / "pipeline" / "review" / "assets", site / "assets")
    seconds = time.perf_counter() - start
    data, shards = size(site / "index")
    print(
        f"index of {n} rows: written in {seconds:.1f} s; index.html {(site / 'index.html').stat().st_size:,} bytes,"
        f" {shards} shards, {data:,} bytes of index data"
    )
    if CHROMIUM is not None:
        _, blank = chromium("about:blank", profile, "--dump-dom")
        for fragment in ("", f"#sort=errors&dir=asc&page={max(1, n // 200)}", "#q=开江&only=placeholders"):
            dom, t = chromium((site / "index.html").as_uri() + fragment, profile, "--dump-dom")
            rows, status = index_rows_shown(dom)
            print(
                f"chromium, {n}-row index{fragment}: {rows} rows, status '{status}', {t:.1f} s (about:blank {blank:.1f} s)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--index-rows", type=int, default=0, help="also time an index of this many rows alone")
    parser.add_argument("--out", help="work folder (default: a temporary folder, removed afterwards)")
    parser.add_argument("--shots", help="write screenshots of the index and a document page here")
    args = parser.parse_args()
    work = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="bench-review-"))
    try:
        samples = sample_docs(work)
        out = work / "site"
        make_copies(samples, out, args.docs)
        first = build(out)
        print(
            f"build, {args.docs} documents: {first['seconds']:.1f} s wall, {first['cpu']:.1f} s CPU"
            f" ({args.docs / first['seconds']:.0f} documents/s), {first['rendered']:.0f} pages rendered,"
            f" peak memory {first['rss_mb']:.0f} MB"
        )
        again = build(out)
        print(
            f"rebuild, nothing changed: {again['seconds']:.1f} s wall, {again['cpu']:.1f} s CPU,"
            f" {again['kept']:.0f} pages kept,"
            f" peak memory {again['rss_mb']:.0f} MB"
        )
        site = out / "review"
        total, files = size(site)
        data, shards = size(site / "index")
        pages, n_pages = size(site / "docs")
        print(
            f"site: {total:,} bytes in {files} files; index.html {(site / 'index.html').stat().st_size:,} bytes;"
            f" index data {data:,} bytes in {shards} shards; document pages {pages / n_pages:,.0f} bytes on average"
        )
        browse(site, work / "profile", Path(args.shots) if args.shots else None)
        if args.index_rows:
            index_only(samples, work / "index-only", args.index_rows, work / "profile")
        print(f"this process: peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    finally:
        if not args.out:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
