"""Time cleaning + segmentation of the five sample reports (issue: under one second in total).

Prints the best of several runs, so a busy machine inflates the figure less. Run: python bench/bench_clean_segment.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.clean import clean  # noqa: E402
from pipeline.segment import segment  # noqa: E402


def main(repeats: int = 7) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "goldens" / "reports").glob("*.txt"))]
    chars = sum(len(t) for t in texts)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for t in texts:
            segment(clean(t))
        best = min(best, time.perf_counter() - start)
    print(
        f"clean+segment: {len(texts)} reports, {chars} chars, best of {repeats}: {best * 1000:.1f} ms total"
        f" ({chars / best / 1e6:.2f} M chars/s)"
    )


if __name__ == "__main__":
    main()
