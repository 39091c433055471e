"""The `budget-extract` command line: run, check, eval.

The only place that turns pipeline errors into exit codes and one-line messages.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from pipeline.errors import ConfigError, PipelineError
from pipeline.progress import Display
from pipeline.redact import redact
from pipeline.stages import Stage

if TYPE_CHECKING:
    from pipeline.llm.labels import LabelClassifier
    from pipeline.ray_engine import RayEngine
    from pipeline.runner import RunSummary


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="budget-extract",
        description="Extract verified figures, arithmetic findings and unfilled template text from Chinese "
        "budget and final-accounts reports (.txt .md .docx .pdf .html .xlsx, scans as .png .jpg .tif).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="process files or folders into a dataset folder (resumable)")
    run.add_argument("inputs", nargs="+", help="files or folders of reports")
    run.add_argument("--out", required=True, help="output folder")
    run.add_argument("--workers", type=int, default=1, help="parallel processes for the CPU stages (default 1)")
    run.add_argument("--quiet", action="store_true", help="no progress bar: one line every --log-every documents")
    run.add_argument(
        "--log-every", type=int, default=100, metavar="N", help="without a bar, a progress line every N documents"
    )
    run.add_argument(
        "--doc-timeout",
        type=float,
        metavar="SECONDS",
        help="a document still running after this fails and the run goes on (default 600, 3600 with an LLM)",
    )
    run.add_argument(
        "--doc-memory",
        type=int,
        default=4096,
        metavar="MIB",
        help="a document whose worker grows past this resident memory fails and the run goes on (default 4096)",
    )
    run.add_argument(
        "--engine",
        choices=["local", "ray"],
        default="local",
        help="where documents are processed: worker processes here (local, default) or Ray actors (ray: a local "
        "Ray with --workers CPUs, or the cluster at --ray-address)",
    )
    run.add_argument(
        "--ray-address", metavar="ADDR", help="Ray cluster to run on with --engine ray (default: RAY_ADDRESS)"
    )
    _llm_options(run, "default: openai if OPENAI_API_KEY is set, else local if installed, else none")
    _label_options(run)

    check = sub.add_parser("check", help="process one file and print its document JSON")
    check.add_argument("file")
    check.add_argument("--json", action="store_true", help="print the document JSON (default)")
    _llm_options(check, "default: none (rules and checker only)")
    _label_options(check)

    ev = sub.add_parser("eval", help="score the pipeline against hand-verified goldens")
    ev.add_argument("--goldens", default="goldens", help="goldens folder (default: goldens)")
    ev.add_argument("--json", action="store_true", help="print the scores as JSON")
    ev.add_argument(
        "--variants",
        action="store_true",
        help="also score re-typeset sample reports and pdftotext layouts of the corpus",
    )
    ev.add_argument("--set", choices=["all", "samples", "corpus"], default="all", help="which goldens (default all)")
    _llm_options(ev, "default: none (rules and checker only)")
    _label_options(ev)

    lex = sub.add_parser("lexicon", help="list every label a run's documents used, with its concept and who decided it")
    lex.add_argument("out", metavar="OUT_DIR", help="output folder of a run")
    lex.add_argument("--top", type=int, default=40, help="labels to print (all are written to labels.csv)")
    return parser


def _label_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lexicon-overrides",
        metavar="FILE",
        help="YAML `labels: {label: concept | none}` settling what labels mean, over the lexicon and the LLM",
    )


def _labeller(stage: Stage | None) -> LabelClassifier | None:
    """The LLM's label step, on the same backend and cache as the stage."""
    if stage is None:
        return None
    from pipeline.llm.labels import LabelClassifier
    from pipeline.llm.stage import LLMStage

    return LabelClassifier(stage.config, stage.cache) if isinstance(stage, LLMStage) else None


def _overrides(args: argparse.Namespace) -> dict[str, str | None] | None:
    if not args.lexicon_overrides:
        return None
    from pipeline.rules.labels import load_overrides

    return load_overrides(args.lexicon_overrides)


def _llm_options(p: argparse.ArgumentParser, default: str) -> None:
    g = p.add_argument_group("LLM extraction")
    g.add_argument("--llm", choices=["none", "local", "openai"], help=f"LLM backend ({default})")
    g.add_argument("--model", help="model name for --llm openai (or OPENAI_MODEL)")
    g.add_argument("--model-path", help="any GGUF file for --llm local instead of the embedded model")
    g.add_argument("--local-model", choices=["0.5b", "1.5b"], default="0.5b", help="embedded model (default 0.5b)")
    g.add_argument("--cache", help="LLM answer cache (SQLite; default: user cache folder)")
    g.add_argument("--concurrency", type=int, default=2, help="LLM calls in flight per document (default 2)")
    g.add_argument(
        "--indicator-names",
        choices=["auto", "model", "hints"],
        default="auto",
        help="who names indicator figures: the model, or each figure's hint (the words before it); auto: the "
        "hints with the embedded 0.5B model, whose names score lower, the model otherwise",
    )


def _llm_setup(args: argparse.Namespace, default_none: bool) -> AbstractContextManager[Stage | None]:
    """The LLM stage the options ask for, as a context (a local server lives as long as it)."""
    if default_none and args.llm is None:
        return nullcontext(None)
    from pipeline.llm.setup import LLMOptions, llm_stage

    progress = None if getattr(args, "quiet", False) else _llm_progress
    return llm_stage(
        LLMOptions(
            args.llm,
            args.model,
            args.model_path,
            args.local_model,
            args.cache,
            max(1, args.concurrency),
            progress,
            args.indicator_names,
        )
    )


def _llm_progress(line: str) -> None:
    """One line per LLM request on stderr (module level, so worker processes can take it along)."""
    print(line, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "run":
            return _run(args)
        if args.command == "lexicon":
            return _lexicon(args)
        return _eval(args)
    except PipelineError as e:
        print(f"budget-extract: {redact(str(e))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("budget-extract: interrupted; finished documents are kept, rerun to resume", file=sys.stderr)
        return 130


def _check(args: argparse.Namespace) -> int:
    from pipeline.document import process_file

    overrides = _overrides(args)
    with _llm_setup(args, default_none=True) as stage:
        result = process_file(args.file, llm=stage, overrides=overrides, labeller=_labeller(stage))
    sys.stdout.write(result.model_dump_json(indent=1) + "\n")
    return 0


def _run(args: argparse.Namespace) -> int:
    from pipeline.document import process_file
    from pipeline.runner import run
    from pipeline.workers import Limits

    display = Display(quiet=args.quiet, every=max(1, args.log_every))
    engine = _engine(args)  # before a model starts: a missing Ray is one line at once
    with _llm_setup(args, default_none=False) as stage, display:
        if engine is not None:
            engine.endpoint = _endpoint(stage)
        stage = _reporting(stage)
        overrides = _overrides(args)
        process = partial(process_file, llm=stage, overrides=overrides, labeller=_labeller(stage))
        settings = "llm=none" if stage is None else f"llm={args.llm}:{args.model}:{args.model_path}:{args.local_model}"
        if overrides:  # other overrides give other results: documents are redone
            settings += f";overrides={sorted(overrides.items(), key=lambda kv: kv[0])!r}"
        timeout = args.doc_timeout if args.doc_timeout is not None else (600.0 if stage is None else 3600.0)
        limits = Limits(timeout if timeout > 0 else None, args.doc_memory if args.doc_memory > 0 else None)
        summary = run(
            args.inputs,
            args.out,
            process,
            workers=max(1, args.workers),
            progress=display,
            config=settings,
            limits=limits,
            engine=engine,
        )
    _print_summary(summary, args.out)
    return 0 if summary.failed == 0 and summary.partial == 0 else 1


def _engine(args: argparse.Namespace) -> RayEngine | None:
    """The engine `--engine` names (None: the runner's default, worker processes on this machine)."""
    if args.engine == "local":
        if args.ray_address:
            raise ConfigError("--ray-address needs --engine ray")
        return None
    from pipeline.ray_engine import RayEngine

    return RayEngine(args.ray_address)


def _endpoint(stage: Stage | None) -> str | None:
    """The base URL the LLM stage sends its requests to, if any."""
    if stage is None:
        return None
    from pipeline.llm.stage import LLMStage

    return stage.config.base_url if isinstance(stage, LLMStage) else None


def _reporting(stage: Stage | None) -> Stage | None:
    """The LLM stage with its progress callback routed to the run's progress display."""
    from pipeline.runner import report_stage

    if stage is None:
        return None
    from pipeline.llm.stage import LLMStage

    if not isinstance(stage, LLMStage):
        return stage
    return replace(stage, on_requests=partial(report_stage, "llm"), progress=None)  # the bar shows the requests


def _print_summary(summary: RunSummary, out: str) -> None:
    print(
        f"{summary.documents} documents: {summary.processed} processed, {summary.skipped} skipped (unchanged), "
        f"{summary.failed} failed, {summary.partial} partial; {summary.ignored} other files ignored; "
        f"{summary.facts} facts; findings {dict(summary.findings)}; "
        f"placeholders {sum(summary.placeholders.values())} → {out}",
        file=sys.stderr,
    )
    if summary.llm:
        u = summary.llm
        print(
            f"LLM: {u['calls']} calls, {u['tokens_in']} tokens in, {u['tokens_out']} tokens out, "
            f"{u['cache_hits']} cache hits, {u['added']} facts added, {u['ungrounded']} ungrounded rejected",
            file=sys.stderr,
        )
    if summary.partial:
        print(
            f"budget-extract: {summary.partial} documents kept only their rules facts (the LLM stage failed): "
            "rerun to redo them; see partial_documents in summary.json",
            file=sys.stderr,
        )


def _lexicon(args: argparse.Namespace) -> int:
    from pipeline.labels_report import label_report

    report = label_report(args.out)
    sys.stdout.write(report.render(args.top))
    return 0


def _eval(args: argparse.Namespace) -> int:
    from pipeline.document import process_raw
    from pipeline.evaluate import evaluate_folder, render

    overrides = _overrides(args)
    with _llm_setup(args, default_none=True) as stage:
        report = evaluate_folder(
            args.goldens,
            variants=args.variants,
            processor=partial(process_raw, llm=stage, overrides=overrides, labeller=_labeller(stage)),
            which=args.set,
        )
    sys.stdout.write(report.model_dump_json(indent=1) + "\n" if args.json else render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
