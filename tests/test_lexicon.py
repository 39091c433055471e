"""The concept lexicon as data: every wording reachable and shadowed by no other, codes well formed, kinds reachable."""

from __future__ import annotations

import re

import pytest

from pipeline.lexicon import lexicon
from pipeline.rules.vocab import CONCEPT_ALIASES, last_concept


def instance(pattern: str) -> str:
    """The plainest text an alias pattern matches: optional parts left out, the first of each alternation."""
    text = re.sub(r"\(\?<![^)]*\)", "", pattern)  # look-behinds constrain context, not the wording
    for _ in range(6):  # innermost groups first
        text = re.sub(r"\((?:\?:)?([^()]*)\)\?", "", text)
        text = re.sub(r"\[[^\]]*\]\?", "", text)
        text = re.sub(r"(.)\?", "", text)
        text = re.sub(r"\((?:\?:)?([^()|]*)(?:\|[^()]*)?\)", r"\1", text)
    text = re.sub(r"\[([^\]])[^\]]*\]", r"\1", text)
    assert not re.search(r"[()\[\]?*+|\\]", text), (pattern, text)
    return text


ALIASES = [(concept, alias) for concept, aliases in CONCEPT_ALIASES.items() for alias in aliases]


@pytest.mark.parametrize(("concept", "alias"), ALIASES, ids=[f"{c}:{a}" for c, a in ALIASES])
def test_every_wording_names_its_concept_and_no_other(concept: str, alias: str) -> None:
    text = instance(alias)
    assert re.fullmatch(alias, text), (alias, text)
    found = last_concept(text)
    assert found is not None and found.concept == concept, (alias, text, found)
    assert (found.start, found.end) == (0, len(text)), (alias, text, found)  # no other wording covers more of it


def test_concepts_are_documented_and_their_funds_known() -> None:
    lex = lexicon()
    funds = {"all", "fiscal", "general", "gov_fund", "state_capital", None}
    for cid, c in lex.concepts.items():
        assert c.name, cid
        assert c.fund in funds, (cid, c.fund)


@pytest.mark.parametrize("family", ["function", "economic"])
def test_classification_codes_are_well_formed(family: str) -> None:
    lex = lexicon()
    table = lex.function if family == "function" else lex.economic
    first = "2" if family == "function" else "3"
    lengths = (3, 5, 7) if family == "function" else (3, 5)
    for code, names in table.items():
        assert code.isdigit() and len(code) in lengths and code.startswith(first), code
        assert names and all(n.strip() == n and n for n in names), code
        if len(code) > 3:
            assert code[:3] in table, f"{code} has no 类 {code[:3]}"


def test_an_economic_class_name_names_one_code() -> None:
    # a table row read by its name (no code printed, or codes lost in a text export) takes the first code that
    # lists the name: a name under two codes would file 电费 as 30204 手续费. A name that meant another code
    # before the 2018 classification is in `economic_before_2018`, not under a second code
    from pipeline.rules.vocab import econ_code_by_name

    lex = lexicon()
    codes: dict[str, list[str]] = {}
    for code, names in lex.economic.items():
        for name in names:
            codes.setdefault(re.sub(r"\s+", "", name), []).append(code)
    assert {n: c for n, c in codes.items() if len(c) > 1} == {}
    assert (econ_code_by_name("电费"), econ_code_by_name("工会经费"), econ_code_by_name("退休费")) == (
        "30206",
        "30228",
        "30302",
    )
    assert econ_code_by_name("医疗费", 2017) == "30307" and econ_code_by_name("医疗费", 2019) == "30114"


def test_a_function_class_or_group_name_names_one_code() -> None:
    # 类 and 款 names are unique in the classification (a 项 name like 行政运行 recurs under many 款): a row read by
    # its name takes the first code listing it
    lex = lexicon()
    codes: dict[tuple[int, str], list[str]] = {}
    for code, names in lex.function.items():
        if len(code) < 7:
            for name in names:
                codes.setdefault((len(code), re.sub(r"\s+", "", name)), []).append(code)
    assert {k: c for k, c in codes.items() if len(c) > 1} == {}


def test_table_kinds_are_reachable_from_their_own_names() -> None:
    lex = lexicon()
    titles = {
        "2025年部门财务收支预算总表": "收支总表",
        "2025年部门收入预算总表": "收入表",
        "2025年部门支出预算总表": "支出表",
        "2025年部门财政拨款收支预算总表": "财政拨款收支总表",
        "财政拨款支出预算表（功能科目）": "财政拨款支出表",
        "财政拨款基本支出预算表（经济科目）": "财政拨款基本支出表",
        "2025年部门一般公共预算支出功能分类预算表": "一般公共预算支出表",
        "2025年部门一般公共预算基本支出部门预算经济分类预算表": "一般公共预算基本支出表",
        "2025年部门政府性基金预算支出功能分类预算表": "政府性基金支出表",
        "政府性基金预算财政拨款支出预算表": "政府性基金支出表",
        "2025年部门国有资本经营预算支出功能分类预算表": "国有资本经营支出表",
        "2025年部门“三公”经费和机关运行经费预算表": "三公表",
        "一般公共预算机关运行经费支出预算表": "机关运行经费表",
        "政府采购支出预算表": "政府采购表",
        "财政项目支出绩效目标填报表": "项目绩效目标表",
    }
    for title, kind in titles.items():
        found = lex.table_kind(title)
        assert found is not None and found.kind == kind, (title, found)
    assert {k.kind for k in lex.table_kinds} <= {*titles.values(), "一般公共预算项目支出表"}


@pytest.mark.parametrize(
    ("path", "role"),
    [
        (["支出预算", "合计"], "total"),
        (["支出预算", "基本支出"], "basic"),
        (["项目", "功能分类科目编码", "类"], "code"),
        (["项目", "功能分类科目名称"], "label"),
        (["功能科目代码"], "code"),  # Jiangsu 2019: 代码 for 编码
        (["经济科目代码"], "code"),
        (["一般公共预算基本支出", "人员经费"], "personnel"),
        (["收入预算", "财政拨款收入"], "inc_fiscal"),
        (["上年预算数"], "prior"),
        (["2025年预算数"], "year"),
    ],
)
def test_column_roles(path: list[str], role: str) -> None:
    assert lexicon().column_role(path) == role
