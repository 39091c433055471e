"""LLM extraction on the sample goldens: per-report calls, tokens and wall time, and what the LLM adds.

Prints rules-only micro-F1 vs rules + LLM micro-F1, the share of golden items the rules miss that the LLM
recovers (vocabulary facts alone, and facts plus indicators), a model-free baseline (the listed figures named
by the code's own hints, to show what the model's names add), how many LLM facts were accepted without grounding
(must be 0), and a rerun with the same cache (must make 0 calls). Figures are printed, never asserted.

    python bench/bench_llm.py                       # embedded 0.5B model (make install-local)
    python bench/bench_llm.py --local-model 1.5b
    python bench/bench_llm.py --llm openai --model NAME
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.document import process_raw  # noqa: E402
from pipeline.evaluate import EvalReport, evaluate_folder  # noqa: E402
from pipeline.ingest import RawDocument  # noqa: E402
from pipeline.llm import backends  # noqa: E402
from pipeline.llm.backends import Answer, BackendConfig, FakeBackend, Request  # noqa: E402
from pipeline.llm.setup import LLMOptions, llm_stage  # noqa: E402
from pipeline.llm.stage import LLMStage  # noqa: E402
from pipeline.numbers import parse_number  # noqa: E402
from pipeline.stages import Stage  # noqa: E402
from schemas.document import DocumentResult  # noqa: E402
from schemas.llm import FigureName, IndicatorNames  # noqa: E402

GOLDENS = ROOT / "goldens"


def timed(stage: Stage | None, rows: dict[str, dict[str, float]]) -> Callable[[RawDocument], DocumentResult]:
    """A processor for `evaluate_folder` that records wall time, LLM usage and grounding violations per report."""

    def process(raw: RawDocument) -> DocumentResult:
        t0 = time.perf_counter()
        result = process_raw(raw, llm=stage)
        llm_facts = [f for f in [*result.facts, *result.tables, *result.indicators] if f.extractor == "llm"]
        row: dict[str, float] = {"wall_s": round(time.perf_counter() - t0, 1), **result.llm}
        row["llm_facts"] = len(llm_facts)
        row["ungrounded_accepted"] = sum(not _grounded(raw.text, f.span, f.value) for f in llm_facts)
        row["errors"] = len(result.errors)
        rows[Path(raw.path).stem[:3]] = row
        return result

    return process


def _grounded(text: str, span: tuple[int, int], value: str) -> bool:
    try:
        return parse_number(text[span[0] : span[1]]).text == value
    except ValueError:
        return False


def hint_names(request: Request) -> Answer:
    """A model-free baseline: every listed figure named by the code's own hint (the words before it)."""
    if request.response_model is not IndicatorNames:
        return Answer(request.response_model(), 0, 0, 0)
    block = request.user.split("Figures found in the text", 1)[1].split("\n\n", 1)[0]
    labels = []
    for line in block.split("\n")[1:]:
        figure, _, hint = line.split(". ", 1)[1].partition(" — ")
        labels.append(FigureName(figure=figure, label=hint))
    return Answer(IndicatorNames(labels=labels), 0, 0, 0)


def missed(report: EvalReport) -> set[str]:
    """Golden facts (keys) the run did not produce, over all reports."""
    return {f"{d.report}|{k}" for d in report.documents for k in d.missed_facts}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--llm", default="local", choices=["local", "openai"])
    ap.add_argument("--model")
    ap.add_argument("--model-path")
    ap.add_argument("--local-model", default="0.5b", choices=["0.5b", "1.5b"])
    ap.add_argument("--cache", help="answer cache (default: a fresh temporary one, so calls are measured)")
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    rules = evaluate_folder(GOLDENS, processor=timed(None, {}))
    backends.register("hints", lambda config: FakeBackend(hint_names))
    hints = evaluate_folder(GOLDENS, processor=timed(LLMStage(BackendConfig("hints", "hints")), {}))
    with tempfile.TemporaryDirectory() as tmp:
        options = LLMOptions(
            args.llm,
            args.model,
            args.model_path,
            args.local_model,
            args.cache or str(Path(tmp) / "cache.sqlite"),
            args.concurrency,
        )
        first: dict[str, dict[str, float]] = {}
        rerun: dict[str, dict[str, float]] = {}
        t0 = time.perf_counter()
        with llm_stage(options) as stage:
            start_s = time.perf_counter() - t0
            with_llm = evaluate_folder(GOLDENS, processor=timed(stage, first))
            evaluate_folder(GOLDENS, processor=timed(stage, rerun))
    miss_rules, miss_llm = missed(rules), missed(with_llm)
    recovered = miss_rules - miss_llm
    figures = {
        "backend": args.llm if args.llm != "local" else f"local {args.model_path or args.local_model}",
        "server_start_s": round(start_s, 1),
        "per_report": first,
        "rules_micro": rules.facts_micro,
        "rules_llm_micro": with_llm.facts_micro,
        "rules_indicators": rules.indicators,
        "rules_llm_indicators": with_llm.indicators,
        "rules_hint_names_indicators": hints.indicators,
        "findings_rules": f"{rules.findings_matched}/{rules.findings_expected}, false alarms {rules.false_alarms}",
        "findings_rules_llm": f"{with_llm.findings_matched}/{with_llm.findings_expected}, "
        f"false alarms {with_llm.false_alarms}",
        "golden_facts_missed_by_rules": len(miss_rules),
        "recovered_by_llm": len(recovered),
        "recovered_share": round(len(recovered) / len(miss_rules), 4) if miss_rules else None,
        "newly_missed_with_llm": sorted(miss_llm - miss_rules),
        "golden_items_missed_by_rules": with_llm.missed_by_rules,
        "items_recovered_by_llm": with_llm.recovered_by_llm,
        "items_recovered_share": (
            round(with_llm.recovered_by_llm / with_llm.missed_by_rules, 4) if with_llm.missed_by_rules else None
        ),
        "ungrounded_accepted": sum(int(r.get("ungrounded_accepted", 0)) for r in first.values()),
        "ungrounded_rejected": sum(int(r.get("ungrounded", 0)) for r in first.values()),
        "rerun_calls": sum(int(r.get("calls", 0)) for r in rerun.values()),
        "rerun_cache_hits": sum(int(r.get("cache_hits", 0)) for r in rerun.values()),
    }
    print(json.dumps(figures, ensure_ascii=False, indent=1) if args.json else render(figures))
    return 0


def render(f: dict[str, object]) -> str:
    """The figures as a terminal table."""
    lines = [
        f"backend: {f['backend']} (server start {f['server_start_s']} s)",
        "",
        f"{'report':<8}{'calls':>7}{'tok in':>9}{'tok out':>9}{'cached':>8}{'chunks':>8}{'skipped':>9}"
        f"{'added':>7}{'rejected':>10}{'errors':>8}{'wall s':>8}",
    ]
    per = f["per_report"]
    assert isinstance(per, dict)
    for name, r in per.items():
        lines.append(
            f"{name:<8}{r.get('calls', 0):>7}{r.get('tokens_in', 0):>9}{r.get('tokens_out', 0):>9}"
            f"{r.get('cache_hits', 0):>8}{r.get('chunks', 0):>8}{r.get('skipped_chunks', 0):>9}"
            f"{r.get('added', 0):>7}{r.get('ungrounded', 0):>10}{r.get('errors', 0):>8}{r['wall_s']:>8}"
        )
    rm, lm = f["rules_micro"], f["rules_llm_micro"]
    assert isinstance(rm, dict) and isinstance(lm, dict)
    lines += [
        "",
        f"micro-F1 rules only   {rm['f1']:.4f}  (P {rm['precision']:.4f} R {rm['recall']:.4f}, "
        f"tp/fp/fn {rm['tp']}/{rm['fp']}/{rm['fn']})",
        f"micro-F1 rules + LLM  {lm['f1']:.4f}  (P {lm['precision']:.4f} R {lm['recall']:.4f}, "
        f"tp/fp/fn {lm['tp']}/{lm['fp']}/{lm['fn']})",
        f"indicators rules only   {_score(f['rules_indicators'])}",
        f"indicators rules + LLM  {_score(f['rules_llm_indicators'])}",
        f"indicators rules + figure list named by the code's hints, no model (baseline)  "
        f"{_score(f['rules_hint_names_indicators'])}",
        f"golden vocabulary facts the rules miss: {f['golden_facts_missed_by_rules']}; recovered by the LLM: "
        f"{f['recovered_by_llm']} (share {f['recovered_share']})",
        f"expected findings reported: rules only {f['findings_rules']}; rules + LLM {f['findings_rules_llm']}",
        f"golden items (facts + indicators) the rules miss: {f['golden_items_missed_by_rules']}; supplied by the "
        f"LLM: {f['items_recovered_by_llm']} (share {f['items_recovered_share']})",
        f"ungrounded answers rejected: {f['ungrounded_rejected']}; ungrounded facts accepted: {f['ungrounded_accepted']}",
        f"rerun with the same cache: {f['rerun_calls']} calls, {f['rerun_cache_hits']} cache hits",
    ]
    return "\n".join(lines)


def _score(s: object) -> str:
    if not isinstance(s, dict) or "f1" not in s:
        return "(no indicator goldens)"
    return f"F1 {s['f1']:.4f}  (P {s['precision']:.4f} R {s['recall']:.4f}, tp/fp/fn {s['tp']}/{s['fp']}/{s['fn']})"


if __name__ == "__main__":
    sys.exit(main())
