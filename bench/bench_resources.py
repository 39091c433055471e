"""Time and memory of one big document: seconds and peak resident memory per size, and the growth per MB.

Synthesises text reports from the sample reports: a report's sections repeated, with every two-decimal amount
nudged per copy (a file holding many reports: each figure stated once per copy, all different), to 0.5, 5, 15
and 50 MB; and sample report 003 with its 一般公共预算项目支出预算表 grown to 100,000 project rows (their amounts
add up to the table's total). Each document is processed in a fresh subprocess (`process_file`: rules +
checker, no LLM); the script prints its seconds, its peak RSS (getrusage of the child) and seconds per MB. The
project table also goes through `budget-extract run` (one worker): seconds and the peak memory of the main
process and of the worker, as the run's summary.json records them.

    python bench/bench_resources.py                              # 0.5 5 15 50 MB and 100,000 rows
    python bench/bench_resources.py --sizes 0.5 5 --rows 20000   # smaller
    python bench/bench_resources.py --code OTHER_CHECKOUT        # the same inputs through another checkout's code

`--timeout` (default 1800 s) stops a document that takes longer; it is printed as "> N s".
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "goldens" / "reports"
AMOUNT = re.compile(r"(?<![\d.])(\d+)\.(\d{2})(?!\d)")
PROJECT_ROWS = re.compile(r"(208\t01\t09\t203101\t[^\t\n]+\t[\d,.]+\n)+")

CHILD = """
import json, resource, sys, time
from pipeline.document import process_file
t0 = time.perf_counter()
result = process_file(sys.argv[1])
seconds = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "rss_mb": rss, "facts": len(result.facts) + len(result.tables),
                  "findings": len(result.findings)}))
"""


def repeated_report(megabytes: float, stem: str = "000") -> str:
    """One sample report's text repeated to the size, each copy with its own figures."""
    source = next(REPORTS.glob(f"{stem}_*.txt")).read_text(encoding="utf-8")
    copies, size, k = [], 0, 0
    while size < megabytes * 1_000_000:
        copy = AMOUNT.sub(lambda m, k=k: f"{m.group(1)}.{(int(m.group(2)) + k) % 100:02d}", source)
        copies.append(copy)
        size += len(copy.encode("utf-8")) + 1
        k += 1
    return "\n".join(copies)


def project_table(rows: int) -> str:
    """Report 003 with its project table holding `rows` projects whose amounts add up to its 50,000.00 元."""
    source = next(REPORTS.glob("003_*.txt")).read_text(encoding="utf-8")
    cents = 5_000_000
    lines = []
    for k in range(rows):
        c = cents // rows + (1 if k < cents % rows else 0)
        lines.append(f"208\t01\t09\t203101\t项目{k:06d}经费\t{c // 100:,}.{c % 100:02d}\n")
    m = PROJECT_ROWS.search(source)
    if m is None:
        sys.exit("report 003 has no project table rows to grow")
    return source[: m.start()] + "".join(lines) + source[m.end() :]


def process_one(path: Path, code: Path, timeout: float) -> dict[str, float] | None:
    """`process_file` in a fresh interpreter running `code`; None when it took longer than `timeout`."""
    command = [sys.executable, "-c", CHILD, str(path)]
    try:
        done = subprocess.run(command, cwd=code, env=_env(code), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        sys.exit(f"{path.name} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def run_one(path: Path, code: Path, work: Path, timeout: float) -> dict[str, float] | None:
    """`budget-extract run` on a folder holding only this file: seconds, peak memory of main process and worker."""
    inputs, out = work / "run-in", work / "run-out"
    shutil.rmtree(inputs, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    inputs.mkdir()
    shutil.copy(path, inputs / path.name)
    command = [sys.executable, "-m", "pipeline.cli", "run", str(inputs), "--out", str(out), "--quiet", "--llm", "none"]
    t0 = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=code, env=_env(code), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        sys.exit(f"run failed ({done.returncode}):\n{done.stderr[-2000:]}")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))["run"]
    return {
        "seconds": time.perf_counter() - t0,
        "main_mb": summary["peak_rss_mb"],
        "worker_mb": summary["worker_peak_rss_mb"],
    }


def _env(code: Path) -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(code), "BUDGET_EXTRACT_LLM": "none"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", type=float, nargs="*", default=[0.5, 5, 15, 50], help="MB of repeated report")
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the project table (0: none)")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose code runs (default: this one)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per document before giving up")
    parser.add_argument("--no-run", action="store_true", help="skip `budget-extract run` on the project table")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-resources-"))
    print(f"code: {args.code.resolve()}")
    try:
        first: tuple[float, float] | None = None
        for mb in args.sizes:
            path = work / f"repeated-{mb:g}mb.txt"
            path.write_text(repeated_report(mb), encoding="utf-8")
            size = path.stat().st_size / 1_000_000
            got = process_one(path, args.code, args.timeout)
            if got is None:
                print(f"{size:6.1f} MB  > {args.timeout:.0f} s")
                continue
            per_mb = got["seconds"] / size
            first = first or (size, per_mb)
            print(
                f"{size:6.1f} MB  {got['seconds']:8.1f} s  {per_mb:6.2f} s/MB ({per_mb / first[1]:.2f}x the first)"
                f"  peak RSS {got['rss_mb']:7.1f} MB  facts {got['facts']:.0f}  findings {got['findings']:.0f}"
            )
        if args.rows:
            path = work / f"projects-{args.rows}.txt"
            path.write_text(project_table(args.rows), encoding="utf-8")
            size = path.stat().st_size / 1_000_000
            got = process_one(path, args.code, args.timeout)
            label = f"{args.rows:,}-row project table ({size:.1f} MB)"
            if got is None:
                print(f"{label}: process_file > {args.timeout:.0f} s")
            else:
                print(
                    f"{label}: process_file {got['seconds']:.1f} s, peak RSS {got['rss_mb']:.1f} MB"
                    f" ({got['rss_mb'] * 1024 / args.rows:.1f} KB a row), facts {got['facts']:.0f}"
                )
            ran = None if args.no_run else run_one(path, args.code, work, args.timeout)
            if ran is not None:
                print(
                    f"{label}: run {ran['seconds']:.1f} s, peak RSS main process {ran['main_mb']:.1f} MB,"
                    f" worker {ran['worker_mb']:.1f} MB"
                )
            elif not args.no_run:
                print(f"{label}: run > {args.timeout:.0f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
