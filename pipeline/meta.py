"""Deterministic document metadata: issuing body, fiscal year, document type and the amount unit in force."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable

from pipeline.segment import Block, Segmented
from schemas.document import DocType, Meta

_PLACE_END = "省市县区州旗盟"
_SUFFIX = re.compile(
    r"(?:事业管理局|事务管理局|管理局|事务中心|服务中心|中心|委员会|办公室|研究院|局|院|所|站|馆|队|处|厅)"
)
_QUOTED = re.compile(r"《[^》\n]{0,120}》|“[^”\n]{0,60}”")
_BOUNDARY = set("\n \t（(“：:，,。；、") | {""}
_YEAR = re.compile(
    r"(20\d{2})\s*年\s*度?\s*(?:[区市省县]级)?\s*(?:部门|单位)?\s*(?:整体支出)?\s*(?:财务)?\s*(?:收支|收入|支出)?\s*(?:决算|预算|绩效)"
)
# a year named as the base of a comparison (比2024年预算增加, 与2018年相比, 2022年当年预算执行数) is not the report's
_COMPARED = re.compile(r"(?:比|较|与|同|对比|上年|上一年)\s*$")
_NOT_OWN = re.compile(r"^\s*年\s*度?\s*(?:当年)?\s*预算执行|^\s*年\s*度?\s*(?:相比|同期|年初)")
_LABELLED_BODY = re.compile(
    r"^[ \t]*(?:预算主管部门|部门名称|编制部门|预算单位|部\s*门)\s*[：:]\s*(?P<name>[\u4e00-\u9fff（）()]{4,40}?)(?=\s|$|单位[：:])",
    re.M,
)
_MONEY_UNIT = re.compile(r"\d\s*(亿元|万元|元)")


def detect_meta(text: str, seg: Segmented, to_raw: Callable[[int, int], tuple[int, int]] | None = None) -> Meta:
    """Find unit name, fiscal year, document type and amount unit from the clean text and its sections.

    `evidence` holds, per field, the span of the text that states it (mapped to raw spans by `to_raw`).
    """
    evidence: dict[str, tuple[int, int]] = {}
    name, name_at = unit_name_with_span(text)
    year, year_at = fiscal_year_with_span(text, seg)
    for field_name, at in (("unit_name", name_at), ("fiscal_year", year_at)):
        if at is not None:
            evidence[field_name] = to_raw(*at) if to_raw else at
    return Meta(
        unit_name=name, fiscal_year=year, doc_type=doc_type(seg), unit=amount_unit(text, seg), evidence=evidence
    )


def unit_name(text: str) -> str | None:
    """The issuing body (see `unit_name_with_span`)."""
    return unit_name_with_span(text)[0]


def unit_name_with_span(text: str) -> tuple[str | None, tuple[int, int] | None]:
    """The issuing body and where it is stated.

    A labelled line (预算主管部门：X, 部门名称：X, 编制部门：X, 预算单位：X) names it outright; else the organisation
    name (place + body + 局/中心…) stated most often outside tables, short lines (titles, signatures) weighing more,
    names inside 《》 or quotes (documents cited, former names) and table rows (abbreviations) not counted.
    """
    labelled = Counter(m.group("name") for m in _LABELLED_BODY.finditer(text))
    if labelled:
        best = max(labelled.items(), key=lambda kv: (kv[1], len(kv[0])))[0]
        at = text.find(best)
        return best, (at, at + len(best))
    name = _most_stated_body(text)
    if name is None:
        return None, None
    at = text.find(name)
    return name, (at, at + len(name))


def _most_stated_body(text: str) -> str | None:
    scores: Counter[str] = Counter()
    for line in text.split("\n"):
        if "\t" in line:
            continue
        if "《" in line or "“" in line:
            line = _QUOTED.sub(lambda m: " " * len(m.group(0)), line)
        weight = 5 if len(line.strip()) <= 30 else 1
        for m in _PLACE_CHAR.finditer(line):
            # every place name tried ends with the two ideographs before the place character: without them, or
            # after 全/各/本…, there is nothing to score (tested before the dearer search for the name's end)
            if m.start() < 2 or not _is_cjk_run(line[m.start() - 2 : m.start()]):
                continue
            if line[m.start() - 1] in _NOT_PLACE or (end := _name_end(line, m.end())) is None:
                continue
            for place_len in (2, 3, 4):
                start = m.start() - place_len
                if start < 0 or not _is_cjk_run(line[start : m.start()]):
                    continue
                bonus = 3 if start == 0 or line[start - 1] in _BOUNDARY else 0
                scores[line[start:end]] += weight + bonus + (1 if place_len <= 3 else 0)
    if not scores:
        return None
    return max(scores.items(), key=lambda kv: (kv[1], len(kv[0])))[0]


_NOT_PLACE = set("全各本该我每")
_PLACE_CHAR = re.compile(f"[{_PLACE_END}]")


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]*")
_NAME_REACH = 17 + 5  # the longest body and the longest suffix


def _name_end(text: str, pos: int) -> int | None:
    """End of an organisation name whose body starts at `pos`, or None.

    The name must be all ideographs: where their run from `pos` ends (`run`), so do the bodies worth trying.
    """
    found = _CJK_RUN.match(text, pos, pos + _NAME_REACH + 1)
    run = found.end() if found is not None else pos  # (`*` matches everywhere, if only the empty run)
    for body_len in range(2, min(18, run - pos)):
        m = _SUFFIX.match(text, pos + body_len)
        if m and m.end() <= run:
            return m.end()
    return None


def _is_cjk_run(s: str) -> bool:
    return bool(s) and all("\u4e00" <= ch <= "\u9fff" for ch in s)


def fiscal_year(text: str, seg: Segmented | None = None) -> int | None:
    """The year the report covers (see `fiscal_year_with_span`)."""
    return fiscal_year_with_span(text, seg)[0]


def fiscal_year_with_span(text: str, seg: Segmented | None = None) -> tuple[int | None, tuple[int, int] | None]:
    """The year the report covers, and the span stating it.

    A year written with 决算/预算/绩效 in the title, headings and table titles (weighted), or in the prose — never a
    year named as the base of a comparison (比2024年预算增加).
    """
    heads = {s.start for s in seg.sections} if seg is not None else set()
    head_len = min(len(text), 400)
    votes: Counter[int] = Counter()
    first_at: dict[int, tuple[int, int]] = {}
    for m in _YEAR.finditer(text):
        if _COMPARED.search(text[max(0, m.start() - 4) : m.start()]) or _NOT_OWN.match(text[m.start(1) + 4 :]):
            continue
        year = int(m.group(1))
        line_start = text.rfind("\n", 0, m.start()) + 1
        weight = 5 if m.start() < head_len else (3 if line_start in heads else 1)
        votes[year] += weight
        first_at.setdefault(year, (m.start(1), m.end(1)))
    if votes:
        year = max(votes.items(), key=lambda kv: (kv[1], kv[0]))[0]
        return year, first_at[year]
    first = re.search(r"(20\d{2})\s*年", text)
    return (int(first.group(1)), (first.start(1), first.end(1))) if first else (None, None)


def doc_type(seg: Segmented) -> DocType | None:
    """决算 when a 决算 narrative is present, else 预算 for a budget explanation, else 绩效自评."""
    kinds = {s.kind for s in seg.sections}
    titles = " ".join(s.title for s in seg.sections)
    if "决算情况说明" in kinds or "收入决算" in kinds or "决算情况说明" in titles:
        return "决算"
    if "预算编制说明" in kinds or re.search(r"部门预算|单位预算|预算情况的说明|预算(总)?表", titles):
        return "预算"
    if "绩效自评" in kinds or "评分表" in kinds or "绩效" in titles:
        return "绩效自评"
    return None


def amount_unit(text: str, seg: Segmented) -> str | None:
    """The money unit used most in paragraphs (tables often state their own)."""
    blocks = list(seg.preamble) + [b for s in seg.sections for b in s.blocks]
    return _most_used_unit(text, blocks)


def _most_used_unit(text: str, blocks: list[Block]) -> str | None:
    """The money unit stated most in the paragraphs among `blocks` (the first stated, of equally used ones).

    One count over all the paragraphs' units: a `Counter.update` per paragraph costs more than its search.
    """
    counts = Counter(u for b in blocks if b.kind == "paragraph" for u in _MONEY_UNIT.findall(text, b.start, b.end))
    return counts.most_common(1)[0][0] if counts else None


# (?=…): the characters a match starts with, so the search skips every other position at once
_UNIT_LINE = re.compile(r"(?=[单（(])(?:单[位元]\s*[：:]\s*(万元|亿元|元)|[（(](万元|元)[）)])")


def unit_lines(text: str) -> tuple[list[int], list[tuple[int, str]]]:
    """Every stated unit (单位：万元, （元）) of the text: their starts, and (end, unit) of each, in order.

    No such statement can begin inside another (none of its characters after the first is a 单, （ or (), so
    these are all the places `_UNIT_LINE` matches at; `section_unit` bisects them instead of searching the text
    of every section again, which for nested sections reads the text once per level.
    """
    starts: list[int] = []
    found: list[tuple[int, str]] = []
    for m in _UNIT_LINE.finditer(text):
        starts.append(m.start())
        found.append((m.end(), m.group(1) or m.group(2)))
    return starts, found


def section_unit(
    text: str, seg: Segmented, index: int, units: tuple[list[int], list[tuple[int, str]]] | None = None
) -> str | None:
    """The amount unit in force in one section: a stated 单位 line, else the unit its sentences use most.

    `units` is `unit_lines(text)`, made once for all the sections of a document.
    """
    section = seg.sections[index]
    starts, found = units if units is not None else unit_lines(text)
    # the first statement inside the section's body: the first starting there, if it also ends there (later
    # ones end later still)
    i = bisect_left(starts, section.body_start)
    if i < len(starts) and found[i][0] <= section.end:
        return found[i][1]
    return _most_used_unit(text, section.blocks)
