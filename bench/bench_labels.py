"""The LLM's label step on the goldens: facts precision / recall / F1 without and with it, calls, a rerun.

    python bench/bench_labels.py [--set corpus] [--llm local] [--local-model 0.5b] [--cache FILE]

Three passes over the chosen goldens (rules and checker only; the LLM's figure stage is not run, so the figures
measure the label step alone): rules alone; rules with the model classifying every label nobody knows (each
distinct label asked once, answers cached by label); the same again, which must make no call. Prints the three
scores side by side, the calls and tokens of each pass, and the labels the model settled with their concepts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.document import process_raw  # noqa: E402
from pipeline.evaluate import evaluate_folder  # noqa: E402
from pipeline.llm.cache import AnswerCache  # noqa: E402
from pipeline.llm.labels import LabelClassifier  # noqa: E402
from pipeline.llm.setup import LLMOptions, llm_stage  # noqa: E402
from schemas.document import DocumentResult  # noqa: E402


class Recording(LabelClassifier):
    """A classifier that remembers what it settled (for the report)."""

    settled: dict[str, str | None]

    def __call__(self, labels: list[str]) -> dict[str, str | None]:
        answers = super().__call__(labels)
        self.settled.update(answers)
        return answers


def main() -> int:
    """Run the three passes and print the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=["all", "samples", "corpus"], default="corpus")
    ap.add_argument("--llm", choices=["local", "openai"], default="local")
    ap.add_argument("--model")
    ap.add_argument("--local-model", choices=["0.5b", "1.5b"], default="0.5b")
    ap.add_argument("--cache", help="answer cache (default: a fresh temporary file, so the first pass asks)")
    args = ap.parse_args()
    cache_path = Path(args.cache) if args.cache else Path(tempfile.mkdtemp()) / "labels.sqlite"
    rows: list[tuple[str, dict[str, float | int], dict[str, int], float]] = []
    start = time.perf_counter()
    base = evaluate_folder(ROOT / "goldens", processor=process_raw, which=args.set)
    rows.append(("rules", base.groups[args.set if args.set != "all" else "all"].facts, {}, time.perf_counter() - start))
    options = LLMOptions(args.llm, args.model, None, args.local_model, str(cache_path), 2)
    settled: dict[str, str | None] = {}
    with llm_stage(options) as stage:
        assert stage is not None
        for name in ("rules + labels", "rerun (cached)"):
            classifier = Recording(stage.config, AnswerCache(cache_path))
            classifier.settled = settled
            start = time.perf_counter()
            report = evaluate_folder(ROOT / "goldens", processor=partial(_process, labeller=classifier), which=args.set)
            group = report.groups[args.set if args.set != "all" else "all"].facts
            rows.append((name, group, dict(classifier.usage), time.perf_counter() - start))
    print(f"{'pass':<16} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>4} {'fn':>4} {'calls':>6} {'cached':>7} {'s':>7}")
    for name, s, usage, seconds in rows:
        print(
            f"{name:<16} {s['precision']:>6.4f} {s['recall']:>6.4f} {s['f1']:>6.4f} {s['tp']:>5} {s['fp']:>4} {s['fn']:>4} "
            f"{usage.get('calls', 0):>6} {usage.get('cache_hits', 0):>7} {seconds:>7.1f}"
        )
    concept = {k: v for k, v in settled.items() if v is not None}
    print(f"\nlabels asked: {len(settled)}; settled with a concept: {len(concept)}")
    for label, c in sorted(concept.items(), key=lambda kv: kv[1] or ""):
        print(f"  {c:<28} {label}")
    return 0


def _process(raw: object, labeller: LabelClassifier) -> DocumentResult:
    return process_raw(raw, labeller=labeller)  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(main())
