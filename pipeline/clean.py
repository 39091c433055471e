"""Clean noisy exported text while keeping an exact map from every clean character to the raw text.

Cleaning only ever deletes raw characters or folds one character into one other (`textutil.fold`), so the map
is a monotonic array: clean position i came from raw position `offsets[i]`. What it removes:
`[bookmark: …]` and `[image: …]` markers, markdown emphasis (`**`) and heading marks (`#`), carriage returns,
page-number lines, table-of-contents blocks; form feeds become line breaks; PDF-style hard line breaks inside a
sentence are joined. Compatibility forms of ideographs (Kangxi radicals and CJK compatibility ideographs, which PDFs
printed from browsers or WPS carry in their text layer: `⼀⽀⼊⻔` for `一支入门`) fold to the ideograph, one character
for one. Counts of what was removed or folded are kept in `artifacts`.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from pipeline.textutil import NUMBERING_RE, TERMINAL_PUNCT, display_width, fold, is_cjk, no_spaces

_INLINE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("bookmarks", re.compile(r"\[bookmark: [^\]\n]{0,200}\]")),
    ("images", re.compile(r"\[image: [^\]\n]{0,200}\]")),
    ("emphasis", re.compile(r"\*\*(?=[^*%\n]+?\*\*)|(?<=[^*\n])\*\*(?!%)")),
    ("carriage_returns", re.compile(r"\r")),
]
_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+", re.M)
_PAGE_LINE = re.compile(
    r"^[ \t\u3000]*(?:[-—–－─]\s*\d{1,4}\s*[-—–－─]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|(?:Page|页码)\s*[:：]?\s*\d{1,4})[ \t\u3000]*$"
)
_BARE_NUMBER_LINE = re.compile(r"^[ \t\u3000]*\d{1,3}[ \t\u3000]*$")
_PAGE_BREAK_AFTER = re.compile(r"(?:\n[ \t\u3000]*){0,2}\f")  # pdftotext's default mode: `24\n\n\f`
_SPACED_CELLS = re.compile(r"\S(?: {2,}|\u3000{2,})\S")
_WORD_GAP = re.compile(r"[\u4e00-\u9fff] +[\u4e00-\u9fff]")
_TOC_HEAD = re.compile(r"^[ \t\u3000\f]*目[ \t\u3000]*录[ \t\u3000]*$")
_TOC_ENTRY = re.compile(
    r"^[^\n]{1,80}?(?:(?:[.．…·_\-]{3,}|[ \t\u3000]{2,})[ \t\u3000]*\d{1,4}|[.．…·]{6,})[ \t\u3000]*$"
)


# Compatibility forms of ideographs → the unified ideograph: NFKC of every character of the Kangxi radicals, the CJK
# radicals supplement and the two CJK compatibility ideograph blocks that NFKC maps to one other character.
_COMPAT_BLOCKS = ((0x2E80, 0x2EFF), (0x2F00, 0x2FDF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))
_COMPAT_PAIRS = {
    chr(c): unicodedata.normalize("NFKC", chr(c))
    for a, b in _COMPAT_BLOCKS
    for c in range(a, b + 1)
    if len(unicodedata.normalize("NFKC", chr(c))) == 1 and unicodedata.normalize("NFKC", chr(c)) != chr(c)
}
# NFKC leaves the supplement's simplified radicals alone; these stand for a simplified character of their own
# (Unicode's equivalent unified ideograph), which a simplified-Chinese font draws with the same glyph.
_COMPAT_PAIRS.update(
    {
        "\u2ea0": "民",  # CJK RADICAL CIVILIAN
        "\u2ec5": "见",  # CJK RADICAL C-SIMPLIFIED SEE
        "\u2ec6": "角",  # CJK RADICAL SIMPLIFIED HORN
        "\u2ec9": "贝",  # CJK RADICAL C-SIMPLIFIED SHELL
        "\u2ecb": "车",  # CJK RADICAL C-SIMPLIFIED CART
        "\u2ed3": "长",  # CJK RADICAL C-SIMPLIFIED LONG
        "\u2ed4": "门",  # CJK RADICAL C-SIMPLIFIED GATE
        "\u2ed8": "青",  # CJK RADICAL BLUE
        "\u2ed9": "韦",  # CJK RADICAL C-SIMPLIFIED TANNED LEATHER
        "\u2eda": "页",  # CJK RADICAL C-SIMPLIFIED LEAF
        "\u2edb": "风",  # CJK RADICAL C-SIMPLIFIED WIND
        "\u2edc": "飞",  # CJK RADICAL C-SIMPLIFIED FLY
        "\u2edd": "食",  # CJK RADICAL EAT ONE
        "\u2ee2": "马",  # CJK RADICAL C-SIMPLIFIED HORSE
        "\u2ee4": "鬼",  # CJK RADICAL GHOST
        "\u2ee5": "鱼",  # CJK RADICAL C-SIMPLIFIED FISH
        "\u2ee6": "鸟",  # CJK RADICAL C-SIMPLIFIED BIRD
        "\u2ee8": "麦",  # CJK RADICAL SIMPLIFIED WHEAT
        "\u2eee": "齿",  # CJK RADICAL C-SIMPLIFIED TOOTH
        "\u2ef0": "龙",  # CJK RADICAL C-SIMPLIFIED DRAGON
    }
)
COMPAT_TABLE = str.maketrans(_COMPAT_PAIRS)
_COMPAT_RE = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f]")


def fold_compat(text: str) -> str:
    """Fold compatibility forms of ideographs (Kangxi radicals, compatibility ideographs) to the ideograph."""
    return text.translate(COMPAT_TABLE) if _COMPAT_RE.search(text) else text


@dataclass(frozen=True)
class CleanText:
    """Clean text plus the map back to the raw text."""

    text: str
    offsets: array[int]  # array('l'): raw index of each clean character
    raw: str
    artifacts: dict[str, int] = field(default_factory=dict)
    md_headings: dict[int, int] = field(default_factory=dict)  # clean line start -> markdown heading level

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a clean span [start, end) to the raw span covering the same characters."""
        if end <= start:
            pos = self.offsets[start] if start < len(self.offsets) else len(self.raw)
            return (pos, pos)
        return (self.offsets[start], self.offsets[end - 1] + 1)

    def clean_pos(self, raw_pos: int) -> int:
        """The first clean position whose raw position is at or after `raw_pos`."""
        return bisect_left(self.offsets, raw_pos)


def clean(raw: str) -> CleanText:
    """Run every cleaning pass over raw decoded text."""
    counts: Counter[str] = Counter()
    text, offsets = _fold_compat(raw, counts), _identity(len(raw))
    text, offsets = _delete(text, offsets, _inline_ranges(text, counts))
    md_raw: dict[int, int] = {}
    text, offsets = _delete(text, offsets, _markdown_heading_ranges(text, offsets, md_raw, counts))
    counts["form_feeds"] += text.count("\f")
    text, offsets = _delete(text, offsets, _page_number_ranges(text, counts))
    text, offsets = _delete(text, offsets, _toc_ranges(text, counts))
    text = fold(text)
    md_lines = _clean_positions(offsets, md_raw)
    text, offsets = _delete(text, offsets, _line_join_ranges(text, counts, md_lines))
    ct = CleanText(text, offsets, raw, {k: v for k, v in counts.items()})
    md = {ct.clean_pos(pos): level for pos, level in md_raw.items()}
    return CleanText(text, offsets, raw, ct.artifacts, md)


_IDENTITY = array("l")  # 0, 1, 2, …: the prefix every document's offset map starts as
IDENTITY_CAP = 1 << 20  # entries kept (8 MB); a longer document makes its own


def _identity(n: int) -> array[int]:
    """`array("l", range(n))`, copied from a kept prefix: a slice is one memory copy, the range a loop in Python ints.

    The prefix grows to the longest document seen, up to `IDENTITY_CAP`, and never beyond.
    """
    if n > IDENTITY_CAP:
        return array("l", range(n))
    have = len(_IDENTITY)
    if have < n:
        _IDENTITY.extend(range(have, min(IDENTITY_CAP, max(n, 2 * have))))
    return _IDENTITY[:n]


def _clean_positions(offsets: array[int], raw_positions: Iterable[int]) -> set[int]:
    """The clean positions of the given raw positions that survived cleaning (offsets rise strictly)."""
    found = set()
    for pos in raw_positions:
        i = bisect_left(offsets, pos)
        if i < len(offsets) and offsets[i] == pos:
            found.add(i)
    return found


def _fold_compat(text: str, counts: Counter[str]) -> str:
    """`fold_compat`, counting the folded characters (one for one, so the offset map is unchanged)."""
    found = sum(1 for ch in _COMPAT_RE.findall(text) if ch in _COMPAT_PAIRS)
    if not found:
        return text
    counts["compat_ideographs"] += found
    return text.translate(COMPAT_TABLE)


def _delete(text: str, offsets: array[int], ranges: Iterable[tuple[int, int]]) -> tuple[str, array[int]]:
    """Remove sorted, non-overlapping [start, end) ranges from text and its offset map."""
    pieces: list[str] = []
    new_offsets = array("l")
    pos = 0
    for start, end in ranges:
        if start < pos:
            start = pos
        if end <= start:
            continue
        pieces.append(text[pos:start])
        new_offsets.extend(offsets[pos:start])
        pos = end
    if pos == 0:
        return text, offsets
    pieces.append(text[pos:])
    new_offsets.extend(offsets[pos:])
    return "".join(pieces), new_offsets


def _inline_ranges(text: str, counts: Counter[str]) -> list[tuple[int, int]]:
    ranges = []
    for name, pattern in _INLINE_PATTERNS:
        for m in pattern.finditer(text):
            ranges.append((m.start(), m.end()))
            counts[name] += 1
    return _merge(ranges)


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _markdown_heading_ranges(
    text: str, offsets: array[int], md_raw: dict[int, int], counts: Counter[str]
) -> list[tuple[int, int]]:
    ranges = []
    for m in _MD_HEADING.finditer(text):
        ranges.append((m.start(), m.end()))
        if m.end() < len(text) and text[m.end()] != "\n":
            md_raw[offsets[m.end()]] = len(m.group(1))
        counts["heading_marks"] += 1
    return ranges


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, end excluding the newline."""
    spans = []
    start = 0
    for line in _LINE_BREAK.split(text):  # every break is one character
        end = start + len(line)
        spans.append((start, end))
        start = end + 1
    return spans


_LINE_BREAK = re.compile(r"[\n\f]")


def _page_number_ranges(text: str, counts: Counter[str]) -> list[tuple[int, int]]:
    ranges = []
    for start, end in _lines(text):
        line = text[start:end]
        after = _PAGE_BREAK_AFTER.match(text, end)  # the page's last line, blank lines before its page break
        at_page_edge = (start > 0 and text[start - 1] == "\f") or after is not None
        if _PAGE_LINE.match(line) or (at_page_edge and _BARE_NUMBER_LINE.match(line)):
            stop = after.end() if after is not None else end
            while stop < len(text) and stop - end < 2 and text[stop] in "\n\f":
                stop += 1  # the line break and the page break after it: the sentence continues on the next page
            ranges.append((start, stop))
            counts["page_numbers"] += 1
    return ranges


def _toc_ranges(text: str, counts: Counter[str]) -> list[tuple[int, int]]:
    ranges = []
    lines = _lines(text)
    i = 0
    while i < len(lines):
        start, end = lines[i]
        if not _TOC_HEAD.match(text[start:end]):
            i += 1
            continue
        j = i + 1
        entries = 0
        while j < len(lines):
            s, e = lines[j]
            line = text[s:e]
            if _TOC_ENTRY.match(line):
                entries += 1
            elif line.strip():
                break
            j += 1
        if entries < 2:
            j, entries = _page_of_titles(text, lines, i + 1)
        if entries >= 2:
            last_end = lines[j - 1][1]
            ranges.append((start, min(last_end + 1, len(text))))
            counts["toc_blocks"] += 1
            counts["toc_lines"] += entries
        i = max(j, i + 1)
    return ranges


def _page_of_titles(text: str, lines: list[tuple[int, int]], first: int) -> tuple[int, int]:
    """A table of contents without leader dots or page numbers.

    Short titles up to where the body starts again with the first of them (目录 / 第一部分概况 / … / 第一部分 概况).

    Returns (index after its last line, number of entries), or (first, 0) when no such run is found.
    """
    seen: list[str] = []
    for j in range(first, min(len(lines), first + 80)):
        s, e = lines[j]
        line = no_spaces(text[s:e])
        if not line:
            continue
        if seen and line == seen[0] and len(seen) >= 3:
            return j, len(seen)
        if len(line) > 40 or re.search(r"[。，；：:]|\d(万元|元|%)", line) or "\t" in text[s:e]:
            break
        seen.append(line)
    return first, 0


def _wrap_width(text: str, lines: list[tuple[int, int]]) -> int | None:
    """The typeset line width when the text is hard-wrapped (PDF export), else None."""
    # a line of fewer than 20 characters is narrower than 40 (no character is wider than 2)
    bodies = (text[s:e].rstrip() for s, e in lines if e - s >= 20 and "\t" not in text[s:e])
    long = [w for w in map(display_width, bodies) if w >= 40]
    if len(long) < 8:
        return None
    long.sort()
    width = long[int(len(long) * 0.9)]
    near = sum(1 for w in long if w >= width - max(4, width // 10))
    return width if near >= 0.4 * len(long) else None


def _line_join_ranges(text: str, counts: Counter[str], md_lines: set[int]) -> list[tuple[int, int]]:
    """Newlines (plus surrounding blanks) to delete where a line break falls inside a sentence."""
    lines = _lines(text)
    width = _wrap_width(text, lines)
    ranges = []
    i = 0
    while i < len(lines) - 1:
        s, e = lines[i]
        j = i + 1
        while j < len(lines) and not text[lines[j][0] : lines[j][1]].strip() and j - i <= 3:
            j += 1
        if j >= len(lines):
            break
        ns, ne = lines[j]
        if s in md_lines or ns in md_lines:
            i = j
            continue
        if _should_join(text[s:e], text[ns:ne], blank_lines=j - i - 1, width=width):
            left = e - (len(text[s:e]) - len(text[s:e].rstrip()))
            ranges.append((left, ns))
            counts["line_joins"] += 1
        i = j
    return ranges


_SUBJECTLESS_START = re.compile(r"^(?:\d{4}\s*年|与上年|比上年|较上年|同比)")
_LEVEL_MARK = re.compile(r"^[（(][类款项][）)]")
_AMOUNT_START = re.compile(r"^[\d,]+(\.\d+)?\s*(万元|亿元|元|%)")
_TITLE_TAIL = re.compile(r"^[\u4e00-\u9fff]{0,2}表$")
_TITLE_BODY = re.compile(r"(预算|决算|支出|收入|经费|情况|明细)$")
_UNIT_OR_ISSUER = re.compile(r"^\s*(单\s*位|金额单位|编制部门|部门名称|预算单位|预算主管部门|填报单位)\s*[：:]")


def _spaced_cells(line: str) -> bool:
    # the substring tests first: most lines hold no run of blanks at all
    return ("  " in line or "\u3000\u3000" in line) and _SPACED_CELLS.search(line) is not None


def _closes_a_name(body: str, nxt: str) -> bool:
    """The next line ends the name this one began.

    `…基本养老保险缴费支出` / `（项）支出 1384.7万元`: a 类/款/项 mark closes the class name before it;
    `“三公”经费、会议费、培训费支出预算` / `表`: a table title wrapped before its last characters.
    """
    if _LEVEL_MARK.match(nxt.lstrip()) and is_cjk(body[-1]):
        return True
    return not nxt[:1].isspace() and _TITLE_TAIL.match(nxt.strip()) is not None and _TITLE_BODY.search(body) is not None


def _should_join(line: str, nxt: str, blank_lines: int, width: int | None) -> bool:
    body = line.strip()
    if not body or not nxt.strip() or "\t" in line or "\t" in nxt:
        return False
    if blank_lines == 0 and _closes_a_name(body, nxt):
        return True
    if nxt[:1].isspace():
        return False
    if _spaced_cells(body) or _spaced_cells(nxt):
        return False  # rows of a space-aligned table
    if NUMBERING_RE.match(nxt) or _PAGE_LINE.match(nxt):
        return False
    if body[-1] in TERMINAL_PUNCT:
        # a closing quote or bracket that fills the line (占“三公” / 经费的31.14%) wraps a sentence; others end one
        full = width is not None and blank_lines == 0 and display_width(line.rstrip()) >= width - max(4, width // 10)
        if full and body[-1] == "。" and _SUBJECTLESS_START.match(nxt):
            return True  # a full line closing a sentence; the next one speaks of the same subject (2023年当年预算执行数为…)
        return full and body[-1] in "”）)" and is_cjk(nxt[0]) and not _UNIT_OR_ISSUER.match(nxt)
    if body.endswith("表") or _UNIT_OR_ISSUER.match(nxt):
        return False  # a table title, its 单位 / 编制部门 line: not one sentence
    first = nxt[0]
    if width is not None and blank_lines == 0 and display_width(line.rstrip()) >= width - max(8, width // 6):
        return is_cjk(first) or first.isdigit() or first in "（(“，、%）)”。；：:,.;"
    if body.endswith("表") or (NUMBERING_RE.match(body) and len(body) <= 40):
        return False
    if (" " in body and _WORD_GAP.search(body)) or (" " in nxt and _WORD_GAP.search(nxt)):
        return False  # cells run together with single spaces: Chinese prose has no spaces between words
    last = body[-1]
    if last.isdigit() and nxt.startswith(("万元", "元", "亿元", "%")):
        return blank_lines <= 2  # a number cut from its unit
    if blank_lines == 0 and is_cjk(last) and _AMOUNT_START.match(nxt):
        return True  # 与上年相比增加 / 844.58万元: a sentence wrapped before its figure
    continues = is_cjk(last) or last in "、，,"
    return len(body) >= 20 and blank_lines <= 2 and continues and (is_cjk(first) or first in "（“")
