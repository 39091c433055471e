"""The `budget-extract` command line: run, check, eval.

The only place that turns pipeline errors into exit codes and one-line messages.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pipeline.errors import PipelineError


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

    check = sub.add_parser("check", help="process one file and print its document JSON")
    check.add_argument("file")
    check.add_argument("--json", action="store_true", help="print the document JSON (default)")

    ev = sub.add_parser("eval", help="score the pipeline against hand-verified goldens")
    ev.add_argument("--goldens", default="goldens", help="goldens folder (default: goldens)")
    ev.add_argument("--json", action="store_true", help="print the scores as JSON")
    ev.add_argument("--variants", action="store_true", help="also score re-typeset variants of the sample reports")
    return parser


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

    result = process_file(args.file)
    sys.stdout.write(result.model_dump_json(indent=1) + "\n")
    return 0


def _run(args: argparse.Namespace) -> int:
    from pipeline.document import process_file
    from pipeline.runner import run

    def progress(done: int, total: int, path: str, status: str) -> None:
        if not args.quiet:
            print(f"[{done}/{total}] {path}: {status}", file=sys.stderr)

    summary = run(args.inputs, args.out, process_file, workers=max(1, args.workers), progress=progress)
    print(
        f"{summary.documents} documents: {summary.processed} processed, {summary.skipped} skipped (unchanged), "
        f"{summary.failed} failed; {summary.facts} facts; findings {dict(summary.findings)}; "
        f"placeholders {sum(summary.placeholders.values())} → {args.out}",
        file=sys.stderr,
    )
    for path, error in summary.errors.items():
        print(f"budget-extract: {path}: {error}", file=sys.stderr)
    return 0 if summary.failed == 0 else 1


def _eval(args: argparse.Namespace) -> int:
    from pipeline.evaluate import evaluate_folder, render

    report = evaluate_folder(args.goldens, variants=args.variants)
    sys.stdout.write(report.model_dump_json(indent=1) + "\n" if args.json else render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
