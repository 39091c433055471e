"""`run --engine ray` against `--engine local` on the same reports: wall time, documents/s, what Ray's start costs,
whether the two datasets are the same rows, and a rerun on the ray engine (everything skipped: Ray not started).

Makes N reports as bench/bench_scale.py does (copies of goldens/reports/*.txt with their figures varied), then runs
`budget-extract run DIR --out OUT --workers W --quiet --llm none` with each engine (the ray engine starts a local
Ray with W CPUs), each run in a process of its own. The first document's commit time (from the manifest) minus
the run's start is the time to the first result; for the ray engine it holds Ray's start and the actors' start.

    python bench/bench_ray.py                  # N = 400, --workers 2
    python bench/bench_ray.py --n 2000 --workers 2
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench_scale import make_reports

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("facts", "findings", "placeholders")


def timed_run(inputs: Path, out: Path, workers: int, engine: str) -> tuple[float, float, dict[str, object]]:
    """Seconds of the whole run, seconds to its first committed document, and its summary."""
    command = [sys.executable, "-m", "pipeline.cli", "run", str(inputs), "--out", str(out), "--engine", engine]
    command += ["--workers", str(workers), "--quiet", "--llm", "none", "--log-every", "100000"]
    t0 = time.time()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.time() - t0
    if done.returncode != 0:
        sys.exit(f"{engine} run failed ({done.returncode}):\n{done.stderr[-2000:]}")
    with sqlite3.connect(out / "manifest.sqlite") as db:
        first = db.execute("SELECT MIN(finished) FROM documents").fetchone()[0]
    summary: dict[str, object] = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return seconds, (first - t0) if first else 0.0, summary


def rows(out: Path) -> dict[str, Counter[str]]:
    """Every dataset row and document JSON of a run, row order aside."""
    found = {k: Counter((out / f"{k}.jsonl").read_text(encoding="utf-8").splitlines()) for k in KINDS}
    found["docs"] = Counter(p.name + p.read_text(encoding="utf-8") for p in (out / "docs").glob("*.json"))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=400, help="reports (default 400)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dir", help="work folder (default: a temp folder, removed at the end)")
    args = parser.parse_args()
    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="bench-ray-"))
    try:
        make_reports(work / "in", args.n)
        print(f"{args.n} reports, --workers {args.workers}, rules only")
        for engine in ("local", "ray"):
            seconds, first, summary = timed_run(work / "in", work / f"out-{engine}", args.workers, engine)
            run = summary["run"]
            assert isinstance(run, dict)
            print(
                f"{engine:>5}: {seconds:6.1f} s, {args.n / seconds:5.1f} documents/s, first document after "
                f"{first:4.1f} s; peak memory main {run['peak_rss_mb']} MB, worker {run['worker_peak_rss_mb']} MB"
            )
        same = rows(work / "out-local") == rows(work / "out-ray")
        print(f"same rows and document JSONs: {same}")
        seconds, _first, summary = timed_run(work / "in", work / "out-ray", args.workers, "ray")
        print(f"rerun, ray engine: {seconds:.1f} s ({summary['skipped']} skipped, {summary['processed']} processed)")
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
