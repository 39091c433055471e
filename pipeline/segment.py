"""Split clean text into a heading tree of sections, each holding paragraph, table and chart-data blocks.

Headings are recognised by their numbering style (第X部分, 附件N, 一、, （一）, 1、/1., （1）, markdown #) and by
the template's canonical titles when the numbering was lost. Each numbering style has a rank; a heading becomes
the child of the nearest earlier heading of smaller rank. Every section is classified into a canonical section
type (`kind`) by the meaning of its title, never by its number.
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from pipeline.clean import CleanText
from pipeline.textutil import no_spaces

PART, ATTACHMENT, REPORT_TITLE, CHAPTER, SUB, ITEM, SUBITEM, TABLE = 10, 15, 17, 20, 30, 40, 50, 60

_NUMBERED: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"^第[一二三四五六七八九十\d]{1,3}部分\s*(.*)$"), PART),
    (re.compile(r"^附件\s*([\d一二三四五六七八九十]{1,3})\s*[:：]?\s*(.*)$"), ATTACHMENT),
    (re.compile(r"^[一二三四五六七八九十]{1,3}\s*[、.]\s*(.+)$"), CHAPTER),
    (re.compile(r"^[（(][一二三四五六七八九十]{1,3}[）)]\s*(.+)$"), SUB),
    (re.compile(r"^\d{1,2}\s*[、.](?!\d)\s*(.+)$"), ITEM),
    (re.compile(r"^[（(]\d{1,2}[）)]\s*(.+)$"), SUBITEM),
]
_CHAPTER_TITLES = re.compile(
    r"^(收入支出决算总体情况|收入决算情况|支出决算情况|财政拨款收入支出决算总体情况|一般公共预算财政拨款支出决算情况"
    r"|一般公共预算财政拨款基本支出决算情况|[“\"]?三公[”\"]?经费财政拨款支出决算情况|政府性基金预算(财政拨款)?支出决算情况"
    r"|国有资本经营预算(财政拨款)?支出决算情况|其他重要事项的?情况)(说明)?$"
)
_PART_TITLES = re.compile(r"^(名词解释|附件|附表)$")
_REPORT_TITLE_ENDS = ("绩效自评报告", "绩效评价报告")
_REPORT_TITLE = re.compile(rf"^.{{0,40}}({'|'.join(_REPORT_TITLE_ENDS)})$")
_TABLE_TITLE_ENDS = ("表", "项目绩效目标自评", "项目绩效目标")
_TABLE_TITLE = re.compile(rf"^.{{2,60}}({'|'.join(_TABLE_TITLE_ENDS)})$")
_TABLE_BREAK = re.compile(
    r"^\s*(.{2,60}表(（[^）]{0,12}）)?|(金额)?单\s*位\s*[：:].{0,8}|(编制部门|部门名称|预算单位)[：:].*)\s*$"
)
_SPACED_ROW_END = re.compile(r"\S {2,}[-\d.,%]+$")  # a space-aligned table row ending in a number
_FIGURE = re.compile(r"\d\s*(万元|元|亿元|%|人)")

# (kind, pattern on the heading title); first match wins.
SECTION_KINDS: list[tuple[str, re.Pattern[str]]] = [
    (k, re.compile(p))
    for k, p in [
        ("名词解释", r"^名词解释"),
        ("附表", r"^附表"),
        ("附件", r"^附件\s*[\d一二三四五六七八九十]*$"),
        ("评分表", r"评分表"),
        ("项目绩效表", r"项目绩效目标(完成情况表|自评)|项目绩效目标$|绩效目标表$"),
        ("绩效自评", r"绩效(自评|评价)报告|绩效自评$"),
        ("部门预算表", r"(预算|收支|支出|收入)[^，。]{0,20}表$|统计表$"),
        ("决算情况说明", r"^\d{4}年度?(部门|单位)?决算情况说明$"),
        ("预算编制说明", r"预算(编制)?的?(情况的?)?说明$"),
        ("收入支出决算总体情况", r"^收入支出决算总体情况"),
        ("收入决算", r"^收入决算"),
        ("支出决算", r"^支出决算"),
        ("财政拨款收入支出决算总体情况", r"^财政拨款收入支出决算总体情况"),
        ("一般公共预算财政拨款支出决算总体情况", r"^一般公共预算财政拨款支出决算总体情况"),
        ("一般公共预算财政拨款支出决算结构情况", r"^一般公共预算财政拨款支出决算结构"),
        ("一般公共预算财政拨款支出决算具体情况", r"^一般公共预算财政拨款支出决算具体"),
        ("一般公共预算财政拨款支出决算", r"^一般公共预算财政拨款支出决算"),
        ("一般公共预算财政拨款基本支出决算", r"^一般公共预算财政拨款基本支出"),
        ("三公经费", r"三公.{0,2}经费|因公出国|公务接待费|公务用车"),
        ("政府性基金", r"^政府性基金"),
        ("国有资本经营", r"^国有资本经营"),
        ("其他重要事项", r"^其他重要事项"),
        ("机关运行经费", r"机关运行经费"),
        ("政府采购", r"政府采购"),
        ("国有资产", r"国有资产"),
        ("预算绩效管理", r"预算绩效管理|项目绩效目标完成情况|绩效评价结果"),
        ("收支预算总体情况", r"收支预算总体情况"),
        ("支出预算安排情况", r"支出预算(安排)?情况"),
        (
            "部门概况",
            r"(部门|单位)(（单位）)?概况|基本职能|机构设置|职能简介|主要职能|机构职能|机构(组成|情况)|人员(概况|情况)",
        ),
    ]
]


@dataclass(slots=True)  # slots: a 100,000-row table holds a million of them
class Cell:
    """One table cell: its text and clean span."""

    text: str
    start: int
    end: int


@dataclass(slots=True)
class Block:
    """A paragraph line, a table or a chart-data dump, with its clean span."""

    kind: str  # paragraph | table | chart
    start: int
    end: int
    rows: list[list[Cell]] = field(default_factory=list)
    style: str | None = None  # tsv | cells | spaces (tables)
    title: str | None = None  # charts


@dataclass
class Section:
    """A node of the heading tree (clean coordinates)."""

    id: str
    title: str
    heading: str
    kind: str
    rank: int
    start: int  # heading line start
    body_start: int  # after the heading line
    end: int = 0  # end of the section including children
    parent: int | None = None
    depth: int = 1
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Segmented:
    """The heading tree plus the blocks before the first heading."""

    sections: list[Section]
    preamble: list[Block]
    _index: tuple[int, list[int], list[Section | None]] | None = field(default=None, init=False, repr=False)

    def section_at(self, pos: int) -> Section | None:
        """The innermost section whose span contains clean position `pos` (the latest start; on a tie, the last).

        A bisection over the sections' boundaries, so that locating every fact of a large document stays linear.
        """
        if self._index is None or self._index[0] != len(self.sections):
            self._index = (len(self.sections), *_innermost_index(self.sections))
        _, bounds, innermost = self._index
        k = bisect_right(bounds, pos) - 1
        return innermost[k] if k >= 0 else None


def _innermost_index(sections: list[Section]) -> tuple[list[int], list[Section | None]]:
    """Sorted boundaries (every start and end) and the innermost section from each boundary to the next.

    A sweep over the boundaries with a heap of the sections open there, latest start (then last listed) on top;
    a section whose end has been passed leaves the heap when it reaches the top.
    """
    bounds = sorted({p for s in sections for p in (s.start, s.end)})
    by_start = sorted(range(len(sections)), key=lambda n: sections[n].start)
    heap: list[tuple[int, int]] = []
    innermost: list[Section | None] = []
    i = 0
    for b in bounds:
        while i < len(by_start) and sections[by_start[i]].start <= b:
            heapq.heappush(heap, (-sections[by_start[i]].start, -by_start[i]))
            i += 1
        while heap and sections[-heap[0][1]].end <= b:
            heapq.heappop(heap)
        innermost.append(sections[-heap[0][1]] if heap else None)
    return bounds, innermost


def classify(title: str) -> str:
    """Canonical section type of a heading title, or 'unknown'."""
    compact = no_spaces(title)
    for kind, pattern in SECTION_KINDS:
        if pattern.search(compact):
            return kind
    return "unknown"


def segment(ct: CleanText) -> Segmented:
    """Build the section tree and the blocks of every section."""
    text = ct.text
    lines = _line_spans(text)
    heads = _find_headings(text, lines, ct.md_headings)
    sections = _build_tree(heads, len(text))
    preamble_end = sections[0].start if sections else len(text)
    starts, ends = [s for s, _ in lines], [e for _, e in lines]
    preamble = _blocks(text, _lines_within(lines, starts, ends, 0, preamble_end))
    for i, s in enumerate(sections):
        own_end = sections[i + 1].start if i + 1 < len(sections) else len(text)
        s.blocks = _blocks(text, _lines_within(lines, starts, ends, s.body_start, own_end))
    return Segmented(sections, preamble)


def _lines_within(
    lines: list[tuple[int, int]], starts: list[int], ends: list[int], start: int, end: int
) -> list[tuple[int, int]]:
    """The lines lying inside [start, end): starts and ends both ascend, so they are one slice, found by bisection."""
    lo, hi = bisect_left(starts, start), bisect_right(ends, end)
    return lines[lo:hi] if lo < hi else []


_NEWLINE = re.compile(r"\n")


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _NEWLINE.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


@dataclass
class _Head:
    line: int
    start: int
    end: int
    title: str
    heading: str
    rank: int
    kind: str


def _find_headings(text: str, lines: list[tuple[int, int]], md: dict[int, int]) -> list[_Head]:
    heads: list[_Head] = []
    for i, (s, e) in enumerate(lines):
        raw_line = text[s:e]
        line = raw_line.strip()
        if not line or "\t" in line or _SPACED_ROW_END.search(line):
            continue
        lead = s + (len(raw_line) - len(raw_line.lstrip()))
        found = _heading_rank(line, text, lines, i, s in md or lead in md)
        if found is None or (raw_line.startswith("\t") and found[0] != TABLE):
            continue
        rank, title = found
        kind = classify(title)
        if rank == ITEM and kind in _CHAPTER_KINDS:
            rank = CHAPTER  # 1、收入决算情况说明: Word auto-numbering turned 一、 into 1、
        heads.append(_Head(i, lead, e, title, line, rank, kind))
    heads = [h for h in heads if not _list_item(h, text, lines)]
    _place_tables(heads)
    return heads


def _style(line: str) -> int:
    return next((n for n, (pattern, _) in enumerate(_NUMBERED) if pattern.match(line)), -1)


def _list_item(h: _Head, text: str, lines: list[tuple[int, int]]) -> bool:
    """A numbered sentence directly followed by another item of the same numbering style is a list, not a heading."""
    if not h.heading.endswith(("。", "；", ";")) or _style(h.heading) < 0:
        return False
    for n in range(h.line + 1, len(lines)):  # an index, not a slice: a copy of the rest per heading is quadratic
        s, e = lines[n]
        nxt = text[s:e].strip()
        if nxt:
            return _style(nxt) == _style(h.heading)
    return False


_CHAPTER_KINDS = {
    "收入支出决算总体情况",
    "收入决算",
    "支出决算",
    "财政拨款收入支出决算总体情况",
    "一般公共预算财政拨款支出决算",
    "一般公共预算财政拨款基本支出决算",
    "政府性基金",
    "国有资本经营",
    "其他重要事项",
}


def _heading_rank(line: str, text: str, lines: list[tuple[int, int]], i: int, is_md: bool) -> tuple[int, str] | None:
    if len(line) > 60:
        return None
    # a line holds no line break, so its end is what the titles' `$` sees: their endings are tested first (cheaply)
    table_like = line.endswith(_TABLE_TITLE_ENDS) and _TABLE_TITLE.match(line) is not None
    if table_like and not _FIGURE.search(line) and _table_follows(text, lines, i):
        return TABLE, line
    for pattern, rank in _NUMBERED:
        m = pattern.match(line)
        if m:
            title = m.group(m.lastindex or 1).strip() if m.lastindex else ""
            if rank == ATTACHMENT and len(title) > 20:
                return None
            return (rank, title or line) if is_md or _title_like(title, rank) else None
    if _PART_TITLES.match(line):
        return PART, line
    if _CHAPTER_TITLES.match(line.replace(" ", "")):
        return CHAPTER, line
    if line.endswith(_REPORT_TITLE_ENDS) and _REPORT_TITLE.match(line) and not _FIGURE.search(line):
        return REPORT_TITLE, line
    if is_md and not _FIGURE.search(line) and len(line) <= 60:
        return PART, line
    return None


_DEFINITION = re.compile(r"[：:]\s*\S{3,}")
_RUN_TOGETHER_ROW = re.compile(r"\s[\d,.]+(?:\s+(?![年月日])|$)|\s[一二三四五六七八九十]+、")


def _title_like(title: str, rank: int) -> bool:
    """A numbered line is a heading when its text reads as a title, not as a numbered sentence."""
    if rank in (PART, ATTACHMENT):
        return True
    body = title.rstrip("。.")
    if title.endswith("。") and len(body) > 28:
        return False
    if len(body) > 40 or "。" in body or _FIGURE.search(body):
        return False
    if _DEFINITION.search(body):
        return False  # 1.财政拨款收入：指… is a numbered definition, not a heading
    if _RUN_TOGETHER_ROW.search(body):
        return False  # a table row whose cells run together: 1. 因公出国（境）费用 0 / 二、… 二、外交支出
    return body.endswith("表") or not (len(body) > 25 and any(p in body for p in "，；、"))


def _table_follows(text: str, lines: list[tuple[int, int]], i: int) -> bool:
    seen = 0
    for s, e in lines[i + 1 : i + 8]:
        line = text[s:e]
        if "\t" in line or _is_spaced_row(line) or _is_loose_row(line):
            return True
        if line.strip():
            seen += 1
            if seen > 5:
                return False  # a 单位 line and up to four header rows may come first
    return False


def _place_tables(heads: list[_Head]) -> None:
    """Table titles nest in a container section (附件, 项目绩效…), sit beside another table, or stand at the top."""
    containers = {"附件", "附表", "预算绩效管理", "项目绩效表"}
    for i, h in enumerate(heads):
        if h.rank != TABLE:
            continue
        previous = heads[i - 1] if i else None
        if previous is None:
            h.rank = PART
        elif previous.rank == TABLE or (
            previous.rank == PART and previous.kind in {"部门预算表", "评分表", "项目绩效表"}
        ):
            h.rank = previous.rank
        elif previous.kind in containers or any(p.kind in containers for p in heads[max(0, i - 3) : i]):
            h.rank = TABLE
        else:
            h.rank = PART


def _build_tree(heads: list[_Head], text_len: int) -> list[Section]:
    sections: list[Section] = []
    stack: list[int] = []
    for n, h in enumerate(heads):
        while stack and sections[stack[-1]].rank >= h.rank:
            sections[stack.pop()].end = h.start
        parent = stack[-1] if stack else None
        depth = sections[parent].depth + 1 if parent is not None else 1
        body_start = min(h.end + 1, text_len)
        sections.append(
            Section(f"s{n + 1}", h.title, h.heading, h.kind, h.rank, h.start, body_start, parent=parent, depth=depth)
        )
        stack.append(n)
    for idx in stack:
        sections[idx].end = text_len
    return sections


# ---------------------------------------------------------------- blocks

_CHART_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_SPACED = re.compile(r"\S(?: ?\S)*")
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|(\s*:?-{2,}:?\s*\|)+\s*$")
_EMPTY_MARKS = {"-", "—", "－", "/", "--"}


def _blocks(text: str, own: list[tuple[int, int]]) -> list[Block]:
    """Group a section's own lines into paragraph, table and chart blocks."""
    blocks: list[Block] = []
    i = 0
    while i < len(own):
        s, e = own[i]
        line = text[s:e]
        if not line.strip():
            i += 1
            continue
        if "\t" in line:
            j = _table_extent(text, own, i)
            blocks.extend(_tab_block(text, own[i:j], blocks))
            i = j
        elif _PIPE_ROW.match(line):
            j = i
            while j < len(own) and _PIPE_ROW.match(text[own[j][0] : own[j][1]]):
                j += 1
            blocks.append(_pipe_table(text, own[i:j], blocks))
            i = j
        elif _is_spaced_row(line) and (found := _spaced_chart(text, own, i, blocks)) is not None:
            blocks.append(found[0])
            i = found[1]
        elif (j := _spaced_extent(text, own, i)) > i + 1:
            blocks.append(_spaced_table(text, own[i:j]))
            i = j
        elif _is_loose_row(line) and (chart := _chart(text, [own[i]], blocks, sep="loose")) is not None:
            blocks.append(chart)
            i += 1
        elif (j := _loose_extent(text, own, i)) > i + 1:
            head = i
            while (
                blocks
                and blocks[-1].kind == "paragraph"
                and i - head < 4
                and _is_wordy_row(text[blocks[-1].start : blocks[-1].end])
            ):
                blocks.pop()  # header rows of the table: words only
                head -= 1
                while head > 0 and not text[own[head][0] : own[head][1]].strip():
                    head -= 1
            blocks.append(_loose_table(text, own[head:j]))
            i = j
        else:
            blocks.append(Block("paragraph", s, e))
            i += 1
    return blocks


def _table_extent(text: str, own: list[tuple[int, int]], i: int) -> int:
    """Index after the last line of the tab table starting at line i (blank lines and wrapped cells included)."""
    j = i + 1
    last = i
    while j < len(own):
        line = text[own[j][0] : own[j][1]]
        if "\t" in line:
            last = j
        elif line.strip():
            # a wrapped cell continues a tab-led line when the table resumes a few lines later; a table title or
            # a 单位 line starts the next table
            if _TABLE_BREAK.match(line) or not (last == j - 1 and _tab_line_within(text, own, j, 12)):
                break
            last = j
        elif j - last > 3:
            break
        j += 1
    return last + 1


def _tab_line_within(text: str, own: list[tuple[int, int]], j: int, n: int) -> bool:
    return any(text[s:e].startswith("\t") for s, e in own[j + 1 : j + 1 + n])


def _tab_block(text: str, rows: list[tuple[int, int]], previous: list[Block]) -> list[Block]:
    chart = _chart(text, rows, previous)
    if chart is not None:
        return [chart]
    cell_per_line = sum(1 for s, e in rows if text[s:e].startswith("\t") and text[s:e].count("\t") == 1)
    tab_lines = sum(1 for s, e in rows if "\t" in text[s:e])
    if cell_per_line >= 0.6 * tab_lines and tab_lines >= 4:
        return [Block("table", rows[0][0], rows[-1][1], _cell_rows(text, rows), "cells")]
    table_rows = [_split_cells(text, s, e, "\t") for s, e in rows if text[s:e].strip()]
    return [Block("table", rows[0][0], rows[-1][1], table_rows, "tsv")]


def _split_cells(text: str, s: int, e: int, sep: str) -> list[Cell]:
    cells, pos = [], s
    for part in text[s:e].split(sep):
        lead = len(part) - len(part.lstrip())
        body = part.strip()
        cells.append(Cell(body, pos + lead, pos + lead + len(body)))
        pos += len(part) + len(sep)
    return cells


def _cell_rows(text: str, lines: list[tuple[int, int]]) -> list[list[Cell]]:
    """One-cell-per-line tables: a tab starts a cell, a line without one continues it, blank lines end rows."""
    groups: list[list[Cell]] = []
    current: list[Cell] = []
    for s, e in lines:
        line = text[s:e]
        if not line.strip() and not line.startswith("\t"):
            if current:
                groups.append(current)
                current = []
        elif line.startswith("\t"):
            body = line[1:].strip()
            lead = s + 1 + (len(line[1:]) - len(line[1:].lstrip()))
            current.append(Cell(body, lead, lead + len(body)))
        elif current:
            cell = current[-1]
            cell.text += line.strip()
            cell.end = s + len(line.rstrip())
    if current:
        groups.append(current)
    return _merge_split_rows(groups)


def _merge_split_rows(groups: list[list[Cell]]) -> list[list[Cell]]:
    """Rejoin a row that a stray blank line split in two, using the header's width."""
    if not groups:
        return groups
    width = len(groups[0])
    merged: list[list[Cell]] = []
    for g in groups:
        if merged and len(merged[-1]) < width and len(merged[-1]) + len(g) <= width and len(g) < width:
            merged[-1] = merged[-1] + g
        else:
            merged.append(list(g))
    return merged


def _chart(text: str, rows: list[tuple[int, int]], previous: list[Block], sep: str = "\t") -> Block | None:
    """A chart-data dump: labels then as many numbers on one line, titled by the line before."""
    data = [(s, e) for s, e in rows if text[s:e].strip()]
    series = None
    if len(data) == 2 and len([c for c in _row_cells(text, *data[0], sep) if c.text not in _EMPTY_MARKS]) == 1:
        series = data.pop(0)  # 收、支决算总计 <tab>: the name of the single series
    if len(data) != 1:
        return None
    s, e = data[0]
    cells = [c for c in _row_cells(text, s, e, sep) if c.text not in _EMPTY_MARKS]
    numbers = [c for c in cells if _CHART_NUMBER.match(c.text)]
    labels = [c for c in cells if not _CHART_NUMBER.match(c.text)]
    if len(numbers) < 2 or len(numbers) != len(labels) or cells[: len(labels)] != labels:
        return None  # a chart has two or more categories (or years), labels first
    title = None
    start = series[0] if series else s
    if previous and previous[-1].kind == "paragraph" and len(text[previous[-1].start : previous[-1].end].strip()) <= 30:
        para = previous.pop()
        title = text[para.start : para.end].strip()
        start = para.start
    return Block("chart", start, e, [labels, numbers], "chart", title)


def _spaced_chart(text: str, own: list[tuple[int, int]], i: int, previous: list[Block]) -> tuple[Block, int] | None:
    """A chart dump exported with spaces: one data line, optionally after a one-cell series line."""
    chart = _chart(text, own[i : i + 2], previous, sep=" ") if i + 1 < len(own) else None
    if chart is not None:
        return chart, i + 2
    chart = _chart(text, [own[i]], previous, sep=" ")
    return (chart, i + 1) if chart is not None else None


def _row_cells(text: str, s: int, e: int, sep: str) -> list[Cell]:
    if sep == "\t":
        return [c for c in _split_cells(text, s, e, "\t") if c.text]
    if sep == "loose":
        return [Cell(m.group(0), s + m.start(), s + m.end()) for m in re.finditer(r"\S+", text[s:e])]
    return [Cell(m.group(0), s + m.start(), s + m.end()) for m in _SPACED.finditer(text[s:e])]


def _is_spaced_row(line: str) -> bool:
    """A line of two or more cells separated by runs of spaces (space-aligned table export)."""
    body = line.strip()
    return "  " in body or "\u3000\u3000" in body  # what splitting at runs of two or more would cut


def _spaced_extent(text: str, own: list[tuple[int, int]], i: int) -> int:
    """Index after a run of space-aligned rows starting at i that holds at least one number (else i).

    A lone short cell between two rows (the tail of a row a blank line split) stays in the table.
    """
    j = i
    while j < len(own):
        line = text[own[j][0] : own[j][1]]
        if _is_spaced_row(line):
            j += 1
        elif (
            j > i
            and len(line.strip()) <= 6
            and line.strip()
            and j + 1 < len(own)
            and _is_spaced_row(text[own[j + 1][0] : own[j + 1][1]])
        ):
            j += 1
        else:
            break
    rows = [text[s:e] for s, e in own[i:j]]
    return j if j - i >= 2 and any(_DIGIT.search(r) for r in rows) else i


def _spaced_table(text: str, rows: list[tuple[int, int]]) -> Block:
    table_rows = []
    for s, e in rows:
        cells = _row_cells(text, s, e, " ")
        for c in cells:
            if c.text in _EMPTY_MARKS:
                c.text, c.end = "", c.start  # a dash standing for an empty cell keeps the columns aligned
        table_rows.append(cells)
    return Block("table", rows[0][0], rows[-1][1], _merge_split_rows(table_rows), "spaces")


def _pipe_table(text: str, rows: list[tuple[int, int]], previous: list[Block]) -> Block:
    """A markdown pipe table (| a | b |): one row per line, the |---| rule skipped; a one-row table may be a chart."""
    table_rows = []
    for s, e in rows:
        line = text[s:e]
        if _PIPE_RULE.match(line):
            continue
        first, last = line.index("|"), line.rindex("|")
        table_rows.append(_split_cells(text, s + first + 1, s + last, "|"))
    series = [c for c in table_rows[0] if c.text and c.text not in _EMPTY_MARKS] if table_rows else []
    if len(table_rows) == 2 and len(series) == 1:
        table_rows = table_rows[1:]  # a one-cell series line above the chart data
    if len(table_rows) == 1:
        cells = [c for c in table_rows[0] if c.text and c.text not in _EMPTY_MARKS]
        numbers = [c for c in cells if _CHART_NUMBER.match(c.text)]
        labels = [c for c in cells if not _CHART_NUMBER.match(c.text)]
        if numbers and len(numbers) == len(labels) and cells[: len(labels)] == labels:
            title = None
            start = rows[0][0]
            if previous and previous[-1].kind == "paragraph":
                para = previous.pop()
                title, start = text[para.start : para.end].strip(), para.start
            return Block("chart", start, rows[-1][1], [labels, numbers], "chart", title)
    return Block("table", rows[0][0], rows[-1][1], _merge_split_rows(table_rows), "pipes")


_SENTENCE_STOP = re.compile(r"[，。；]")
_DIGIT = re.compile(r"\d")
_LOOSE_NUMBER = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")
_LOOSE_KEYS = ("项目名称", "预算单位")


def _is_loose_row(line: str) -> bool:
    """A table row whose cells run together with single spaces: words then numbers, no sentence punctuation."""
    tokens = line.split()
    if len(tokens) < 2 or _SENTENCE_STOP.search(line) or "\t" in line or len(line) > 160:
        return False
    if tokens[0] in _LOOSE_KEYS:
        return True
    numbers = [t for t in tokens if _LOOSE_NUMBER.match(t)]
    return bool(numbers) and len(numbers) < len(tokens)


def _is_wordy_row(line: str) -> bool:
    """Short words separated by spaces, no sentence punctuation: a row of a table whose numbers are absent."""
    tokens = line.split()
    return len(tokens) >= 1 and not _SENTENCE_STOP.search(line) and all(len(t) <= 24 for t in tokens)


def _loose_extent(text: str, own: list[tuple[int, int]], i: int) -> int:
    """Index after a run of loose rows starting at i, else i.

    Blank lines and rows without numbers (the empty side of a two-sided table) may sit between loose rows.
    """
    if not _is_loose_row(text[own[i][0] : own[i][1]]):
        return i
    j, last = i, i
    while j < len(own):
        line = text[own[j][0] : own[j][1]]
        if _is_loose_row(line):
            last = j
        elif not (not line.strip() or _is_wordy_row(line)) or j - last > 8:
            break
        j += 1
    return last + 1 if last - i >= 1 else i


def _loose_table(text: str, rows: list[tuple[int, int]]) -> Block:
    table_rows = []
    for s, e in rows:
        line = text[s:e]
        if not line.strip():
            continue
        table_rows.append([Cell(m.group(0), s + m.start(), s + m.end()) for m in re.finditer(r"\S+", line)])
    return Block("table", rows[0][0], rows[-1][1], table_rows, "loose")
