"""Lines, cells and tables rebuilt from OCR text boxes: hand-placed boxes, so every expected grid is checkable."""

from __future__ import annotations

import pytest

from pipeline.ingest.ocr_grid import Rulings, TextBox, build_lines, group_rows

H = 10.0  # box height of the hand-placed boxes


def box(text: str, x0: float, y: float, width: float | None = None, conf: float = 0.99) -> TextBox:
    w = width if width is not None else len(text) * H
    return TextBox(text, (x0, y, x0 + w, y + H), conf)


def texts(boxes: list[TextBox], rulings: Rulings | None = None) -> list[str]:
    lines, _ = build_lines(boxes, rulings)
    return [line.text for line in lines]


def cells(boxes: list[TextBox], rulings: Rulings | None = None) -> list[list[str]]:
    lines, _ = build_lines(boxes, rulings)
    return [[c.text for c in line.cells] for line in lines]


def test_boxes_whose_centres_overlap_form_one_row_in_x_order() -> None:
    rows = group_rows([box("乙", 60, 3), box("甲", 0, 0), box("丙", 0, 30)])
    assert [[b.text for b in r] for r in rows] == [["甲", "乙"], ["丙"]]


@pytest.mark.parametrize(
    ("gap", "expected"),
    [
        pytest.param(0.5 * H, ["本年收入合计381.13万元"], id="narrow-gap-same-cell"),
        pytest.param(1.4 * H, ["本年收入合计381.13万元"], id="just-below-threshold"),
        pytest.param(1.6 * H, ["本年收入合计", "381.13万元"], id="wide-gap-new-cell"),
    ],
)
def test_a_gap_wider_than_one_and_a_half_box_heights_splits_cells(gap: float, expected: list[str]) -> None:
    left = box("本年收入合计", 0, 0)
    right = box("381.13万元", left.box[2] + gap, 0)
    assert cells([left, right]) == [expected]


def test_words_of_two_ascii_boxes_keep_a_space_cjk_does_not() -> None:
    assert texts([box("PP-OCR", 0, 0), box("v4", 65, 0)]) == ["PP-OCR v4"]
    assert texts([box("收入", 0, 0), box("合计", 22, 0)]) == ["收入合计"]


def grid(xs: list[float], top: float, bottom: float, ys: list[float]) -> Rulings:
    x0, x1 = xs[0], xs[-1]
    return Rulings(tuple((x, top, bottom) for x in xs), tuple((y, x0, x1) for y in ys))


def test_vertical_rulings_are_column_boundaries_and_empty_cells_are_kept() -> None:
    rulings = grid([0, 100, 200, 300, 400], 0, 40, [0, 20, 40])
    boxes = [box("项目", 5, 5), box("金额", 305, 5), box("合计", 5, 25), box("12", 215, 25), box("3,162.00", 310, 25)]
    lines, tables = build_lines(boxes, rulings)
    assert [line.text for line in lines] == ["项目\t\t\t金额", "合计\t\t12\t3,162.00"]
    assert all(line.ruled for line in lines)
    assert [(t.first, t.last, t.columns, t.method) for t in tables] == [(0, 1, 4, "lines")]


def test_text_wrapped_inside_ruled_cells_is_one_row() -> None:
    rulings = grid([0, 100, 200], 0, 60, [0, 30, 60])  # rows: 0-30 (two text lines), 30-60
    boxes = [box("机关事业单位", 5, 3), box("1,410.00", 110, 8), box("缴费支出", 5, 16), box("合计", 5, 40)]
    assert texts(boxes, rulings) == ["机关事业单位缴费支出\t1,410.00", "合计\t"]


def test_a_horizontal_ruling_between_two_text_lines_keeps_them_apart() -> None:
    rulings = grid([0, 100, 200], 0, 60, [0, 20, 40, 60])
    boxes = [box("一般公共服务", 5, 5), box("12.00", 110, 5), box("教育支出", 5, 25), box("3.00", 110, 25)]
    assert texts(boxes, rulings) == ["一般公共服务\t12.00", "教育支出\t3.00"]


def test_rows_whose_cells_line_up_form_a_gap_table_with_empty_cells_inserted() -> None:
    prose = box("单位：万元", 0, 0)
    header = [box("项目", 0, 20), box("本年", 150, 20), box("上年", 250, 20)]
    row1 = [box("基本支出", 0, 40), box("381.13", 140, 40, 60), box("360.00", 240, 40, 60)]
    row2 = [box("项目支出", 0, 60), box("12.50", 250, 60, 50)]  # no current-year figure: empty cell
    lines, tables = build_lines([prose, *header, *row1, *row2])
    assert [line.text for line in lines] == [
        "单位：万元",
        "项目\t本年\t上年",
        "基本支出\t381.13\t360.00",
        "项目支出\t\t12.50",
    ]
    assert [(t.first, t.last, t.columns, t.method) for t in tables] == [(1, 3, 3, "gaps")]


def test_two_prose_lines_with_one_gap_each_are_no_table_unless_aligned() -> None:
    a = [box("编制部门：某局", 0, 0), box("单位：元", 400, 0)]
    b = [box("一、", 0, 20), box("收入", 120, 20)]
    _, tables = build_lines([*a, *b])
    assert tables == []


def test_line_confidence_is_the_mean_and_cell_confidence_the_lowest_box() -> None:
    rulings = grid([0, 100, 200], 0, 40, [0, 40])
    boxes = [box("合计", 5, 5, conf=0.9), box("3,162", 110, 5, conf=0.7), box(".00", 110, 20, conf=0.98)]
    (line,), _ = build_lines(boxes, rulings)
    assert line.confidence == pytest.approx((0.9 + 0.7 + 0.98) / 3)
    assert [c.confidence for c in line.cells] == [0.9, 0.7]
    assert line.text == "合计\t3,162.00"


def test_a_number_set_close_to_its_label_is_a_cell_of_its_own() -> None:
    label = box("一、一般公共预算拨款收入", 0, 0)
    number = box("3,162,923.00", label.box[2] + 0.7 * H, 0, 60)
    next_label = box("一、一般公共服务支出", number.box[2] + 0.7 * H, 0)
    assert cells([label, number, next_label]) == [["一、一般公共预算拨款收入", "3,162,923.00", "一、一般公共服务支出"]]
    words = [box("收入", 0, 0), box("合计", 27, 0)]  # 0.7 heights between two words: one cell
    assert cells(words) == [["收入合计"]]


def test_a_row_with_one_filled_cell_stays_in_a_gap_table() -> None:
    header = [box("项目", 0, 0), box("金额", 150, 0), box("项目", 250, 0), box("金额", 400, 0)]
    row1 = [box("一、收入", 0, 14), box("3.00", 150, 14, 40), box("一、支出", 250, 14), box("2.00", 400, 14, 40)]
    row2 = [box("二、外交支出", 250, 28)]  # only the third column filled
    row3 = [box("合计", 0, 42), box("3.00", 150, 42, 40), box("合计", 250, 42), box("3.00", 400, 42, 40)]
    heading = box("部门支出总表", 250, 80)  # after a vertical gap: not a row of the table
    lines, tables = build_lines([*header, *row1, *row2, *row3, heading])
    assert [line.text for line in lines] == [
        "项目\t金额\t项目\t金额",
        "一、收入\t3.00\t一、支出\t2.00",
        "\t\t二、外交支出\t",
        "合计\t3.00\t合计\t3.00",
        "部门支出总表",
    ]
    assert [(t.first, t.last, t.columns, t.method) for t in tables] == [(0, 3, 4, "gaps")]


@pytest.mark.parametrize(
    ("boxes", "expected"),
    [
        pytest.param(
            [box("部门：某局", 0, 0), box("单位：万元", 400, 0)], "部门：某局 单位：万元", id="one-wide-gap-is-prose"
        ),
        pytest.param(
            [box("项目", 0, 0), box("本年", 150, 0), box("上年", 250, 0)], "项目   本年   上年", id="columns-spread"
        ),
    ],
)
def test_a_line_outside_any_table_joins_its_cells_with_spaces_as_the_pdf_reader_does(
    boxes: list[TextBox], expected: str
) -> None:
    """A lone line with wide gaps is no one-row table: a tab would make it the first row of the next table."""
    lines, tables = build_lines(boxes)
    assert tables == [] and [line.text for line in lines] == [expected]
    assert len(lines[0].cells) == len(boxes)  # the cells (and their confidences) are kept


def test_vertical_strokes_of_large_glyphs_are_no_rulings() -> None:
    """A big title over a ruled table: its long strokes pass the length test but meet no horizontal ruling."""
    table = grid([0, 100, 200], 40, 80, [40, 60, 80])
    strokes = ((60.0, 2.0, 26.0), (130.0, 4.0, 24.0), (150.0, 45.0, 56.0))  # title strokes, a stroke in a cell
    rulings = Rulings(table.vertical + strokes, table.horizontal)
    title = TextBox("收支预算总表", (40, 0, 160, 28), 0.99)
    boxes = [title, box("项目", 5, 45), box("金额", 105, 45), box("合计", 5, 65), box("3.00", 110, 65)]
    lines, tables = build_lines(boxes, rulings)
    assert [line.text for line in lines] == ["收支预算总表", "项目\t金额", "合计\t3.00"]
    assert [(t.first, t.last, t.columns) for t in tables] == [(1, 2, 2)]
    assert not lines[0].ruled


TWO_COLUMNS = grid([0, 100, 250], 0, 40, [0, 20, 40])  # a ruled row 0-20 (two columns), a row 20-40


@pytest.mark.parametrize(
    ("boxes", "expected"),
    [
        pytest.param(
            [TextBox("13,297.11一、一般公共服务支出", (55, 5, 200, 15), 0.99)],
            ["13,297.11", "一、一般公共服务支出"],
            id="figure-run-into-the-next-label",
        ),
        pytest.param(
            [TextBox("371,514,655.00371,514,655.00", (35, 5, 175, 15), 0.99)],
            ["371,514,655.00", "371,514,655.00"],
            id="two-figures-run-together",  # the ruling sits at the 13th character's edge, the 14th makes numbers
        ),
        pytest.param(
            [TextBox("10,823,891.00|1,467,842.00", (35, 5, 165, 15), 0.99)],
            ["10,823,891.00", "1,467,842.00"],
            id="ruling-read-as-a-bar",
        ),
        pytest.param(
            [TextBox("371,514,655.00", (30, 5, 100, 15), 0.99), TextBox("0二、科学技术支出", (94, 5, 182, 15), 0.99)],
            ["371,514,655.00", "二、科学技术支出"],
            id="second-reading-of-a-figure-end",
        ),
        pytest.param(
            [TextBox("合计", (5, 5, 25, 15), 0.99), TextBox("3,162.00", (60, 5, 102, 15), 0.99)],
            ["合计3,162.00", ""],
            id="a-box-just-touching-the-ruling-is-not-cut",
        ),
    ],
)
def test_a_box_across_a_vertical_ruling_is_cut_at_the_ruling(boxes: list[TextBox], expected: list[str]) -> None:
    assert cells(boxes, TWO_COLUMNS)[0] == expected


def test_a_cut_keeps_the_text_wrapped_below_in_the_same_cell() -> None:
    rulings = grid([0, 100, 250], 0, 40, [0, 40])  # one ruled row, its first cell holding two text lines
    boxes = [
        TextBox("便携式计算机（20万以", (5, 3, 98, 15), 0.99),
        TextBox("下）", (5, 15, 25, 27), 0.99),
        TextBox("12.00", (200, 9, 245, 21), 0.99),
    ]
    assert cells(boxes, rulings) == [["便携式计算机（20万以下）", "12.00"]]


def test_a_cut_that_leaves_a_sliver_is_padding_and_the_box_stays_whole() -> None:
    """The detector's box reaches 5 pt past the ruling on the left of a right-aligned figure: no cut."""
    rulings = grid([0, 80, 120], 0, 20, [0, 20])
    boxes = [TextBox("经办工作", (5, 5, 80, 15), 0.99), TextBox("20,000", (75, 5, 118, 15), 0.99)]
    assert cells(boxes, rulings) == [["经办工作", "20,000"]]


def test_two_characters_of_two_narrow_cells_read_as_one_box_are_cut() -> None:
    rulings = grid([0, 17, 34], 0, 20, [0, 20])
    assert cells([TextBox("款项", (1, 5, 31, 15), 0.99)], rulings) == [["款", "项"]]


def test_a_stroke_stopping_short_of_the_row_lines_is_no_ruling() -> None:
    """A bold header's long stroke in a tall row ends a few points from both horizontal lines."""
    table = grid([0, 100, 200], 0, 60, [0, 30, 60])
    rulings = Rulings((*table.vertical, (150.0, 2.5, 27.5)), table.horizontal)
    boxes = [
        box("科目编码", 5, 8),
        TextBox("科目名称", (110, 6, 190, 24), 0.99),
        box("合计", 5, 40),
        box("3.00", 110, 40),
    ]
    assert texts(boxes, rulings) == ["科目编码\t科目名称", "合计\t3.00"]


def ruled(rows: list[float], xs: list[float], spans: dict[float, tuple[float, float]] | None = None) -> Rulings:
    """A grid with horizontal rulings at `rows`; `spans` gives a ruling at y only over x0..x1 (a merged cell)."""
    spans = spans or {}
    horizontal = tuple((y, *spans.get(y, (xs[0], xs[-1]))) for y in rows)
    return Rulings(tuple((x, rows[0], rows[-1]) for x in xs), horizontal)


def test_text_centred_in_a_cell_spanning_two_rows_goes_to_its_first_row() -> None:
    """`一般公共预算资金` spans the rows of `小计` and `公共财政拨款`: the PDF reader writes it in the first."""
    rulings = ruled([0, 20, 40, 60], [0, 100, 200, 300], spans={20: (100, 300)})  # no line under the label
    boxes = [
        box("一般公共预算资金", 5, 20, 80),  # a line of the second row
        box("小计", 105, 5),
        box("13,297.11", 210, 5, 60),
        box("公共财政拨款", 105, 25, 60),
        box("13,297.11", 210, 25, 60),
        box("其他资金", 5, 45),
        box("小计", 105, 45),
    ]
    assert texts(boxes, rulings) == [
        "一般公共预算资金\t小计\t13,297.11",
        "\t公共财政拨款\t13,297.11",
        "其他资金\t小计\t",
    ]


def test_the_lines_of_a_spanning_header_cell_go_up_together() -> None:
    """`因公出国` / `（境）费` wrapped in a header cell two rows tall stay one cell, in the first row."""
    rulings = ruled([0, 20, 40, 60], [0, 100, 200], spans={20: (100, 200)})  # the left cell spans rows 1-2
    boxes = [
        box("因公出国", 5, 12),
        box("小计", 105, 5),
        box("（境）费", 5, 24),
        box("公务用车", 105, 25),
        box("1.00", 5, 45),
        box("2.00", 105, 45),
    ]
    assert texts(boxes, rulings) == ["因公出国（境）费\t小计", "\t公务用车", "1.00\t2.00"]


def test_a_box_under_a_lost_ruling_stays_in_its_row() -> None:
    """No horizontal line under `2.00`'s cell, but the row above holds a box there: the scan lost the line."""
    rulings = ruled([0, 20, 40], [0, 100, 200], spans={20: (0, 100)})
    boxes = [box("一般", 5, 5), box("1.00", 110, 5), box("教育", 5, 25), box("2.00", 110, 25)]
    assert texts(boxes, rulings) == ["一般\t1.00", "教育\t2.00"]


def test_a_header_spanning_columns_goes_to_its_leftmost_column() -> None:
    """`功能分类科目编码` over `类 款 项`: no ruling between the three columns at the header's height."""
    rulings = Rulings(
        ((0, 0, 60), (30, 20, 60), (60, 20, 60), (90, 0, 60), (200, 0, 60)),
        ((0, 0, 200), (20, 0, 90), (40, 0, 200), (60, 0, 200)),
    )
    boxes = [
        box("功能分类科目编码", 5, 5, 80),
        TextBox("功能分类科目名称", (100, 16, 190, 26), 0.99),  # spans both header rows, joins the first
        box("类", 10, 25),
        box("款", 40, 25),
        box("项", 70, 25),
        box("201", 2, 45, 25),
        box("13", 35, 45, 20),
        box("02", 65, 45, 20),
        box("一般行政管理事务", 95, 45, 100),
    ]
    assert texts(boxes, rulings) == [
        "功能分类科目编码\t\t\t功能分类科目名称",
        "类\t款\t项\t",
        "201\t13\t02\t一般行政管理事务",
    ]
