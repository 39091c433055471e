"""Hand-verified goldens of the development corpus PDFs: where they are and whether they still hold.

A corpus golden lives in `goldens/corpus/<stem>/` (meta.yaml, facts.yaml, placeholders.yaml, findings.yaml) for the
PDF `<stem>.pdf` of the corpus folder (`../shared/corpus/pdf/` beside the checkout, or `$BUDGET_EXTRACT_CORPUS`).
A PDF has no single raw text — what a reader produces depends on the reader — so quotes are checked against the
PDF's text with all whitespace removed (poppler's `pdftotext -layout`, which is what annotators read), and
placeholders are located by their text and context instead of offsets.

    python -m pipeline.corpus_goldens check goldens/corpus/<stem> [...]   # one line per problem, exit 1 if any
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from schemas.golden import GoldenFacts, GoldenFindings, GoldenMeta, GoldenPlaceholders

ROOT = Path(__file__).resolve().parent.parent
GOLDENS = ROOT / "goldens" / "corpus"
_WS = re.compile(r"\s+")


def corpus_dir() -> Path:
    """Folder holding the corpus PDFs."""
    env = os.environ.get("BUDGET_EXTRACT_CORPUS")
    return Path(env) if env else ROOT.parent / "shared" / "corpus" / "pdf"


def compact(text: str) -> str:
    """Text with every whitespace character removed (the form quotes are compared in)."""
    return _WS.sub("", text)


@cache
def pdftotext(pdf: Path, mode: str = "layout") -> str:
    """The text poppler's pdftotext gives for a PDF (`mode`: layout, raw or default)."""
    exe = shutil.which("pdftotext")
    if exe is None:
        raise RuntimeError("pdftotext not found: install poppler-utils (make installs it)")
    args = [exe, *([f"-{mode}"] if mode != "default" else []), "-enc", "UTF-8", str(pdf), "-"]
    return subprocess.run(args, capture_output=True, check=True).stdout.decode("utf-8")


def golden_dirs() -> list[Path]:
    """Every corpus golden folder."""
    return sorted(p for p in GOLDENS.iterdir() if (p / "meta.yaml").exists()) if GOLDENS.exists() else []


def load(model: type[BaseModel], path: Path) -> BaseModel | None:
    """A golden YAML file validated against its model, or None when absent."""
    if not path.exists():
        return None
    return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def _number_in(value: str, quote: str) -> bool:
    plain = quote.replace(",", "").replace("，", "")
    plain = plain.translate({0xFF10 + i: str(i) for i in range(10)})
    if value == "0" and re.search(r"无|空表|无数据|未安排|没有", quote):
        return True  # a nothing-statement is a stated zero
    try:
        want = Decimal(value)
    except InvalidOperation:
        return False
    return any(Decimal(n) == want for n in re.findall(r"\d+(?:\.\d+)?", plain))


def check(folder: Path) -> list[str]:
    """Problems of one corpus golden folder (empty when it holds)."""
    try:
        meta = load(GoldenMeta, folder / "meta.yaml")
        facts = load(GoldenFacts, folder / "facts.yaml")
        holders = load(GoldenPlaceholders, folder / "placeholders.yaml")
        findings = load(GoldenFindings, folder / "findings.yaml")
    except (ValidationError, yaml.YAMLError) as e:
        return [f"{folder.name}: invalid YAML: {e}"]
    if not isinstance(meta, GoldenMeta):
        return [f"{folder.name}: meta.yaml missing"]
    pdf = corpus_dir() / meta.report
    if not pdf.exists():
        return [f"{folder.name}: {pdf} not found"]
    text = compact(pdftotext(pdf))
    quotes: list[tuple[str, str | None]] = [
        (f"meta.{n}", getattr(meta, n).quote) for n in ("unit_name", "fiscal_year", "doc_type")
    ]
    problems: list[str] = []
    if isinstance(facts, GoldenFacts):
        quotes += [(f"fact {f.concept}", f.quote) for f in facts.facts] + [
            ("excluded", e.quote) for e in facts.excluded
        ]
        problems += [
            f"fact {f.concept}: value {f.value} not in its quote {f.quote!r}"
            for f in facts.facts
            if not _number_in(f.value, f.quote)
        ]
    if isinstance(holders, GoldenPlaceholders):
        for p in holders.placeholders:
            if not p.context or compact(p.text) not in compact(p.context):
                problems.append(f"placeholder {p.text!r}: context missing or without the text")
            quotes.append((f"placeholder {p.kind}", p.context))
    if isinstance(findings, GoldenFindings):
        known = {f.concept for f in facts.facts} if isinstance(facts, GoldenFacts) else set()
        for g in findings.findings:
            quotes += [(f"finding {g.rule}", q) for q in g.quotes]
            if not set(g.concepts) <= known:
                problems.append(f"finding {g.rule}: concepts not in facts.yaml: {set(g.concepts) - known}")
    problems += [f"{what}: quote not in the PDF text: {q!r}" for what, q in quotes if q and compact(q) not in text]
    return [f"{folder.name}: {p}" for p in problems]


def main(argv: list[str]) -> int:
    """`check FOLDER...`: print every problem, exit 1 when there is one."""
    if not argv or argv[0] != "check":
        print("usage: python -m pipeline.corpus_goldens check goldens/corpus/<stem> [...]", file=sys.stderr)
        return 2
    folders = [Path(a) for a in argv[1:]] or golden_dirs()
    problems = [p for f in folders for p in check(f)]
    for p in problems:
        print(p)
    print(f"{len(folders)} golden folder(s), {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
