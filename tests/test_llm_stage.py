"""The LLM stage with the fake backend: grounding, merge with rules facts, cache, truncation, recorded errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from pipeline.corpus_goldens import corpus_dir
from pipeline.document import Parsed, parse, process_raw
from pipeline.errors import LLMError
from pipeline.ingest import RawDocument, read_document
from pipeline.llm import backends
from pipeline.llm.backends import Answer, BackendConfig, FakeBackend, Request, TruncatedOutput
from pipeline.llm.cache import AnswerCache
from pipeline.llm.stage import LLMStage
from schemas.document import DocumentResult, Fact, Meta, Source
from schemas.llm import Figure, MoneyFigures, ProjectRow, ProjectTable, ScoreRow, ScoreTable

TEXT = (
    "[bookmark: _Toc1]一、部门概况\n"
    "核定编制42名，实有在职职工34名。\n"
    "二、收入决算情况说明\n"
    "2020年本年收入合计3,810.13万元，其中：一般公共预算财政拨款收入381.13万元，占100%。\n"
    "三、支出决算情况说明\n"
    "本年支出合计360.12万元，其中：基本支出300.02万元，占83.31%；项目支出60.10万元。\n"
)


def make(text: str = TEXT) -> tuple[Parsed, DocumentResult]:
    parsed = parse(RawDocument("t.txt", text, "0" * 64, "txt"))
    result = DocumentResult(
        source=Source(path="t.txt", sha256="0" * 64, chars=len(text)), meta=Meta(doc_type="决算", unit="万元")
    )
    return parsed, result


def fig(label: str, value: str) -> Figure:
    return Figure(label=label, value=value)


def answers(request: Request) -> Answer:
    """What a good model says for each chunk of TEXT (money and staff chunks may come in one packed request)."""
    text = request.user.split("Text:")[-1]
    figures = []
    if "核定编制" in text:
        figures += [fig("编制", "42名"), fig("在职职工", "34名")]
    if "本年收入合计" in text:
        figures += [
            fig("本年收入合计", "3810.13万元"),
            fig("一般公共预算财政拨款收入", "381.13万元"),
            fig("基本支出占比", "100%"),
            fig("本年支出合计", "999.99万元"),  # made-up label
            fig("基本支出", "300.02万元"),
            fig("基本支出", "83.31%"),
            fig("项目支出", "60.10万元"),
        ]
    value = request.response_model(figures=figures) if figures else request.response_model()
    return Answer(value, 50 + 10 * len(figures), 2 + 4 * len(figures))


@pytest.fixture
def fake() -> Iterator[FakeBackend]:
    backend = FakeBackend(answers)
    backends.register("fake", lambda config: backend)
    yield backend


def stage(tmp_path: Path, concurrency: int = 2) -> LLMStage:
    return LLMStage(BackendConfig("fake", "fake-model", concurrency=concurrency), AnswerCache(tmp_path / "c.sqlite"))


def test_grounded_facts_carry_llm_extractor_and_raw_spans(fake: FakeBackend, tmp_path: Path) -> None:
    parsed, result = make()
    stage(tmp_path)(parsed, result)
    by = {(f.concept, f.measure): f for f in result.facts}
    income = by[("income_total", "amount")]
    assert income.extractor == "llm" and income.value == "3810.13" and income.value_wan == "3810.13"
    assert TEXT[income.span[0] : income.span[1]] == "3,810.13"
    share = by[("inc_general_budget", "share")]
    assert (share.value, share.unit) == ("100", "%")
    assert by[("staff_authorized", "count")].value == "42"
    assert by[("exp_basic", "amount")].section == "支出决算情况说明"


def test_number_not_in_chunk_is_rejected_and_listed(fake: FakeBackend, tmp_path: Path) -> None:
    parsed, result = make()
    stage(tmp_path)(parsed, result)
    assert [u["value"] for u in result.ungrounded] == ["999.99万元"]
    assert all(f.value != "999.99" for f in result.facts)
    assert result.llm["ungrounded"] == 1


def test_rules_agreement_is_counted_and_disagreement_is_a_finding(fake: FakeBackend, tmp_path: Path) -> None:
    parsed, result = make()
    start = TEXT.index("300.02")
    rules_fact = Fact(
        id="f1",
        concept="exp_basic",
        period="current",
        value="300.02",
        unit="万元",
        value_wan="300.02",
        decimals=2,
        text="基本支出300.02万元",
        span=(start, start + 6),
        extractor="rules",
    )
    start = TEXT.index("60.10")
    wrong = Fact(
        id="f2",
        concept="exp_operating",
        period="current",
        value="60.10",
        unit="万元",
        value_wan="60.10",
        decimals=2,
        text="项目支出60.10万元",
        span=(start, start + 5),
        extractor="rules",
    )
    result.facts.extend([rules_fact, wrong])
    stage(tmp_path)(parsed, result)
    assert sum(f.concept == "exp_basic" and f.measure == "amount" for f in result.facts) == 1
    assert result.llm["agreed"] == 1 and result.llm["disagreed"] == 1
    [finding] = result.findings
    assert finding.rule == "llm.disagreement" and finding.severity == "warning" and finding.facts == ["f2"]
    assert len({f.id for f in result.facts}) == len(result.facts)


def test_chunks_the_rules_fully_cover_are_not_sent(fake: FakeBackend, tmp_path: Path) -> None:
    text = "一、部门概况\n核定编制42名。\n"
    parsed, result = make(text)
    start = text.index("42")
    result.facts.append(
        Fact(
            id="f1",
            concept="staff_authorized",
            period="current",
            value="42",
            unit="名",
            text="编制42名",
            span=(start, start + 2),
            measure="count",
        )
    )
    stage(tmp_path)(parsed, result)
    assert fake.requests == [] and result.llm["skipped_chunks"] == 1


@pytest.mark.parametrize(("covered", "sent"), [(("7", "6"), False), (("7",), True)], ids=["cells-read", "a-cell-open"])
def test_a_score_table_is_sent_only_for_cells_the_rules_did_not_read(
    tmp_path: Path, covered: tuple[str, ...], sent: bool
) -> None:
    # the criterion text holds numbers too (2分, 扣1分); they are no reason to send the table
    text = (
        "附件1 部门整体支出绩效评分表\n一级指标\t二级指标\t分值\t评价标准\t得分\n"
        "绩效管理\t绩效评价管理\t7\t开展自评的，2分，每少一个扣1分，扣完为止。\t6\n"
    )
    fake = FakeBackend(lambda request: Answer(ScoreTable()))
    backends.register("fake", lambda config: fake)
    parsed, result = make(text)
    for n, value in enumerate(covered):
        start = text.index(f"\t{value}") + 1
        measure = "score_max" if value == "7" else "score"
        result.tables.append(
            Fact(
                id=f"t{n}",
                concept="score:绩效管理/绩效评价管理",
                period="current",
                value=value,
                unit="分",
                text=value,
                span=(start, start + 1),
                measure=measure,
            )
        )
    stage(tmp_path)(parsed, result)
    assert bool(fake.requests) is sent


def test_rerun_hits_the_cache_and_makes_zero_calls(fake: FakeBackend, tmp_path: Path) -> None:
    parsed, result = make()
    stage(tmp_path)(parsed, result)
    first = len(fake.requests)
    assert first > 0 and result.llm["calls"] == first
    parsed, again = make()
    stage(tmp_path)(parsed, again)
    assert len(fake.requests) == first
    assert again.llm.get("calls", 0) == 0 and again.llm["cache_hits"] == first
    assert [f.model_dump() for f in again.facts] == [f.model_dump() for f in result.facts]


def listed(request: Request) -> list[str]:
    """The figure lines of a request's figure list."""
    block = request.user.partition("\nFigures (")[2].partition("\n")[2]
    return [line for line in block.split("\n") if line[:1].isdigit()]


def test_truncated_answer_splits_the_chunk(tmp_path: Path) -> None:
    def respond(request: Request) -> Answer:
        if len(listed(request)) > 2:  # a long figure list: pretend the answer hit max_tokens
            raise TruncatedOutput("cut", attempts=1, tokens_in=100, tokens_out=512)
        return answers(request)

    backend = FakeBackend(respond)
    backends.register("fake", lambda config: backend)
    parsed, result = make(TEXT.replace("一、部门概况\n核定编制42名，实有在职职工34名。\n", ""))
    stage(tmp_path)(parsed, result)
    assert result.llm["splits"] >= 1
    assert any(f.concept == "income_total" for f in result.facts)
    assert result.llm["calls"] == len(backend.requests)
    # a rerun with the same cache goes straight to the halves: no call, the same facts
    sent = len(backend.requests)
    parsed, again = make(TEXT.replace("一、部门概况\n核定编制42名，实有在职职工34名。\n", ""))
    stage(tmp_path)(parsed, again)
    assert len(backend.requests) == sent and again.llm.get("calls", 0) == 0 and again.llm["cache_hits"] >= 3
    assert [(f.concept, f.value) for f in again.facts] == [(f.concept, f.value) for f in result.facts]


def test_exhausted_retries_leave_an_error_not_a_crash(tmp_path: Path) -> None:
    def respond(request: Request) -> Answer:
        raise LLMError("RateLimitError after 4 calls", attempts=4)

    backends.register("fake", lambda config: FakeBackend(respond))
    parsed, result = make()
    stage(tmp_path)(parsed, result)
    assert result.errors and all("RateLimitError" in e for e in result.errors)
    assert result.llm["calls"] == 4 * len(result.errors)
    assert all(f.extractor == "rules" for f in result.facts)


def test_project_rows_go_to_tables(tmp_path: Path) -> None:
    text = "（一）项目绩效目标完成情况表\n项目名称\t助征员费用\n预算数\t40\t执行数\t40\t执行率\t100%\n"

    def respond(request: Request) -> Answer:
        return Answer(ProjectTable(projects=[ProjectRow(name="助征员费用", budget="40", executed="40", rate="100%")]))

    backends.register("fake", lambda config: FakeBackend(respond))
    parsed, result = make(text)
    stage(tmp_path)(parsed, result)
    keys = {(f.concept, f.period, f.measure, f.value, f.unit) for f in result.tables}
    assert ("project:助征员费用", "current", "completion_rate", "100", "%") in keys
    assert ("project:助征员费用", "budget", "amount", "40", "万元") in keys


def test_a_table_without_a_unit_line_takes_the_unit_of_the_tables_before_it(tmp_path: Path) -> None:
    # the report's prose unit is 万元 (make() sets it); its tables state 单位：元, the last one states none
    text = (
        "一、收入支出预算总表\n单位：元\n项目\t本年预算\n合计\t3,162,923.00\n"
        "二、项目绩效目标表\n项目名称\t预算数\t执行数\n业务运行费\t50,000.00\t48,000.00\n"
    )

    def respond(request: Request) -> Answer:
        return Answer(ProjectTable(projects=[ProjectRow(name="业务运行费", budget="50,000.00", executed="48,000.00")]))

    backends.register("fake", lambda config: FakeBackend(respond))
    parsed, result = make(text)
    stage(tmp_path)(parsed, result)
    rows = {(f.period, f.value, f.unit, f.value_wan) for f in result.tables if f.concept == "project:业务运行费"}
    assert rows == {("budget", "50000.00", "元", "5"), ("current", "48000.00", "元", "4.8")}


def test_unplaced_project_figures_are_indicators_in_the_table_unit_and_need_a_name(tmp_path: Path) -> None:
    # no 预算 / 执行 word says which column a figure is: grounded figures become indicators, in the unit of the
    # tables before them; a "project" the model names by a number gives nothing
    text = (
        "一、收入支出预算总表\n单位：元\n项目\t本年预算\n合计\t3,162,923.00\n"
        "二、项目绩效目标表\n任务名称\t主要内容\t总额\n"
        "年度主要任务\t离退休支出\t312,360.00\n专项支出\t社保大厅运行\t50,000.00\n"
    )

    def respond(request: Request) -> Answer:
        rows = [ProjectRow(name="离退休支出", budget="312,360.00"), ProjectRow(name="50,000.00", budget="50,000.00")]
        return Answer(ProjectTable(projects=rows))

    backends.register("fake", lambda config: FakeBackend(respond))
    parsed, result = make(text)
    stage(tmp_path)(parsed, result)
    assert {(f.label, f.value, f.unit) for f in result.indicators} == {("离退休支出", "312360.00", "元")}
    assert not [f for f in result.tables if f.extractor == "llm"]


def test_a_zero_padded_code_cell_is_no_indicator(tmp_path: Path) -> None:
    text = (
        "一、一般公共预算支出预算表\n单位：元\n科目编码\t\t科目名称\t金额\n类\t款\t\t\n"
        "221\t\t住房保障支出\t184,249.00\n\t02\t住房改革支出\t184,249.00\n其他\t\t培训人次\t35\n"
    )

    def respond(request: Request) -> Answer:
        return Answer(MoneyFigures(figures=[fig("住房改革支出", "02"), fig("培训人次", "35")]))

    backends.register("fake", lambda config: FakeBackend(respond))
    parsed, result = make(text)
    stage(tmp_path)(parsed, result)
    assert {f.value for f in result.indicators} == {"35"}


def test_a_score_inside_the_criterion_text_is_no_score(tmp_path: Path) -> None:
    text = (
        "附件1 部门整体支出绩效评分表\n"
        "一级指标\t二级指标\t分值\t评价标准\t得分\n"
        "绩效管理\t绩效评价管理\t7\t开展自评的，2分，每少一个专项资金的自评扣1分，扣完为止。\t6\n"
    )

    def respond(request: Request) -> Answer:
        # 分值 misread from the criterion text ("扣1分"); 得分 read from its own cell
        return Answer(ScoreTable(rows=[ScoreRow(group="绩效管理", indicator="绩效评价管理", max_score="1", score="6")]))

    backends.register("fake", lambda config: FakeBackend(respond))
    parsed, result = make(text)
    stage(tmp_path)(parsed, result)
    scores = {(f.measure, f.value) for f in result.tables if f.concept.startswith("score:")}
    assert ("score_max", "1") not in scores
    assert ("score", "6") in scores
    assert any(u["value"] == "1" and u["reason"] == "score not a table cell of its own" for u in result.ungrounded)


def test_run_summary_sums_this_runs_usage_and_a_rerun_makes_zero_calls(fake: FakeBackend, tmp_path: Path) -> None:
    import json
    from functools import partial

    from pipeline.document import process_file
    from pipeline.runner import run

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(
        "一、重点工作完成情况\n全年城乡居民养老保险参保人数261554人。\n", encoding="utf-8"
    )
    process = partial(process_file, llm=stage(tmp_path))
    first = run([str(tmp_path / "in")], tmp_path / "out1", process)
    assert first.llm["calls"] > 0
    again = run([str(tmp_path / "in")], tmp_path / "out2", process)  # fresh output, same cache
    summary = json.loads((tmp_path / "out2" / "summary.json").read_text(encoding="utf-8"))
    assert summary["llm"].get("calls", 0) == 0 and summary["llm"]["cache_hits"] == first.llm["calls"]
    assert again.processed == 1
    skipped = run([str(tmp_path / "in")], tmp_path / "out2", process)  # same output: skipped, nothing counted
    assert skipped.skipped == 1 and skipped.llm.get("calls", 0) == 0


def test_worker_processes_share_one_backend_config_and_cache(fake: FakeBackend, tmp_path: Path) -> None:
    from functools import partial

    from pipeline.document import process_file
    from pipeline.runner import run

    (tmp_path / "in").mkdir()
    for n in range(3):
        text = f"一、重点工作完成情况\n全年城乡居民养老保险参保人数26155{n}人。\n"
        (tmp_path / "in" / f"d{n}.txt").write_text(text, encoding="utf-8")
    process = partial(process_file, llm=stage(tmp_path))
    summary = run([str(tmp_path / "in")], tmp_path / "out", process, workers=2)
    assert summary.errors == {} and summary.processed == 3 and summary.llm["calls"] == 3
    again = run([str(tmp_path / "in")], tmp_path / "out2", process, workers=2)
    assert again.llm.get("calls", 0) == 0 and again.llm["cache_hits"] == 3


@pytest.mark.parametrize(
    ("text", "answer", "where", "key"),
    [
        pytest.param(
            "（一）项目绩效目标完成情况表\n项目名称\t助征员费用\n满意度\t≥100%\n",
            ProjectTable(projects=[ProjectRow(name="助征员费用", rate="100%")]),
            "indicators",
            ("indicator:助征员费用", "100", "%"),
            id="rate-without-its-column-word",
        ),
        pytest.param(
            "（一）项目绩效目标完成情况表\n项目名称\t预算数\n50,000.00\t50,000.00\n",
            ProjectTable(projects=[ProjectRow(name="50,000.00", budget="50,000.00")]),
            "indicators",
            None,
            id="a-number-is-no-project-name",
        ),
        pytest.param(
            "（一）项目绩效目标完成情况表\n项目名称\t预算数\n聘请人员费用\t预算7人\n",
            ProjectTable(projects=[ProjectRow(name="聘请人员费用", budget="7")]),
            "indicators",
            ("indicator:聘请人员费用", "7", "人"),
            id="people-are-no-budget",
        ),
        pytest.param(
            "一、重点工作完成情况\n新增退休652人。\n",
            MoneyFigures(figures=[fig("新增退休", "652人")]),
            "indicators",
            ("indicator:新增退休", "652", "人"),
            id="head-count-outside-the-overview",
        ),
        pytest.param(
            "二、收入决算情况说明\n单位：万元\n项目\t金额\n合计\t1.5\n单位：元\n项目\t金额\n本年收入合计\t9,700.00\n",
            MoneyFigures(figures=[fig("本年收入合计", "9,700.00")]),
            "facts",
            ("income_total", "9700.00", "元"),
            id="unit-from-the-last-unit-line",
        ),
    ],
)
def test_figures_the_text_does_not_support_are_not_facts(
    text: str, answer: BaseModel, where: str, key: tuple[str, str, str] | None, tmp_path: Path
) -> None:
    backends.register("fake", lambda config: FakeBackend(lambda request: Answer(answer)))
    parsed, result = make(text)
    stage(tmp_path)(parsed, result)
    llm = [f for f in [*result.facts, *result.tables] if f.extractor == "llm"]
    found = [(f.concept, f.value, f.unit) for f in getattr(result, where) if f.extractor == "llm"]
    if where == "indicators":
        assert llm == []
    if key is not None:
        assert key in found


def test_findings_of_the_llm_stage_survive_the_checker() -> None:
    from pipeline.document import process_raw
    from schemas.document import Finding

    def llm(parsed: Parsed, result: DocumentResult) -> None:
        result.findings.append(Finding(rule="llm.disagreement", severity="warning", message="x"))

    result = process_raw(RawDocument("t.txt", TEXT, "0" * 64, "txt"), llm=llm)
    assert [f.rule for f in result.findings if f.rule.startswith("llm.")] == ["llm.disagreement"]


def test_requests_go_out_grouped_by_task_with_one_progress_line_each(fake: FakeBackend, tmp_path: Path) -> None:
    projects = "（一）项目绩效目标完成情况表\n项目名称\t预算数\t执行数\n聘请人员费用\t7.00\t6.50\n"
    text = projects + TEXT + "四、部门概况\n退休职工22人。\n" + projects.replace("（一）", "（二）")
    parsed, result = make(text)
    lines: list[str] = []
    s = stage(tmp_path, concurrency=1)
    s.progress = lines.append
    s(parsed, result)
    kinds = [r.response_model.__name__ for r in fake.requests]
    assert kinds == sorted(kinds, key=kinds.index) and len(set(kinds)) == 2  # each task's requests together
    assert len(lines) == 1 + len(fake.requests)
    assert lines[0].startswith(f"llm t.txt: {len(fake.requests)} requests")
    assert all(f"[{n}/{len(fake.requests)}]" in line for n, line in enumerate(lines[1:], 1))


def test_a_rerun_reports_its_cache_hits_as_progress(fake: FakeBackend, tmp_path: Path) -> None:
    parsed, result = make()
    stage(tmp_path)(parsed, result)
    lines: list[str] = []
    again = stage(tmp_path)
    again.progress = lines.append
    parsed, result = make()
    again(parsed, result)
    assert lines[1:] and all(line.endswith("cached") for line in lines[1:])


@pytest.mark.skipif(not corpus_dir().exists(), reason="corpus PDFs not beside the checkout")
def test_what_the_rules_left_in_a_table_they_read_as_a_grid_is_not_sent(fake: FakeBackend, tmp_path: Path) -> None:
    """The 政府采购 table's item rows (会议服务 122.10 under 三、服务) are no vocabulary by the table's reading."""
    raw = read_document(corpus_dir() / "jiangsu-gaoyuan-2019-bumen-yusuan.pdf")
    parsed = parse(raw)
    result = process_raw(raw)
    stage(tmp_path)(parsed, result)
    sent = "\n".join(r.user for r in fake.requests)
    assert fake.requests and "会议服务" not in sent and "122.10" not in sent
    assert not any(f.extractor == "llm" and f.table_kind for f in result.facts)


def test_a_packed_request_reads_each_chunks_table_unit_where_that_chunk_stands() -> None:
    from pipeline.llm.chunks import Chunk, Piece, join
    from pipeline.llm.facts import FactMaker

    # a 元 table, then a 万元 table (read by the rules, not sent), then a row of the 万元 table's continuation
    text = "单位：元\n合计\t3,162,923.00\n单位：万元\n合计\t316.29\n其他收入\t12.50\n"
    parsed, result = make(text)
    clean = parsed.clean.text

    def part(cid: str, start: int, end: int) -> Chunk:
        return Chunk(cid, "s1", "表", "table", "money", clean[start:end], (Piece(0, start, end - start),))

    first = part("c1", 0, clean.index("合计\t316"))
    second = part("c2", clean.index("其他收入"), len(clean.rstrip()))
    joined = join([first, second])
    maker = FactMaker(parsed, result)
    assert maker._table_unit(joined, joined.text.index("12.50")) == "万元"
    assert maker._table_unit(joined, joined.text.index("3,162")) == "元"


def test_chunks_of_one_prompt_go_out_as_one_request(fake: FakeBackend, tmp_path: Path) -> None:
    # the staff section between the 收入 and 支出 sections makes three chunks; money and staff share one prompt,
    # so all three go out in one request, and the staff part's head counts are still read as staff counts
    lines = TEXT.replace("[bookmark: _Toc1]", "").splitlines(keepends=True)
    parsed, result = make("".join([*lines[2:4], *lines[:2], *lines[4:]]))
    stage(tmp_path)(parsed, result)
    [request] = fake.requests
    assert request.response_model is MoneyFigures
    text = request.text
    assert text.count("本年收入合计") == 1 and text.count("本年支出合计") == 1 and text.count("核定编制") == 1
    assert "Section: 收入决算情况说明；支出决算情况说明；部门概况\n" in request.user
    counts = {f.concept: f.value for f in result.facts if f.measure == "count"}
    assert counts == {"staff_authorized": "42", "staff_actual": "34"}
    spans = {f.concept: parsed.raw.text[f.span[0] : f.span[1]] for f in result.facts}
    assert spans["income_total"] == "3,810.13" and spans["exp_project"] == "60.10"
