"""Tables of plain-text PDF exports (pdftotext -layout / -raw) rebuilt as tab-separated rows by the text reader.

Every text here is written for the test in the shape pdftotext gives: cells at their horizontal place padded
with spaces, blank lines between rows, header cells centred and broken over lines, form feeds between pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.document import process_raw
from pipeline.ingest import read_document, read_text_export
from pipeline.ingest.text_rows import parse_row, place_by_sums
from pipeline.ingest.text_tables import rebuild_tables, segments


def _line(*cells: tuple[int, str] | tuple[int, str, str]) -> str:
    """One line as pdftotext -layout writes it: each text at its character column, `(x, text, ">")` ending at x."""
    out = ""
    for cell in cells:
        x, text = cell[0], cell[1]
        start = x - len(text) if len(cell) > 2 else x
        out += " " * max(start - len(out), 1 if out else 0) + text
    return out


def _table(*lines: str, gap: bool = True) -> str:
    return ("\n\n" if gap else "\n").join(lines) + "\n"


CODES = [(0, "类"), (6, "款"), (11, "项")]
FUNCTION_TABLE = _table(
    _line((25, "2024年部门支出预算总表")) + "\n" + _line((0, "编制部门：某某街道办事处"), (60, "单位：元")),
    _line((19, "项目"), (50, "支出预算")),
    _line((0, "功能分类科目编码"))
    + "\n"
    + _line((19, "功能分类科目名称"), (39, "合计"), (49, "基本支出"), (63, "项目支出")),
    _line(*CODES),
    _line((0, "201"), (16, "一般公共服务支出"), (42, "2,932,700", ">"), (55, "0", ">"), (70, "2,932,700", ">")),
    _line((0, "201"), (6, "05"), (16, "统计信息事务"), (42, "257,700", ">"), (55, "0", ">"), (70, "257,700", ">")),
    _line(
        (0, "201"),
        (6, "05"),
        (11, "07"),
        (16, "专项普查活动"),
        (42, "257,700", ">"),
        (55, "0", ">"),
        (70, "257,700", ">"),
    ),
    _line(
        (0, "208"), (16, "社会保障和就业支出"), (42, "19,604,064", ">"), (55, "13,368,164", ">"), (70, "6,235,900", ">")
    ),
    _line(
        (0, "208"),
        (6, "05"),
        (16, "行政事业单位养老支出"),
        (42, "7,234,970", ">"),
        (55, "7,234,970", ">"),
        (70, "0", ">"),
    ),
    _line((16, "合计"), (42, "22,536,764", ">"), (55, "13,368,164", ">"), (70, "9,168,600", ">")),
)


def _rows(text: str) -> list[list[str]]:
    rebuilt = rebuild_tables(text)
    assert rebuilt is not None
    t = rebuilt.tables[0]
    return [line.split("\t") for line in rebuilt.text[t.span[0] : t.span[1]].split("\n")]


def test_aligned_rows_become_tab_rows_with_their_codes_and_empty_cells() -> None:
    rows = _rows(FUNCTION_TABLE)
    data = [r for r in rows if r[-1][:1].isdigit()]
    assert data[0] == ["201", "", "", "一般公共服务支出", "2,932,700", "0", "2,932,700"]
    assert data[2] == ["201", "05", "07", "专项普查活动", "257,700", "0", "257,700"]
    assert data[4] == ["208", "05", "", "行政事业单位养老支出", "7,234,970", "7,234,970", "0"]
    assert data[5] == ["", "", "", "合计", "22,536,764", "13,368,164", "9,168,600"]


def test_header_lines_above_the_data_give_each_column_its_path() -> None:
    rebuilt = rebuild_tables(FUNCTION_TABLE)
    assert rebuilt is not None
    t = rebuilt.tables[0]
    assert (t.rows, t.columns, t.header_rows, t.method) == (10, 7, 4, "text")
    assert t.header_paths[0] == ["项目", "功能分类科目编码", "类"]
    assert t.header_paths[3] == ["项目", "功能分类科目名称"]
    assert t.header_paths[4:] == [["支出预算", "合计"], ["支出预算", "基本支出"], ["支出预算", "项目支出"]]
    assert "2024年部门支出预算总表" in rebuilt.text[: t.span[0]]  # title and 单位 line stay above the table


def test_the_pipeline_reads_the_rebuilt_table_by_its_codes_and_headers() -> None:
    result = process_raw(read_text_export("export.txt", FUNCTION_TABLE))
    facts = {(f.concept, f.scope, f.value) for f in result.tables}
    assert ("func:2010507", None, "257700") in facts
    assert ("func:208", "basic", "13368164") in facts
    assert ("func:20805", "project", "0") in facts
    assert not [f for f in result.findings if f.severity == "error"]


INCOME_TABLE = _table(
    _line((34, "2023年部门收入预算总表")) + "\n" + _line((19, "项目"), (60, "收入预算")),
    _line((0, "功能分类科目编码"), (74, "事业单位"))
    + "\n"
    + _line((19, "功能分类科目名称"), (39, "合计"), (50, "财政拨款收入"), (63, "事业收入"), (84, "其他收入"))
    + "\n"
    + _line(*CODES, (74, "经营收入")),
    _line((0, "201"), (16, "一般公共服务支出"), (47, "2,976,800", ">"), (60, "2,976,800", ">")),
    _line((0, "201"), (6, "05"), (16, "统计信息事务"), (47, "627,600", ">"), (60, "627,600", ">")),
    _line((0, "201"), (6, "05"), (11, "06"), (16, "统计管理"), (47, "26,300", ">"), (60, "26,300", ">")),
)


def test_columns_only_the_header_names_are_kept_empty() -> None:
    rebuilt = rebuild_tables(INCOME_TABLE)
    assert rebuilt is not None
    t = rebuilt.tables[0]
    assert t.columns == 9  # 类 款 项 名称 合计 财政拨款收入 事业收入 经营收入 其他收入
    leaves = [p[-1] for p in t.header_paths]
    assert leaves[4:] == ["合计", "财政拨款收入", "事业收入", "经营收入", "其他收入"]
    assert _rows(INCOME_TABLE)[-1] == ["201", "05", "06", "统计管理", "26,300", "26,300", "", "", ""]


TWO_SIDED = _table(
    _line((9, "财政拨款收入"), (51, "财政拨款支出")),
    _line((4, "项目"), (18, "预算数"), (33, "项目"), (48, "合计"), (60, "一般公共预算")),
    _line((0, "一、一般公共预算资金"), (24, "9,501,164", ">"), (27, "一、一般公共服务支出")),
    _line((0, "二、政府性基金"), (27, "二、社会保障和就业支出"), (55, "8,661,624", ">"), (70, "8,661,624", ">")),
    _line((0, "三、国有资本经营预算"), (27, "三、卫生健康支出"), (55, "503,724", ">"), (70, "503,724", ">")),
    _line((27, "四、住房保障支出"), (55, "335,816", ">"), (70, "335,816", ">")),
    _line((3, "收入总计"), (24, "9,501,164", ">"), (35, "支出总计"), (55, "9,501,164", ">"), (70, "9,501,164", ">")),
)


def test_two_sided_table_keeps_its_sides_and_label_only_rows() -> None:
    rebuilt = rebuild_tables(TWO_SIDED)
    assert rebuilt is not None
    t = rebuilt.tables[0]
    assert t.header_paths[:3] == [["财政拨款收入", "项目"], ["财政拨款收入", "预算数"], ["财政拨款支出", "项目"]]
    rows = _rows(TWO_SIDED)
    assert rows[2] == ["一、一般公共预算资金", "9,501,164", "一、一般公共服务支出", "", ""]
    assert rows[5] == ["", "", "四、住房保障支出", "335,816", "335,816"]
    assert rows[6] == ["收入总计", "9,501,164", "支出总计", "9,501,164", "9,501,164"]


PAGED = (
    _table(
        _line((18, "六、财政拨款基本支出预算表")) + "\n" + _line((0, "部门："), (12, "某某单位"), (42, "单位：万元")),
        _line((10, "科目编码"), (27, "科目名称"), (44, "金"), (47, "额")),
        _line((29, "合计"), (50, "1,200.50", ">")),
        _line((0, "301"), (17, "工资福利支出"), (50, "700.25", ">")),
        _line((0, "30101"), (17, "基本工资"), (50, "400.00", ">")),
        _line((0, "30102"), (17, "津贴补贴"), (50, "300.25", ">")),
    )
    + "\n\n"
    + _line((30, "12"))
    + "\n\f"
    + _table(
        _line((0, "30201"), (13, "办公费"), (40, "200.25", ">")),
        _line((0, "30205"), (13, "水费"), (40, "300.00", ">")),
        _line((0, "302"), (13, "商品和服务支出"), (40, "500.25", ">")),
        gap=False,
    )
)


def test_a_table_cut_by_a_page_break_reads_as_one() -> None:
    rebuilt = rebuild_tables(PAGED)
    assert rebuilt is not None
    assert [t.page for t in rebuilt.tables] == [1, 2]
    assert len(rebuilt.pages) == 2
    first = rebuilt.tables[0]
    assert first.header_paths == [["科目编码"], ["科目名称"], ["金额"]]  # a letter-spaced 金  额 is one cell
    assert "30102\t津贴补贴\t300.25\n\n\n12\f30201\t办公费" in rebuilt.text  # the page's foot touches the break
    result = process_raw(read_text_export("paged.txt", PAGED))
    econ = {f.concept: f.value for f in result.tables if f.concept.startswith("econ:")}
    assert econ["econ:30102"] == "300.25"
    assert econ["econ:30205"] == "300.00"
    assert result.artifacts["page_numbers"] == 1


SANGONG = _table(
    _line((31, "2024年“三公”经费预算数")),
    _line((3, "合计"), (16, "因公出国(境)费"), (32, "公务接待费"), (50, "公务用车购置及运行费"))
    + "\n"
    + _line((42, "小计"), (55, "购置费"), (66, "运行费")),
    _line(
        (13, "47.91", ">"), (28, "0", ">"), (38, "1.35", ">"), (51, "46.56", ">"), (62, "25", ">"), (76, "21.56", ">")
    ),
)


def test_a_lone_row_of_figures_under_its_header_is_a_table() -> None:
    rows = _rows(SANGONG)
    assert rows[-1] == ["47.91", "0", "1.35", "46.56", "25", "21.56"]
    rebuilt = rebuild_tables(SANGONG)
    assert rebuilt is not None
    leaves = [p[-1] for p in rebuilt.tables[0].header_paths]
    assert leaves == ["合计", "因公出国(境)费", "公务接待费", "小计", "购置费", "运行费"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("2024年收入预算15621.11万元，其中：财政拨款收入15621.11万元。\n" * 5, id="prose"),
        pytest.param("项目\t金额\n合计\t1.00\n其他\t1.00\n基本\t1.00\n", id="already-tab-separated"),
        pytest.param(
            "一般公共服务支出  2,932,700  1,000\n教育支出  250,000   5,000  7\n  科学技术支出 100,000  3  4  5\n",
            id="not-aligned",
        ),
    ],
)
def test_text_without_aligned_tables_is_read_as_it_is(text: str) -> None:
    assert rebuild_tables(text) is None
    assert read_text_export("plain.txt", text).text == text


def test_segments_cut_at_gaps_and_between_numbers() -> None:
    line = "201   05   07   专项普查活动    257,700 257,700 0 0"
    assert [s.text for s in segments(line)] == ["201", "05", "07", "专项普查活动", "257,700", "257,700", "0", "0"]
    assert [s.text for s in segments("一、财政拨款收入   156,211,123 一、一般公共服务支出")] == [
        "一、财政拨款收入",
        "156,211,123",
        "一、一般公共服务支出",
    ]
    assert [s.text for s in segments("支出 304.4 万元  合计")] == ["支出 304.4 万元", "合计"]
    assert [(s.x0, s.x1) for s in segments("  2017 年度部门预算")] == [(2.0, 13.0)]  # no gap: one segment


RAW = """\
2024年部门一般公共预算基本支出部门预算经济分类预算表
编制部门：某某街道办事处 单位：元
项目 一般公共预算基本支出
部门预算经济分类科目
编码 经济分类科目名称 合计 人员经费 公用经费
类 款
301 工资福利支出 88,282,511 88,282,511 0
301 01 基本工资 5,873,551 5,873,551 0
301 2 津贴补贴 16,623,810 16,623,810 0
302 商品和服务支出 11,168,569 0 11,168,569
合计 99,451,080 88,282,511 11,168,569
"""


def test_raw_rows_with_every_figure_are_rebuilt_under_the_header_naming_them() -> None:
    rebuilt = rebuild_tables(RAW)
    assert rebuilt is not None
    t = rebuilt.tables[0]
    assert t.header_paths == [["类"], ["款"], ["经济分类科目名称"], ["合计"], ["人员经费"], ["公用经费"]]
    rows = [line.split("\t") for line in rebuilt.text[t.span[0] : t.span[1]].split("\n")]
    assert rows[0] == ["类", "款", "经济分类科目名称", "合计", "人员经费", "公用经费"]
    assert rows[3] == ["301", "2", "津贴补贴", "16,623,810", "16,623,810", "0"]
    assert rows[-1] == ["", "", "合计", "99,451,080", "88,282,511", "11,168,569"]
    assert "项目 一般公共预算基本支出" not in rebuilt.text  # the header lines became the header row


def test_raw_rows_missing_a_figure_are_placed_by_the_tables_own_sums() -> None:
    # 302 prints its total and one part: 合计 = 301 + 302 column by column says the part is 公用经费
    text = RAW.replace("302 商品和服务支出 11,168,569 0 11,168,569", "302 商品和服务支出 11,168,569 11,168,569")
    rebuilt = rebuild_tables(text)
    assert rebuilt is not None
    t = rebuilt.tables[0]
    assert t.header_paths[3:] == [["合计"], ["人员经费"], ["公用经费"]]
    rows = [line.split("\t") for line in rebuilt.text[t.span[0] : t.span[1]].split("\n")]
    assert rows[4] == ["302", "", "商品和服务支出", "11,168,569", "", "11,168,569"]


def test_raw_rows_missing_a_figure_keep_only_their_total_when_the_sums_do_not_tell() -> None:
    text = RAW.replace("302 商品和服务支出 11,168,569 0 11,168,569", "302 商品和服务支出 11,168,569 11,168,569")
    text = text.replace("合计 99,451,080 88,282,511 11,168,569\n", "")  # no row above 302 to add up to
    rebuilt = rebuild_tables(text)
    assert rebuilt is not None
    t = rebuilt.tables[0]
    # which column lost its figure cannot be told: the first figure is the row's total, the others stay unnamed
    assert t.header_paths[3:] == [["合计"], [], []]
    rows = [line.split("\t") for line in rebuilt.text[t.span[0] : t.span[1]].split("\n")]
    assert rows[4] == ["302", "", "商品和服务支出", "11,168,569", "11,168,569", ""]
    result = process_raw(read_text_export("raw.txt", text))
    econ = {(f.concept, f.value) for f in result.tables if f.concept.startswith("econ:")}
    assert ("econ:302", "11168569") in econ
    assert {f.column for f in result.tables} == {"合计"}  # no 人员经费 / 公用经费 cell guessed
    assert [n.reason for n in result.tables_not_understood] == ["columns not understood: column 5, column 6"]


ZERO_SUPPRESSED = [
    "201 一般公共服务支出 2,160.00 1,229.00 931.00",
    "201 13 商贸事务 2,160.00 1,229.00 931.00",
    "201 13 01 行政运行 939.00 939.00",
    "201 13 02 一般行政管理事务 454.00 454.00",
    "201 13 50 事业运行 290.00 290.00",
    "201 13 99 其他商贸事务支出 477.00 477.00",
]


@pytest.mark.parametrize(
    ("lines", "placed"),
    [
        pytest.param(
            ZERO_SUPPRESSED,
            [
                None,
                None,
                ["939.00", "939.00", ""],
                ["454.00", "", "454.00"],
                ["290.00", "290.00", ""],
                ["477.00", "", "477.00"],
            ],
            id="one-way-to-add-up",
        ),
        pytest.param(
            [
                "201 一般公共服务支出 2,160.00 1,080.00 1,080.00",
                "201 13 商贸事务 2,160.00 1,080.00 1,080.00",
                "201 13 01 行政运行 1,080.00 1,080.00",
                "201 13 02 一般行政管理事务 1,080.00 1,080.00",
            ],
            None,
            id="two-ways-to-add-up",
        ),
        pytest.param([*ZERO_SUPPRESSED[:3], "201 13 02 一般行政管理事务 100.00 100.00"], None, id="no-way-to-add-up"),
        pytest.param([*ZERO_SUPPRESSED[:2], "201 13 01 行政运行 939.00 900.00"], None, id="part-is-not-the-total"),
    ],
)
def test_place_by_sums(lines: list[str], placed: list[list[str] | None] | None) -> None:
    rows = [parse_row(line) for line in lines]
    assert all(rows)
    got = place_by_sums([r for r in rows if r is not None], 3)
    if placed is None:
        assert got is None
    else:
        assert got is not None
        assert [g if len(r.figures) < 3 else None for g, r in zip(got, rows, strict=True) if r] == placed


def test_raw_rows_under_a_header_that_names_no_total_are_left_as_they_are() -> None:
    text = RAW.replace("合计 人员经费 公用经费", "人员经费 公用经费 其他收入")
    text = text.replace("302 商品和服务支出 11,168,569 0 11,168,569", "302 商品和服务支出 11,168,569 11,168,569")
    assert rebuild_tables(text) is None


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        pytest.param("201 05 07 专项普查活动 257,700 257,700 0", (["201", "05", "07"], "专项普查活动", 3), id="codes"),
        pytest.param(
            "2080505 机关事业单位基本养老保险缴费支出 1,384.70",
            (["2080505"], "机关事业单位基本养老保险缴费支出", 1),
            id="one-code",
        ),
        pytest.param("合计 156,211,123 156,211,123", ([], "合计", 2), id="total"),
        pytest.param("2024年收入预算 15621.11 万元，比上年减少。", None, id="sentence"),
        pytest.param("一般公共服务支出", None, id="no-figure"),
    ],
)
def test_parse_row(line: str, parsed: tuple[list[str], str, int] | None) -> None:
    row = parse_row(line)
    assert (None if row is None else (row.codes, row.label, len(row.figures))) == parsed


def test_a_txt_file_is_read_with_its_tables_rebuilt(tmp_path: Path) -> None:
    f = tmp_path / "export.txt"
    f.write_bytes(FUNCTION_TABLE.encode("gb18030"))
    doc = read_document(f)
    assert doc.encoding == "gb18030"
    assert "201\t05\t07\t专项普查活动\t257,700\t0\t257,700" in doc.text
    assert doc.layout is not None and doc.layout.tables[0].header_rows == 4


def test_prose_of_an_aligned_export_is_written_without_indentation_or_justification_gaps() -> None:
    prose = "     省某单位2017年一般公共预算支出17981.68万元，与上年相比\n增加1454.35万元，增长 8.8        %。主要原因是人员增加。\n"
    rebuilt = rebuild_tables(prose + FUNCTION_TABLE)
    assert rebuilt is not None
    assert rebuilt.text.startswith(
        "省某单位2017年一般公共预算支出17981.68万元，与上年相比\n增加1454.35万元，增长 8.8 %。"
    )
    assert rebuild_tables(prose) is None  # text without a table is read as it is, gaps and all


WRAPPED = _table(
    _line((8, "收入"), (45, "支出")),
    _line((4, "项目名称"), (18, "金额"), (30, "功能科目名称"), (52, "金额"), (60, "项目名称"), (80, "金额")),
    _line(
        (0, "一、财政拨款"),
        (24, "1,800.00", ">"),
        (28, "一、一般公共服务支出"),
        (56, "900.00", ">"),
        (60, "一、基本支出"),
        (84, "1,200.00", ">"),
    ),
    _line((4, "1.一般公共预"))
    + "\n"
    + _line((14, "1,800.00"), (28, "二、外交支出"), (60, "二、项目支出"), (84, "500.00", ">"))
    + "\n"
    + _line((0, "算")),
    _line((4, "2.政府性基金"), (60, "三、单位预留机"))
    + "\n"
    + _line((28, "三、国防支出"), (56, "900.00", ">"), (84, "100.00", ">"))
    + "\n"
    + _line((0, "预算"), (60, "动经费")),
    _line((2, "收入合计"), (24, "1,800.00", ">"), (30, "支出合计"), (56, "1,800.00", ">"), (84, "1,800.00", ">")),
)


def test_wrapped_cells_go_to_the_row_band_they_belong_to() -> None:
    rows = _rows(WRAPPED)
    assert rows[3][:3] == ["1.一般公共预算", "1,800.00", "二、外交支出"]
    assert rows[4] == ["2.政府性基金预算", "", "三、国防支出", "900.00", "三、单位预留机动经费", "100.00"]
    assert rows[5][0] == "收入合计"


def test_raw_rows_go_on_after_a_page_number_and_a_page_break() -> None:
    page_two = "302 01 办公费 4,755,518 0 4,755,518\n302 04 手续费 30,000 0 30,000\n302 05 水费 277,500 0 277,500\n"
    rebuilt = rebuild_tables(RAW.replace("合计 99,451,080 88,282,511 11,168,569\n", "- 12 -\n\f" + page_two))
    assert rebuilt is not None
    assert [(t.page, t.header_rows) for t in rebuilt.tables] == [(1, 1), (2, 0)]  # the second goes on with the first
    assert rebuilt.tables[1].header_paths == rebuilt.tables[0].header_paths
    assert "302\t05\t水费\t277,500\t0\t277,500" in rebuilt.text


def _raw_page(title: str, first_code: str) -> str:
    rows = [f"{first_code} 工资福利支出 700.25", f"{first_code}01 基本工资 400.00", f"{first_code}02 津贴补贴 300.25"]
    return "\n".join(["单位：万元", "科目编码 科目名称 金额", *rows, title])


def test_titles_a_raw_export_writes_after_their_tables_are_put_first() -> None:
    two = _raw_page("财政拨款基本支出预算表", "301") + "\n\f" + _raw_page("一般公共预算基本支出预算表", "301") + "\n"
    rebuilt = rebuild_tables(two)
    assert rebuilt is not None
    pages = rebuilt.text.split("\f")
    assert pages[0].startswith("财政拨款基本支出预算表\n单位：万元\n")
    assert pages[1].startswith("一般公共预算基本支出预算表\n单位：万元\n")
    one = rebuild_tables(_raw_page("财政拨款基本支出预算表", "301") + "\n")
    assert one is not None and one.text.endswith("\n财政拨款基本支出预算表\n")  # a lone page may end in the next title


ORGAN_RUNNING = _table(
    _line((15, "一般公共预算机关运行经费支出预算表")) + "\n" + _line((0, "部门：某某厅"), (57, "单位：万元")),
    # a CJK header is written one character per grid cell though drawn nearly twice as wide: centred over the
    # amount column in the PDF, its characters end before that column starts
    _line((8, "科目编码"), (27, "科目名称"), (34, "机关运行经费支出")),
    _line((29, "合计"), (54, "1,039.30", ">")),
    _line((0, "302"), (17, "商品和服务支出"), (54, "1,039.30", ">")),
    _line((0, "30201"), (17, "办公费"), (54, "489.30", ">")),
    _line((0, "30211"), (17, "差旅费"), (54, "350.00", ">")),
    _line((0, "30231"), (17, "公务用车运行维护费"), (54, "200.00", ">")),
)


def test_a_header_that_seems_to_end_before_its_amount_column_heads_it() -> None:
    rebuilt = rebuild_tables(ORGAN_RUNNING)
    assert rebuilt is not None
    t = rebuilt.tables[0]
    assert [p[-1] for p in t.header_paths] == ["科目编码", "科目名称", "机关运行经费支出"]
    result = process_raw(read_text_export("export.txt", ORGAN_RUNNING))
    facts = {(f.concept, f.scope, f.value) for f in [*result.facts, *result.tables]}
    assert ("econ:30201", "organ_running", "489.30") in facts
    assert ("organ_running", None, "1039.30") in facts
    assert not result.tables_not_understood


PROCUREMENT = _table(
    _line((20, "2018年政府采购预算表")) + "\n" + _line((0, "部门：某某厅"), (70, "单位：万元")),
    _line(
        (1, "采购品目大类"),
        (14, "专项名称"),
        (26, "经济科目"),
        (36, "采购物品名称"),
        (50, "采购组织形式"),
        (63, "总计"),
    ),
    _line((0, "合计"), (67, "902.10", ">")),
    _line((0, "一、货物A"), (67, "30.00", ">")),
    # the export runs a 专项名称 and its 经济科目 together with one space, as pdftotext does
    _line((10, "业务费 办公设备购置"), (67, "30.00", ">")),
    _line((34, "便携式计算机（20万以下）"), (52, "分散自行组织"), (67, "26.00", ">")),
    # two texts over one column: the reader leaves the table's lines as they are, read by their labels
    _line((34, "打印设备"), (43, "复印纸"), (67, "4.00", ">")),
    _line((0, "二、服务C"), (67, "872.10", ">")),
    _line((10, "承办的会议费"), (34, "会议费"), (67, "872.10", ">")),
    _line((34, "会议服务"), (50, "政府集中采购"), (67, "872.10", ">")),
    _line((10, "业务费 培训费"), (67, "5.00", ">")),
)


def test_rows_of_a_procurement_table_read_as_text_are_no_vocabulary_but_its_totals() -> None:
    result = process_raw(read_text_export("export.txt", PROCUREMENT))
    facts = {(f.concept, f.value) for f in [*result.facts, *result.tables]}
    assert {("procurement_total", "902.10"), ("proc_goods", "30.00"), ("proc_services", "872.10")} <= facts
    assert not [f for f in [*result.facts, *result.tables] if f.concept == "meeting_fee"]  # a 会议费 item


CELL_PER_LINE = (
    "\n\n".join(
        [
            "2025年部门一般公共预算基本支出部门预算经济分类预算表",
            "编制部门：某某委员会",
            "单位：元",
            "项目",
            "经济分类科目名称",
            "合计",
            "人员经费",
            "公用经费",
            *["301", "工资福利支出", "1,000.00", "1,000.00"],
            *["301", "01", "基本工资", "600.00", "600.00"],
            *["301", "02", "津贴补贴", "400.00", "400.00"],
            *["301", "05", "绩效工资", "70.00", "70.00"],  # 30105 is no 绩效工资 (30107): not confirmed, not read
            "商品和服务支出",  # a class row whose code the export wrote after its figure
            "50.00",
            "302",
            *["302", "01", "办公费", "50.00"],
        ]
    )
    + "\n"
)


def test_classification_cells_written_one_per_line_are_rebuilt_as_confirmed_rows() -> None:
    result = process_raw(read_text_export("export.txt", CELL_PER_LINE))
    facts = {(f.concept, f.scope, f.value) for f in [*result.facts, *result.tables]}
    assert {
        ("econ:301", "basic", "1000.00"),
        ("econ:30101", "basic", "600.00"),
        ("econ:30102", "basic", "400.00"),
        ("econ:302", "basic", "50.00"),
        ("econ:30201", "basic", "50.00"),
    } <= facts, sorted(facts)
    assert not [f for f in facts if f[0] in ("econ:30105", "econ:30107")]
    # rows the lexicon could not confirm are missing: no error check rests on the table
    assert [n.reason for n in result.tables_not_understood if "one per line" in n.reason]
    assert all(f.severity != "error" for f in result.findings)
