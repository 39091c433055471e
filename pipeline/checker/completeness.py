"""Disclosure completeness: the template's tables and statements present, and the years its titles and comparisons name.

A report is held to the disclosure template that governs it (`lexicon.yaml` `templates:`: document type, fiscal
year, 部门 / 单位, region). What it is decides what it is held to: its tables only when it prints at least half of
the template's tables as tables (a narrative-only half that says its tables are 附后 prints none), its statements
only when it has a narrative (a tables-only half has a few captions and unit lines, no sentences). A missing table
or statement is a disclosure gap, not an arithmetic error: `warning`.

Years (`text.wrong_year`, warning): a title of the report's own kind (…预算表, …决算情况说明) or an own-year
wording (纳入本部门2018年部门汇总预算编制范围) naming another year than the fiscal year, and a comparison whose
base is the report's own year or later (比2025年预算增加… in the 2025 budget; in a 决算 a figure compared with the
same year is allowed only against that year's budget, and not the budget against itself). When the fiscal year is
not what most of the own-kind titles state (or none states a year), nothing is said.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.checker import textual
from pipeline.checker.registry import rule
from pipeline.lexicon import Template, lexicon
from pipeline.textutil import no_spaces
from schemas.document import Finding, Span

if TYPE_CHECKING:
    from pipeline.document import Parsed
    from schemas.document import DocumentResult

DOCUMENT_RULES = ("completeness.missing_table", "completeness.missing_statement", "text.wrong_year")
_LEVEL = re.compile(r"(部门|单位)(?:预算|决算)")
_SENTENCE = re.compile(r"[^。；;\n]+[。；;]?")
_STATED = re.compile(r"\d|无|未|没有|不涉及")
_MIN_SENTENCES = 5  # a narrative has this many sentences ending in 。outside 名词解释 (a tables-only half: none)
_OPENING = 600


@dataclass(frozen=True)
class Title:
    """A heading or a table title: its text (whitespace removed) and raw span."""

    text: str
    span: Span


@dataclass
class Disclosure:
    """What a document shows of its template: its kind, its tables, its titles and its narrative sentences."""

    doc_type: str | None
    fiscal_year: int | None
    level: str | None
    opening: str  # the issuer's name and the document's first lines: where its region is named
    printed: set[str] = field(default_factory=set)  # kinds of the tables printed as tables
    named: set[str] = field(default_factory=set)  # kinds named by a table's title or read from its cells
    titles: list[Title] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)  # paragraph lines and sentences outside 名词解释, compact
    text: str = ""  # the clean text, for comparisons
    to_raw: Callable[[int, int], Span] = lambda a, b: (a, b)


def disclosure(parsed: Parsed, result: DocumentResult) -> Disclosure:
    """The document as the completeness rules see it (`parsed` for its structure, `result` for meta and facts)."""
    from pipeline.rules import table_title  # the rules' own reading of a table's title

    text = parsed.clean.text
    opening = f"{result.meta.unit_name or ''}\n{text[:_OPENING]}"
    level = _LEVEL.search(no_spaces(text[:_OPENING]))
    d = Disclosure(
        doc_type=result.meta.doc_type,
        fiscal_year=result.meta.fiscal_year,
        level=level.group(1) if level else None,
        opening=opening,
        text=text,
        to_raw=parsed.clean.raw_span,
    )
    kinds = lexicon()
    d.named.update(f.table_kind for f in [*result.facts, *result.tables] if f.table_kind)
    for section in parsed.seg.sections:
        d.titles.append(
            Title(textual.compact(section.heading), parsed.clean.raw_span(section.start, section.body_start))
        )
        for n, block in enumerate(section.blocks):
            if block.kind == "table" and (kind := kinds.table_kind(table_title(parsed, section, n))) is not None:
                d.printed.add(kind.kind)
            elif block.kind == "paragraph" and section.kind != "名词解释":
                d.sentences.extend(textual.compact(s) for s in _SENTENCE.findall(text[block.start : block.end]))
    for block in parsed.seg.preamble:
        if block.kind == "paragraph":
            d.sentences.extend(textual.compact(s) for s in _SENTENCE.findall(text[block.start : block.end]))
    headings = [(s.start, s.body_start) for s in parsed.seg.sections]
    for start, end, title in textual.table_titles(text):
        if (kind := kinds.table_kind(title)) is not None:
            d.named.add(kind.kind)
        if not any(a <= start < b for a, b in headings):  # a heading is listed already
            d.titles.append(Title(title, parsed.clean.raw_span(start, end)))
    d.named |= d.printed
    return d


def check_document(d: Disclosure) -> list[Finding]:
    """Completeness and year findings of one document."""
    template = lexicon().template(d.doc_type, d.fiscal_year, d.level, d.opening)
    found = [*_missing_tables(d, template), *_missing_statements(d, template)] if template else []
    return found + _wrong_years(d)


def _finding(rule_id: str, message: str, span: Span | None = None, **values: str | None) -> Finding:
    rule(rule_id)
    return Finding(rule=rule_id, severity="warning", message=message, span=span, **values)


def _missing_tables(d: Disclosure, template: Template) -> list[Finding]:
    """The template's tables a report printing its tables leaves out (none for a narrative-only document)."""
    required = template.tables
    printed = [t for t in required if t.kind in d.printed]
    if not required or 2 * len(printed) < len(required):
        return []
    return [
        _finding(
            "completeness.missing_table",
            f"未见{t.title}（{template.name}模板的{len(required)}张表之一，本报告列出其中{len(printed)}张）",
            expected=t.title,
        )
        for t in required
        if t.kind not in d.named
    ]


def _missing_statements(d: Disclosure, template: Template) -> list[Finding]:
    """The template's statements a report with a narrative never makes (none for a tables-only document)."""
    if sum(s.endswith("。") for s in d.sentences) < _MIN_SENTENCES:
        return []
    statements = lexicon().statements
    out = []
    for sid in template.statements:
        st = statements[sid]
        if any(st.pattern.search(t.text) for t in d.titles):
            continue
        if any(st.pattern.search(s) and _STATED.search(s) for s in d.sentences):
            continue
        out.append(
            _finding(
                "completeness.missing_statement",
                f"未见{st.name}情况的说明（{template.name}模板要求说明）",
                expected=st.name,
            )
        )
    return out


def _wrong_years(d: Disclosure) -> list[Finding]:
    """Titles and own-year wordings naming another year, and comparisons based on the report's own year.

    Only when most of the report's own-kind titles name the fiscal year the meta read (none naming it: nothing).
    """
    year, word = d.fiscal_year, d.doc_type if d.doc_type in ("预算", "决算") else None
    if year is None or word is None:
        return []
    named = [(t, y) for t in d.titles for y in textual.own_kind_years(t.text, word)]
    if 2 * sum(y == year for _, y in named) <= len(named):
        return []
    return [*_title_years(named, year, word), *_wording_years(d, year, word), *_comparison_years(d, year)]


def _title_years(named: list[tuple[Title, int]], year: int, word: str) -> list[Finding]:
    out: list[Finding] = []
    for t, y in named:
        if y != year and all(f.span != t.span for f in out):
            msg = f"标题“{t.text}”所写年度为{y}年，报告为{year}年度{word}"
            out.append(_finding("text.wrong_year", msg, t.span, expected=str(year), actual=str(y)))
    return out


def _wording_years(d: Disclosure, year: int, word: str) -> list[Finding]:
    out = []
    for start, end, y in textual.own_year_wordings(d.text, lexicon().own_year):
        if y != year:
            msg = f"“{textual.compact(d.text[start:end])}”所写年度为{y}年，报告为{year}年度{word}"
            out.append(_finding("text.wrong_year", msg, d.to_raw(start, end), expected=str(year), actual=str(y)))
    return out


def _comparison_years(d: Disclosure, year: int) -> list[Finding]:
    out = []
    for c in textual.comparisons(d.text):
        why = _wrong_base(d.doc_type or "", year, c)
        if why:
            msg = f"“{textual.compact(d.text[c.start : c.end])}”：{why}"
            span = d.to_raw(c.start, c.end)
            out.append(_finding("text.wrong_year", msg, span, expected=str(year - 1), actual=str(c.year)))
    return out


def _wrong_base(doc_type: str, year: int, c: textual.Comparison) -> str | None:
    """Why the base year of a comparison cannot be right in a report of this type and year, or None."""
    if c.subject_year not in (None, year):
        return None  # a comparison about another year (2024年执行数比2024年预算…)
    if doc_type == "预算" and c.year >= year:
        return f"{year}年预算的比较基数应为以前年度，却写作{c.year}年"
    if doc_type == "决算" and c.year > year:
        return f"{year}年度决算的比较基数不应是以后年度（{c.year}年）"
    if doc_type == "决算" and c.year == year:
        if "预算" not in c.base:
            return f"{year}年度决算与同年比较，比较基数应为上年（{year - 1}年）"
        if c.base.rstrip("数") == c.subject_label.rstrip("数"):
            return f"{year}年{c.base}与同年{c.base}比较，比较基数应为上年（{year - 1}年）"
    return None
