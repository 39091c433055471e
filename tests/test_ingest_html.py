"""HTML and .xlsx readers: pages and workbooks made by the tests, a sample report as a web page, bad input."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from conftest import REPORTS
from make_inputs import NOISE, budget_workbook, page, report_page

from pipeline.document import process_file
from pipeline.errors import InputError
from pipeline.evaluate import result_key
from pipeline.ingest import read_document
from pipeline.ingest.numfmt import format_number

REPORT = REPORTS / "003_7c46becd3f9fd372.txt"


def write(tmp_path: Path, name: str, payload: bytes) -> Path:
    f = tmp_path / name
    f.write_bytes(payload)
    return f


# ---------------------------------------------------------------- HTML text


def test_blocks_are_lines_and_navigation_is_dropped(tmp_path: Path) -> None:
    body = """<h1>万源市社会保险事业管理局
    2021年部门预算</h1>
    <p>本年收入合计<b>381.13</b>万元，其中：一般公共预算
    财政拨款收入381.13万元。<br>第二行&nbsp;&nbsp;内容</p>
    <ul><li>一、基本职能</li><li>二、机构设置</li></ul>
    <div>单位：万元<div>附件1</div>尾</div>"""
    doc = read_document(write(tmp_path, "p.html", page(body).encode("utf-8")))
    assert doc.text.splitlines() == [
        "万源市社会保险事业管理局 2021年部门预算",
        "本年收入合计381.13万元，其中：一般公共预算财政拨款收入381.13万元。",  # a wrap between CJK vanishes
        "第二行 内容",
        "一、基本职能",
        "二、机构设置",
        "单位：万元",
        "附件1",
        "尾",
    ]
    assert doc.format == "html"
    assert not [w for w in NOISE if w in doc.text]


def test_an_articles_own_header_and_a_page_wide_form_are_kept(tmp_path: Path) -> None:
    body = """<form id="form1" action="Default.aspx"><div id="topmenu">网站首页 | 信息公开</div>
    <main><article><header><h2>2021年部门决算</h2></header><p>本年支出合计260.70万元。</p>
    <div class="menu">一、 部门职责</div></article></main></form>"""
    doc = read_document(write(tmp_path, "p.htm", page(body).encode("utf-8")))
    # inside the article a menu-like class is content: only page-level menus are dropped by their names
    assert doc.text.splitlines() == ["2021年部门决算", "本年支出合计260.70万元。", "一、 部门职责"]


TABLE = """<p>表1</p>
<table>
<caption>2021年部门收支总表</caption>
<thead>
<tr><th rowspan="2">项目</th><th colspan="2">收入</th><th>支出</th></tr>
<tr><th>预算数</th><th>决算数</th><th>决算数</th></tr>
</thead>
<tfoot><tr><td>注：本表无政府性基金</td><td></td><td></td><td></td></tr></tfoot>
<tbody>
<tr><td>本年收入合计</td><td> 3,162,923.00 </td><td>3,100,000.00<td>
<tr><td>&nbsp;</td><td></td><td></td><td></td></tr>
<tr><td colspan="2"><p>一、一般公共</p><p>预算拨款</p></td><td>12</td><td rowspan="2">7</td></tr>
<tr><td>其中：</td><td>5</td><td>6</td></tr>
</tbody>
</table>
<p>表后说明</p>"""


def test_table_rows_are_tab_separated_on_a_grid(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "t.html", page(TABLE).encode("utf-8")))
    assert doc.text.splitlines() == [
        "表1",
        "2021年部门收支总表",
        "项目\t收入\t\t支出",  # colspan 2: the cell once, then an empty cell for the column it covers
        "\t预算数\t决算数\t决算数",  # rowspan 2: the column stays empty under 项目
        "本年收入合计\t3,162,923.00\t3,100,000.00\t",
        "一、一般公共 预算拨款\t\t12\t7",
        "其中：\t5\t6\t",
        "注：本表无政府性基金\t\t\t",  # tfoot comes last, where a browser shows it
        "表后说明",
    ]
    assert doc.layout is not None
    (table,) = doc.layout.tables
    start, end = table.span
    assert doc.text[start:end].splitlines()[0] == "项目\t收入\t\t支出"
    assert doc.text[end] == "\n" and doc.text[start - 1] == "\n"
    assert (table.rows, table.columns, table.header_rows, table.method) == (6, 4, 2, "html")
    assert table.header_paths == [["项目"], ["收入", "预算数"], ["收入", "决算数"], ["支出", "决算数"]]


def test_header_rows_without_th_are_the_rows_before_the_figures(tmp_path: Path) -> None:
    body = """<table><tr><td colspan="3">部门收支总表</td></tr><tr><td>单位：元</td></tr>
    <tr><td>科目编码</td><td>科目名称</td><td>合计</td></tr>
    <tr><td>208</td><td>社会保障和就业支出</td><td>2,875,129.00</td></tr></table>"""
    doc = read_document(write(tmp_path, "h.html", page(body).encode("utf-8")))
    assert doc.text.splitlines() == [
        "部门收支总表",  # single-text rows above the columns are the table's titles, written as lines
        "单位：元",
        "科目编码\t科目名称\t合计",
        "208\t社会保障和就业支出\t2,875,129.00",  # 208 is a code, not the first figure
    ]
    assert doc.layout is not None
    (table,) = doc.layout.tables
    assert (table.rows, table.header_rows) == (2, 1)
    assert table.header_paths == [["科目编码"], ["科目名称"], ["合计"]]


def test_header_cells_merged_by_eye_cover_the_columns_named_below_them(tmp_path: Path) -> None:
    body = """<table><tr><td>单位名称：万源市社保局</td><td></td><td>单位：元</td><td></td><td></td></tr>
    <tr><td>收入</td><td></td><td>支出</td><td></td><td></td></tr>
    <tr><td>项目</td><td>预算数</td><td>项目</td><td>预算数</td><td></td></tr>
    <tr><td>本年收入合计</td><td>3,162,923.00</td><td>本年支出合计</td><td>3,162,923.00</td><td>备注</td></tr>
    </table>"""
    doc = read_document(write(tmp_path, "m.html", page(body).encode("utf-8")))
    assert doc.layout is not None
    (table,) = doc.layout.tables
    assert table.header_rows == 3  # the notes row is above the data, so counted, but it heads no column
    # 收入 reaches over 预算数 (named by the row below), 支出 stops where no column below has a name
    assert table.header_paths == [["收入", "项目"], ["收入", "预算数"], ["支出", "项目"], ["支出", "预算数"], []]


def test_layout_tables_are_read_as_blocks(tmp_path: Path) -> None:
    body = """<table width="100%"><tr><td><p>一、部门概况</p>
    <table><tr><td>项目</td><td>金额</td></tr><tr><td>合计</td><td>1.00</td></tr></table>
    </td><td>右栏</td></tr></table><table><tr><td><p>独立的一段</p></td></tr></table>"""
    doc = read_document(write(tmp_path, "l.html", page(body).encode("utf-8")))
    assert doc.text.splitlines() == ["一、部门概况", "项目\t金额", "合计\t1.00", "右栏", "独立的一段"]
    assert doc.layout is not None and len(doc.layout.tables) == 1


def test_word_export_tag_soup_pre_and_span_attributes(tmp_path: Path) -> None:
    body = """<p class=MsoNormal align=center><b><span style='font-size:16pt'>2021年部门预算<o:p></o:p></span></b>
    <p class=MsoNormal><span>一、收入预算<!-- 批注 -->总额<span lang=EN-US>316.29</span>万元</span>
    <table class=MsoNormalTable border=1><tr><td><p class=MsoNormal>项目<td><p>金额<tr><td>合计<td>316.29</table>
    <pre>
    行一  保留
    </pre>
    <table><tr style="display:none"><td>隐藏行</td><td>1</td></tr>
    <tr><td colspan="0">a</td><td colspan="2x">b</td><td rowspan="0">c</td></tr>
    <tr><td>d</td><td>e</td><td>f</td></tr></table>"""
    doc = read_document(write(tmp_path, "w.htm", page(body).encode("utf-8")))
    assert doc.text.splitlines() == [
        "2021年部门预算",
        "一、收入预算总额316.29万元",  # the comment's tail is text
        "项目\t金额",  # unclosed <td> and <tr> are closed where a browser closes them
        "合计\t316.29",
        "    行一  保留",  # <pre> keeps its spaces
        "a\tb\t\tc",  # colspan 0 counts as 1, "2x" as 2; a hidden row is not read
        "d\te\tf\t",  # rowspan 0 reaches the end of the row group
    ]


# ---------------------------------------------------------------- encodings

SAMPLE = "<p>本年收入合计381.13万元，其中：一般公共预算财政拨款收入381.13万元。</p>"
LINE = "本年收入合计381.13万元，其中：一般公共预算财政拨款收入381.13万元。\n"


@pytest.mark.parametrize(
    ("payload", "encoding", "warned"),
    [
        pytest.param(page(SAMPLE).encode("utf-8"), "utf-8", False, id="meta-utf8"),
        pytest.param(page(SAMPLE, '<meta charset="gbk">').encode("gbk"), "gb18030", False, id="meta-gbk"),
        pytest.param(
            page(SAMPLE, '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">').encode("gb2312"),
            "gb18030",
            False,
            id="http-equiv-gb2312",
        ),
        pytest.param(page(SAMPLE, "<meta charset='GB18030'>").encode("gb18030"), "gb18030", False, id="gb18030"),
        pytest.param(b"\xef\xbb\xbf" + page(SAMPLE, "").encode("utf-8"), "utf-8-sig", False, id="bom-utf8"),
        pytest.param(page(SAMPLE, "").encode("utf-16"), "utf-16", False, id="bom-utf16"),
        pytest.param(page(SAMPLE, "").encode("gbk"), "gb18030", False, id="detect-gbk"),
        pytest.param(page(SAMPLE, "").encode("utf-8"), "utf-8", False, id="detect-utf8"),
        pytest.param(page(SAMPLE, '<meta charset="gbk">').encode("utf-8"), "utf-8", True, id="gbk-declared-utf8-bytes"),
        pytest.param(
            page(SAMPLE, '<meta charset="iso-8859-1">').encode("gbk"), "gb18030", True, id="latin1-declared-gbk-bytes"
        ),
        pytest.param(
            b'<?xml version="1.0" encoding="gb2312"?>\n' + page(SAMPLE, '<meta charset="gb2312">').encode("gbk"),
            "gb18030",
            False,
            id="xhtml-declaration",
        ),
    ],
)
def test_encodings_are_honoured_or_detected(tmp_path: Path, payload: bytes, encoding: str, warned: bool) -> None:
    doc = read_document(write(tmp_path, "e.html", payload))
    assert doc.text == LINE
    assert doc.encoding == encoding
    assert bool(doc.warnings) == warned


def test_a_few_stray_bytes_are_replaced_not_fatal(tmp_path: Path) -> None:
    payload = page(SAMPLE * 20, '<meta charset="gbk">').encode("gbk").replace("。".encode("gbk"), b"\x81", 1)
    doc = read_document(write(tmp_path, "s.html", payload))
    assert doc.text.count("\ufffd") == 1
    assert doc.warnings == ("1 undecodable byte sequences replaced by U+FFFD (gb18030)",)


# ---------------------------------------------------------------- a sample report as a web page


Keys = tuple[set[object], set[object], set[object]]


def _keys(path: Path) -> Keys:
    """Matching keys of a document's facts and table rows, and its findings' rule, severity and figures."""
    result = process_file(path)
    findings = {(f.rule, f.severity, f.expected, f.actual) for f in result.findings}
    return {result_key(f) for f in result.facts}, {result_key(f) for f in result.tables}, findings


@pytest.fixture(scope="module")
def report_keys() -> Keys:
    return _keys(REPORT)


@pytest.mark.parametrize("charset", ["utf-8", "gbk"])
def test_a_report_as_a_web_page_gives_the_same_facts(tmp_path: Path, charset: str, report_keys: Keys) -> None:
    text = REPORT.read_text(encoding="utf-8")
    f = write(tmp_path, "report.html", report_page(text, charset).encode(charset))
    facts, rows, findings = _keys(f)
    assert facts == report_keys[0]
    assert rows == report_keys[1]
    assert findings == report_keys[2]
    assert len(facts) > 20 and len(rows) > 20
    doc = read_document(f)
    assert not [w for w in NOISE if w in doc.text]
    assert doc.layout is not None
    lines = text.splitlines()
    tab_lines = {line.rstrip("\t") for line in lines if "\t" in line}
    blocks = sum(1 for k, line in enumerate(lines) if "\t" in line and (k == 0 or "\t" not in lines[k - 1]))
    assert len(doc.layout.tables) == blocks
    for table in doc.layout.tables:
        for row in doc.text[table.span[0] : table.span[1]].split("\n"):
            assert row.rstrip("\t") in tab_lines


# ---------------------------------------------------------------- .xlsx


def test_xlsx_sheets_rows_and_number_strings(tmp_path: Path) -> None:
    f = tmp_path / "budget.xlsx"
    budget_workbook(f)
    doc = read_document(f)
    assert doc.text.splitlines() == [
        "表1 收支总表",
        "2021年部门收支总表",
        "单位名称：万源市社保局\t\t单位：元\t",
        "收入\t\t支出\t",
        "项目\t2021年预算数\t项目\t2021年预算数",
        "一、一般公共预算拨款收入\t3,162,923.00\t八、社会保障和就业支出\t2,875,129.00",
        "二、政府性基金预算拨款收入\t\t十、卫生健康支出\t103,545.00",
        "\t\t二十、住房保障支出\t184,249.00",
        "本年收入合计\t3,162,923.00\t本年支出合计\t3,162,923.00",
        "收入总计\t3,162,923.00\t支出总计\t3,162,923.00",
        "图表数据",
        "2020年\t2021年",  # the empty first column is dropped
        "征缴金额\t1183.11",
        "发放率\t88.62%",
    ]
    assert doc.format == "xlsx"
    assert doc.warnings == ("sheet 参数 is hidden and was not read",)
    assert doc.layout is not None
    first, second = doc.layout.tables
    assert (first.rows, first.columns, first.header_rows, first.method) == (8, 4, 3, "xlsx")
    assert first.header_paths == [  # the 单位名称 / 单位 notes row is no column header
        ["收入", "项目"],
        ["收入", "2021年预算数"],
        ["支出", "项目"],
        ["支出", "2021年预算数"],
    ]
    assert doc.text[first.span[0] : first.span[1]].startswith("单位名称")
    assert doc.text[second.span[0] : second.span[1]] == "2020年\t2021年\n征缴金额\t1183.11\n发放率\t88.62%"


def test_xlsx_budget_table_yields_its_facts(tmp_path: Path) -> None:
    f = tmp_path / "budget.xlsx"
    budget_workbook(f)
    result = process_file(f)
    facts = {(x.concept, x.period, x.value, x.unit, x.value_wan) for x in result.facts}
    # read by hand off the sheet: every amount is in 元, 3,162,923.00 元 = 316.2923 万元
    assert {
        ("inc_general_budget", "current", "3162923.00", "元", "316.2923"),
        ("income_total", "current", "3162923.00", "元", "316.2923"),
        ("expenditure_total", "current", "3162923.00", "元", "316.2923"),
        ("grand_total", "current", "3162923.00", "元", "316.2923"),
    } <= facts
    rows = {(x.concept, x.value) for x in result.tables}
    assert {("func:208", "2875129.00"), ("func:210", "103545.00"), ("func:221", "184249.00")} <= rows
    assert not [f for f in result.findings if f.severity == "error"]


def test_xlsx_merged_cell_is_written_once_even_if_covered_cells_hold_values(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["一般公共预算支出", "一般公共预算支出", "合计"])
    sheet.append(["基本支出", 10.5, 10.5])
    plain = tmp_path / "plain.xlsx"
    book.save(plain)
    merged = tmp_path / "merged.xlsx"  # a writer that leaves the covered cell's value behind, as some do
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(merged, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                merge = b'<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>'
                data = data.replace(b"</sheetData>", b"</sheetData>" + merge)
            dst.writestr(item, data)
    doc = read_document(merged)
    assert doc.text.splitlines() == ["Sheet", "一般公共预算支出\t\t合计", "基本支出\t10.5\t10.5"]
    assert doc.layout is not None
    assert doc.layout.tables[0].header_paths == [["一般公共预算支出"], ["一般公共预算支出"], ["合计"]]


@pytest.mark.parametrize(
    ("value", "number_format", "shown"),
    [
        pytest.param(1234.5, "#,##0.00", "1,234.50", id="thousands-two-decimals"),
        pytest.param(3162923, "#,##0.00", "3,162,923.00", id="integer-as-amount"),
        pytest.param(1183.1099999999999, "General", "1183.11", id="general-float-artifact"),
        pytest.param(0.1 + 0.2, "General", "0.3", id="general-sum-artifact"),
        pytest.param(1183.1099999999999, "0.00", "1183.11", id="fixed-float-artifact"),
        pytest.param(2.675, "0.00", "2.68", id="float-below-half"),  # the float is 2.67499999…: read as 2.675
        pytest.param(0.125, "0.00", "0.13", id="half-away-from-zero"),
        pytest.param(0.8862, "0.00%", "88.62%", id="percent"),
        pytest.param(-1234.5, "#,##0.00", "-1,234.50", id="negative"),
        pytest.param(-1234.5, "#,##0.00_);(#,##0.00)", "(1,234.50)", id="negative-section"),
        pytest.param(0, '_ * #,##0.00_ ;_ * -#,##0.00_ ;_ * "-"??_ ;_ @_ ', "-", id="accounting-zero"),
        pytest.param(1234.5, '_ * #,##0.00_ ;_ * -#,##0.00_ ;_ * "-"??_ ;_ @_ ', "1,234.50", id="accounting"),
        pytest.param(1, "00", "01", id="zero-padded-code"),
        pytest.param(1234567, "#,##0,", "1,235", id="scaled-thousands"),
        pytest.param(5, "0.0#", "5.0", id="optional-decimal"),
        pytest.param(1234.5, '#,##0.00"元"', "1,234.50元", id="quoted-unit"),
        pytest.param(1234.5, "[$¥-804]#,##0.00", "¥1,234.50", id="currency"),
        pytest.param(1234.5, "[Red]0.0", "1234.5", id="colour"),
        pytest.param(-0.001, "0.00", "0.00", id="no-negative-zero"),
        pytest.param(1e20, "General", "100000000000000000000", id="no-exponent"),
    ],
)
def test_numbers_are_written_as_the_cell_shows_them(value: float, number_format: str, shown: str) -> None:
    assert format_number(value, number_format) == shown


# ---------------------------------------------------------------- unusable input


def _zip_without_workbook() -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    return buf.getvalue()


def _empty_workbook(tmp_path: Path) -> bytes:
    import openpyxl

    f = tmp_path / "empty-book.xlsx"
    openpyxl.Workbook().save(f)
    return f.read_bytes()


@pytest.mark.parametrize(
    ("name", "payload", "reason"),
    [
        pytest.param("mis.html", b"<p>\xff\xfe\x80\x80 \x81</p>" * 3, "cannot decode", id="html-undecodable"),
        pytest.param(
            "mis.html", b'<meta charset="utf-8"><p>\x80\xff\x80</p>', "cannot decode", id="html-declared-undecodable"
        ),
        pytest.param("bin.html", b"PK\x03\x04\x00\x00binary" * 40, "binary data", id="html-binary"),
        pytest.param("nav.html", page("").encode("utf-8"), "no text found", id="html-only-navigation"),
        pytest.param("blank.htm", b"<html><body>  &nbsp; </body></html>", "no text found", id="html-blank"),
        pytest.param("empty.html", b" \n ", "empty file", id="html-empty-file"),
        pytest.param("x.xlsx", b"this is not a workbook", "not a valid .xlsx", id="xlsx-not-zip"),
        pytest.param("x.xlsx", b"PK\x03\x04 truncated zip", "not a valid .xlsx", id="xlsx-corrupt-zip"),
        pytest.param("x.xlsx", _zip_without_workbook(), "cannot open .xlsx", id="xlsx-zip-without-workbook"),
        pytest.param("x.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, ".xls", id="xlsx-is-old-xls"),
        pytest.param("x.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "save it as .xlsx", id="xls"),
    ],
)
def test_unusable_pages_and_workbooks_raise_one_clear_error(
    tmp_path: Path, name: str, payload: bytes, reason: str
) -> None:
    f = write(tmp_path, name, payload)
    with pytest.raises(InputError) as info:
        read_document(f)
    assert str(f) in str(info.value)
    assert reason in str(info.value)
    assert "\n" not in str(info.value)


def test_an_empty_workbook_has_no_text(tmp_path: Path) -> None:
    f = write(tmp_path, "blank.xlsx", _empty_workbook(tmp_path))
    with pytest.raises(InputError, match="no text found"):
        read_document(f)
