"""Disclosure completeness and years: the template's tables and statements, titles and comparisons naming a year.

Reports are written here as text (a Shanghai 预算 with its nine tables, its halves, a 决算 narrative), run through
the whole pipeline, and only the document-level findings are looked at.
"""

from __future__ import annotations

import pytest

from pipeline.checker.completeness import DOCUMENT_RULES, Disclosure, Title, check_document, disclosure
from pipeline.corpus_goldens import corpus_dir
from pipeline.document import parse, process_raw
from pipeline.ingest import RawDocument, read_document
from pipeline.lexicon import lexicon

SHANGHAI_TABLES = [
    ("财务收支预算总表", "100.00"),
    ("收入预算总表", "100.00"),
    ("支出预算总表", "100.00"),
    ("财政拨款收支预算总表", "100.00"),
    ("一般公共预算支出功能分类预算表", "100.00"),
    ("政府性基金预算支出功能分类预算表", "0"),
    ("国有资本经营预算支出功能分类预算表", "0"),
    ("一般公共预算基本支出部门预算经济分类预算表", "60.00"),
    ("“三公”经费和机关运行经费预算表", "1.00"),
]
STATEMENTS = {
    "sangong": "（一）2025年“三公”经费预算情况说明\n2025年“三公”经费预算数为1.00万元，与2024年预算持平。\n",
    "organ_running": "（二）机关运行经费预算\n2025年本部门机关运行经费预算为5.00万元。\n",
    "procurement": "（三）政府采购预算情况\n2025年本部门政府采购预算2.00万元。\n",
    "state_assets": "（四）国有资产占有使用情况\n截至2024年12月31日，本部门共有车辆0辆。\n",
}
OPENING = (
    "上海市普陀区2025年区级部门预算\n预算主管部门：上海市普陀区示例局\n一、2025年部门预算编制说明\n"
    "2025年，本部门收入预算100.00万元。\n本部门支出预算100.00万元，比2024年预算增加10.00万元。\n"
    "本部门基本支出预算60.00万元。\n本部门项目支出预算40.00万元。\n二、其他相关情况说明\n"
)


def shanghai(
    tables: list[tuple[str, str]] | None = SHANGHAI_TABLES,
    statements: tuple[str, ...] = tuple(STATEMENTS),
    opening: str = OPENING,
    year: str = "2025",
) -> str:
    """A Shanghai 部门预算 as text: its narrative (the statements given), then its tables (None: none)."""
    text = opening + "".join(STATEMENTS[s] for s in statements) if opening else "上海市普陀区2025年区级部门预算表\n"
    for title, total in tables or []:
        text += f"{year}年部门{title}\n单位：万元\n项目\t合计\n合计\t{total}\n"
    return text


def document_findings(text: str) -> list[tuple[str, str]]:
    """(rule, message) of the completeness and year findings of a text report."""
    result = process_raw(RawDocument("r.txt", text, "0" * 64, "txt"))
    return [(f.rule, f.message) for f in result.findings if f.rule in DOCUMENT_RULES]


def rules_of(text: str) -> list[str]:
    return sorted(rule for rule, _ in document_findings(text))


def test_the_full_report_has_no_completeness_finding() -> None:
    assert document_findings(shanghai()) == []


@pytest.mark.parametrize("missing", [0, 5, 8], ids=["收支总表", "政府性基金", "三公"])
def test_a_report_missing_a_required_table_gets_a_finding_naming_it(missing: int) -> None:
    tables = [t for n, t in enumerate(SHANGHAI_TABLES) if n != missing]
    ((rule, message),) = document_findings(shanghai(tables))
    assert rule == "completeness.missing_table"
    assert SHANGHAI_TABLES[missing][0] in message and "9张表" in message


def test_a_table_named_next_to_its_rows_counts_even_when_the_reader_merged_it_into_the_table_above() -> None:
    text = shanghai().replace("2025年部门“三公”经费和机关运行经费预算表\n单位：万元\n项目\t合计\n", "项目\t合计\n")
    assert rules_of(text) == ["completeness.missing_table"]
    wrapped = shanghai().replace("“三公”经费和机关运行经费预算表\n", "“三公”经费和机关运行经费预算\n表\n")
    assert rules_of(wrapped) == []


def test_a_narrative_only_half_gets_no_missing_tables() -> None:
    assert document_findings(shanghai(tables=None) + "三、部门预算表\n具体公开表样附后。\n") == []
    one_table = shanghai(tables=SHANGHAI_TABLES[-1:])  # a narrative printing only its 三公 table
    assert document_findings(one_table) == []


def test_a_tables_only_half_gets_no_missing_statements() -> None:
    assert document_findings(shanghai(opening="", statements=())) == []


@pytest.mark.parametrize("missing", list(STATEMENTS))
def test_a_narrative_without_a_required_statement_gets_a_finding_naming_it(missing: str) -> None:
    """(Without tables: a table titled 三公经费和机关运行经费 counts as stating both.)"""
    found = document_findings(shanghai(tables=None, statements=tuple(s for s in STATEMENTS if s != missing)))
    assert [rule for rule, _ in found] == ["completeness.missing_statement"]
    assert lexicon().statements[missing].name in found[0][1]


def test_a_definition_is_no_statement() -> None:
    glossary = "三、名词解释\n机关运行经费：指为保障行政单位运行用于购买货物和服务的各项资金，如办公费等。\n"
    text = shanghai(tables=None, statements=("sangong", "procurement", "state_assets")) + glossary
    assert rules_of(text) == ["completeness.missing_statement"]


def test_a_template_not_governing_the_report_requires_nothing() -> None:
    jiangsu_2018 = shanghai(statements=("sangong", "organ_running", "procurement"), tables=None).replace(
        "上海市普陀区2025年区级部门预算", "江苏省示例厅2018年度部门预算"
    )
    assert document_findings(jiangsu_2018.replace("2025年", "2018年").replace("2024年", "2017年")) == []
    assert document_findings("2022年度部门整体支出绩效自评报告\n" + "本单位完成了年度目标。\n" * 6) == []


# ---- years ------------------------------------------------------------------------------------------------------


def test_a_heading_naming_another_year_is_found_and_the_right_year_is_not() -> None:
    tables = [(t, v) for t, v in SHANGHAI_TABLES]
    text = shanghai(tables).replace("2025年部门收入预算总表", "2024年部门收入预算总表")
    ((rule, message),) = document_findings(text)
    assert rule == "text.wrong_year" and "2024年部门收入预算总表" in message and "2025" in message


def test_the_own_year_as_base_of_a_comparison_is_found() -> None:
    text = shanghai().replace("比2024年预算增加10.00万元", "比2025年预算增加10.00万元")
    ((rule, message),) = document_findings(text)
    assert rule == "text.wrong_year" and "比2025年预算增加" in message


@pytest.mark.parametrize(
    ("sentence", "wrong"),
    [
        pytest.param("2020年支出决算381.13万元，比2019年减少2.58万元。", False, id="prior-year-base"),
        pytest.param("2020年支出决算381.13万元，比2020年年初预算增加2.58万元。", False, id="own-year-budget-base"),
        pytest.param("2019年预算执行数比2019年预算增加3.00万元。", False, id="a-comparison-about-another-year"),
        pytest.param("与2019年相比，收、支总计各减少2.58万元。", False, id="yu-xiangbi"),
        pytest.param(
            "2020年一般公共预算财政拨款支出决算381.13万元，与2020年预算相比增加2.58万元。", False, id="actual-vs-budget"
        ),
        pytest.param("2020年支出决算381.13万元，比2020年增加2.58万元。", True, id="own-year-actual-base"),
        pytest.param(
            "2020年度收入预算371.18万元，比2020年度收入预算383.71万元减少了12.53万元。", True, id="budget-vs-itself"
        ),
        pytest.param("2020年支出决算381.13万元，与2021年相比增加2.58万元。", True, id="later-year-base"),
        pytest.param("本单位参与2020年度项目申报，增加了工作量。", False, id="yu-without-comparison"),
    ],
)
def test_comparison_years_in_a_final_accounts_report(sentence: str, wrong: bool) -> None:
    text = (
        "开江县示例局2020年度部门决算\n一、2020年度部门决算情况说明\n"
        + "本年度收入支出总计381.13万元。\n" * 5
        + "（一）“三公”经费\n2020年“三公”经费支出0万元。\n（二）机关运行经费\n2020年机关运行经费支出5.00万元。\n"
        + "（三）政府采购\n2020年政府采购支出总额0万元。\n（四）国有资产占有使用情况\n截至2020年底共有车辆0辆。\n"
        + sentence
        + "\n"
    )
    assert rules_of(text) == (["text.wrong_year"] if wrong else [])


def test_an_own_year_wording_naming_another_year_is_found() -> None:
    text = shanghai() + "纳入本部门2024年部门汇总预算编制范围的预算单位共1家。\n"
    ((rule, message),) = document_findings(text)
    assert rule == "text.wrong_year" and "2024" in message
    assert document_findings(shanghai() + "纳入本部门2025年部门汇总预算编制范围的预算单位共1家。\n") == []


@pytest.mark.parametrize(
    ("years", "flagged"),
    [
        pytest.param([2025, 2025, 2024], [2024], id="most-titles-agree"),
        pytest.param([2025, 2024], [], id="half-agree"),
        pytest.param([2024, 2024, 2024], [], id="none-agree"),
    ],
)
def test_titles_are_checked_only_when_most_of_them_name_the_fiscal_year(years: list[int], flagged: list[int]) -> None:
    """When the fiscal year read from the report is not what most of its own titles say, the checker says nothing."""
    titles = [Title(f"{y}年部门收入预算总表", (n, n + 1)) for n, y in enumerate(years)]
    found = check_document(Disclosure(doc_type="预算", fiscal_year=2025, level=None, opening="", titles=titles))
    assert [f.actual for f in found] == [str(y) for y in flagged]


# ---- the templates as data, and the corpus ------------------------------------------------------------------------


def test_every_required_table_title_reads_as_its_kind_and_every_statement_is_known() -> None:
    lex = lexicon()
    assert lex.templates
    for template in lex.templates:
        for table in template.tables:
            kind = lex.table_kind(table.title)
            assert kind is not None and kind.kind == table.kind, (template.id, table)
        assert set(template.statements) <= set(lex.statements), template.id


CORPUS = corpus_dir()


@pytest.mark.skipif(not (CORPUS / "shanghai-template-bumen-juesuan.pdf").exists(), reason="corpus PDFs not available")
def test_the_blank_shanghai_final_accounts_template_meets_its_own_requirements() -> None:
    """The template defines the nine tables and the statements: it prints all of them (its XX do not matter)."""
    raw = read_document(CORPUS / "shanghai-template-bumen-juesuan.pdf")
    result = process_raw(raw)
    assert [f for f in result.findings if f.rule in DOCUMENT_RULES] == []
    d = disclosure(parse(raw), result)
    template = lexicon().template(d.doc_type, d.fiscal_year, d.level, d.opening)
    assert template is not None and template.id == "national_juesuan"
    assert {t.kind for t in template.tables} <= d.printed  # held to all nine tables, and prints them


@pytest.mark.skipif(
    not (CORPUS / "jiangsu-shengwei-bangongting-2019-bumen-yusuan-biaoge.pdf").exists(), reason="corpus"
)
@pytest.mark.parametrize(
    ("stem", "tables", "narrative"),
    [
        pytest.param("jiangsu-shengwei-bangongting-2019-bumen-yusuan-biaoge", True, False, id="tables-half"),
        pytest.param("jiangsu-shengwei-bangongting-2019-bumen-yusuan-wenjian", False, True, id="narrative-half"),
    ],
)
def test_the_two_halves_of_one_publication_are_each_held_to_their_part(
    stem: str, tables: bool, narrative: bool
) -> None:
    """The tables half never states 国有资产占用 (its narrative half does): neither half gets a finding."""
    raw = read_document(CORPUS / f"{stem}.pdf")
    result = process_raw(raw)
    assert [f for f in result.findings if f.rule in DOCUMENT_RULES] == []
    d = disclosure(parse(raw), result)
    template = lexicon().template(d.doc_type, d.fiscal_year, d.level, d.opening)
    assert template is not None and template.id == "jiangsu_yusuan_2019"
    assert (len(d.printed) == len(template.tables)) == tables
    assert (sum(s.endswith("。") for s in d.sentences) >= 5) == narrative


@pytest.mark.parametrize(
    ("doc_type", "year", "level", "opening", "template"),
    [
        pytest.param("预算", 2025, "单位", "上海市普陀区2025年区级单位预算", "shanghai_yusuan", id="shanghai-unit"),
        pytest.param(
            "预算", 2022, "部门", "上海市普陀区2022年区级部门预算", "national_yusuan", id="shanghai-before-2023"
        ),
        pytest.param("预算", 2018, None, "江苏省高级人民法院", "jiangsu_yusuan", id="jiangsu-2018"),
        pytest.param("预算", 2019, None, "江苏省高级人民法院", "jiangsu_yusuan_2019", id="jiangsu-2019"),
        pytest.param("决算", 2024, "部门", "上海市XX局2024年度部门决算", "national_juesuan", id="any-final-accounts"),
        pytest.param("预算", 2016, None, "某县某局2016年部门预算", None, id="before-the-rules"),
        pytest.param("绩效自评", 2022, None, "部门整体支出绩效自评报告", None, id="self-assessment"),
        pytest.param("预算", None, None, "上海市", None, id="no-year"),
    ],
)
def test_which_template_governs_a_report(
    doc_type: str, year: int | None, level: str | None, opening: str, template: str | None
) -> None:
    found = lexicon().template(doc_type, year, level, opening)
    assert (found.id if found else None) == template
