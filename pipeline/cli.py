"""The `budget-extract` command line: run, check, eval.

The only place that turns pipeline errors into exit codes and one-line messages.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from functools import partial

from pipeline.errors import PipelineError
from pipeline.stages import Stage


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="budget-extract",
        description="Extract verified figures, arithmetic findings and unfilled template text from Chinese "
        "budget and final-accounts reports (.txt .md .docx .pdf).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="process files or folders into a dataset folder (resumable)")
    run.add_argument("inputs", nargs="+", help="files or folders of reports")
    run.add_argument("--out", required=True, help="output folder")
    run.add_argument("--workers", type=int, default=1, help="parallel processes for the CPU stages (default 1)")
    run.add_argument("--quiet", action="store_true", help="no per-document progress lines")
    _llm_options(run, "default: openai if OPENAI_API_KEY is set, else local if installed, else none")

    check = sub.add_parser("check", help="process one file and print its document JSON")
    check.add_argument("file")
    check.add_argument("--json", action="store_true", help="print the document JSON (default)")
    _llm_options(check, "default: none (rules and checker only)")

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
    return parser


def _llm_options(p: argparse.ArgumentParser, default: str) -> None:
    g = p.add_argument_group("LLM extraction")
    g.add_argument("--llm", choices=["none", "local", "openai"], help=f"LLM backend ({default})")
    g.add_argument("--model", help="model name for --llm openai (or OPENAI_MODEL)")
    g.add_argument("--model-path", help="any GGUF file for --llm local instead of the embedded model")
    g.add_argument("--local-model", choices=["0.5b", "1.5b"], default="0.5b", help="embedded model (default 0.5b)")
    g.add_argument("--cache", help="LLM answer cache (SQLite; default: user cache folder)")
    g.add_argument("--concurrency", type=int, default=2, help="LLM calls in flight per document (default 2)")


def _llm_setup(args: argparse.Namespace, default_none: bool) -> AbstractContextManager[Stage | None]:
    """The LLM stage the options ask for, as a context (a local server lives as long as it)."""
    if default_none and args.llm is None:
        return nullcontext(None)
    from pipeline.llm.setup import LLMOptions, llm_stage

    progress = None if getattr(args, "quiet", False) else _llm_progress
    return llm_stage(
        LLMOptions(
            args.llm, args.model, args.model_path, args.local_model, args.cache, max(1, args.concurrency), progress
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
        return _eval(args)
    except PipelineError as e:
        print(f"budget-extract: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("budget-extract: interrupted; finished documents are kept, rerun to resume", file=sys.stderr)
        return 130


def _check(args: argparse.Namespace) -> int:
    from pipeline.document import process_file

    with _llm_setup(args, default_none=True) as stage:
        result = process_file(args.file, llm=stage)
    sys.stdout.write(result.model_dump_json(indent=1) + "\n")
    return 0


def _run(args: argparse.Namespace) -> int:
    from pipeline.document import process_file
    from pipeline.runner import run

    def progress(done: int, total: int, path: str, status: str) -> None:
        if not args.quiet:
            print(f"[{done}/{total}] {path}: {status}", file=sys.stderr)

    with _llm_setup(args, default_none=False) as stage:
        process = partial(process_file, llm=stage) if stage is not None else process_file
        settings = "llm=none" if stage is None else f"llm={args.llm}:{args.model}:{args.model_path}:{args.local_model}"
        summary = run(args.inputs, args.out, process, workers=max(1, args.workers), progress=progress, config=settings)
    print(
        f"{summary.documents} documents: {summary.processed} processed, {summary.skipped} skipped (unchanged), "
        f"{summary.failed} failed; {summary.facts} facts; findings {dict(summary.findings)}; "
        f"placeholders {sum(summary.placeholders.values())} → {args.out}",
        file=sys.stderr,
    )
    if summary.llm:
        u = summary.llm
        print(
            f"LLM: {u['calls']} calls, {u['tokens_in']} tokens in, {u['tokens_out']} tokens out, "
            f"{u['cache_hits']} cache hits, {u['added']} facts added, {u['ungrounded']} ungrounded rejected",
            file=sys.stderr,
        )
    for path, error in summary.errors.items():
        print(f"budget-extract: {path}: {error}", file=sys.stderr)
    return 0 if summary.failed == 0 else 1


def _eval(args: argparse.Namespace) -> int:
    from pipeline.document import process_raw
    from pipeline.evaluate import evaluate_folder, render

    with _llm_setup(args, default_none=True) as stage:
        report = evaluate_folder(
            args.goldens, variants=args.variants, processor=partial(process_raw, llm=stage), which=args.set
        )
    sys.stdout.write(report.model_dump_json(indent=1) + "\n" if args.json else render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
