"""Archive-scale run: throughput, peak memory at two sizes, and the cost of a rerun that skips everything.

Makes N reports from copies of goldens/reports/*.txt with their figures varied (every amount with decimals gets
its last digits changed by the copy's number, so every copy has its own hash and its own findings), then runs
`budget-extract run DIR --out OUT --workers 2 --quiet --llm none` on the first `--small` of them and on all N,
and once more on all N (everything unchanged: all skipped). Prints documents/s, the peak resident memory of the
main process and of the largest worker (from the run's summary.json, measured with getrusage), their ratio
between the two sizes (flat memory: within 1.5x), and the rerun time as a fraction of the first run's.

    python bench/bench_scale.py                 # N = 10,000 and 1,000
    python bench/bench_scale.py --n 500 --small 100
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
AMOUNT = re.compile(r"(?<![\d.])(\d+)\.(\d{2})(?!\d)")


def vary(text: str, k: int) -> str:
    """The report with every two-decimal amount nudged by the copy number (same shape, other figures)."""

    def nudge(m: re.Match[str]) -> str:
        cents = (int(m.group(2)) + k) % 100
        return f"{m.group(1)}.{cents:02d}"

    return AMOUNT.sub(nudge, text) + f"\n（第{k}份）\n"


def make_reports(folder: Path, n: int) -> None:
    sources = sorted((ROOT / "goldens" / "reports").glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in sources]
    for k in range(n):
        sub = folder / f"{k // 1000:03d}"  # a thousand per folder, as archives are kept
        sub.mkdir(parents=True, exist_ok=True)
        i = k % len(texts)
        (sub / f"{sources[i].stem[:3]}-{k:06d}.txt").write_text(vary(texts[i], k), encoding="utf-8")


def timed_run(inputs: Path, out: Path, workers: int) -> tuple[float, dict[str, object]]:
    command = [sys.executable, "-m", "pipeline.cli", "run", str(inputs), "--out", str(out)]
    command += ["--workers", str(workers), "--quiet", "--llm", "none", "--log-every", "1000"]
    t0 = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"run failed ({done.returncode}):\n{done.stderr[-2000:]}")
    summary: dict[str, object] = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return seconds, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=10_000, help="reports in the large run (default 10,000)")
    parser.add_argument("--small", type=int, default=1_000, help="reports in the small run (default 1,000)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dir", help="work folder (default: a temp folder, removed at the end)")
    args = parser.parse_args()
    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        small_in, large_in = work / "small", work / "large"
        make_reports(small_in, args.small)
        make_reports(large_in, args.n)
        figures = {}
        for name, folder, n in (("small", small_in, args.small), ("large", large_in, args.n)):
            seconds, summary = timed_run(folder, work / f"out-{name}", args.workers)
            run = summary["run"]
            assert isinstance(run, dict)
            figures[name] = (n, seconds, run["peak_rss_mb"], run["worker_peak_rss_mb"], summary["facts"])
        rerun, summary = timed_run(large_in, work / "out-large", args.workers)
        report(figures, rerun, summary)
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)


def report(
    figures: dict[str, tuple[int, float, object, object, object]], rerun: float, summary: dict[str, object]
) -> None:
    print(
        f"{'run':>8} {'docs':>7} {'seconds':>9} {'docs/s':>8} {'main peak RSS':>14} {'worker peak RSS':>16} {'facts':>9}"
    )
    for name, (n, seconds, main_rss, worker_rss, facts) in figures.items():
        print(
            f"{name:>8} {n:>7} {seconds:>9.1f} {n / seconds:>8.1f} {main_rss!s:>11} MB {worker_rss!s:>13} MB {facts!s:>9}"
        )
    (_, _, small_main, small_worker, _), (n, first, large_main, large_worker, _) = figures["small"], figures["large"]
    print(
        f"peak RSS large / small: main {float(large_main) / float(small_main):.2f}x, "  # type: ignore[arg-type]
        f"worker {float(large_worker) / float(small_worker):.2f}x (flat: within 1.5x)"
    )  # type: ignore[arg-type]
    print(f"rerun of {n} documents (skipped {summary['skipped']}): {rerun:.1f} s = {100 * rerun / first:.1f}% "
          "of the first run (target < 5%)")  # fmt: skip


if __name__ == "__main__":
    main()
