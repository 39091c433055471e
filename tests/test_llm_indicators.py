"""The `indicators` task: the code lists the figures of a narrative, the model names them, the code grounds the names."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_llm_stage import make, stage

from pipeline.ground import label_in_text
from pipeline.llm import backends
from pipeline.llm.backends import Answer, FakeBackend, Request, TruncatedOutput
from pipeline.llm.chunks import cell_figure, lead_in
from pipeline.llm.prompts import render
from pipeline.llm.stage import FIGURES_PER_CALL
from schemas.document import Fact
from schemas.llm import FigureName, IndicatorNames

TEXT = (
    "一、部门概况\n"
    "核定编制42名。\n"
    "二、整体绩效目标完成情况\n"
    "参加城镇企业职工基本养老保险34736人，征收基本养老保险基金48107万元；"
    "全年撰写信息25条，第1季度完成；离退休费社会化发放率100%。\n"
)
SENTENCE = TEXT.split("\n")[3]


def names(request: Request) -> Answer:
    """A model that names each listed figure the way a careful reader would."""
    if request.response_model is not IndicatorNames:
        return Answer(request.response_model(), 10, 2)
    wanted = {
        "34736人": "城镇企业职工基本养老保险参保人数",
        "48107万元": "征收基本养老保险基金",
        "25条": "撰写信息",
        "100%": "离退休费社会化发放率",
    }
    labels = []
    for line in listed(request):
        figure = line.split(". ", 1)[1].split(" — ")[0]
        labels.append(FigureName(figure=figure, label=wanted.get(figure, "")))
    return Answer(IndicatorNames(labels=labels), 100, 40)


@pytest.fixture
def fake() -> Iterator[FakeBackend]:
    backend = FakeBackend(names)
    backends.register("fake", lambda config: backend)
    yield backend


def indicator_requests(fake: FakeBackend) -> list[Request]:
    return [r for r in fake.requests if r.response_model is IndicatorNames]


def listed(request: Request) -> list[str]:
    """The figure list of a request (the lines after its `Figures (...)` heading)."""
    block = request.user.partition("\nFigures (")[2].partition("\n")[2]
    return [line for line in block.split("\n") if line.strip()]


def test_the_code_lists_the_figures_and_the_model_only_names_them(fake: FakeBackend, tmp_path: Path) -> None:
    parsed, result = make(TEXT)
    stage(tmp_path)(parsed, result)
    [request] = indicator_requests(fake)
    assert "1. 34736人 — 参加城镇企业职工基本养老保险" in request.user
    assert "4. 100% — 离退休费社会化发放率" in request.user
    assert not any("第1" in line or line.startswith("5.") for line in listed(request))  # no bare numbers
    by_label = {f.label: f for f in result.indicators}
    members = by_label["城镇企业职工基本养老保险参保人数"]
    assert (members.value, members.unit, members.extractor) == ("34736", "人", "llm")
    assert TEXT[members.span[0] : members.span[1]] == "34736"
    fund = by_label["征收基本养老保险基金"]
    assert (fund.value, fund.unit, fund.value_wan) == ("48107", "万元", "48107")
    assert by_label["离退休费社会化发放率"].unit == "%"


def test_figures_the_rules_have_are_not_listed(fake: FakeBackend, tmp_path: Path) -> None:
    parsed, result = make(TEXT)
    start = TEXT.index("48107")
    result.facts.append(
        Fact(
            id="f1",
            concept="x",
            period="current",
            value="48107",
            unit="万元",
            text="48107万元",
            span=(start, start + 5),
        )
    )
    stage(tmp_path)(parsed, result)
    [request] = indicator_requests(fake)
    assert not any("48107" in line for line in listed(request))
    assert "征收基本养老保险基金" not in {f.label for f in result.indicators}


def test_long_lists_go_out_in_batches(fake: FakeBackend, tmp_path: Path) -> None:
    body = "，".join(f"第{n}街道参保{1000 + n}人" for n in range(1, FIGURES_PER_CALL + 5))
    parsed, result = make(f"一、整体绩效目标完成情况\n{body}。\n")
    stage(tmp_path)(parsed, result)
    sizes = [len(listed(r)) for r in indicator_requests(fake)]
    assert sizes == [FIGURES_PER_CALL, 4]


@pytest.mark.parametrize(
    ("label", "reason"),
    [
        pytest.param("城镇职工医疗保险报销人数", "label not in chunk", id="invented-label"),
        pytest.param("x", "label not in chunk", id="too-short"),
    ],
)
def test_names_the_text_does_not_support_are_rejected(tmp_path: Path, label: str, reason: str) -> None:
    backend = FakeBackend(
        lambda r: (
            Answer(IndicatorNames(labels=[FigureName(figure="34736人", label=label)]), 10, 2)
            if r.response_model is IndicatorNames
            else Answer(r.response_model(), 1, 1)
        )
    )
    backends.register("fake", lambda config: backend)
    parsed, result = make(TEXT)
    stage(tmp_path)(parsed, result)
    assert [u["reason"] for u in result.ungrounded] == [reason]
    assert result.indicators == []


def test_a_figure_outside_the_list_is_rejected(tmp_path: Path) -> None:
    backend = FakeBackend(
        lambda r: (
            Answer(IndicatorNames(labels=[FigureName(figure="42名", label="编制")]), 10, 2)
            if r.response_model is IndicatorNames
            else Answer(r.response_model(), 1, 1)
        )
    )
    backends.register("fake", lambda config: backend)
    parsed, result = make(TEXT)
    stage(tmp_path)(parsed, result)
    assert [u["reason"] for u in result.ungrounded] == ["figure not in the list"]


def test_a_truncated_answer_splits_the_figure_list(tmp_path: Path) -> None:
    def answer(request: Request) -> Answer:
        if request.response_model is IndicatorNames and len(listed(request)) > 2:
            raise TruncatedOutput("cut", attempts=1, tokens_in=100, tokens_out=1024)
        return names(request)

    backend = FakeBackend(answer)
    backends.register("fake", lambda config: backend)
    parsed, result = make(TEXT)
    stage(tmp_path)(parsed, result)
    assert result.llm["splits"] == 1 and result.errors == []
    assert len(result.indicators) == 4


@pytest.mark.parametrize(
    ("label", "ok"),
    [
        pytest.param("征收基本养老保险基金", True, id="verbatim"),
        pytest.param("城镇企业职工基本养老保险参保人数", True, id="subject-and-measure-joined"),
        pytest.param("工伤保险待遇支出", False, id="words-not-in-text"),
        pytest.param("基金", True, id="short-but-written"),
        pytest.param("人", False, id="one-character"),
    ],
)
def test_label_in_text(label: str, ok: bool) -> None:
    assert label_in_text(label, SENTENCE) is ok


def test_lead_in_stops_at_the_clause_start() -> None:
    assert lead_in(SENTENCE, SENTENCE.index("48107")) == "征收基本养老保险基金"
    assert lead_in("甲" * 40 + "1", 40) == "甲" * 24


def test_the_prompt_renders_the_figure_list() -> None:
    prompt = render("indicators", section="绩效", unit="万元", text="参保34736人", figures="1. 34736人 — 参保")
    assert prompt.id == "indicators.v3" and "1. 34736人 — 参保" in prompt.user
    assert prompt.user.index("参保34736人") < prompt.user.index("1. 34736人")  # text first, then the list


def test_echoed_list_lines_and_repeated_figures(tmp_path: Path) -> None:
    text = "一、整体绩效目标完成情况\n企业离退休费社会化发放率100%，机关事业单位离退休费社会化发放率100%。\n"
    labels = [
        FigureName(figure="100%", label="100% — 企业离退休费社会化发放率"),
        FigureName(figure="100%", label="机关事业单位离退休费社会化发放率"),
        FigureName(figure="100%", label="社会化发放率"),
    ]  # a third 100% the list does not have
    backend = FakeBackend(lambda r: Answer(IndicatorNames(labels=labels), 10, 2))
    backends.register("fake", lambda config: backend)
    parsed, result = make(text)
    stage(tmp_path)(parsed, result)
    got = sorted((f.span[0], f.label) for f in result.indicators)
    assert got == [
        (text.index("100%"), "企业离退休费社会化发放率"),
        (text.rindex("100%"), "机关事业单位离退休费社会化发放率"),
    ]
    assert [u["reason"] for u in result.ungrounded] == ["figure not in the list"]


ROW = "项目完成指标 | 数量指标 | 森工企业离退休人员数量 | 30533人 | 满意度≧90% | 1-12月 | 40"


@pytest.mark.parametrize(
    ("figure", "hint"),
    [
        pytest.param("30533", "森工企业离退休人员数量", id="label-cell"),
        pytest.param("90", "森工企业离退休人员数量 满意度≧", id="label-cell-and-own-cell-words"),
    ],
)
def test_lead_in_on_a_table_row(figure: str, hint: str) -> None:
    assert lead_in(ROW, ROW.index(figure)) == hint


@pytest.mark.parametrize(
    ("figure", "alone"),
    [
        pytest.param("30533", False, id="with-unit-is-not-bare"),
        pytest.param("40", True, id="bare-cell"),
        pytest.param("1", False, id="part-of-a-range"),
    ],
)
def test_cell_figure(figure: str, alone: bool) -> None:
    start = ROW.rindex(figure) if figure == "40" else ROW.index(figure)
    assert cell_figure(ROW, start, start + len(figure)) is alone


def test_a_project_table_is_sent_once_with_its_figures_listed(fake: FakeBackend, tmp_path: Path) -> None:
    text = (
        "（一）项目绩效目标完成情况表\n项目名称\t预算数\t执行数\t执行率\n助征员费用\t40\t40\t100%\n"
        "数量指标\t森工企业离退休人员数量\t30533人\t30533人\n"
    )
    parsed, result = make(text)
    stage(tmp_path)(parsed, result)
    tasks = sorted(r.response_model.__name__ for r in fake.requests)
    assert tasks == ["IndicatorNames"]  # never the same table text for two tasks
    [request] = indicator_requests(fake)
    assert "1. 40 — 助征员费用" in listed(request)
    assert "5. 30533人 — 森工企业离退休人员数量" in listed(request)


def test_a_named_figure_stays_an_indicator_even_with_a_vocabulary_name(tmp_path: Path) -> None:
    text = "一、部门整体支出绩效目标\n年度主要任务：日常公用经费预算金额250000.00元。\n"
    labels = [FigureName(figure="250000.00元", label="日常公用经费")]
    backend = FakeBackend(
        lambda r: (
            Answer(IndicatorNames(labels=labels), 10, 2)
            if r.response_model is IndicatorNames
            else Answer(r.response_model(), 1, 1)
        )
    )
    backends.register("fake", lambda config: backend)
    parsed, result = make(text)
    stage(tmp_path)(parsed, result)
    assert result.facts == [] and result.tables == []
    [ind] = result.indicators
    assert (ind.concept, ind.value, ind.unit, ind.value_wan) == ("indicator:日常公用经费", "250000.00", "元", "25")


def test_hint_naming_answers_indicator_lists_without_a_call(fake: FakeBackend, tmp_path: Path) -> None:
    parsed, result = make(TEXT)
    hinted = stage(tmp_path)
    hinted.name_indicators = False
    hinted(parsed, result)
    assert indicator_requests(fake) == []  # the staff chunk still goes to the model; the figure list does not
    assert result.llm["hint_named"] == 1
    by_label = {f.label: f for f in result.indicators}
    members = by_label["参加城镇企业职工基本养老保险"]  # the words before the figure, as the list shows them
    assert (members.value, members.unit, members.extractor) == ("34736", "人", "rules")
    assert TEXT[members.span[0] : members.span[1]] == "34736"
    assert by_label["离退休费社会化发放率"].unit == "%"
    assert all(f.extractor == "rules" for f in result.indicators)


def test_who_names_indicators_by_default() -> None:
    from pipeline.errors import ConfigError
    from pipeline.llm.setup import LLMOptions, names_indicators

    assert not names_indicators(LLMOptions("local"), "local")  # the embedded 0.5B: the hints
    assert names_indicators(LLMOptions("local", local_model="1.5b"), "local")
    assert names_indicators(LLMOptions("local", model_path="any.gguf"), "local")
    assert names_indicators(LLMOptions("openai", model="m"), "openai")
    assert names_indicators(LLMOptions("local", indicator_names="model"), "local")
    assert not names_indicators(LLMOptions("openai", indicator_names="hints"), "openai")
    with pytest.raises(ConfigError, match="indicator-names"):
        names_indicators(LLMOptions("local", indicator_names="both"), "local")
