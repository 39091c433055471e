"""Segmentation: heading trees per sample report, spans back to raw headings, blocks, PDF/DOCX parity."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import read_report
from hypothesis import given, settings
from hypothesis import strategies as st
from tests_support import write_docx, write_pdf

from pipeline.clean import clean
from pipeline.document import parse, process_raw
from pipeline.ingest import read_document
from pipeline.segment import (
    ATTACHMENT,
    CHAPTER,
    ITEM,
    PART,
    REPORT_TITLE,
    SUB,
    SUBITEM,
    TABLE,
    Section,
    Segmented,
    _build_tree,
    _Head,
    _line_spans,
    _lines_within,
    classify,
    segment,
)
from pipeline.textutil import display_width, fold

TREES = yaml.safe_load((Path(__file__).parent / "data" / "section_trees.yaml").read_text(encoding="utf-8"))


def _tree(text: str) -> list[str]:
    return [f"{s.depth}|{s.kind}|{s.heading}" for s in segment(clean(text)).sections]


def test_section_tree_matches_hand_checked_expectation(stem: str) -> None:
    assert _tree(read_report(stem)) == TREES[stem]


def test_every_section_span_starts_with_its_heading_in_raw_text(stem: str) -> None:
    raw = read_report(stem)
    ct = clean(raw)
    for s in segment(ct).sections:
        rs, _ = ct.raw_span(s.start, s.end)
        heading_raw = [fold(raw[ct.offsets[i]]) for i in range(s.start, s.start + len(s.heading))]
        assert "".join(heading_raw) == s.heading
        assert fold(raw[rs]) == s.heading[0]


def test_document_result_sections_use_raw_spans(stem: str) -> None:
    from pipeline.ingest import RawDocument

    raw = read_report(stem)
    result = process_raw(RawDocument(stem, raw, "0" * 64, "txt"))
    for info in result.sections:
        first = raw[info.span[0] : info.span[1]]
        assert fold(first[0]) == info.heading[0]
        assert info.span[1] <= len(raw)


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        pytest.param("收入决算情况说明", "收入决算", id="income"),
        pytest.param("“三公”经费财政拨款支出决算情况说明", "三公经费", id="sangong"),
        pytest.param("一般公共预算财政拨款支出决算结构情况", "一般公共预算财政拨款支出决算结构情况", id="gb-structure"),
        pytest.param("名词解释", "名词解释", id="glossary"),
        pytest.param("部门整体支出绩效评价指标评分表", "评分表", id="score-table"),
        pytest.param("2020年部门整体支出绩效自评报告", "绩效自评", id="self-assessment"),
        pytest.param("部门收支总表", "部门预算表", id="budget-table"),
        pytest.param("后续工作计划", "unknown", id="unknown"),
    ],
)
def test_classify(title: str, kind: str) -> None:
    assert classify(title) == kind


def test_blocks_of_each_kind_are_found() -> None:
    seg = parse_seed("001_075cd51c8785aeb9")
    kinds = [b.kind for s in seg.sections for b in s.blocks]
    assert kinds.count("chart") == 7
    assert kinds.count("table") == 5


def parse_seed(stem: str):  # type: ignore[no-untyped-def]
    return segment(clean(read_report(stem)))


def test_chart_dump_keeps_title_labels_and_numbers() -> None:
    seg = parse_seed("001_075cd51c8785aeb9")
    charts = [b for s in seg.sections for b in s.blocks if b.kind == "chart"]
    by_title = {c.title: c for c in charts}
    c = by_title["一般公共预算财政拨款支出决算变动情况"]
    assert [x.text for x in c.rows[0]] == ["2019年", "2018年"]
    assert [x.text for x in c.rows[1]] == ["1265.53", "1257.1199999999999"]
    assert "收、支决算总计变动情况图" in by_title


def test_one_cell_per_line_table_rows() -> None:
    seg = parse_seed("002_5ea74facb4b235f4")
    table = next(b for s in seg.sections for b in s.blocks if b.kind == "table")
    rows = [[c.text for c in r] for r in table.rows]
    assert rows[0] == ["一级指标", "二级指标", "分值", "三级指标", "分值", "评价标准", "备注", "得分"]
    assert rows[1][:5] == ["投入", "预算配置", "19", "“三公经费”变动率", "3"]
    # the 评价标准 cell of 经济/社会/生态效益 is merged over three rows in the source: those rows have 7 cells
    short = [r[3] for r in rows if len(r) == 7]
    assert short == ["经济效益", "社会效益", "生态效益"]
    assert all(len(r) == 8 for r in rows if r[3] not in short)
    assert len(rows) == 27  # header + 26 scored rows


def test_tsv_table_keeps_empty_cells_in_place() -> None:
    seg = parse_seed("003_7c46becd3f9fd372")
    section = next(s for s in seg.sections if s.title == "一般公共预算基本支出预算表")
    rows = [[c.text for c in r] for r in section.blocks[0].rows]
    assert ["301", "01", "基本工资", "855,276.00", "855,276.00", ""] in rows


def test_space_aligned_table() -> None:
    text = "部门收支总表\n单位：万元\n项目      本年收入      本年支出\n合计      381.13        381.13\n"
    seg = segment(clean(text))
    table = seg.sections[0].blocks[-1]
    assert table.kind == "table" and table.style == "spaces"
    assert [c.text for c in table.rows[1]] == ["合计", "381.13", "381.13"]


def _wrap(line: str, width: int) -> list[str]:
    """Hard-wrap a line at a typeset width (CJK characters are two units wide), as a PDF export does."""
    pieces, current = [], ""
    for ch in line:
        if display_width(current + ch) > width:
            pieces.append(current)
            current = ""
        current += ch
    return [*pieces, current]


def test_pdf_of_a_report_gives_the_same_sections(tmp_path: Path) -> None:
    stem = "000_71be4926d984000e"
    lines = clean(read_report(stem)).text.split("\n")
    wrapped = [piece for line in lines for piece in _wrap(line, 72)]
    pages = [[*wrapped[i : i + 45], f"- {n + 1} -"] for n, i in enumerate(range(0, len(wrapped), 45))]
    pdf = tmp_path / f"{stem}.pdf"
    write_pdf(pdf, pages)
    doc = read_document(pdf)
    parsed = parse(doc)
    assert parsed.clean.artifacts["page_numbers"] == len(pages)
    assert [f"{s.depth}|{s.kind}|{s.heading}" for s in parsed.seg.sections] == TREES[stem]


def test_docx_of_a_report_gives_the_same_sections(tmp_path: Path) -> None:
    stem = "004_ec93d5c4c31f7204"
    docx_path = tmp_path / f"{stem}.docx"
    write_docx(docx_path, read_report(stem).split("\n"))
    parsed = parse(read_document(docx_path))
    assert [f"{s.depth}|{s.kind}|{s.heading}" for s in parsed.seg.sections] == TREES[stem]


def _section_at_by_scan(sections: list[Section], pos: int) -> Section | None:
    """The definition: the innermost section (latest start, the last listed on a tie) whose span holds `pos`."""
    best = None
    for s in sections:
        if s.start <= pos < s.end and (best is None or s.start >= best.start):
            best = s
    return best


def _section(n: int, start: int, end: int) -> Section:
    return Section(f"s{n}", "t", "t", "unknown", 20, start, start, end)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 30)), max_size=25), st.lists(st.integers(-5, 100)))
def test_section_at_equals_the_scan_on_any_layout(spans: list[tuple[int, int]], probes: list[int]) -> None:
    sections = [_section(n, start, start + length) for n, (start, length) in enumerate(spans)]
    seg = Segmented(sections, [])
    for pos in [*probes, *(p for s in sections for p in (s.start - 1, s.start, s.end - 1, s.end))]:
        assert seg.section_at(pos) is _section_at_by_scan(sections, pos)


RANKS = [PART, ATTACHMENT, REPORT_TITLE, CHAPTER, SUB, ITEM, SUBITEM, TABLE]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 40), st.sampled_from(RANKS)), max_size=30), st.integers(0, 50))
def test_section_at_equals_the_scan_on_heading_trees(heads: list[tuple[int, int]], tail: int) -> None:
    found, pos = [], 0
    for n, (gap, rank) in enumerate(heads):
        pos += gap
        found.append(_Head(n, pos, pos + 1, "t", "t", rank, "unknown"))
    sections = _build_tree(found, pos + tail + 1)
    seg = Segmented(sections, [])
    for probe in range(-1, pos + tail + 3):
        assert seg.section_at(probe) is _section_at_by_scan(sections, probe)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab\n", max_size=80), st.integers(0, 90), st.integers(0, 90))
def test_lines_within_equals_the_filter(text: str, start: int, end: int) -> None:
    lines = _line_spans(text)
    starts, ends = [s for s, _ in lines], [e for _, e in lines]
    expected = [(s, e) for s, e in lines if s >= start and e <= end]
    assert _lines_within(lines, starts, ends, start, end) == expected
