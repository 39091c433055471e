"""Words next to a figure in the raw text that the arithmetic needs.

决算数大于/小于预算数, the direction word of an explanation (增加的主要原因是), the year label in front of a
figure, and projects named in a list; for the completeness rules, the titles of tables, the years titles and
own-year wordings name, and comparisons with a named year.

The figure functions take the raw text and raw offsets and return None when the text says nothing clear; the
completeness functions take any text and return offsets into it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from pipeline.textutil import no_spaces, squeeze

Direction = str  # "up" | "down" | "flat"

_COMPLETION_WORD = re.compile(r"决算数?(大于|小于|等于|高于|低于)预算数?|(与预算数?持平)")
_WORDS = {"大于": "up", "高于": "up", "小于": "down", "低于": "down", "等于": "flat"}
_REASON_WORD = re.compile(r"(增加|减少|增长|下降|上升|降低)的主要原因")
_REASON_ENDS = re.compile(
    r"^[%％]?[，,。]?主要原因(是|为)[：:]?(?P<body>[^。；]{0,30}?)(?P<word>增加|减少|增长|下降|上升|降低)[。；]"
)
_REASON_DIRECTIONS = {"增加": "up", "增长": "up", "上升": "up", "减少": "down", "下降": "down", "降低": "down"}
_YEAR_LABEL = re.compile(r"(\d{4})\s*年度?([^，。；;,\d]{0,12})$")
_PRIOR_WORDS = ("上年", "上一年", "去年", "同期")
_ENUMERATED_EVALUATION = re.compile(r"对((?:[^，。；、]{2,40}?项目、)+[^，。；、]{2,40}?项目)开展了?绩效评价")


def _sentence_after(text: str, end: int, limit: int = 60) -> str:
    """The rest of the sentence after a figure, line breaks (PDF wraps) removed, up to the next 完成预算."""
    window = no_spaces(text[end : end + limit])
    cut = min((i for i in (window.find("。"), window.find("完成预算")) if i >= 0), default=len(window))
    return window[:cut]


def completion_word(text: str, end: int) -> Direction | None:
    """The 决算数大于/小于/等于预算数 (or 与预算数持平) stated right after a completion rate ending at `end`."""
    m = _COMPLETION_WORD.search(_sentence_after(text, end))
    if m is None:
        return None
    return "flat" if m.group(2) else _WORDS[m.group(1)]


def reason_word(text: str, end: int) -> tuple[Direction, str] | None:
    """The direction of the explanation following a change ending at `end` (this or the next sentence).

    '增加的主要原因是…', or '主要原因是：…经费增加。' when the explanation ends on one direction word.
    """
    window = no_spaces(text[end : end + 60])
    m = _REASON_WORD.search(window[:30])
    if m:
        return _REASON_DIRECTIONS[m.group(1)], m.group(0)
    m = _REASON_ENDS.match(window)
    if m and not any(w in m.group("body") for w in _REASON_DIRECTIONS):
        return _REASON_DIRECTIONS[m.group("word")], m.group(0).lstrip("%，,。")
    return None


def year_label(text: str, start: int) -> int | None:
    """The year written in the same clause just before a figure starting at `start` (2020年度收入预算383.71 → 2020)."""
    m = _YEAR_LABEL.search(no_spaces(text[max(0, start - 24) : start]))
    if m is None or any(w in m.group(2) for w in _PRIOR_WORDS):
        return None
    return int(m.group(1))


def enumerated_evaluations(text: str) -> list[tuple[int, int, list[str]]]:
    """Project evaluations named in a list: 对A项目、B项目开展了绩效评价 → (start, end, [A项目, B项目])."""
    return [(m.start(), m.end(), no_spaces(m.group(1)).split("、")) for m in _ENUMERATED_EVALUATION.finditer(text)]


# ---------------------------------------------------------------- titles, years and comparisons (completeness)

_TITLE_END = re.compile(r"表(?:[（(][^）)]{0,12}[）)])?$")
_TITLE_UNIT_TAIL = re.compile(r"(?:金额)?单\s*[位元]\s*[：:].*$")
_TABLE_FOLLOWS = re.compile(
    r"\t|^\s*(?:部\s*门(?:名称)?|单\s*位|编制(?:部门|单位)|预算(?:主管部门|单位)|金额单位|填报单位)\s*[：:]"
)
_OWN_KIND_END = re.compile(r"(?:表|说明|公开|报告)(?:[（(][^）)]{0,12}[）)])?$")
_COMPARATIVE = ("比", "较", "与", "同", "对")
_DIRECTION = "增加|减少|增长|下降|持平|一致|上升|降低"
_COMPARISON = re.compile(
    rf"(?P<op>比|较|与|同)\s*(?P<year>20\d{{2}})\s*年\s*度?\s*"
    rf"(?P<base>(?:(?!相比|对比|比较|{_DIRECTION})[\u4e00-\u9fff]){{0,12}})\s*(?P<link>相比|对比|比较)?"
    rf"(?P<rest>\s*[，,]?[^。；;\t\n]{{0,30}}?)(?P<word>{_DIRECTION})"
)
_SUBJECT_YEAR = re.compile(r"(?<!\d)(20\d{2})年度?(?P<label>[^\d，,]*)")
_CLAUSE_START = re.compile(r"[。；;\n][^。；;\n]*$")


def compact(text: str) -> str:
    """The text with every whitespace character removed (titles and wordings are compared this way)."""
    return no_spaces(text)


def table_titles(text: str) -> list[tuple[int, int, str]]:
    """Lines titling a table: one cell ending in 表, not part of a table of contents.

    A title wrapped before its last 表 is joined (“三公”经费…支出预算 / 表). A table of contents is a run of three
    or more such lines with no table after them; a title followed within four lines by a unit line (单位：…,
    部门：…) or the table's rows is a table's, wherever it stands. Returns (start, end, title without whitespace
    and unit tail).
    """
    lines = text.split("\n")
    starts = list(accumulate((len(line) + 1 for line in lines), initial=0))
    found: list[tuple[int, str, bool]] = []  # line index, title, a table follows
    with_mark = [i for i, line in enumerate(lines) if "表" in line]
    for i in sorted({*with_mark, *(i - 1 for i in with_mark if i)}):  # a title ends in 表, or its next line is 表
        line = lines[i]
        if "表" not in line and (i + 1 == len(lines) or lines[i + 1].strip() != "表"):
            continue  # no 表 to end a title with
        if len([c for c in line.split("\t") if c.strip()]) != 1:
            continue
        title, after = compact(_TITLE_UNIT_TAIL.sub("", line)), i + 1
        if not title.endswith("表") and i + 1 < len(lines) and compact(lines[i + 1]) == "表":
            title, after = title + "表", i + 2
        if 4 <= len(title) <= 60 and _TITLE_END.search(title):
            found.append((i, title, any(_TABLE_FOLLOWS.search(nxt) for nxt in lines[after : after + 4])))
    out = []
    for n, (i, title, follows) in enumerate(found):
        if follows or not _in_contents(found, n, lines):
            line = lines[i]
            lead = len(line) - len(line.lstrip())
            out.append((starts[i] + lead, starts[i] + len(line.rstrip()), title))
    return out


def _in_contents(found: list[tuple[int, str, bool]], n: int, lines: list[str]) -> bool:
    """Whether title n stands in a run of three or more title lines (blank lines between them ignored)."""

    def adjacent(a: int, b: int) -> bool:
        return all(not lines[k].strip() for k in range(found[a][0] + 1, found[b][0]))

    lo = hi = n
    while lo > 0 and adjacent(lo - 1, lo):
        lo -= 1
    while hi + 1 < len(found) and adjacent(hi, hi + 1):
        hi += 1
    return hi - lo + 1 >= 3


def own_kind_years(title: str, word: str) -> list[int]:
    """Years a title of the report's own kind names as its own (2024年部门收入预算总表 with word 预算 → [2024]).

    The title (whitespace removed, at most 60 characters) must end as a table, 说明, 公开 or 报告 does; a year
    named as the base of a comparison (比2024年) or of an execution (2024年预算执行情况) is not the title's own.
    """
    title = _TITLE_UNIT_TAIL.sub("", title)
    if len(title) > 60 or not _OWN_KIND_END.search(title):
        return []
    years = []
    for m in _own_kind_year(word).finditer(title):
        before = title[max(0, m.start() - 2) : m.start()]
        if any(w in before for w in _COMPARATIVE) or any(w in m.group(2) for w in ("执行", "上年", "相比", "比")):
            continue
        years.append(int(m.group(1)))
    return years


@lru_cache(maxsize=64)
def _own_kind_year(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\d)(20\d{{2}})年度?([^，。；：:、\d]{{0,20}}?){word}(?!执行)")


def own_year_wordings(text: str, patterns: tuple[re.Pattern[str], ...]) -> list[tuple[int, int, int]]:
    """Wordings that always name the report's own year (纳入本部门2018年部门汇总预算编制范围): (start, end, year).

    The patterns read whitespace-free text; the spans returned are in `text`.
    """
    flat = squeeze(text)
    return [
        (flat.origin(m.start()), flat.origin(m.end() - 1) + 1, int(m.group("year")))
        for p in patterns
        for m in p.finditer(flat.text)
    ]


@dataclass(frozen=True)
class Comparison:
    """A year-on-year wording: 比2024年预算增加… with its base year, the base's label and the clause before it."""

    start: int
    end: int
    year: int
    base: str  # what the base names after its year (预算, 预算执行数, 收入预算 …), whitespace removed
    subject: str  # the clause before the comparison, whitespace removed
    subject_year: int | None  # the year the clause names first, if any
    subject_label: str = ""  # what it names after that year, up to its figure (2020年度收入预算371.18 → 收入预算)


def comparisons(text: str) -> list[Comparison]:
    """Comparisons with a named year: 比/较 + year + base … direction word; 与/同 + year + 相比 (or 持平 / 一致)."""
    out = []
    for m in _COMPARISON.finditer(text):
        if (
            m.group("op") in ("与", "同")
            and not m.group("link")
            and not (m.group("word") in ("持平", "一致") and not m.group("rest").strip())
        ):
            continue  # 与 + year without 相比: not a comparison (参与2025年度项目申报，增加…)
        head = text[max(0, m.start() - 80) : m.start()]
        cut = _CLAUSE_START.search(head)
        subject = compact(head[cut.start() + 1 :] if cut else head)
        year_in_subject = _SUBJECT_YEAR.search(subject)
        out.append(
            Comparison(
                m.start(),
                m.end(),
                int(m.group("year")),
                compact(m.group("base")),
                subject,
                int(year_in_subject.group(1)) if year_in_subject else None,
                year_in_subject.group("label").rstrip("为是：:") if year_in_subject else "",
            )
        )
    return out
