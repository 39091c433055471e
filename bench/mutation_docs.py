"""The golden documents the mutation harness (bench/mutations.py) edits: their raw text and located golden facts.

A sample report is its text file with goldens/expected/<stem>/facts.yaml (spans as `pipeline.checker.goldens`
finds them). A corpus PDF is read once with the PDF reader; its golden facts (goldens/corpus/<stem>/facts.yaml,
quoted from pdftotext's layout text) are found in the reader's raw text.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.checker.goldens import golden_facts, to_fact  # noqa: E402
from pipeline.errors import PipelineError  # noqa: E402
from pipeline.evaluate import cases  # noqa: E402
from pipeline.ingest import RawDocument, read_document  # noqa: E402
from pipeline.meta import fiscal_year  # noqa: E402
from pipeline.numbers import NUMBER, parse_number  # noqa: E402
from schemas.document import Fact, Span  # noqa: E402
from schemas.golden import GoldenFact, GoldenFacts  # noqa: E402

GOLDENS = ROOT / "goldens"
REPORTS = GOLDENS / "reports"
EXPECTED = GOLDENS / "expected"
NUMBER_IN_TEXT = re.compile(rf"(?<![\d.,])(?:{NUMBER})(?![\d])")
_RATES = ("share", "growth_rate", "completion_rate")


# ---------------------------------------------------------------- golden facts of a corpus PDF in its raw text


def corpus_facts(folder: Path, raw: RawDocument) -> tuple[list[Fact], list[str]]:
    """The golden facts of a corpus PDF with spans in the reader's raw text, and the quotes that were not found.

    A quote is compared with whitespace removed (as the goldens quote pdftotext's layout text), first on the
    fact's page; failing that, its whitespace-separated pieces in order on one line (a label cut short in
    pdftotext's layout is whole in the reader's cell). Facts of one quote and value that share a number
    (a row's 合计 and 基本支出 cells both 4,412,547) are spread over the equal numbers of the quote.
    """
    data = GoldenFacts.model_validate(yaml.safe_load((folder / "facts.yaml").read_text(encoding="utf-8")))
    text = raw.text
    keep = [i for i, ch in enumerate(text) if not ch.isspace()]
    squeezed = "".join(text[i] for i in keep)
    pages = {p.page: p.span for p in raw.layout.pages} if raw.layout is not None else {}
    placed: list[tuple[int, GoldenFact, Span, list[Span]]] = []
    unlocated = []
    for n, g in enumerate(data.facts):
        quote = _quote_span(g, text, keep, squeezed, pages.get(g.page or 0))
        hits = None if quote is None else _number_spans(g, text, quote)
        if quote is None or not hits:
            unlocated.append(f"{g.concept} {g.period} {g.scope or ''} {g.value}: {g.quote!r}")
            continue
        placed.append((n, g, quote, hits))
    spans = _spread(placed)
    return [to_fact(g, "", f"g{n}", spans[n]) for n, g, _, _ in placed], unlocated


def _quote_span(g: GoldenFact, text: str, keep: list[int], squeezed: str, page: Span | None) -> tuple[int, int] | None:
    want = re.sub(r"\s+", "", g.quote)
    ranges = [(bisect.bisect_left(keep, page[0]), bisect.bisect_left(keep, page[1]))] if page else []
    for lo, hi in [*ranges, (0, len(squeezed))]:
        at = squeezed.find(want, lo, hi)
        if at >= 0:
            return keep[at], keep[at + len(want) - 1] + 1
    pieces = g.quote.split()
    for lo, hi in [*([page] if page else []), (0, len(text))]:
        for line in re.finditer(r"[^\n]+", text[lo:hi]):
            at, ok = 0, True
            for piece in pieces:
                at = line.group(0).find(piece, at)
                if at < 0:
                    ok = False
                    break
                at += len(piece)
            if ok:
                first = line.group(0).find(pieces[0])
                return lo + line.start() + first, lo + line.start() + at
    return None


def _number_spans(g: GoldenFact, text: str, quote: Span) -> list[Span]:
    """Raw spans of the numbers in the quote equal to the fact's value (percentages for rates); the nothing-
    statement itself for a stated zero without a number; after the fact's scope when the quote names it."""
    s, e = quote
    if g.scope and g.scope in text[s:e]:
        s += text[s:e].index(g.scope) + len(g.scope)
    equal, preferred = [], []
    for m in NUMBER_IN_TEXT.finditer(text, s, e):
        try:
            if parse_number(m.group(0)).value != Decimal(g.value):
                continue
        except (ValueError, InvalidOperation):
            continue
        equal.append(m.span())
        is_rate = text[m.end() : m.end() + 2].lstrip().startswith(("%", "％"))
        if is_rate == (g.measure in _RATES or g.unit == "%"):
            preferred.append(m.span())
    hits = preferred or equal
    if not hits and Decimal(g.value) == 0 and "无" in text[quote[0] : quote[1]]:
        return [quote]
    return hits


def _spread(placed: list[tuple[int, GoldenFact, Span, list[Span]]]) -> dict[int, Span]:
    """Each fact's number: the first equal number of its quote (the last for a current figure after a budget),
    and facts sharing a quote and value take the equal numbers in turn, the unscoped one first."""
    chosen = {n: hits[-1] if g.period == "current" and len(hits) > 1 else hits[0] for n, g, _, hits in placed}
    groups: dict[tuple[Span, tuple[Span, ...]], list[tuple[int, GoldenFact]]] = defaultdict(list)
    for n, g, quote, hits in placed:
        groups[quote, tuple(hits)].append((n, g))
    for (_, equal), members in groups.items():
        if len(members) > 1 and len(equal) > 1:
            for k, (n, _) in enumerate(sorted(members, key=lambda x: (x[1].scope is not None, x[0]))):
                chosen[n] = equal[min(k, len(equal) - 1)]
    return chosen


# ---------------------------------------------------------------- documents


@dataclass
class Doc:
    """One golden document ready to mutate: its raw text (as the reader produced it) and located golden facts."""

    name: str
    group: str  # samples | corpus
    raw: RawDocument
    facts: list[Fact]
    year: int | None
    unlocated: list[str] = field(default_factory=list)


def sample_doc(stem: str) -> Doc:
    """A sample report: its text file and goldens/expected/<stem>."""
    text = (REPORTS / f"{stem}.txt").read_text(encoding="utf-8")
    raw = RawDocument(f"{stem}.txt", text, hashlib.sha256(text.encode()).hexdigest(), "txt")
    return Doc(stem, "samples", raw, golden_facts(EXPECTED / stem, text), fiscal_year(text))


def load_docs(which: str = "all", stem: str | None = None, say: Callable[[str], None] = print) -> list[Doc]:
    """The golden documents of the set (samples, corpus, all) whose name starts with `stem`; each PDF read once."""
    docs = []
    for case in cases(GOLDENS, which):
        if stem and not case.name.startswith(stem):
            continue
        if case.group == "samples":
            docs.append(sample_doc(case.name))
            continue
        try:
            raw = read_document(case.path)
        except PipelineError as e:
            say(f"{case.name}: skipped, {e}")
            continue
        facts, unlocated = corpus_facts(case.gold, raw)
        year = case.meta.fiscal_year.value if case.meta is not None else None
        docs.append(Doc(case.name, "corpus", raw, facts, int(year) if year is not None else None, unlocated))
    return docs
