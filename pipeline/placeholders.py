"""Flag unfilled template placeholders left in a report (DESIGN §6), deterministically.

`find(text)` scans clean text and returns `Hit`s in clean coordinates; `detect(parsed)` maps them to raw spans and
names the innermost section; `stage` is the pipeline stage that fills `result.placeholders`.

Kinds and what one instance spans:

- `class_ellipsis` — `…（款）…（项）：指……` after a 类 name: from the first ellipsis to the last, one per line.
- `ellipsis` — a bare slot `…` / `……` / `...`. A bracketed hint right after it belongs to it (`…（具体工作）`),
  and so does a wrapping `如…（…）等` / `主要是…（…）等` when `等` closes the phrase (`主要用于…（具体工作）等所需的`
  keeps only `…（具体工作）`: 主要用于 is no wrapper and that 等 belongs to the sentence).
- `masked_number` — `**%`, `**` before a unit, `XX`, `20XX年`, `X月`, `×××` (with `%`/`年` when attached).
- `alternative` — two opposite direction words joined by `/` (`增加/减少`, `增长/下降`, `大于/小于`), `增加（减少）`,
  and a bracketed choice starting with 或 (`（或与预算数持平）`).
- `instruction` — a bracket whose wording tells the author what to write or where data comes from (the rule below).
- `empty_brackets` — `（ ）`, `()`, `【 】`, `〔〕`.
- `missing_number` — a `%`, `万元` or `亿元` right after a word that expects a number (`占%`, `支出万元`).

The instruction rule, decided by wording: a bracket is an instruction when its text starts with a verb addressed
to the author (说明, 简要说明, 罗列, 解释, 描述 …), or contains a cue of instruction — the data source (数据来源,
来源于), listing or filling verbs (罗列, 列示, 填报, 填写), 请根据 / 请参照, 表格形式, 可不写 / 不写原因, 均需 / 只需,
进行公开, 若未 / 如无, 根据…实际 — or names the content to write (具体工作, 具体项目, 团组名称 …, unless it points
elsewhere: 详见). A `（注：…）` follows the same rule: `注` alone does not make an instruction, so a note that only
explains the scope of a figure (`（注：上述“预算”口径为调整预算数，包括政府性基金支出决算情况。）`) is not flagged,
while `（注：数据来源于财决附03表）` is.

Not placeholders: `等等`; an ellipsis inside a quoted title (`《…》`, `“…”`, `「…」`); ordinary brackets
(`（以下简称县社保局）`, `（类）` after a filled name, numbering, document numbers, figure captions); a `%` or
`万元` or a direction pair that forms a whole table header cell (`下降%`, `增/减`: labels, not slots).

Every pattern is precompiled and linear-time: runs (`…`, `*`, `X`, `×`) are anchored with a look-behind so a long
run is scanned once, bracket bodies are bounded, and no quantified group can match the same text two ways. A
pattern that cannot start with just any character opens with a look-ahead for the characters it can start with
(`(?=[…⋯.。])`): it changes no match, and the regex engine rejects every other position at once instead of
trying each alternative there (several times faster on a whole report). No pattern matches across a line break,
so the instruction sentences, which may start with any character but a stop, are looked for only in the
lines holding one of their words.
Overlaps are resolved by kind priority (class_ellipsis, instruction, alternative, ellipsis, masked_number,
empty_brackets, missing_number) with a bytearray of taken characters, so resolution is linear too.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from schemas.document import Placeholder

if TYPE_CHECKING:
    from pipeline.document import Parsed
    from pipeline.segment import Segmented
    from schemas.document import DocumentResult

_ELL = r"(?:…+|⋯+|\.{3,}|。{3,})"
_ELL_RUN = r"(?=[…⋯.。])(?<![…⋯.。])" + _ELL
_CLASS_MARK = r"[ \t]*[（(][类款项][）)]"
_CLASS = re.compile(
    _ELL_RUN + _CLASS_MARK + r"(?:[ \t]*" + _ELL + _CLASS_MARK + r")*(?:[ \t]*[：:][ \t]*(?:指[ \t]*)?" + _ELL + ")?"
)
_HINT = r"[（(][^（）()\n]{1,60}[）)]"
_ELLIPSIS = re.compile(_ELL_RUN + r"(?:[ \t]*" + _HINT + ")?")
_NEXT_CELL_SLOT = re.compile(r"[ \t]+(?:…+|⋯+)(?=[ \t]|$)", re.M)
_WRAPPERS = ("主要是", "如")
_WRAP_END = set("。，；;,.：:）)\n") | {""}
_QUOTED = re.compile(r"《[^《》\n]{0,200}》|“[^“”\n]{0,200}”|「[^「」\n]{0,200}」|『[^『』\n]{0,200}』")

_BRACKET = re.compile(r"[（(【〔](?:[^（）()【】〔〕\n]|[（(][^（）()【】〔〕\n]{0,60}[）)]){1,400}[）)】〕]")
_START_VERB = re.compile(
    r"(?:注[：:]\s*)?(?:简要|简单|具体|详细|如实|请)?(?:说明|介绍|描述|阐述|列举|罗列|解释|概述|简述|列示|填写|填报)(?![：:])"
)
_CUES = re.compile(
    r"数据来源|来源于|罗列|列示|填报|填写|填列|请(?:根据|参照|按|依据|结合|填|列|说明|删|注意|补充|在)"
    r"|(?:表格|文字|图表)形式|可不写|可以不写|不写原因|可不填|可以不填|均需|只需|无需|需要说明"
    r"|进行公开|若未|如未|若无|如无|根据[^，。；、]{0,12}实际"
    r"|作[^，。；]{0,4}表述|不涉及的不列|本部分内容为|以下同|不列举"
)
# A template's instruction written as a sentence of its own, not in brackets (由主管部门根据…填写。 按上述格式依次
# 说明…。 无…的部门，作下述说明： …，列明公务用车购置数量。)
_INSTRUCTION_SENTENCE = re.compile(
    r"(?:由[^，。；\n]{2,30}填写|按上述格式[^。；\n]{0,40}|[^，。；：\n]{2,40}的(?:部门|单位)?[，,][^。；\n]{0,20}作下述说明"
    r"|[^，。；：\n]{2,40}的[，,]仍保留该表格式[^。；\n]{0,30}|列明[^，。；\n]{2,30})[。；：:]?"
)
_INSTRUCTION_WORD = re.compile(r"填写|按上述格式|作下述说明|仍保留该表格式|列明")  # one in each alternative above
_NAMES_CONTENT = re.compile(r"具体(?:工作|项目|内容|事项|用途|金额|名称)|团组名称|出访地点|取得成效|收入类型")
_XREF = re.compile(r"详见|参见|见附")

_POLARITY = {
    **dict.fromkeys(("增加", "增长", "上升", "提高", "大于", "高于", "超支", "增"), "up"),
    **dict.fromkeys(("减少", "下降", "降低", "小于", "低于", "节约", "减"), "down"),
    **dict.fromkeys(("等于", "持平"), "flat"),
}
_DIR = "|".join(sorted(_POLARITY, key=len, reverse=True))
_ALT_FIRST = "".join(sorted({w[0] for w in _POLARITY} | set("（(部单")))
_ALTERNATIVE = re.compile(
    rf"(?=[{_ALT_FIRST}])"
    rf"(?:(?:{_DIR})(?:[ \t]*[/／][ \t]*(?:{_DIR})){{1,4}}|(?:{_DIR})[（(](?:{_DIR})[）)]|[（(]或[^（）()\n]{{1,30}}[）)]"
    r"|部门[（(]单位[）)]|单位[（(]部门[）)])"
)
_ALT_WORD = re.compile(_DIR)

_MASKED = re.compile(
    r"(?=[*Xx×12])"
    r"(?:(?<!\*)\*+[ \t]*%"
    r"|(?<!\*)\*{2,}(?=[万亿]?元|[年月日人名个辆项次户家份台套])"
    r"|(?<![A-Za-z0-9])(?:(?:19|20)?[Xx]{2,}(?:[ \t]*%|年)?|[Xx][年月日%])(?![A-Za-z])"
    r"|(?<!×)×{2,})"
)
_EMPTY = re.compile(r"(?=[（(【〔])(?:[（(][ \t]*[）)]|【[ \t]*】|〔[ \t]*〕)")
_NUMBER_CONTEXT = (
    "占|为|达|计|共|约|增长|下降|增加|减少|降低|提高|上升|完成预算|完成|支出|收入|安排|结余|结转|拨款|费|金额"
    "|降幅|增幅|比例|比重"
)
_MISSING_FIRST = "".join(sorted({w[0] for w in _NUMBER_CONTEXT.split("|")}))
_MISSING = re.compile(rf"(?=[{_MISSING_FIRST}])(?<!单位)(?:{_NUMBER_CONTEXT})[ \t]*(%|万元|亿元)")


@dataclass(frozen=True, order=True)
class Hit:
    """One placeholder in clean coordinates: [start, end) of `text`."""

    start: int
    end: int
    kind: str


def find(text: str) -> list[Hit]:
    """Every placeholder in clean text, sorted by position; overlaps resolved by kind priority."""
    taken = bytearray(len(text) + 1)
    hits: list[Hit] = []
    quoted = _quoted_mask(text)
    for kind, finder in _FINDERS:
        for start, end in finder(text, quoted):
            if end > start and taken.find(1, start, end) < 0:
                taken[start:end] = b"\x01" * (end - start)
                hits.append(Hit(start, end, kind))
    return sorted(hits)


def detect(parsed: Parsed) -> list[Placeholder]:
    """Placeholders of a parsed document: kind, clean text, raw span and innermost section title."""
    ct = parsed.clean
    section_of = _section_lookup(parsed.seg)
    return [
        Placeholder(
            kind=h.kind, text=ct.text[h.start : h.end], span=ct.raw_span(h.start, h.end), section=section_of(h.start)
        )
        for h in find(ct.text)
    ]


def stage(parsed: Parsed, result: DocumentResult) -> None:
    """Pipeline stage: fill `result.placeholders`."""
    result.placeholders = detect(parsed)


def _section_lookup(seg: Segmented) -> Callable[[int], str | None]:
    """Title of the innermost section at a clean position, by bisection over heading starts."""
    sections = sorted(seg.sections, key=lambda s: s.start)
    starts = [s.start for s in sections]

    def title(pos: int) -> str | None:
        i = bisect_right(starts, pos) - 1
        if i >= 0 and sections[i].start <= pos < sections[i].end:
            return sections[i].title
        s = seg.section_at(pos)
        return s.title if s is not None else None

    return title


def _quoted_mask(text: str) -> bytearray:
    """1 for every character inside a quoted title or quotation."""
    mask = bytearray(len(text) + 1)
    for m in _QUOTED.finditer(text):
        mask[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    return mask


Spans = Iterator[tuple[int, int]]


def _class_ellipses(text: str, quoted: bytearray) -> Spans:
    for m in _CLASS.finditer(text):
        yield m.span()


def _instructions(text: str, quoted: bytearray) -> Spans:
    for m in _BRACKET.finditer(text):
        body = m.group(0)[1:-1]
        if _after_ellipsis(text, m.start()) and not _CUES.search(body):
            continue  # a hint of the slot before it (…（具体工作）): part of that ellipsis
        if is_instruction(body):
            yield m.span()
    for start, end in _lines_with(_INSTRUCTION_WORD, text):
        for m in _INSTRUCTION_SENTENCE.finditer(text, start, end):
            if not quoted[m.start()]:
                yield m.span()


def _lines_with(word: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    """[start, end) of each line (without its line break) in which `word` occurs, in order."""
    line_end = -1
    for m in word.finditer(text):
        if m.start() <= line_end:
            continue  # a second word on a line already given
        line_end = text.find("\n", m.start())
        line_end = len(text) if line_end < 0 else line_end
        yield text.rfind("\n", 0, m.start()) + 1, line_end


def is_instruction(body: str) -> bool:
    """Whether a bracket's text instructs the author (the wording rule of the module docstring)."""
    body = body.strip()
    if _START_VERB.match(body) or _CUES.search(body):
        return True
    return bool(_NAMES_CONTENT.search(body)) and not _XREF.search(body) and not any(c.isdigit() for c in body)


def _after_ellipsis(text: str, pos: int) -> bool:
    i = pos - 1
    while i >= max(0, pos - 4) and text[i] in " \t":
        i -= 1
    return i >= 0 and text[i] in "…⋯."


def _alternatives(text: str, quoted: bytearray) -> Spans:
    for m in _ALTERNATIVE.finditer(text):
        senses = {_POLARITY[w] for w in _ALT_WORD.findall(m.group(0))}
        if m.group(0).startswith(("部门", "单位")):
            if re.search(r"[Xx×]$", text[max(0, m.start() - 2) : m.start()]):
                yield m.span()  # XX部门（单位）: the template's choice of a 部门 or a 单位 report, left open
            continue
        if m.group(0)[0] not in "（(" and len(senses) < 2:
            continue  # 增加/增长: no choice between opposite directions
        if not _label_cell(text, m.start(), m.end()):
            yield m.span()


def _ellipses(text: str, quoted: bytearray) -> Spans:
    for m in _ELLIPSIS.finditer(text):
        start, end = m.span()
        hint = text[start:end].lstrip("…⋯.。 \t")
        if hint and _CUES.search(hint):
            end = start + len(text[start:end]) - len(hint)  # an instruction after the slot is one of its own
        while (more := _NEXT_CELL_SLOT.match(text, end)) is not None:
            end = more.end()  # …\t… : the slots of one table row are one placeholder
        if quoted[start]:
            continue
        if text[end : end + 1] == "等" and text[end + 1 : end + 2] in _WRAP_END:
            wrapper = next((w for w in _WRAPPERS if text.endswith(w, 0, start)), None)
            if wrapper is not None:
                start, end = start - len(wrapper), end + 1
        yield start, end


def _masked(text: str, quoted: bytearray) -> Spans:
    for m in _MASKED.finditer(text):
        yield m.span()


def _empty(text: str, quoted: bytearray) -> Spans:
    for m in _EMPTY.finditer(text):
        yield m.span()


def _missing(text: str, quoted: bytearray) -> Spans:
    for m in _MISSING.finditer(text):
        if not _label_cell(text, m.start(), m.end()):
            yield m.span(1)


def _label_cell(text: str, start: int, end: int, reach: int = 16) -> bool:
    """Whether [start, end) lies in a short, digit-free table cell (a column label such as `下降%`)."""
    lo, hi = max(0, start - reach), min(len(text), end + reach)
    left = max(text.rfind("\t", lo, start), text.rfind("\n", lo, start))
    if left < 0 and lo > 0:
        return False
    right_tab, right_nl = text.find("\t", end, hi), text.find("\n", end, hi)
    rights = [p for p in (right_tab, right_nl) if p >= 0]
    right = min(rights) if rights else (hi if hi == len(text) else -1)
    if right < 0:
        return False
    tab_delimited = (left >= 0 and text[left] == "\t") or right_tab == right
    cell = text[left + 1 : right]
    return tab_delimited and not any(c.isdigit() for c in cell)


_FINDERS: tuple[tuple[str, Callable[[str, bytearray], Spans]], ...] = (
    ("class_ellipsis", _class_ellipses),
    ("instruction", _instructions),
    ("alternative", _alternatives),
    ("ellipsis", _ellipses),
    ("masked_number", _masked),
    ("empty_brackets", _empty),
    ("missing_number", _missing),
)
KINDS = tuple(kind for kind, _ in _FINDERS)  # in priority order
