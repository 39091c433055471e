"""The grid reader on ruled tables typeset from a text export's rows (`ocr_support.write_report_pdf`).

A Word text export writes merged cells once, so the ruled grid typeset from it has every cell drawn and header
cells standing where the export put them; the grid reader must read these as the text-table reader reads the
same rows of the text export.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ocr_support import font_file, write_report_pdf

from pipeline.document import process_file
from pipeline.evaluate import result_key

pytestmark = pytest.mark.skipif(font_file() is None, reason="no CJK TrueType font (fonts-arphic-uming)")


def _facts(tmp_path: Path, text: str) -> set[tuple[str, str, str, str, str]]:
    pdf = tmp_path / "t.pdf"
    write_report_pdf(text, pdf)
    result = process_file(pdf)
    return {result_key(f) for f in [*result.facts, *result.tables]}


def test_a_header_one_column_left_of_its_data_is_set_over_it(tmp_path: Path) -> None:
    """The export dropped a merged cell: 单位名称 heads the unit codes, 合计 the names, 基本支出 the totals."""
    text = (
        "部门支出预算总表\n"
        "单位名称：某单位\t\t\t\t\t\t单位：元\t\n"
        "项目\t\t\t\t合计\t基本支出\t项目支出\t上缴上级支出\n"
        "科目编码\t\t\t单位名称（科目）\t\t\t\t\n"
        "类\t款\t项\t\t单位代码\t\t\t\n"
        "\t\t\t\t合计\t300.00\t200.00\t100.00\t\n"
        "201\t03\t01\t100101\t行政运行\t300.00\t200.00\t100.00\t\n"
    )
    facts = _facts(tmp_path, text)
    assert ("func:2010301", "budget", "amount", "", "0.03") in facts
    assert ("func:2010301", "budget", "amount", "basic", "0.02") in facts
    assert ("func:2010301", "budget", "amount", "project", "0.01") in facts
    assert ("exp_basic", "budget", "amount", "", "0.02") in facts


def test_coded_rows_of_a_project_table_that_do_not_name_their_class_are_projects(tmp_path: Path) -> None:
    text = (
        "一般公共预算项目支出预算表\n"
        "单位名称：某单位\t\t\t\t\t单位：元\n"
        "科目编码\t\t\t单位代码\t单位名称（项目）\t金额\n"
        "类\t款\t项\t\t\t\n"
        "\t\t\t\t合计\t30,000.00\n"
        "201\t03\t01\t100101\t行政运行\t10,000.00\n"
        "201\t03\t01\t100101\t档案数字化项目\t20,000.00\n"
    )
    facts = _facts(tmp_path, text)
    assert ("project:档案数字化", "budget", "amount", "", "2") in facts
    assert ("func:2010301", "budget", "amount", "", "1") in facts
    assert not any(k[0].startswith("project:行政运行") for k in facts)


def test_a_function_table_with_economic_class_columns_is_read_by_those_columns(tmp_path: Path) -> None:
    """The function × economic cross table: its 合计 row's figures are the economic classes' totals."""
    text = (
        "一般公共预算支出预算表\n"
        "单位：元\n"
        "项目\t\t合计\t工资福利支出\t\t\n"
        "科目\t科目名称\t\t小计\t基本工资\t津贴补贴\n"
        "\t合计\t500.00\t300.00\t200.00\t100.00\n"
        "201\t一般公共服务支出\t500.00\t300.00\t200.00\t100.00\n"
    )
    facts = _facts(tmp_path, text)
    assert ("econ:30101", "budget", "amount", "", "0.02") in facts
    assert ("econ:30102", "budget", "amount", "", "0.01") in facts
    assert ("func:201", "budget", "amount", "", "0.05") in facts


def test_a_sangong_subtotal_under_the_prior_year_is_the_prior_years_figure(tmp_path: Path) -> None:
    """三公经费合计 / 上年预算数 / 小计 is last year's total; its 基本支出 and 项目支出 parts are not the total."""
    text = (
        "“三公经费”预算情况统计表\n"
        "单位：元\n"
        "单位名称\t三公经费合计\t\t\t\t公务接待费\t\n"
        "\t上年预算数\t\t本年预算数\t\t上年预算数\t本年预算数\n"
        "\t小计\t基本支出\t小计\t基本支出\t\t\n"
        "合计\t10,000.00\t8,000.00\t9,700.00\t7,000.00\t10,000.00\t9,700.00\n"
    )
    facts = _facts(tmp_path, text)
    assert ("sangong_total", "prior", "amount", "budget", "1") in facts
    assert ("sangong_total", "budget", "amount", "", "0.97") in facts
    assert not any(k[0] == "sangong_total" and k[4] in ("0.8", "0.7") for k in facts)


INCOME_BY_SOURCE = (
    "收入总计\t\t9,146.79\n"
    "一般公共预算资金\t小计\t9,066.79\n"
    "\t公共财政拨款(补助)资金\t9,066.79\n"
    "其他资金\t小计\t80.00\n"
    "\t事业收入\t30.00\n"
    "\t其他收入\t50.00\n"
)


@pytest.mark.parametrize("header", ["项目名称\t\t金额", "项目名称\t项目名称\t金额"], ids=["one-name-header", "two"])
def test_an_income_table_listed_by_source_is_read_by_its_lines(tmp_path: Path, header: str) -> None:
    """Jiangsu's 收入预算总表 lists income by source: 收入总计, a group's 小计 line, the sources in the next column.

    When 项目名称 heads both name columns they are one side: a group's 小计 line is the group's, never the table's
    total; 公共财政拨款(补助)资金 is a part of its group the lexicon knows to name no figure.
    """
    write_report_pdf(f"收入预算总表\n部门：某某厅\t\t单位：万元\n{header}\n{INCOME_BY_SOURCE}", tmp_path / "t.pdf")
    result = process_file(tmp_path / "t.pdf")
    facts = {result_key(f) for f in [*result.facts, *result.tables]}
    assert {
        ("grand_total", "budget", "amount", "", "9146.79"),
        ("inc_general_budget", "budget", "amount", "", "9066.79"),
        ("inc_other_funds", "budget", "amount", "", "80"),
        ("inc_business", "budget", "amount", "", "30"),
        ("inc_other", "budget", "amount", "", "50"),
    } <= facts, sorted(facts)
    assert not [k for k in facts if k[0] == "income_total" and k[4] != "9146.79"], sorted(facts)
    assert result.tables_not_understood == []


def test_a_subtotal_written_across_both_expenditure_name_columns_is_read(tmp_path: Path) -> None:
    """`当年支出小计` stands in the first expenditure name column, its figure under the last amount column."""
    text = (
        "收支预算总表\n"
        "部门：某某厅\t\t\t\t\t单位：万元\n"
        "收入\t\t支出\t\t\t\n"
        "项目名称\t金额\t功能科目名称\t金额\t项目名称\t金额\n"
        "一、财政拨款\t300.00\t一、一般公共服务支出\t300.00\t一、基本支出\t200.00\n"
        "\t\t\t\t二、项目支出\t100.00\n"
        "当年收入小计\t300.00\t当年支出小计\t\t\t300.00\n"
    )
    facts = _facts(tmp_path, text)
    assert ("expenditure_total", "budget", "amount", "", "300") in facts, sorted(facts)
