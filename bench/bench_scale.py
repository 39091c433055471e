"""Archive-scale run: throughput, peak memory at two sizes, and the cost of a rerun that skips everything.

Makes N reports from copies of goldens/reports/*.txt with their figures varied (every amount with decimals gets
its last digits changed by the copy's number, so every copy has its own hash and its own findings), then runs
`budget-extract run DIR --out OUT --workers 2 --quiet --llm none` on the first `--small` of them and on all N,
and once more on all N (everything unchanged: all skipped). Prints documents/s (and per worker core), the peak
resident memory of the main process and of the largest worker (from the run's summary.json, measured with
getrusage), their ratio between the two sizes (flat memory: within 1.5x), and the rerun time as a fraction of the
first run's. First it times `process_raw` alone on the sample reports in this process (CPU time per document, best
of `--rounds` rounds): the pipeline's own cost, without reading, writing, the dataset and the review site.

    python bench/bench_scale.py                 # N = 10,000 and 1,000
    python bench/bench_scale.py --n 500 --small 100 --workers 2
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


def time_process_raw(rounds: int) -> float:
    """CPU seconds per document of `process_raw` on the sample reports (decoded once), best of `rounds`."""
    from pipeline.document import process_raw
    from pipeline.ingest import read_document

    raws = [read_document(p) for p in sorted((ROOT / "goldens" / "reports").glob("*.txt"))]
    for raw in raws:
        process_raw(raw)  # the lexicon and the compiled patterns are loaded once per process
    best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        for raw in raws:
            process_raw(raw)
        best = min(best, time.process_time() - t0)
    return best / len(raws)


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
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the runs (default 2)")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of the process_raw timing (default 10)")
    parser.add_argument("--dir", help="work folder (default: a temp folder, removed at the end)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    per_doc = time_process_raw(args.rounds)
    print(
        f"process_raw alone, sample reports: {1000 * per_doc:.1f} ms CPU per document "
        f"= {1 / per_doc:.1f} documents/s per core"
    )
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
        report(figures, rerun, summary, args.workers)
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)


def report(
    figures: dict[str, tuple[int, float, object, object, object]],
    rerun: float,
    summary: dict[str, object],
    workers: int,
) -> None:
    print(
        f"{'run':>8} {'docs':>7} {'seconds':>9} {'docs/s':>8} {'per core':>9} {'main peak RSS':>14} "
        f"{'worker peak RSS':>16} {'facts':>9}"
    )
    for name, (n, seconds, main_rss, worker_rss, facts) in figures.items():
        print(
            f"{name:>8} {n:>7} {seconds:>9.1f} {n / seconds:>8.1f} {n / seconds / workers:>9.1f} {main_rss!s:>11} MB "
            f"{worker_rss!s:>13} MB {facts!s:>9}"
        )
    print(f"(per core: documents/s divided by the {workers} workers; the main process shares the same cores)")
    (_, _, small_main, small_worker, _), (n, first, large_main, large_worker, _) = figures["small"], figures["large"]
    print(
        f"peak RSS large / small: main {float(large_main) / float(small_main):.2f}x, "  # type: ignore[arg-type]
        f"worker {float(large_worker) / float(small_worker):.2f}x (flat: within 1.5x)"
    )  # type: ignore[arg-type]
    print(f"rerun of {n} documents (skipped {summary['skipped']}): {rerun:.1f} s = {100 * rerun / first:.1f}% "
          "of the first run (target < 5%)")  # fmt: skip


if __name__ == "__main__":
    main()
