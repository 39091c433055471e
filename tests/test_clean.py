"""Cleaning: artifacts removed and counted, and an exact map from clean text back to raw text."""

from __future__ import annotations

import re
import unicodedata

import pytest
from conftest import STEMS, read_report
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.clean import clean
from pipeline.document import process_raw
from pipeline.ingest import RawDocument
from pipeline.textutil import display_width, fold
from schemas.document import DocumentResult

MARKERS = re.compile(r"\[bookmark: [^\]\n]*\]|\[image: [^\]\n]*\]")


def _independent_counts(raw: str) -> dict[str, int]:
    """Artifact counts computed without the cleaner, straight from the raw text."""
    masked = raw.count("**%")
    return {
        "bookmarks": raw.count("[bookmark: "),
        "images": raw.count("[image: "),
        "heading_marks": len(re.findall(r"^#{1,6} ", raw, flags=re.M)),
        "emphasis": raw.count("**") - masked,
        "form_feeds": raw.count("\f"),
    }


def test_artifact_counts_equal_what_is_in_the_raw_text(stem: str) -> None:
    raw = read_report(stem)
    ct = clean(raw)
    for name, expected in _independent_counts(raw).items():
        assert ct.artifacts.get(name, 0) == expected, name
    assert "[bookmark:" not in ct.text
    assert "[image:" not in ct.text
    assert "**%" in ct.text or "**%" not in raw  # a masked number is not markdown emphasis


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        pytest.param("001_075cd51c8785aeb9", {"bookmarks": 46, "images": 0}, id="001"),
        pytest.param("004_ec93d5c4c31f7204", {"bookmarks": 56, "images": 5}, id="004"),
        pytest.param("003_7c46becd3f9fd372", {"heading_marks": 24, "emphasis": 26}, id="003"),
    ],
)
def test_known_artifact_counts(stem: str, expected: dict[str, int]) -> None:
    ct = clean(read_report(stem))
    for name, count in expected.items():
        assert ct.artifacts.get(name, 0) == count


def _check_span(raw: str, start: int, end: int) -> None:
    ct = clean(raw)
    start, end = min(start, len(ct.text)), min(end, len(ct.text))
    if end <= start:
        return
    kept = [ct.offsets[i] for i in range(start, end)]
    assert "".join(fold(raw[i]) for i in kept) == ct.text[start:end]
    rs, re_ = ct.raw_span(start, end)
    assert (rs, re_) == (kept[0], kept[-1] + 1)
    # whatever the raw span holds beyond the kept characters is a removed artifact or layout whitespace
    dropped = "".join(raw[i] for i in range(rs, re_) if i not in set(kept))
    assert MARKERS.sub("", dropped).strip(" \t\r\n\f\u3000#*") == ""


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(STEMS), st.integers(0, 30000), st.integers(1, 400))
def test_random_clean_spans_map_back_to_the_same_raw_characters(stem: str, start: int, length: int) -> None:
    raw = read_report(stem)
    _check_span(raw, start, start + length)


NOISE = st.sampled_from(["[bookmark: _Toc123]", "[image: IMG_1]", "**", "\r", "\f", "１２", "％", "\u3000", "# "])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), NOISE), max_size=12), st.integers(0, 300), st.integers(1, 200))
def test_spans_survive_injected_noise(insertions: list[tuple[int, str]], start: int, length: int) -> None:
    raw = read_report(STEMS[0])[:500]
    for pos, noise in sorted(insertions, reverse=True):
        raw = raw[:pos] + noise + raw[pos:]
    _check_span(raw, start, start + length)


@pytest.mark.parametrize(
    ("raw", "clean_text"),
    [
        pytest.param("收入合计１２３．４５万元，占１００％", "收入合计123.45万元，占100%", id="fullwidth-digits"),
        pytest.param("[bookmark: _Toc1][bookmark: _Toc2]一、概况", "一、概况", id="bookmarks-in-a-row"),
        pytest.param("## **二、部门概况**\n正文。", "二、部门概况\n正文。", id="markdown-heading-bold"),
        pytest.param("占**%；其他", "占**%；其他", id="masked-number-kept"),
        pytest.param("第一页正文。\n- 3 -\n\f第二页正文。", "第一页正文。\n第二页正文。", id="page-number-line"),
        pytest.param("正文\n第 2 页 共 9 页\n续", "正文\n续", id="page-x-of-y"),
        pytest.param(
            "其中拟采购货物\n24\n\n\f支出1637.72万元。",
            "其中拟采购货物\n支出1637.72万元。",
            id="page-number-blank-lines-page-break",
        ),
        pytest.param(
            "2．行政事业单位离退休（款）机关事业单位基本养老保险缴费支出\n（项）支出 1384.7 万元。",
            "2.行政事业单位离退休（款）机关事业单位基本养老保险缴费支出（项）支出 1384.7 万元。",
            id="level-mark-continues-the-name",
        ),
        pytest.param(
            "机关事业单位基本养老保险缴费支出\n  （项）415.33 万元，",
            "机关事业单位基本养老保险缴费支出  （项）415.33 万元，",
            id="indented-level-mark",
        ),
        pytest.param("目录\n一、概况......1\n二、收入......3\n一、概况\n正文", "一、概况\n正文", id="toc-block"),
        pytest.param(
            "社会保障和就业支出287.51\n\n万元，医疗卫生10.35万元。",
            "社会保障和就业支出287.51万元，医疗卫生10.35万元。",
            id="number-unit-split",
        ),
        pytest.param("\t一级指标\n\t二级指标\n", "\t一级指标\n\t二级指标\n", id="tab-cells-untouched"),
        pytest.param(
            "“三公”经费、会议费、培训费支出预算\n表\n部门：某某厅   单位：万元",
            "“三公”经费、会议费、培训费支出预算表\n部门：某某厅   单位：万元",
            id="table-title-wrapped-before-its-last-character",
        ),
        pytest.param(
            "2020年收入决算\n表明收入稳定。", "2020年收入决算\n表明收入稳定。", id="a-sentence-after-a-title-word"
        ),
    ],
)
def test_cleaning_cases(raw: str, clean_text: str) -> None:
    assert clean(raw).text == clean_text


def test_hard_wrapped_pdf_lines_are_joined() -> None:
    para = "2020年本年收入合计381.13万元，其中：一般公共预算财政拨款收入381.13万元，占100%；政府性基金预算财政拨款收入0万元，占0%。"
    width = 30
    lines = [para[i : i + width] for i in range(0, len(para), width)]
    body = "\n".join(lines * 1) + "\n"
    filler = "\n".join(["这是一个用于测试折行检测的较长段落文字内容这是一个用于测试折行检测的"] * 10)
    ct = clean(filler + "\n" + body)
    assert para in ct.text
    assert ct.artifacts["line_joins"] >= len(lines) - 1


def test_a_full_line_ending_in_a_closing_quote_is_joined() -> None:
    filler = "\n".join(["这是一个用于测试折行检测的较长段落文字内容这是一个用于测试折行检测的"] * 10)
    wrapped = "本年度一般公共预算拨款安排的因公出国（境）费支出160万元，占“三公”\n经费的31.14%。\n"
    short = "（一）“三公”\n经费的说明。\n"
    ct = clean(filler + "\n" + wrapped + short)
    assert "“三公”经费的31.14%" in ct.text
    assert "（一）“三公”\n经费的说明" in ct.text


def test_headings_are_not_joined_to_paragraphs() -> None:
    raw = "（一）机关运行经费支出情况\n2020年，机关运行经费支出381.13万元。\n"
    assert clean(raw).text == raw


# Compatibility forms of ideographs (Kangxi radicals, compatibility ideographs), built here from unicodedata alone.
COMPAT_BLOCKS = ((0x2E80, 0x2EFF), (0x2F00, 0x2FDF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def _compat_forms() -> dict[str, str]:
    """Ideograph → one compatibility form of it (the first in code order), over the four blocks."""
    forms: dict[str, str] = {}
    for first, last in COMPAT_BLOCKS:
        for code in range(first, last + 1):
            target = unicodedata.normalize("NFKC", chr(code))
            if len(target) == 1 and target != chr(code):
                forms.setdefault(target, chr(code))
    return forms


def _as_compat(raw: str) -> tuple[str, int]:
    """The text with every ideograph that has a compatibility form written in it, and how many were replaced."""
    forms = _compat_forms()
    out = "".join(forms.get(ch, ch) for ch in raw)
    return out, sum(1 for a, b in zip(raw, out, strict=True) if a != b)


def _facts(result: DocumentResult) -> list[tuple[object, ...]]:
    return [(f.concept, f.period, f.value, f.unit, tuple(f.span), f.text) for f in [*result.facts, *result.tables]]


def test_kangxi_radicals_and_compat_ideographs_fold_to_the_ideographs(stem: str) -> None:
    raw = read_report(stem)
    assert not any(first <= ord(ch) <= last for ch in raw for first, last in COMPAT_BLOCKS)
    radical_raw, replaced = _as_compat(raw)
    assert replaced > 500  # 一 人 入 大 支 用 年 金 … all written as their radicals / compatibility forms
    original = process_raw(RawDocument(stem, raw, "0" * 64, "txt"))
    folded = process_raw(RawDocument(stem, radical_raw, "0" * 64, "txt"))
    assert folded.artifacts["compat_ideographs"] == replaced
    assert _facts(folded) == _facts(original)
    assert [(f.rule, f.severity, f.span) for f in folded.findings] == [
        (f.rule, f.severity, f.span) for f in original.findings
    ]
    assert folded.meta == original.meta
    assert [(p.kind, p.span) for p in folded.placeholders] == [(p.kind, p.span) for p in original.placeholders]
    ct, radical_ct = clean(raw), clean(radical_raw)
    assert radical_ct.text == ct.text
    assert radical_ct.offsets == ct.offsets  # clean → raw points at the radical characters themselves
    on_radicals = [i for i, pos in enumerate(radical_ct.offsets) if radical_raw[pos] != raw[pos]]
    assert len(on_radicals) == replaced
    headings = [s.span[0] for s in folded.sections if radical_raw[s.span[0]] != raw[s.span[0]]]
    assert headings  # 一、… headings start at a radical in the raw text


def test_the_compat_fold_keeps_the_offset_map() -> None:
    raw = "⼀般公共预算财政拨款⽀出\n⽬录中的⻔户：\U0002f800"
    ct = clean(raw)
    assert ct.text == "一般公共预算财政拨款支出\n目录中的门户：丽"
    assert list(ct.offsets) == list(range(len(raw)))
    assert ct.artifacts["compat_ideographs"] == 5
    assert ct.raw_span(10, 12) == (10, 12) and raw[10:12] == "⽀出"


def test_a_full_line_ending_a_sentence_joins_a_subjectless_next_sentence() -> None:
    filler = "\n".join(["这是一个用于测试折行检测的较长段落文字内容这是一个用于测试折行检测的"] * 10)
    full = "行政单位离退休（项）经费主要用于行政单位离退休人员的各项补贴离退休。"
    assert display_width(full) == display_width(filler.split("\n")[0])
    ct = clean(filler + "\n" + full + "\n2023年当年预算执行数为20.30万元。\n" + full + "\n主要原因是经费增加。\n")
    assert "离退休。2023年当年预算执行数为20.30万元" in ct.text
    assert "离退休。\n主要原因是经费增加" in ct.text  # a sentence with a subject of its own stays a paragraph
