"""Label lookups: the many ways a report writes one concept, and the classification codes of names.

The wordings themselves are data in the one lexicon (`pipeline/lexicon/lexicon.yaml`); this module matches them.
Labels are matched by meaning, never by position: the same concept is written 日常公用经费 or 公用经费,
公务用车购置及运行费 or 公务用车购置及运行维护费, 卫生健康支出 or 医疗卫生与计划生育支出. The longest alias that
ends nearest to a number names it. The lookups are pure functions of the lexicon, which does not change while
a process runs, so their answers are cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from pipeline.lexicon import lexicon
from pipeline.textutil import no_spaces

_LEX = lexicon()

# concept -> aliases (regex fragments matched on text with spaces removed), from the lexicon
# (a wording that also fixes the scope is keyed "concept@scope")
CONCEPT_ALIASES: dict[str, list[str]] = {}
for _cid, _c in _LEX.concepts.items():
    for _a in _c.aliases:
        CONCEPT_ALIASES.setdefault(f"{_cid}@{_a.scope}" if _a.scope else _cid, []).append(_a.pattern)

# Function classification (政府收支分类科目): code -> names (first is the standard one), from the lexicon.
FUNC_CODES: dict[str, list[str]] = {code: list(names) for code, names in _LEX.function.items()}

# Economic classification (支出经济分类科目): code -> names, from the lexicon.
ECON_CODES: dict[str, list[str]] = {code: list(names) for code, names in _LEX.economic.items()}


@dataclass(frozen=True)
class LabelMatch:
    """An alias found in a piece of text."""

    concept: str
    start: int
    end: int


def _compact(text: str) -> str:
    return no_spaces(text)


@lru_cache(maxsize=4096)
def _all_matches(text: str) -> tuple[LabelMatch, ...]:
    """Every alias occurrence (all start positions), the longest per start."""
    found = []
    starts = _starts()
    for i in range(len(text)):
        best: LabelMatch | None = None
        for concept, pattern in starts.get(text[i], ()):
            m = pattern.match(text, i)
            if m and m.end() > i and (best is None or m.end() > best.end):
                best = LabelMatch(concept, i, m.end())
        if best is not None:
            found.append(best)
    return tuple(found)


@cache
def _starts() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """Every alias compiled on its own, indexed by the characters it can start with.

    One alternation per concept would stop at its first matching alias, not its longest.
    """
    index: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for concept, aliases in CONCEPT_ALIASES.items():
        for alias in aliases:
            pattern = re.compile(alias)
            for ch in _first_chars(alias):
                index.setdefault(ch, []).append((concept, pattern))
    return index


def _first_chars(alias: str) -> set[str]:
    """Characters a match of the alias can start with (a superset: every CJK char the alias holds up front)."""
    firsts: set[str] = set()
    body = alias
    while body.startswith("(?<!"):
        body = body[body.index(")") + 1 :]
    optional = re.match(r"^(\[[^\]]*\]\??|\((?:[^()]|\([^()]*\))*\)\??)", body)
    while optional:
        group = optional.group(1)
        firsts |= set(re.findall(r"[\u4e00-\u9fff“”\"（(]", group))
        if not group.endswith("?"):
            return firsts
        body = body[len(group) :]
        optional = re.match(r"^(\[[^\]]*\]\??|\((?:[^()]|\([^()]*\))*\)\??)", body)
    if body:
        firsts.add(body[0])
    return firsts


def last_concept(text: str) -> LabelMatch | None:
    """The alias ending nearest the end of `text` (the label of a number that follows), longest on ties."""
    compact = _compact(text)
    best: LabelMatch | None = None
    for m in _all_matches(compact):
        if best is None or m.end > best.end or (m.end == best.end and m.start < best.start):
            best = m
    return best


@lru_cache(maxsize=16384)  # labels recur within a document and across documents
def concept_of(label: str) -> str | None:
    """The concept a whole label (table row, chart label) names, or None."""
    compact = _compact(
        re.sub(r"^[一二三四五六七八九十\d]+[、.]|^[（(][一二三四五六七八九十\d]+[）)]|^其中[：:]", "", label.strip())
    )
    compact = re.sub(r"^[（(]\d+[）)]", "", compact)
    if not compact:
        return None
    for m in _all_matches(compact):
        if m.start == 0 and m.end == len(compact):
            return m.concept
    func = func_code_by_name(compact.removesuffix("支出").removesuffix("（类）"))
    if func:
        return f"func:{func}"
    return None


@cache
def _func_names() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for code, aliases in FUNC_CODES.items():
        for a in aliases:
            names.setdefault(a, []).append(code)
    return names


@lru_cache(maxsize=16384)  # labels recur within a document and across documents
def func_code_by_name(name: str, parent: str | None = None) -> str | None:
    """Code of a function-class name, resolved under `parent` (a 类 or 款 code) when given."""
    name = _compact(name).removesuffix("支出") if name not in _func_names() else _compact(name)
    codes = _func_names().get(name) or _func_names().get(name + "支出") or []
    if parent:
        codes = [c for c in codes if c.startswith(parent) and len(c) == len(parent) + 2]
    elif len(codes) > 1:
        codes = [c for c in codes if len(c) == 3] or codes[:1]
    return codes[0] if len(codes) == 1 or (codes and parent) else (codes[0] if codes else None)


@lru_cache(maxsize=16384)  # labels recur within a document and across documents
def func_code_by_prefix(prefix: str, parent: str | None = None) -> str | None:
    """Code of a truncated function-class name (table cells cut to width: 社会保障和就业支 → 208)."""
    prefix = _compact(prefix)
    if len(prefix) < 2:
        return None
    hits = []
    for code, aliases in FUNC_CODES.items():
        if parent is not None and not (code.startswith(parent) and len(code) == len(parent) + 2):
            continue
        if parent is None and len(code) != 3:
            continue
        if any((a + "支出").startswith(prefix) or a.startswith(prefix) for a in aliases):
            hits.append(code)
    return hits[0] if len(hits) == 1 else None


@lru_cache(maxsize=16384)  # labels recur within a document and across documents
def econ_code_by_name(name: str, fiscal_year: int | None = None) -> str | None:
    """Code of an economic-class name (工资福利支出 → 301, 基本工资 → 30101), by the revision of the year."""
    compact = _compact(name)
    if fiscal_year is not None and fiscal_year < 2018 and compact in _LEX.economic_before_2018:
        return _LEX.economic_before_2018[compact]
    for code, aliases in ECON_CODES.items():
        if compact in (_compact(a) for a in aliases):
            return code
    return None


@lru_cache(maxsize=16384)  # labels recur within a document and across documents
def econ_code_by_prefix(prefix: str) -> str | None:
    """Code of a truncated economic-class group name (工资福 → 301)."""
    compact = _compact(prefix)
    hits = [c for c, al in ECON_CODES.items() if len(c) == 3 and any(a.startswith(compact) for a in al)]
    return hits[0] if len(compact) >= 2 and len(hits) == 1 else None
