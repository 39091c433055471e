"""Cut a segmented document into LLM chunks and route each to its task (prompt + small schema).

Chunks follow sections and blocks and stay within a token budget. A paragraph too long for one chunk is cut at
sentence ends; a table row is never cut, and every chunk of a split table starts with the table's header row.
Chunk text is made of clean-text slices (tabs and line breaks inside a slice become spaces, so lengths are kept)
and records where each slice came from: `Chunk.clean_span` maps a span of the chunk back to clean coordinates,
and `CleanText.raw_span` from there to the raw file.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from pipeline.ground import NOT_A_FIGURE, UNIT_AFTER
from pipeline.numbers import NUMBER_RE
from pipeline.segment import Block, Cell, Section, Segmented
from pipeline.textutil import CJK_RE

DEFAULT_BUDGET = 500  # tokens of chunk text; the prompt adds about 250

_SKIP_KINDS = {"名词解释"}
_STAFF_KINDS = {"部门概况"}
_INDICATOR_KINDS = {"绩效自评", "预算绩效管理", "unknown", "附件"}
_SCORE_HEADER = re.compile(r"得分|分值|权重")
_PROJECT_HEADER = re.compile(r"项目名称|预算数|执行数|执行率|全年预算")
_SENTENCE_END = re.compile(r"(?<=[。；;！？])")


@dataclass(frozen=True)
class Piece:
    """A run of chunk text copied from clean text: chunk[at:at+length] == clean[clean_start:clean_start+length]."""

    at: int
    clean_start: int
    length: int


@dataclass(frozen=True)
class Chunk:
    """One unit of LLM work: text, where it came from, and the task it is routed to."""

    id: str
    section_id: str
    section_title: str
    kind: str
    task: str
    text: str
    pieces: tuple[Piece, ...]
    figures: tuple[tuple[int, int], ...] = ()  # chunk spans of the listed figures
    parts: tuple[Chunk, ...] = ()  # the chunks a packed request was made of (`join`), else empty

    @property
    def digest(self) -> str:
        """SHA-256 of the chunk text, its context and its figure list as rendered (part of the cache key)."""
        key = f"{self.task}\x00{self.section_title}\x00{self.text}"
        if self.figures:
            key += f"\x00{self.figure_list()}"
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    def listed(self) -> list[tuple[str, str]]:
        """The listed figures as (figure with its unit, the words right before it)."""
        pairs = []
        for start, end in self.figures:
            unit = UNIT_AFTER.match(self.text, end)
            pairs.append((self.text[start : unit.end() if unit else end].strip(), lead_in(self.text, start)))
        return pairs

    def figure_list(self) -> str:
        """The numbered figure list of the prompts: figure, unit and the words right before it."""
        return "\n".join(f"{n}. {figure} — {hint}" for n, (figure, hint) in enumerate(self.listed(), 1))

    def in_table_row(self, pos: int) -> bool:
        """True when chunk position `pos` sits on a table row (cells joined by ' | ')."""
        start = self.text.rfind("\n", 0, pos) + 1
        end = self.text.find("\n", pos)
        return " | " in self.text[start : end if end >= 0 else len(self.text)]

    def part_start(self, pos: int) -> int:
        """Where the part of a packed request that holds chunk position `pos` begins (0 for a plain chunk)."""
        return self.part_at(pos)[0]

    def part_at(self, pos: int) -> tuple[int, Chunk]:
        """The part of a packed request that holds chunk position `pos` and where it begins; (0, self) if plain."""
        start = 0
        for part in self.parts:
            if pos <= start + len(part.text):
                return start, part
            start += len(part.text) + 1
        return 0, self

    def clean_span(self, start: int, end: int) -> tuple[int, int] | None:
        """Clean-text span of chunk span [start, end), or None when it crosses a synthetic separator."""
        for p in self.pieces:
            if p.at <= start and end <= p.at + p.length:
                return (p.clean_start + start - p.at, p.clean_start + end - p.at)
        return None


_CLAUSE_START = re.compile(r"[，,。；;：:、！？\n（(]")
LEAD_IN_CHARS = 24


def lead_in(text: str, pos: int) -> str:
    """The words before position `pos`, as a hint of what the figure there measures.

    In prose, the clause before it; on a table row, the nearest cell before the figure's cell that holds no
    number (the row's label) and the clause of the figure's own cell before it.
    """
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    if " | " not in line:
        return _clause_before(text[line_start:pos])
    cells = text[line_start:pos].split(" | ")
    label = next((c.strip() for c in reversed(cells[:-1]) if c.strip() and not _DIGIT.search(c)), "")
    return f"{label} {_clause_before(cells[-1])}".strip()


def _clause_before(text: str) -> str:
    window = text[-LEAD_IN_CHARS:]
    cut = [m.end() for m in _CLAUSE_START.finditer(window)]
    return window[cut[-1] if cut else 0 :].strip()


def cell_figure(text: str, start: int, end: int) -> bool:
    """True when text[start:end] is the whole figure of its table cell (a comparison sign before it allowed)."""
    cell_start = max(text.rfind(" | ", 0, start) + 3, text.rfind("\n", 0, start) + 1)
    stops = [i for i in (text.find(" | ", end), text.find("\n", end)) if i >= 0]
    cell_end = min(stops) if stops else len(text)
    return bool(_BARE_CELL.fullmatch(text[cell_start:start] + "0" + text[end:cell_end]))


def score_cell(text: str, start: int, end: int) -> bool:
    """True when text[start:end], with an optional 分 after it, is the whole of its table cell."""
    return cell_figure(text, start, end + 1 if text[end : end + 1] == "分" else end)


_DIGIT = re.compile(r"\d")
_BARE_CELL = re.compile(r"\s*[≥≤>＜<＞≧≦]?\s*0\s*")


def estimate_tokens(text: str) -> int:
    """A cautious token estimate: one per CJK character, one per three other characters."""
    cjk = len(CJK_RE.findall(text))
    return cjk + (len(text) - cjk) // 3 + 1


def code_cell(text: str, start: int, end: int) -> bool:
    """True when text[start:end] is a bare whole number filling a table cell before the row's label.

    Such a cell is a class or unit code, or a row number (`208 | 01 | 09 | 203101 | 社会保险经办机构 | …`), never
    a figure; a row of numbers with no label after them is left alone.
    """
    if not text[start:end].isdigit() or not cell_figure(text, start, end):
        return False
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    after = text[end : line_end if line_end >= 0 else len(text)]
    return " | " in after and not CJK_RE.search(text, line_start, start) and bool(CJK_RE.search(after))


_CLASS_ROW = re.compile(r"[23]\d{2}(?:\d{2}|\d{4})? \| (?:\d+ \| )*[^\d\n]")


def class_row(text: str, pos: int) -> bool:
    """True when position `pos` is on a table row that opens with a class code: a classification row.

    `30215 | 会议费 | 111.30`, `208 | 01 | 09 | 社会保险经办机构 | …`: rows of the function or economic
    classification, whose figures the rules read by their codes.
    """
    return bool(_CLASS_ROW.match(text, text.rfind("\n", 0, pos) + 1))


def figure_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the numbers in `text` that can be figures (not years, dates, class codes or code cells)."""
    spans = []
    for m in NUMBER_RE.finditer(text):
        if NOT_A_FIGURE.match(text, m.end()) or code_cell(text, m.start(), m.end()):
            continue
        digits = m.group(0)
        code_like = "." not in digits and "," not in digits and len(digits) in (5, 7) and digits[0] in "23"
        if code_like and not UNIT_AFTER.match(text, m.end()):
            continue  # function / economic class codes (20801, 2080109); 34736人 is a figure
        spans.append((m.start(), m.end()))
    return spans


# A unit is one line of a chunk: (text, clean_start) slices joined by " | " (cells) — never cut across chunks.
_Unit = list[tuple[str, int]]


def route(section: Section, block: Block, rows_header: str = "") -> str | None:
    """The task a block of a section goes to, or None when it holds nothing for the LLM."""
    if section.kind in _SKIP_KINDS:
        return None
    if block.kind == "table" and _SCORE_HEADER.search(rows_header):
        return "scores"
    if section.kind == "评分表":
        return "scores"
    if section.kind == "项目绩效表" or (
        block.kind == "table" and _PROJECT_HEADER.search(rows_header) and section.kind in _INDICATOR_KINDS
    ):
        return "projects"
    if section.kind in _STAFF_KINDS:
        return "staff"
    if section.kind in _INDICATOR_KINDS and block.kind == "paragraph":
        return "indicators"
    return "money"


def chunk_document(seg: Segmented, clean_text: str, budget: int = DEFAULT_BUDGET) -> list[Chunk]:
    """Every chunk of a document, in reading order; small neighbouring sections of one task share a chunk."""
    builder = _Builder(budget)
    for section in seg.sections:
        heading: _Unit = [(_flat(clean_text[section.start : section.body_start].rstrip()), section.start)]
        for block in section.blocks:
            header = _row_text(block.rows[0], clean_text) if block.kind == "table" and block.rows else ""
            task = route(section, block, header)
            if task is None:
                continue
            builder.start(task, section)
            if heading:
                builder.add(heading)
                heading = []
            if block.kind == "paragraph":
                for unit in _sentence_units(clean_text, block.start, block.end, budget):
                    builder.add(unit)
            else:
                builder.add_table([_row_unit(r, clean_text) for r in block.rows if r])
    return [
        Chunk(f"c{i + 1}", d.section.id, d.section.title, d.section.kind, d.task, d.text, d.pieces)
        for i, d in enumerate(builder.flush())
    ]


def join(chunks: Sequence[Chunk]) -> Chunk:
    """One request made of several chunks of one prompt: their texts one per line group, their figure lists joined.

    Pieces and figure spans are shifted to the joined text, so grounding and clean offsets work on it as on any
    chunk; `parts` keeps the chunks, so that a truncated answer splits the request back into them.
    """
    if len(chunks) == 1:
        return chunks[0]
    texts: list[str] = []
    pieces: list[Piece] = []
    figures: list[tuple[int, int]] = []
    pos = 0
    for n, c in enumerate(chunks):
        if n:
            texts.append("\n")
            pos += 1
        pieces.extend(Piece(p.at + pos, p.clean_start, p.length) for p in c.pieces)
        figures.extend((s + pos, e + pos) for s, e in c.figures)
        texts.append(c.text)
        pos += len(c.text)
    titles = "；".join(dict.fromkeys(c.section_title for c in chunks))
    return replace(
        chunks[0],
        id="+".join(c.id for c in chunks),
        section_title=titles,
        text="".join(texts),
        pieces=tuple(pieces),
        figures=tuple(figures),
        parts=tuple(chunks),
    )


def split_chunk(chunk: Chunk) -> list[Chunk]:
    """Cut a chunk in two at a line boundary (for truncated answers); a table's second half repeats its header."""
    lines = _chunk_lines(chunk)
    if len(lines) < 2:
        return []
    half = max(1, len(lines) // 2)
    second = lines[half:]
    header = next((i for i, (s, e) in enumerate(lines) if " | " in chunk.text[s:e]), None)
    if header is not None and header < half - 1 and " | " in chunk.text[second[0][0] : second[0][1]]:
        second = [lines[header], *second]
    return [_sub_chunk(chunk, lines[:half], "a"), _sub_chunk(chunk, second, "b")]


@dataclass
class _Draft:
    task: str
    section: Section
    text: str
    pieces: tuple[Piece, ...]


class _Builder:
    """Accumulates units (lines, table rows) into drafts of one task within the token budget."""

    def __init__(self, budget: int) -> None:
        self.budget, self.task = budget, ""
        self.section: Section | None = None
        self.units: list[_Unit] = []
        self.drafts: list[_Draft] = []

    def start(self, task: str, section: Section) -> None:
        if task != self.task:
            self._close()
            self.task = task
        if not self.units:
            self.section = section

    def add(self, unit: _Unit, header: _Unit | None = None) -> None:
        if self.units and _tokens([*self.units, unit]) > self.budget:
            self._close()
            if header is not None and header is not unit:
                self.units.append(header)
        self.units.append(unit)

    def add_table(self, rows: list[_Unit]) -> None:
        if rows and self.units and _tokens([*self.units, *rows[:2]]) > self.budget:
            self._close()
        for row in rows:
            self.add(row, rows[0])

    def _close(self) -> None:
        if self.units and self.section is not None:
            text, pieces = _render(self.units)
            self.drafts.append(_Draft(self.task, self.section, text, pieces))
        self.units = []

    def flush(self) -> list[_Draft]:
        self._close()
        drafts, self.drafts = self.drafts, []
        return drafts


def _tokens(units: list[_Unit]) -> int:
    return sum(estimate_tokens(t) + 1 for u in units for t, _ in u)


def _render(units: list[_Unit]) -> tuple[str, tuple[Piece, ...]]:
    parts: list[str] = []
    pieces: list[Piece] = []
    pos = 0
    for n, unit in enumerate(units):
        if n:
            parts.append("\n")
            pos += 1
        for k, (t, clean_start) in enumerate(unit):
            if k:
                parts.append(" | ")
                pos += 3
            parts.append(t)
            pieces.append(Piece(pos, clean_start, len(t)))
            pos += len(t)
    return "".join(parts), tuple(pieces)


def _flat(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ")


def _row_text(row: list[Cell], text: str) -> str:
    return " ".join(text[c.start : c.end] for c in row)


def _row_unit(row: list[Cell], text: str) -> _Unit:
    unit: _Unit = [(_flat(text[c.start : c.end]), c.start) for c in row if c.end > c.start]
    return unit or [("", row[0].start)]


def _sentence_units(text: str, start: int, end: int, budget: int) -> list[_Unit]:
    """A paragraph as one unit, or cut at sentence ends when it exceeds the budget."""
    body = text[start:end]
    if estimate_tokens(body) <= budget:
        return [[(_flat(body), start)]]
    units: list[_Unit] = []
    pos = 0
    for sentence in _SENTENCE_END.split(body):
        if sentence:
            units.append([(_flat(sentence), start + pos)])
            pos += len(sentence)
    return units


def _chunk_lines(chunk: Chunk) -> list[tuple[int, int]]:
    lines, pos = [], 0
    for line in chunk.text.split("\n"):
        lines.append((pos, pos + len(line)))
        pos += len(line) + 1
    if len(lines) == 1:
        cuts = [m.end() for m in _SENTENCE_END.finditer(chunk.text) if 0 < m.end() < len(chunk.text)]
        if cuts:
            mid = min(cuts, key=lambda c: abs(c - len(chunk.text) // 2))
            lines = [(0, mid), (mid, len(chunk.text))]
    return lines


def _sub_chunk(chunk: Chunk, lines: list[tuple[int, int]], suffix: str) -> Chunk:
    parts: list[str] = []
    pieces: list[Piece] = []
    pos = 0
    for n, (start, end) in enumerate(lines):
        if n:
            parts.append("\n")
            pos += 1
        for p in chunk.pieces:
            s, e = max(p.at, start), min(p.at + p.length, end)
            if s < e:
                pieces.append(Piece(pos + s - start, p.clean_start + s - p.at, e - s))
        parts.append(chunk.text[start:end])
        pos += end - start
    return Chunk(
        f"{chunk.id}{suffix}",
        chunk.section_id,
        chunk.section_title,
        chunk.kind,
        chunk.task,
        "".join(parts),
        tuple(pieces),
    )
