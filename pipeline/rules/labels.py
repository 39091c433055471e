"""Labels a document uses for its figures, and who decided what each means.

Every table row label and every prose subject the rules read is recorded with the concept it was read as and
who decided it: `lexicon` (a wording of the lexicon, a classification name or a printed code), `override` (the
user's file, `--lexicon-overrides`), `model` (an LLM's classification, accepted only when the label's characters
support it) or `none` (nobody knows it: the figure is not extracted). The unknown ones are what the LLM step and
the `lexicon` command work on; decisions are keyed by `label_key`, so one answer covers the label wherever it
recurs, in any report of an archive.

The book is installed for one document with `reading(book)`; the rules record into it and ask it with `decided`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from pipeline.errors import InputError
from pipeline.lexicon import lexicon
from pipeline.textutil import no_spaces
from schemas.document import LabelUse

NONE = "none"  # a decision that the label names no vocabulary figure
_PREFIX = re.compile(r"^(?:其中[：:]?)?(?:[一二三四五六七八九十]+、|\d+[.．、]|[（(][一二三四五六七八九十\d]+[）)])*")
_NOISE = re.compile(r"[\s\u3000“”\"'‘’：:，,。；;、]+")
_YEAR = re.compile(r"\d{4}年度?")


@lru_cache(maxsize=16384)
def label_key(text: str) -> str:
    """The form a label is known by: numbering, 其中, years, spaces and punctuation removed."""
    compact = no_spaces(text)
    return _YEAR.sub("", _NOISE.sub("", _PREFIX.sub("", compact)))


@dataclass
class LabelBook:
    """Decisions for labels (key → concept, or None for 'no figure') and the labels one document used."""

    decisions: dict[str, str | None] = field(default_factory=dict)
    deciders: dict[str, str] = field(default_factory=dict)  # key → override | model
    seen: dict[tuple[str, str], LabelUse] = field(default_factory=dict)

    def decide(self, key: str, concept: str | None, by: str) -> None:
        """Settle a label; a user's override is never replaced by a model's answer."""
        if self.deciders.get(key) == "override" and by != "override":
            return
        self.decisions[key], self.deciders[key] = concept, by

    def decided(self, text: str) -> tuple[bool, str | None, str]:
        """(settled?, concept, by) for a label the lexicon does not know."""
        key = label_key(text)
        if key in self.decisions:
            return True, self.decisions[key], self.deciders[key]
        return False, None, "none"

    def record(self, where: str, text: str, concept: str | None, by: str, table_kind: str | None = None) -> None:
        """Count one use of a label."""
        key = label_key(text)
        if not key or len(key) > 40:
            return
        use = self.seen.get((where, key))
        if use is None:
            self.seen[where, key] = LabelUse(
                label=key, where=where, concept=concept, decided_by=by, count=1, table_kind=table_kind
            )
        else:
            use.count += 1

    def uses(self) -> list[LabelUse]:
        """The labels seen, most used first."""
        return sorted(self.seen.values(), key=lambda u: (-u.count, u.where, u.label))

    def unknown(self) -> list[str]:
        """Distinct keys nobody has decided."""
        return sorted({u.label for u in self.seen.values() if u.decided_by == "none"})

    def fresh(self) -> LabelBook:
        """A book with the same decisions and nothing seen (for a second reading of the document)."""
        return LabelBook(dict(self.decisions), dict(self.deciders))


_BOOK: ContextVar[LabelBook | None] = ContextVar("label_book", default=None)


@contextmanager
def reading(book: LabelBook) -> Iterator[LabelBook]:
    """Install `book` for the rules of one document."""
    token = _BOOK.set(book)
    try:
        yield book
    finally:
        _BOOK.reset(token)


def book() -> LabelBook | None:
    """The book of the document being read, if any."""
    return _BOOK.get()


def resolve(
    where: str, text: str, concept: str | None, table_kind: str | None = None, fixed: bool = False
) -> str | None:
    """Record a label the lexicon read as `concept` (None: unknown) and return the concept to use.

    The user's override settles a label whatever the lexicon says (unless `fixed`: a printed code decided the
    row); a label the lexicon does not know takes the model's decision, if there is one.
    """
    b = _BOOK.get()
    if b is None:
        return concept
    settled, decided, by = b.decided(text)
    if settled and ((by == "override" and not fixed) or concept is None):
        b.record(where, text, decided, by, table_kind)
        return decided
    b.record(where, text, concept, "lexicon" if concept is not None else "none", table_kind)
    return concept


def valid_concept(concept: str) -> bool:
    """A concept id the pipeline knows: a lexicon concept (optionally @scope), func:/econ: code, project:<name>."""
    lex = lexicon()
    base = concept.partition("@")[0]
    kind, _, code = base.partition(":")
    if base in lex.concepts or any(c.concept == base for c in lex.counts):
        return True
    if kind == "func":
        return code in lex.function
    if kind == "econ":
        return code in lex.economic
    return kind == "project" and bool(code)


def load_overrides(path: str | Path) -> dict[str, str | None]:
    """A user's override file: `labels: {label: concept | none}` (YAML). Raises InputError on a bad file."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise InputError(str(p), f"cannot read the lexicon overrides ({type(e).__name__}: {e})") from e
    labels = data.get("labels") if isinstance(data, Mapping) else None
    if not isinstance(labels, Mapping):
        raise InputError(str(p), "lexicon overrides must be a YAML mapping with a `labels:` mapping of label → concept")
    out: dict[str, str | None] = {}
    for label, concept in labels.items():
        value = None if concept in (None, NONE) else str(concept)
        if value is not None and not valid_concept(value):
            raise InputError(str(p), f"unknown concept {value!r} for label {label!r} (use a lexicon concept or none)")
        out[label_key(str(label))] = value
    return out


def book_of(overrides: Mapping[str, str | None] | None = None) -> LabelBook:
    """A book holding a user's overrides."""
    b = LabelBook()
    for key, concept in (overrides or {}).items():
        b.decide(key, concept, "override")
    return b
