"""LLM extraction speed and accuracy: the five sample reports and five corpus PDFs through the embedded model.

Each report goes through what `run --llm local` does: the label step (labels the lexicon does not know), then the
LLM stage. Per report: LLM calls, prompt and completion tokens, the tokens of document text the prompts carried, the
prompt-eval and generation rates the llama.cpp server reports (its per-request timings in its log), the prompt
tokens it evaluated (the rest came from its prompt cache), answer-cache hits and wall seconds. In total: the
ratio of prompt tokens sent to document tokens sent, the median seconds per report, the server's peak RSS and
its settings. Accuracy next to it: rules-only vs rules + LLM micro-F1 of the vocabulary facts per group,
indicators, findings, ungrounded answers (accepted must be 0), a model-free baseline (the listed figures named
by the code's own hints) and a rerun with the same cache (must make 0 calls). Figures are printed, never asserted.

    python bench/bench_llm.py                          # embedded 0.5B model (make install-local)
    python bench/bench_llm.py --local-model 1.5b
    python bench/bench_llm.py --set samples            # the five sample reports only (or --set corpus)
    python bench/bench_llm.py --save before.json       # keep the figures ...
    python bench/bench_llm.py --baseline before.json   # ... and print them next to a later run's

Corpus PDFs are scored when `--goldens` has their folders under corpus/; without them they are timed only.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.document import process_raw  # noqa: E402
from pipeline.errors import LLMError  # noqa: E402
from pipeline.evaluate import EvalReport, evaluate_folder  # noqa: E402
from pipeline.ingest import RawDocument, read_document  # noqa: E402
from pipeline.llm import backends  # noqa: E402
from pipeline.llm.backends import Answer, Backend, BackendConfig, FakeBackend, Request  # noqa: E402
from pipeline.llm.labels import LabelClassifier  # noqa: E402
from pipeline.llm.local import ServerInfo  # noqa: E402
from pipeline.llm.setup import LLMOptions, llm_stage  # noqa: E402
from pipeline.llm.stage import LLMStage  # noqa: E402
from pipeline.numbers import parse_number  # noqa: E402
from pipeline.stages import Stage  # noqa: E402
from schemas.document import DocumentResult  # noqa: E402
from schemas.llm import FigureName, IndicatorNames  # noqa: E402

CORPUS_PDFS = (
    "jiangsu-gaoyuan-2019-bumen-yusuan",
    "putuo-shangwuwei-2025-bumen-yusuan",
    "jiangsu-shengwei-bangongting-2018-bumen-yusuan-wenjian",
    "putuo-wanli-jiedao-2024-bumen-yusuan",
    "jiangsu-zhengxie-bangongting-2019-bumen-yusuan",
)
PROMPT_EVAL = re.compile(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens")
GEN_EVAL = re.compile(r"^\S*\s+eval time =\s*([\d.]+) ms /\s*(\d+) runs", re.M)
PREFIX_HIT = re.compile(r"(\d+) prefix-match hit")


@dataclass
class Meter:
    """Document tokens of every request sent (tokenized with the model's own vocabulary), per report."""

    count: Callable[[str], int]
    doc_tokens: int = 0

    def add(self, text: str, attempts: int) -> None:
        self.doc_tokens += self.count(text) * max(1, attempts)


@dataclass
class MeasuredBackend:
    """The real backend, counting the document tokens each request carries (re-asks resend them)."""

    inner: Backend
    meter: Meter

    async def complete(self, request: Request) -> Answer:
        try:
            answer = await self.inner.complete(request)
        except LLMError as e:
            self.meter.add(request.text, e.attempts)
            raise
        self.meter.add(request.text, answer.calls)
        return answer


@dataclass
class ServerLog:
    """Reads the llama.cpp server's per-request timings from its log, from where the last read stopped."""

    path: Path
    offset: int = 0

    def read(self) -> dict[str, float]:
        with self.path.open("rb") as f:
            f.seek(self.offset)
            text = f.read().decode("utf-8", "replace")
            self.offset = f.tell()
        prompt = [(float(ms), int(n)) for ms, n in PROMPT_EVAL.findall(text)]
        gen = [(float(ms), int(n)) for ms, n in GEN_EVAL.findall(text)]
        p_ms, p_n = sum(ms for ms, _ in prompt), sum(n for _, n in prompt)
        g_ms, g_n = sum(ms for ms, _ in gen), sum(n for _, n in gen)
        return {
            "prompt_eval_tokens": p_n,
            "prompt_eval_tps": round(p_n / p_ms * 1000, 1) if p_ms else 0.0,
            "gen_tps": round(g_n / g_ms * 1000, 1) if g_ms else 0.0,
            "prefix_reused": sum(int(n) for n in PREFIX_HIT.findall(text)),
        }


def peak_rss_mb(pid: int) -> float:
    """Peak resident set size (VmHWM) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


@dataclass
class Recorder:
    """A processor for `evaluate_folder` that records wall time, usage, server timings and grounding per report."""

    stage: Stage | None
    meter: Meter | None = None
    log: ServerLog | None = None
    rows: dict[str, dict[str, float]] = field(default_factory=dict)
    labeller: LabelClassifier | None = None  # the label step, as `run` has it

    def __call__(self, raw: RawDocument) -> DocumentResult:
        if self.meter is not None:
            self.meter.doc_tokens = 0
        if self.log is not None:
            self.log.read()
        asked = dict(self.labeller.usage) if self.labeller is not None else {}
        t0 = time.perf_counter()
        result = process_raw(raw, llm=self.stage, labeller=self.labeller)
        llm_facts = [f for f in [*result.facts, *result.tables, *result.indicators] if f.extractor == "llm"]
        row: dict[str, float] = {"wall_s": round(time.perf_counter() - t0, 1), **result.llm}
        row["llm_facts"] = len(llm_facts)
        row["ungrounded_accepted"] = sum(not _grounded(raw.text, f.span, f.value) for f in llm_facts)
        row["errors"] = len(result.errors)
        if self.labeller is not None:  # the label step's own calls (not in the document's usage)
            for key in ("calls", "tokens_in", "tokens_out", "not_asked", "cache_hits"):
                row[f"label_{key}"] = self.labeller.usage.get(key, 0) - asked.get(key, 0)
        if self.meter is not None:
            row["doc_tokens"] = self.meter.doc_tokens
        if self.log is not None:
            row.update(self.log.read())
        self.rows[_name(raw.path)] = row
        if self.meter is not None:  # the measured run: show each report as it is done
            print(f"{_name(raw.path)}: {json.dumps(row, ensure_ascii=False)}", file=sys.stderr, flush=True)
        return result


def _name(path: str) -> str:
    stem = Path(path).stem
    return stem[:3] if stem[:3].isdigit() else stem


def _grounded(text: str, span: tuple[int, int], value: str) -> bool:
    try:
        return parse_number(text[span[0] : span[1]]).text == value
    except ValueError:
        return False


def hint_names(request: Request) -> Answer:
    """A model-free baseline: every listed figure named by the code's own hint (the words before it)."""
    if request.response_model is not IndicatorNames:
        return Answer(request.response_model(), 0, 0, 0)
    # the figure list's heading: "Figures (number. figure — ...)" since money.v2 / indicators.v3, before that
    # "Figures found in the text (...)"
    block = re.split(r"\nFigures (?:\(|found in the text)", request.user, maxsplit=1)[1].split("\n\n", 1)[0]
    labels = []
    for line in block.split("\n")[1:]:
        figure, _, hint = line.split(". ", 1)[1].partition(" — ")
        labels.append(FigureName(figure=figure, label=hint))
    return Answer(IndicatorNames(labels=labels), 0, 0, 0)


def goldens_root(goldens: Path, tmp: Path, which: str) -> tuple[Path, list[str]]:
    """A goldens folder with the samples and the selected corpus PDFs that have goldens; the others by name."""
    root = tmp / "goldens"
    (root / "corpus").mkdir(parents=True)
    (root / "expected").symlink_to((goldens / "expected").resolve())
    (root / "reports").mkdir()
    for report in (goldens / "reports").glob("*.txt") if which != "corpus" else ():
        (root / "reports" / report.name).symlink_to(report.resolve())
    untimed = []
    for stem in CORPUS_PDFS if which != "samples" else ():
        folder = goldens / "corpus" / stem
        if (folder / "meta.yaml").exists():
            (root / "corpus" / stem).symlink_to(folder.resolve())
        else:
            untimed.append(stem)
    return root, untimed


def missed(report: EvalReport) -> set[str]:
    """Golden facts (keys) the run did not produce, over all reports."""
    return {f"{d.report}|{k}" for d in report.documents for k in d.missed_facts}


def tokenizer(path: Path) -> Callable[[str], int]:
    """Token counts with the model's own vocabulary (loads the vocabulary only)."""
    from llama_cpp import Llama

    vocab = Llama(str(path), vocab_only=True, verbose=False)
    return lambda text: len(vocab.tokenize(text.encode("utf-8"), add_bos=False, special=False)) if text else 0


def measure(args: argparse.Namespace, root: Path, extra: list[str], cache: str) -> dict[str, Any]:
    """Run the LLM pipeline once (fresh cache) and again (same cache); the figures of both."""
    options = LLMOptions("local", None, args.model_path, args.local_model, cache, args.concurrency)
    t0 = time.perf_counter()
    with llm_stage(options) as stage:
        assert isinstance(stage, LLMStage) and stage.server is not None
        start_s = time.perf_counter() - t0
        server: ServerInfo = stage.server
        meter = Meter(tokenizer(Path(args.model_path) if args.model_path else _model_file(args.local_model)))
        backends.register("measured", lambda config: MeasuredBackend(backends.create(_unmeasured(config)), meter))
        measured = LLMStage(**{**stage.__dict__, "config": _measured(stage.config)})
        labeller = LabelClassifier(measured.config, measured.cache)
        first = Recorder(measured, meter, ServerLog(server.log_path), labeller=labeller)
        t1 = time.perf_counter()
        report = evaluate_folder(root, processor=first)
        for stem in extra:
            first(read_document(ROOT.parent / "shared" / "corpus" / "pdf" / f"{stem}.pdf"))
        total_s = time.perf_counter() - t1
        rerun = Recorder(stage, labeller=LabelClassifier(stage.config, stage.cache))
        evaluate_folder(root, processor=rerun)
        rss = peak_rss_mb(server.pid)
    return {
        "server_start_s": round(start_s, 1),
        "total_s": round(total_s, 1),
        "server_peak_rss_mb": rss,
        "server_settings": server.settings.usage(),
        "per_report": first.rows,
        "report": report,
        "rerun_calls": sum(int(r.get("calls", 0)) + int(r.get("label_calls", 0)) for r in rerun.rows.values()),
        "rerun_cache_hits": sum(int(r.get("cache_hits", 0)) for r in rerun.rows.values()),
    }


def _model_file(size: str) -> Path:
    from pipeline.llm.local import assemble

    return assemble(size)


def _measured(config: BackendConfig) -> BackendConfig:
    return BackendConfig("measured", config.model, config.base_url, config.api_key, config.concurrency, config.timeout)


def _unmeasured(config: BackendConfig) -> BackendConfig:
    return BackendConfig("local", config.model, config.base_url, config.api_key, config.concurrency, config.timeout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-path")
    ap.add_argument("--local-model", default="0.5b", choices=["0.5b", "1.5b"])
    ap.add_argument("--goldens", default=str(ROOT / "goldens"), help="goldens folder (corpus goldens under corpus/)")
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--set", default="all", choices=["all", "samples", "corpus"], help="which reports to run")
    ap.add_argument("--save", help="write the figures as JSON to this file")
    ap.add_argument("--baseline", help="figures saved by an earlier run (--save), printed next to this run's")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root, extra = goldens_root(Path(args.goldens), Path(tmp), args.set)
        rules = evaluate_folder(root, processor=Recorder(None))
        backends.register("hints", lambda config: FakeBackend(hint_names))
        hints = evaluate_folder(root, processor=Recorder(LLMStage(BackendConfig("hints", "hints"))))
        run = measure(args, root, extra, str(Path(tmp) / "cache.sqlite"))
    figures = summarise(args, run, rules, hints)
    if args.save:
        Path(args.save).write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    before = json.loads(Path(args.baseline).read_text(encoding="utf-8")) if args.baseline else None
    print(json.dumps(figures, ensure_ascii=False, indent=1) if args.json else render(figures, before))
    return 0


def summarise(args: argparse.Namespace, run: dict[str, Any], rules: EvalReport, hints: EvalReport) -> dict[str, Any]:
    """Every figure of a run, as plain JSON."""
    report: EvalReport = run["report"]
    per: dict[str, dict[str, float]] = run["per_report"]
    sent = sum(r.get("tokens_in", 0) for r in per.values())
    evaluated = sum(r.get("prompt_eval_tokens", 0) for r in per.values())
    doc = sum(r.get("doc_tokens", 0) for r in per.values())
    recovered = missed(rules) - missed(report)
    return {
        "backend": f"local {args.model_path or args.local_model}",
        **{k: v for k, v in run.items() if k not in ("report", "per_report")},
        "per_report": per,
        "median_wall_s": statistics.median(r["wall_s"] for r in per.values()) if per else None,
        "prompt_tokens_sent": sent,
        "prompt_tokens_evaluated": evaluated,
        "doc_tokens_sent": doc,
        "sent_per_doc_token": round(sent / doc, 3) if doc else None,
        "evaluated_per_doc_token": round(evaluated / doc, 3) if doc else None,
        "groups_rules": {g: s.model_dump() for g, s in rules.groups.items()},
        "groups_llm": {g: s.model_dump() for g, s in report.groups.items()},
        "rules_micro": rules.facts_micro,
        "rules_llm_micro": report.facts_micro,
        "rules_indicators": rules.indicators,
        "rules_llm_indicators": report.indicators,
        "rules_hint_names_indicators": hints.indicators,
        "findings_rules": f"{rules.findings_matched}/{rules.findings_expected}, false alarms {rules.false_alarms}",
        "findings_rules_llm": f"{report.findings_matched}/{report.findings_expected}, "
        f"false alarms {report.false_alarms}",
        "golden_facts_missed_by_rules": len(missed(rules)),
        "recovered_by_llm": len(recovered),
        "newly_missed_with_llm": sorted(missed(report) - missed(rules)),
        "golden_items_missed_by_rules": report.missed_by_rules,
        "items_recovered_by_llm": report.recovered_by_llm,
        "ungrounded_accepted": sum(int(r.get("ungrounded_accepted", 0)) for r in per.values()),
        "ungrounded_rejected": sum(int(r.get("ungrounded", 0)) for r in per.values()),
    }


COLUMNS = (
    ("calls", "calls"),
    ("label calls", "label_calls"),
    ("tok in", "tokens_in"),
    ("tok out", "tokens_out"),
    ("doc tok", "doc_tokens"),
    ("evald", "prompt_eval_tokens"),
    ("pp t/s", "prompt_eval_tps"),
    ("tg t/s", "gen_tps"),
    ("cached", "cache_hits"),
    ("added", "added"),
    ("rejected", "ungrounded"),
    ("errors", "errors"),
    ("wall s", "wall_s"),
)


def render(f: dict[str, Any], before: dict[str, Any] | None = None) -> str:
    """The figures as terminal tables; with a baseline, each cell as `before → now`."""
    b = before or {}
    lines = [f"backend: {f['backend']}; server {f['server_settings']}; start {f['server_start_s']} s", ""]
    lines.append(f"{'report':<28}" + "".join(f"{h:>16}" for h, _ in COLUMNS))
    for name, r in f["per_report"].items():
        old = b.get("per_report", {}).get(name, {})
        lines.append(f"{name[:27]:<28}" + "".join(f"{_pair(old.get(k), r.get(k, 0)):>16}" for _, k in COLUMNS))
    lines.append("")
    for label, key in (
        ("median seconds per report", "median_wall_s"),
        ("total seconds (first run)", "total_s"),
        ("prompt tokens sent / document tokens sent", "sent_per_doc_token"),
        ("prompt tokens evaluated / document tokens sent", "evaluated_per_doc_token"),
        ("prompt tokens sent", "prompt_tokens_sent"),
        ("prompt tokens evaluated by the server", "prompt_tokens_evaluated"),
        ("document tokens sent", "doc_tokens_sent"),
        ("server peak RSS MB", "server_peak_rss_mb"),
        ("ungrounded answers rejected", "ungrounded_rejected"),
        ("ungrounded facts accepted", "ungrounded_accepted"),
        ("golden items the rules miss / supplied by the LLM", "items_recovered_by_llm"),
        ("expected findings, rules + LLM", "findings_rules_llm"),
        ("rerun with the same cache: calls", "rerun_calls"),
        ("rerun with the same cache: cache hits", "rerun_cache_hits"),
    ):
        lines.append(f"{label:<50}{_pair(b.get(key), f.get(key)):>24}")
    lines.append(f"golden items the rules miss: {f['golden_items_missed_by_rules']}")
    lines.append(f"expected findings, rules only: {f['findings_rules']}")
    lines.append("")
    for group, score in f["groups_llm"].items():
        rules = f["groups_rules"].get(group, {}).get("facts", {})
        old = b.get("groups_llm", {}).get(group, {}).get("facts", {})
        lines.append(
            f"facts micro-F1 {group:<24} rules only {_f1(rules)}   rules + LLM {_pair(_f1(old) if old else None, _f1(score.get('facts', {})))}"
        )
    lines += [
        f"indicators rules + LLM   {_pair(_score(b['rules_llm_indicators']) if b else None, _score(f['rules_llm_indicators']))}",
        f"indicators named by the code's hints, no model (baseline)  {_score(f['rules_hint_names_indicators'])}",
    ]
    return "\n".join(lines)


def _pair(old: object, new: object) -> str:
    return f"{old} → {new}" if old is not None else f"{new}"


def _f1(s: dict[str, Any]) -> str:
    return f"{s['f1']:.4f} ({s['tp']}/{s['fp']}/{s['fn']})" if s and "f1" in s else "-"


def _score(s: object) -> str:
    if not isinstance(s, dict) or "f1" not in s:
        return "(no indicator goldens)"
    return f"F1 {s['f1']:.4f} P {s['precision']:.4f} R {s['recall']:.4f} ({s['tp']}/{s['fp']}/{s['fn']})"


if __name__ == "__main__":
    sys.exit(main())
