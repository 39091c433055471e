"""The one concept lexicon: concepts and their wordings, table kinds, column roles, classification codes, templates.

All domain knowledge the rules, the LLM grounding and the prompts share lives in `lexicon.yaml` beside this
module; this module only loads it (once) and answers questions about it. Adding a province's wording should mean
adding lines of data there, not code here. Deterministic, no LLM imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from pipeline.textutil import no_spaces

LEXICON_FILE = Path(__file__).with_name("lexicon.yaml")


@dataclass(frozen=True)
class Alias:
    """One wording of a concept: a regex fragment on whitespace-free text, and the template families using it."""

    pattern: str
    families: tuple[str, ...] = ()
    scope: str | None = None  # the wording also fixes the figure's scope (财政拨款基本支出 → exp_basic, fiscal)


@dataclass(frozen=True)
class Concept:
    """A concept of the vocabulary."""

    id: str
    name: str
    description: str = ""
    aliases: tuple[Alias, ...] = ()
    fund: str | None = None


@dataclass(frozen=True)
class TableKind:
    """A kind of table of the national template, recognised by its title."""

    kind: str
    titles: tuple[re.Pattern[str], ...]
    rows: str  # function | economic | lines | single | procurement | key_value
    fund: str
    scope: str | None = None
    total: dict[str, str] = field(default_factory=dict)
    total_scope: str | None = None
    cells: dict[str, str] = field(default_factory=dict)  # key_value tables: a cell's label → the figure it names
    projects: bool = False  # a coded row may be a project charged to that class (项目支出表), not the class itself


@dataclass(frozen=True)
class LineRule:
    """How a labelled line of a two-sided table reads in a given kind of table and side."""

    pattern: re.Pattern[str]
    concept: str
    scope: str | None = None


@dataclass(frozen=True)
class CountRule:
    """A count the templates state in prose."""

    concept: str
    pattern: re.Pattern[str]
    period: str = "current"
    categories: str | None = None  # the kind of category list that may follow (count_categories)
    label: re.Pattern[str] | None = None  # the item's name alone (an LLM's label): `label:`, else the pattern's head

    @property
    def name_pattern(self) -> re.Pattern[str]:
        """How the counted item is named without its number."""
        return self.label or re.compile(self.pattern.pattern.split(r"\s*(?P<n>")[0])

    @property
    def units(self) -> tuple[str, ...]:
        """The units the count is written in (人, 名, 辆 …)."""
        m = re.search(r"\(\?P<u>([^)]*)\)", self.pattern.pattern)
        return tuple(re.findall(r"[\u4e00-\u9fff]", m.group(1))) if m else ()


@dataclass(frozen=True)
class RequiredTable:
    """A table a disclosure template prints: its kind (see `TableKind`) and its title as the template words it."""

    kind: str
    title: str


@dataclass(frozen=True)
class Statement:
    """A statement a template's narrative makes (三公经费, 机关运行经费 …), found by a pattern on whitespace-free text."""

    id: str
    name: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Template:
    """A disclosure template: which reports it governs, the tables they print and the statements they make."""

    id: str
    name: str
    doc_type: str
    years: tuple[int | None, int | None] = (None, None)
    region: re.Pattern[str] | None = None  # found in the issuer's name or the opening lines
    levels: tuple[str, ...] = ()  # 部门 / 单位; empty: any
    tables: tuple[RequiredTable, ...] = ()
    statements: tuple[str, ...] = ()

    def governs(self, doc_type: str | None, year: int | None, level: str | None, opening: str) -> bool:
        """Whether a report of this type, year and level, opening with this text, follows the template."""
        first, last = self.years
        if doc_type != self.doc_type or year is None:
            return False
        if (first is not None and year < first) or (last is not None and year > last):
            return False
        if self.levels and level is not None and level not in self.levels:
            return False
        return self.region is None or bool(self.region.search(opening))


@dataclass(frozen=True)
class Lexicon:
    """The loaded lexicon."""

    concepts: dict[str, Concept]
    table_kinds: tuple[TableKind, ...]
    columns: tuple[tuple[str, re.Pattern[str]], ...]
    total_rows: re.Pattern[str]
    sub_lines: re.Pattern[str]
    sangong_columns: tuple[tuple[str, re.Pattern[str]], ...]
    line_overrides: dict[tuple[str, str], tuple[LineRule, ...]]
    function: dict[str, tuple[str, ...]]
    economic: dict[str, tuple[str, ...]]
    economic_before_2018: dict[str, str]
    counts: tuple[CountRule, ...] = ()
    section_funds: tuple[tuple[str, re.Pattern[str]], ...] = ()
    fund_columns: dict[str, str] = field(default_factory=dict)
    section_concepts: dict[str, dict[str, str]] = field(default_factory=dict)
    nothing_statements: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = ()
    count_categories: dict[str, re.Pattern[str]] = field(default_factory=dict)
    label_heads: tuple[tuple[str, ...], ...] = ()  # groups of words that tell concepts apart (see lexicon.yaml)
    templates: tuple[Template, ...] = ()
    statements: dict[str, Statement] = field(default_factory=dict)
    own_year: tuple[re.Pattern[str], ...] = ()

    @cached_property
    def count_hint(self) -> re.Pattern[str] | None:
        """What every count of `counts` holds (a number and its unit, 12 人): text without it states no count.

        None when a count's pattern does not have the number and then its unit in the shape `_COUNT_TAIL`.
        """
        units = []
        for rule in self.counts:
            tail = _COUNT_TAIL.search(rule.pattern.pattern)
            if tail is None:
                return None
            units.append(tail.group(1))
        return re.compile(r"\d\s*(?:" + "|".join(sorted(set(units))) + ")") if units else None

    @cached_property
    def nothing_hint(self) -> frozenset[str] | None:
        """The first characters of the nothing-statements (无…), when each pattern starts with a plain character."""
        firsts = {p.pattern[:1] for p, _ in self.nothing_statements}
        return frozenset(firsts) if all(c and c not in _REGEX_SPECIAL for c in firsts) else None

    def template(self, doc_type: str | None, year: int | None, level: str | None, opening: str) -> Template | None:
        """The first disclosure template governing such a report (`Template.governs`), or None."""
        return next((t for t in self.templates if t.governs(doc_type, year, level, opening)), None)

    def table_kind(self, title: str) -> TableKind | None:
        """The kind of a table from its title (whitespace ignored), or None when the title names no known kind."""
        compact = no_spaces(title)
        for kind in self.table_kinds:
            if any(p.search(compact) for p in kind.titles):
                return kind
        return None

    def column_role(self, path: list[str]) -> str | None:
        """The role of a column from its header path (outer → inner), or None when no rule knows it."""
        names = [no_spaces(n) for n in path if n.strip()]
        for name in reversed(names):
            for role, pattern in self.columns:
                if pattern.search(name):
                    return role
        return None

    def fund_of_text(self, text: str) -> str | None:
        """Whose money a heading or lead-in line speaks of (section_funds), or None."""
        compact = no_spaces(text)
        return next((fund for fund, pattern in self.section_funds if pattern.search(compact)), None)

    def concept_fund(self, concept: str, scope: str | None = None) -> str | None:
        """Whose money a concept counts (a 财政拨款 scope makes it fiscal), or None."""
        if scope == "fiscal":
            return "fiscal"
        c = self.concepts.get(concept)
        return c.fund if c else None

    def line_rules(self, kind: str, side: str) -> tuple[LineRule, ...]:
        """Table-specific readings of labelled lines on one side (income | expenditure) of a two-sided table."""
        return self.line_overrides.get((kind, side), ())


_REGEX_SPECIAL = set("\\.^$*+?{}[]|()")
_COUNT_TAIL = re.compile(r"\(\?P<n>\\d\+\)\\s\*\(\?P<u>([^()]*)\)")  # (?P<n>\d+)\s*(?P<u>人次?)


def _alias(raw: str | dict[str, Any]) -> Alias:
    if isinstance(raw, str):
        return Alias(raw)
    return Alias(raw["pattern"], tuple(raw.get("families", ())), raw.get("scope"))


def _template(raw: dict[str, Any]) -> Template:
    first, last = raw.get("years", [None, None])
    return Template(
        raw["id"],
        raw["name"],
        raw["doc_type"],
        (first, last),
        re.compile(raw["region"]) if raw.get("region") else None,
        tuple(raw.get("levels", ())),
        tuple(RequiredTable(t["kind"], t["title"]) for t in raw.get("tables", [])),
        tuple(raw.get("statements", ())),
    )


def _load(data: dict[str, Any]) -> Lexicon:
    concepts = {
        cid: Concept(
            cid, c["name"], c.get("description", ""), tuple(_alias(a) for a in c.get("aliases", [])), c.get("fund")
        )
        for cid, c in data["concepts"].items()
    }
    kinds = tuple(
        TableKind(
            k["kind"],
            tuple(re.compile(t) for t in k["titles"]),
            k["rows"],
            k["fund"],
            k.get("scope"),
            dict(k.get("total", {})),
            k.get("total_scope"),
            dict(k.get("cells", {})),
            bool(k.get("projects", False)),
        )
        for k in data["table_kinds"]
    )
    overrides = {
        (kind, side): tuple(LineRule(re.compile(r["pattern"]), r["concept"], r.get("scope")) for r in rules)
        for kind, sides in data.get("line_overrides", {}).items()
        for side, rules in sides.items()
    }
    cls = data["classification"]
    return Lexicon(
        concepts=concepts,
        table_kinds=kinds,
        columns=tuple((c["role"], re.compile(c["pattern"])) for c in data["columns"]),
        total_rows=re.compile(data["total_rows"]),
        sub_lines=re.compile(data["sub_lines"]),
        sangong_columns=tuple((c["concept"], re.compile(c["pattern"])) for c in data["sangong_columns"]),
        line_overrides=overrides,
        function={str(k): tuple(v) for k, v in cls["function"].items()},
        economic={str(k): tuple(v) for k, v in cls["economic"].items()},
        economic_before_2018={k: str(v) for k, v in cls.get("economic_before_2018", {}).items()},
        counts=tuple(
            CountRule(
                c["concept"],
                re.compile(c["pattern"]),
                c.get("period", "current"),
                c.get("categories"),
                re.compile(c["label"]) if c.get("label") else None,
            )
            for c in data.get("counts", [])
        ),
        count_categories={k: re.compile(v) for k, v in data.get("count_categories", {}).items()},
        section_funds=tuple((f["fund"], re.compile(f["pattern"])) for f in data.get("section_funds", [])),
        fund_columns=dict(data.get("fund_columns", {})),
        section_concepts={k: dict(v) for k, v in data.get("section_concepts", {}).items()},
        nothing_statements=tuple(
            (re.compile(n["pattern"]), tuple(n["concepts"])) for n in data.get("nothing_statements", [])
        ),
        label_heads=tuple(tuple(g) for g in data.get("label_heads", [])),
        templates=tuple(_template(t) for t in data.get("templates", [])),
        statements={
            sid: Statement(sid, st["name"], re.compile(st["pattern"])) for sid, st in data.get("statements", {}).items()
        },
        own_year=tuple(re.compile(p) for p in data.get("own_year", [])),
    )


@cache
def lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    """The lexicon, loaded once per process."""
    return _load(yaml.safe_load(path.read_text(encoding="utf-8")))
