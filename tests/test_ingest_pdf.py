"""The PDF reader: ruled tables as cell grids (merged headers, wrapped cells), unruled aligned tables, rotated pages,
tables cut by a page break, bad input; and the corpus PDFs read into the cells a reader sees on the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.corpus_goldens import corpus_dir
from pipeline.errors import InputError
from pipeline.ingest import read_document
from pipeline.ingest.pdf import read_pdf

FONT = "STSong-Light"


def _canvas(path: Path, landscape: bool = False):  # type: ignore[no-untyped-def]
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.pagesizes import landscape as rotate
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return canvas.Canvas(str(path), pagesize=rotate(A4) if landscape else A4)


def _grid(c, x: list[float], y: list[float], skip_v: set[tuple[int, int]] = frozenset()) -> None:  # type: ignore[no-untyped-def,assignment]
    """Ruling lines of a table: horizontal lines at every y, vertical at every x except (column gap, row) skipped."""
    for yy in y:
        c.line(x[0], yy, x[-1], yy)
    for k, xx in enumerate(x):
        for r in range(len(y) - 1):
            if (k, r) not in skip_v:
                c.line(xx, y[r], xx, y[r + 1])


def _text(c, x: float, y: float, s: str, size: int = 9) -> None:  # type: ignore[no-untyped-def]
    c.setFont(FONT, size)
    c.drawString(x, y, s)


def _budget_table(path: Path) -> None:
    """A 支出预算总表 as the Shanghai template draws it: merged header cells (科目编码 over 类/款/项, 科目名称 over two
    header rows, 支出预算 over 合计/基本支出/项目支出), code columns, a label wrapped over two lines in its cell."""
    c = _canvas(path)
    _text(c, 200, 800, "2025年部门支出预算总表", 12)
    _text(c, 60, 780, "编制部门：测试局")
    _text(c, 450, 780, "单位：元")
    x = [50.0, 80, 110, 140, 300, 380, 460, 540]
    y = [760.0, 740, 720, 700, 680, 660, 640]  # bands: header 0-1, data 2-5 (reportlab's y grows upwards)
    # row 0: no vertical line inside 科目编码 (columns 0-2) nor inside 支出预算 (columns 4-6)
    skip = {(1, 0), (2, 0), (5, 0), (6, 0)}
    for yy in y:
        c.line(x[0], yy, x[-1], yy) if yy != 740 else None
    c.line(x[0], 740, x[3], 740)  # 科目名称 spans both header rows: no line under it in column 3
    c.line(x[4], 740, x[-1], 740)
    for k, xx in enumerate(x):
        for r in range(len(y) - 1):
            if (k, r) not in skip:
                c.line(xx, y[r], xx, y[r + 1])
    _text(c, 55, 745, "功能分类科目编码")
    _text(c, 150, 735, "功能分类科目名称")
    _text(c, 420, 745, "支出预算")
    for xx, word in ((58, "类"), (88, "款"), (118, "项"), (310, "合计"), (390, "基本支出"), (470, "项目支出")):
        _text(c, xx, 725, word)
    rows = [
        (("201", "", ""), "一般公共服务支出", ("300.00", "200.00", "100.00")),
        (("201", "13", ""), "商贸事务", ("300.00", "200.00", "100.00")),
        (("201", "13", "01"), "行政运行", ("200.00", "200.00", "")),
    ]
    for r, (codes, name, amounts) in enumerate(rows):
        base = y[2 + r] - 14
        for k, code in enumerate(codes):
            _text(c, x[k] + 5, base, code)
        _text(c, 145, base, name)
        for k, amount in enumerate(amounts):
            _text(c, x[4 + k] + 5, base, amount)
    base = y[5] - 14  # the last band: a label wrapped over two lines
    for k, code in enumerate(("201", "13", "02")):
        _text(c, x[k] + 5, base, code)
    _text(c, 145, base + 5, "机关事业单位基本养老保险缴费支", 7)
    _text(c, 145, base - 3, "出", 7)
    _text(c, x[4] + 5, base, "100.00")
    _text(c, x[6] + 5, base, "100.00")
    c.showPage()
    c.save()


def test_a_ruled_table_becomes_one_tab_separated_line_per_row(tmp_path: Path) -> None:
    f = tmp_path / "t.pdf"
    _budget_table(f)
    read = read_pdf(f)
    lines = read.text.splitlines()
    assert "201\t13\t01\t行政运行\t200.00\t200.00\t" in lines
    assert "201\t13\t02\t机关事业单位基本养老保险缴费支出\t100.00\t\t100.00" in lines  # wrapped cell joined
    assert read.layout is not None and len(read.layout.tables) == 1
    table = read.layout.tables[0]
    assert (table.page, table.columns, table.method, table.header_rows) == (1, 7, "lines", 2)
    assert table.header_paths == [
        ["功能分类科目编码", "类"],
        ["功能分类科目编码", "款"],
        ["功能分类科目编码", "项"],
        ["功能分类科目名称"],
        ["支出预算", "合计"],
        ["支出预算", "基本支出"],
        ["支出预算", "项目支出"],
    ]
    assert read.text[table.span[0] : table.span[1]].startswith("功能分类科目编码\t")
    assert lines.index("2025年部门支出预算总表") < lines.index("201\t13\t01\t行政运行\t200.00\t200.00\t")


def test_the_grid_reader_gives_the_cells_identity(tmp_path: Path) -> None:
    from pipeline.document import process_file

    f = tmp_path / "t.pdf"
    _budget_table(f)
    result = process_file(f)
    cells = {(x.concept, x.scope, x.value, x.table_kind, x.row_code) for x in result.tables}
    assert ("func:2011301", None, "200.00", "支出表", "2011301") in cells
    assert ("func:2011302", "project", "100.00", "支出表", "2011302") in cells
    assert ("func:201", "basic", "200.00", "支出表", "201") in cells
    assert not result.tables_not_understood


def test_a_note_row_drawn_in_the_grid_heads_no_column_and_headers_merge_by_eye(tmp_path: Path) -> None:
    """单位名称：… 单位：元 as the grid's first row; 科目编码 drawn in its own cell over 类 and 款 of the next row."""
    f = tmp_path / "n.pdf"
    c = _canvas(f)
    x = [50.0, 150, 190, 300, 400]
    y = [700.0, 680, 660, 640, 620]
    _grid(c, x, y)
    cells = [
        ("单位名称：某单位", "", "", "单位：元"),
        ("科目编码", "", "科目名称", "合计"),
        ("类", "款", "", ""),
        ("201", "01", "行政运行", "100.00"),
    ]
    for r, row in enumerate(cells):
        for k, word in enumerate(row):
            _text(c, x[k] + 3, y[r] - 14, word)
    c.showPage()
    c.save()
    read = read_pdf(f)
    assert read.layout is not None
    table = read.layout.tables[0]
    assert table.header_rows == 3
    assert table.header_paths == [["科目编码", "类"], ["科目编码", "款"], ["科目名称"], ["合计"]]
    assert "单位名称：某单位\t\t\t单位：元" in read.text.splitlines()  # the row stays in the table's text


def test_tables_one_above_the_other_keep_their_own_column_rulings(tmp_path: Path) -> None:
    """A column ruling of one table within a point or two of another's, on the same page, is not taken for it."""
    f = tmp_path / "two.pdf"
    c = _canvas(f)
    upper_x, lower_x = [100.0, 300, 451.7, 520], [100.0, 250, 450.4, 520]
    for x, y, word in ((upper_x, [700.0, 680, 660], "上"), (lower_x, [500.0, 480, 460], "下")):
        _grid(c, x, y)
        for r in range(2):
            for k in range(3):
                _text(c, x[k] + 3, y[r] - 14, f"{word}{r}{k}")
    c.showPage()
    c.save()
    read = read_pdf(f)
    assert read.layout is not None and [t.columns for t in read.layout.tables] == [3, 3]
    assert "上10\t上11\t上12" in read.text.splitlines()


def test_an_unruled_aligned_table_is_read_by_its_columns(tmp_path: Path) -> None:
    f = tmp_path / "a.pdf"
    c = _canvas(f)
    _text(c, 200, 800, "财政拨款基本支出预算表", 12)
    rows = [("科目编码", "科目名称", "金额"), ("", "合计", "7,666.68"), ("301", "工资福利支出", "2,928.98")]
    rows += [("30101", "基本工资", "1,015.15"), ("30102", "津贴补贴", "1,822.05")]
    for r, (code, name, amount) in enumerate(rows):
        for xx, s in ((60, code), (160, name), (400, amount)):
            _text(c, xx, 760 - 20 * r, s)
    c.showPage()
    c.save()
    read = read_pdf(f)
    assert "30101\t基本工资\t1,015.15" in read.text.splitlines()
    assert read.layout is not None and [t.method for t in read.layout.tables] == ["text"]


def test_a_rotated_page_reads_in_display_order(tmp_path: Path) -> None:
    f = tmp_path / "r.pdf"
    c = _canvas(f)
    c.setPageRotation(90)  # a landscape page stored upright: its text is drawn turned, and reads level on screen
    c.translate(300, 400)
    c.rotate(90)
    _text(c, 0, 0, "第一行")
    _text(c, 0, -30, "第二行")
    c.showPage()
    c.save()
    lines = [line for line in read_pdf(f).text.splitlines() if line.strip()]
    assert lines == ["第一行", "第二行"]


def test_a_table_cut_by_a_page_break_continues_on_the_next_page(tmp_path: Path) -> None:
    f = tmp_path / "c.pdf"
    c = _canvas(f)
    x = [50.0, 200, 300]
    for page, labels in enumerate((("项目", "一、基本支出", "二、项目支出"), ("三、预留", "四、其他", "五、合计"))):
        y = [700.0, 680, 660, 640]
        _grid(c, x, y)
        for r, label in enumerate(labels):
            _text(c, 55, y[r] - 14, label)
            _text(c, 205, y[r] - 14, "金额" if (page, r) == (0, 0) else f"{page}{r}.00")
        c.showPage()
    c.save()
    read = read_pdf(f)
    assert read.layout is not None and [t.continues for t in read.layout.tables] == [None, 0]
    assert read.layout.tables[1].header_paths == read.layout.tables[0].header_paths


def test_a_total_row_alone_on_the_next_page_is_the_tables_last_row(tmp_path: Path) -> None:
    f = tmp_path / "t.pdf"
    c = _canvas(f)
    x, y = [50.0, 200, 300, 400], [700.0, 680, 660, 640]
    _grid(c, x, y)
    for r, (label, a, b) in enumerate(
        (("项目", "合计", "基本支出"), ("一般公共服务支出", "10.00", "8.00"), ("教育支出", "5.00", "5.00"))
    ):
        _text(c, 55, y[r] - 14, label)
        _text(c, 205, y[r] - 14, a)
        _text(c, 305, y[r] - 14, b)
    c.showPage()
    _text(c, 55, 686, "合计")  # no rulings, no header: one row under the columns of the page before
    _text(c, 205, 686, "15.00")
    _text(c, 305, 686, "13.00")
    _text(c, 55, 600, "本表反映部门支出预算情况，数据以万元为单位，按功能分类科目列示。")  # prose below it stays prose
    c.showPage()
    c.save()
    read = read_pdf(f)
    assert read.layout is not None and [t.continues for t in read.layout.tables] == [None, 0]
    assert "\f合计\t15.00\t13.00\n本表反映" in read.text


def test_a_prose_line_opening_a_page_after_a_table_stays_prose(tmp_path: Path) -> None:
    f = tmp_path / "p.pdf"
    c = _canvas(f)
    x, y = [50.0, 200, 300], [700.0, 680, 660]
    _grid(c, x, y)
    for r, (label, a) in enumerate((("项目", "金额"), ("一般公共服务支出", "10.00"))):
        _text(c, 55, y[r] - 14, label)
        _text(c, 205, y[r] - 14, a)
    c.showPage()
    _text(c, 55, 686, "二、支出预算情况说明 2025年支出预算10.00万元")
    c.showPage()
    c.save()
    read = read_pdf(f)
    assert read.layout is not None and len(read.layout.tables) == 1
    assert "\f二、支出预算情况说明" in read.text


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"", "empty file", id="empty"),
        pytest.param(b"not a pdf at all", "not a PDF file", id="no-header"),
        pytest.param(b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF", "corrupt PDF", id="corrupt"),
    ],
)
def test_unusable_pdfs_are_one_clear_line(tmp_path: Path, data: bytes, reason: str) -> None:
    f = tmp_path / "bad.pdf"
    f.write_bytes(data)
    with pytest.raises(InputError, match=reason):
        read_document(f)


# ---------------------------------------------------------------- the corpus

CORPUS = corpus_dir()
needs_corpus = pytest.mark.skipif(not CORPUS.exists(), reason="corpus PDFs not beside the checkout")

# Rows checked by hand against the rendered pages: (file, a row as the reader must write it).
HAND_CHECKED = [
    (
        "putuo-shangwuwei-2025-bumen-yusuan.pdf",
        "208\t05\t05\t机关事业单位基本养老保险缴费支出\t1,410,886.00\t1,410,886.00\t",
    ),
    ("putuo-shangwuwei-2025-bumen-yusuan.pdf", "一、财政拨款收入\t371,514,655.00\t一、一般公共服务支出\t21,601,733.00"),
    ("putuo-shangwuwei-2025-bumen-yusuan.pdf", "1.00\t\t1.00\t\t\t\t171.01"),
    ("jiangsu-gaoyuan-2019-bumen-yusuan.pdf", "2080505\t机关事业单位基本养老保险缴费支出\t1,384.70"),
    ("jiangsu-gaoyuan-2019-bumen-yusuan.pdf", "2,382.02\t513.75\t160.00\t266.80\t\t266.80\t86.95\t271.02\t1,597.25"),
    (
        "jiangsu-gaoyuan-2019-bumen-yusuan.pdf",
        "一、财政拨款\t37,188.34\t一、一般公共服务支出\t\t一、基本支出\t21,968.00",
    ),
    (
        "jiangsu-shengwei-bangongting-2018-bumen-yusuan-biao.pdf",
        "一、财政拨款\t24,458.43\t一、一般公共服务支出\t20,153.75\t一、基本支出\t10,403.11",
    ),
    ("putuo-wanli-jiedao-2023-bumen-yusuan.pdf", "22.91\t0\t1.35\t21.56\t0\t21.56\t786.09"),
    ("jiangsu-renda-bangongting-2017-yusuan.pdf", "30207\t邮电费\t45.00"),
]


@needs_corpus
@pytest.mark.parametrize(("name", "row"), HAND_CHECKED, ids=[f"{n[:20]}:{r[:12]}" for n, r in HAND_CHECKED])
def test_corpus_table_rows_come_out_in_their_cells(name: str, row: str) -> None:
    assert row in _corpus_text(name).splitlines()


_TEXTS: dict[str, str] = {}


def _corpus_text(name: str) -> str:
    if name not in _TEXTS:
        _TEXTS[name] = read_pdf(CORPUS / name).text
    return _TEXTS[name]


@needs_corpus
def test_every_corpus_pdf_yields_its_year_type_and_issuer() -> None:
    from pipeline.document import process_file

    for pdf in sorted(CORPUS.glob("*.pdf")):
        meta = process_file(pdf).meta
        assert meta.fiscal_year is not None and meta.doc_type is not None, pdf.name
        assert meta.unit_name or "template" in pdf.name, pdf.name
