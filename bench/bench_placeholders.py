"""Time placeholder detection over the five sample reports and on a 5 MB input (issue: well under one second).

Detection runs on clean text, so cleaning and segmentation are done once outside the timed part (see
bench_clean_segment.py for those). Prints the best of several runs. Run: python bench/bench_placeholders.py
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.document import parse  # noqa: E402
from pipeline.ingest import read_document  # noqa: E402
from pipeline.placeholders import detect, find  # noqa: E402


def best_of(repeats: int, fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(repeats: int = 7) -> None:
    parsed = [parse(read_document(p)) for p in sorted((ROOT / "goldens" / "reports").glob("*.txt"))]
    chars = sum(len(p.clean.text) for p in parsed)
    count = sum(len(detect(p)) for p in parsed)
    t = best_of(repeats, lambda: [detect(p) for p in parsed])
    print(
        f"placeholders: {len(parsed)} reports, {chars} clean chars, {count} placeholders,"
        f" best of {repeats}: {t * 1000:.1f} ms total (detect: find + raw spans + sections)"
    )
    base = "".join(p.clean.text for p in parsed)
    big = (base * (5_000_000 // len(base) + 1))[:5_000_000]
    t_big = best_of(3, lambda: find(big))
    print(
        f"placeholders: 5 MB input ({len(big)} chars, the reports repeated), best of 3: {t_big * 1000:.0f} ms"
        f" ({len(big) / t_big / 1e6:.2f} M chars/s), {len(find(big))} placeholders"
    )
    worst = {"…": "…" * 5_000_000, "（": "（" * 5_000_000, "*": "*" * 5_000_000, "X": "X" * 5_000_000}
    for name, text in worst.items():
        print(f"placeholders: 5 M chars of {name!r}: {best_of(1, lambda text=text: find(text)) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
