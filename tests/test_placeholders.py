"""Placeholder detection: one named case per kind and per not-a-placeholder rule, the sample reports against their
hand-made goldens, raw offsets and sections, and linear time on large and adversarial inputs."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import yaml
from conftest import EXPECTED, REPORTS, STEMS

from pipeline.clean import clean
from pipeline.document import parse
from pipeline.evaluate import Score, score_placeholders
from pipeline.ingest import RawDocument, read_document
from pipeline.placeholders import detect, find, is_instruction, stage
from pipeline.stages import extract_stages
from schemas.document import DocumentResult, Meta, Source
from schemas.golden import GoldenPlaceholders


def _found(text: str) -> list[tuple[str, str]]:
    return [(h.kind, text[h.start : h.end]) for h in find(text)]


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        # ellipsis
        pytest.param("决算数等于预算数的主要原因是…。", "ellipsis", "…", id="ellipsis-after-主要原因是"),
        pytest.param("二级预算单位包括：……\n", "ellipsis", "……", id="ellipsis-double"),
        pytest.param("主要用于...。", "ellipsis", "...", id="ellipsis-ascii-dots"),
        pytest.param("执法执勤用车0辆…\n", "ellipsis", "…", id="ellipsis-end-of-list"),
        pytest.param("主要用于…（具体工作）等所需的燃料费", "ellipsis", "…（具体工作）", id="ellipsis-with-hint"),
        pytest.param(
            "开支内容包括：…（团组名称、出访地点、取得成效）\n",
            "ellipsis",
            "…（团组名称、出访地点、取得成效）",
            id="ellipsis-with-field-list-hint",
        ),
        pytest.param(
            "取得的收入。如…（二级预算单位事业收入情况）等。",
            "ellipsis",
            "如…（二级预算单位事业收入情况）等",
            id="ellipsis-wrapped-如-等",
        ),
        pytest.param(
            "各项收入。主要是…（收入类型）等。", "ellipsis", "主要是…（收入类型）等", id="ellipsis-wrapped-主要是-等"
        ),
        pytest.param("各项收入。主要是……等。", "ellipsis", "主要是……等", id="ellipsis-wrapped-without-hint"),
        # class_ellipsis
        pytest.param(
            "9.一般公共服务（类）…（款）…（项）：指……。",
            "class_ellipsis",
            "…（款）…（项）：指……",
            id="class-ellipsis-after-class-name",
        ),
        pytest.param(
            "…（类）…（款）…（项）：指……。",
            "class_ellipsis",
            "…（类）…（款）…（项）：指……",
            id="class-ellipsis-whole-line",
        ),
        pytest.param(
            "社会保障和就业（类）…（款）…（项）", "class_ellipsis", "…（款）…（项）", id="class-ellipsis-no-definition"
        ),
        # masked_number
        pytest.param("一般公共预算财政拨款收入1259.02万元，占**%；", "masked_number", "**%", id="masked-stars-percent"),
        pytest.param("公务接待费支出**万元。", "masked_number", "**", id="masked-stars-before-unit"),
        pytest.param("全年接待XX批次。", "masked_number", "XX", id="masked-XX"),
        pytest.param("比上年增长XX%。", "masked_number", "XX%", id="masked-XX-percent"),
        pytest.param("20XX年部门决算", "masked_number", "20XX年", id="masked-year"),
        pytest.param("截至X月底", "masked_number", "X月", id="masked-month"),
        pytest.param("×××单位2020年部门决算", "masked_number", "×××", id="masked-crosses"),
        # alternative
        pytest.param("支出决算比2018年增加/减少0万元，", "alternative", "增加/减少", id="alternative-增加减少"),
        pytest.param("，增长/下降0%。", "alternative", "增长/下降", id="alternative-增长下降"),
        pytest.param("决算数大于/小于预算数的主要原因是", "alternative", "大于/小于", id="alternative-大于小于"),
        pytest.param(
            "决算数小于预算数（或与预算数持平）的主要原因是",
            "alternative",
            "（或与预算数持平）",
            id="alternative-或与预算数持平",
        ),
        pytest.param("比上年增加（减少）2万元", "alternative", "增加（减少）", id="alternative-bracketed"),
        pytest.param("决算数大于/等于/小于预算数", "alternative", "大于/等于/小于", id="alternative-three-way"),
        # instruction
        pytest.param(
            "减少。\n（注：数据来源于财决附03表）\n",
            "instruction",
            "（注：数据来源于财决附03表）",
            id="instruction-注-data-source",
        ),
        pytest.param(
            "占7%。（罗列全部功能分类科目，至类级。）",
            "instruction",
            "（罗列全部功能分类科目，至类级。）",
            id="instruction-罗列",
        ),
        pytest.param(
            "目标任务。（简要说明整体绩效情况）。", "instruction", "（简要说明整体绩效情况）", id="instruction-简要说明"
        ),
        pytest.param(
            "（名词解释部分请根据各部门实际列支情况罗列，并根据本部门职责职能增减名词解释内容。）",
            "instruction",
            "（名词解释部分请根据各部门实际列支情况罗列，并根据本部门职责职能增减名词解释内容。）",
            id="instruction-请根据",
        ),
        pytest.param(
            "（二）资金计划、到位及使用情况（可用表格形式反映）。",
            "instruction",
            "（可用表格形式反映）",
            id="instruction-表格形式",
        ),
        pytest.param(
            "主要用于（具体工作）等所需的燃料费", "instruction", "（具体工作）", id="instruction-standalone-具体工作"
        ),
        pytest.param(
            "具体内容包括：餐费0.3万元（接待具体项目、金额）。",
            "instruction",
            "（接待具体项目、金额）",
            id="instruction-接待具体项目",
        ),
        pytest.param(
            "开支内容包括：（团组名称、出访地点、取得成效）",
            "instruction",
            "（团组名称、出访地点、取得成效）",
            id="instruction-standalone-field-list",
        ),
        pytest.param(
            "（非涉密部门均需公开部门整体支出评价报告，若未组织项目绩效评价，则只需说明整体情况）",
            "instruction",
            "（非涉密部门均需公开部门整体支出评价报告，若未组织项目绩效评价，则只需说明整体情况）",
            id="instruction-均需-若未",
        ),
        pytest.param(
            "（注：数据来源于财决Z01-1表，罗列全部功能分类科目至项级。上述“预算”口径为调整预算数。）",
            "instruction",
            "（注：数据来源于财决Z01-1表，罗列全部功能分类科目至项级。上述“预算”口径为调整预算数。）",
            id="instruction-注-source-and-scope",
        ),
        # empty_brackets
        pytest.param("单位名称（ ）", "empty_brackets", "（ ）", id="empty-full-width-space"),
        pytest.param("联系人（）", "empty_brackets", "（）", id="empty-full-width"),
        pytest.param("文号【 】", "empty_brackets", "【 】", id="empty-lenticular"),
        pytest.param("编号()", "empty_brackets", "()", id="empty-ascii"),
        # missing_number
        pytest.param("其他收入0.16万元，占%；", "missing_number", "%", id="missing-percent-after-占"),
        pytest.param("公务接待费支出万元，", "missing_number", "万元", id="missing-万元-after-支出"),
        pytest.param("比上年增长 %。", "missing_number", "%", id="missing-percent-with-space"),
    ],
)
def test_detects_each_kind(text: str, kind: str, expected: str) -> None:
    assert _found(text) == [(kind, expected)]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("办公费、印刷费、差旅费等等。", id="not-等等"),
        pytest.param("根据《关于…的通知》要求", id="not-ellipsis-in-book-title"),
        pytest.param("实现“最多跑一次……”的目标", id="not-ellipsis-in-quotation"),
        pytest.param("（注：上述“预算”口径为调整预算数，包括政府性基金支出决算情况。）", id="not-注-explaining-scope"),
        pytest.param("（注：本表金额单位为万元。）", id="not-注-explaining-unit"),
        pytest.param("核定开江县社会保险事业管理局（以下简称县社保局）编制42名", id="not-以下简称"),
        pytest.param(
            "社会保障和就业支出（类）行政事业单位离退休（款）机关事业单位基本养老保险缴费支出（项）",
            id="not-filled-class",
        ),
        pytest.param("（二）机构设置", id="not-numbering"),
        pytest.param("（川人函〔2009〕68号）", id="not-document-number"),
        pytest.param("（图1：收、支决算总计变动情况图）（柱状图）", id="not-figure-caption"),
        pytest.param("（详见万源市社会保险事业管理局 2021 年部门预算信息公开表）", id="not-cross-reference"),
        pytest.param("项目单位(项目名称)\t项目资金", id="not-table-header-bracket"),
        pytest.param("预期指标值(包含数字及文字描述)", id="not-column-description"),
        pytest.param("（包括项目立项、申报、招投标、制度建立、按时完工等）", id="not-list-in-brackets"),
        pytest.param("码\t单位名称\t三公经费合计\t下降%\t因公出国（境）费用", id="not-percent-column-label"),
        pytest.param("项目\t比上年增/减\t备注", id="not-direction-column-label"),
        pytest.param("单位：万元\n金额（万元）\n增长率（%）", id="not-unit-labels"),
        pytest.param("一般公共预算财政拨款收入381.13万元，占100%，增长 3.5 %。", id="not-filled-numbers"),
        pytest.param("重点支出安排率=（重点项目支出/项目总支出）×100%", id="not-division-formula"),
        pytest.param("按100元/人.年的标准，1900元/月*12个月", id="not-unit-rate-and-multiplication"),
        pytest.param("比上年增加/增长", id="not-same-direction-pair"),
        pytest.param("二〇二〇年，Excel 表格", id="not-chinese-zero-or-latin-word"),
        pytest.param("开江编委【2016】19号", id="not-filled-lenticular"),
    ],
)
def test_not_a_placeholder(text: str) -> None:
    assert _found(text) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("注：数据来源于财决附03表", True, id="注-data-source"),
        pytest.param("注：数据来源财决附03表，按部门决算报表填报数据罗列车辆情况。", True, id="注-listing"),
        pytest.param("注：上述“预算”口径为调整预算数，包括政府性基金支出决算情况。", False, id="注-scope"),
        pytest.param("说明：本表不含政府性基金", False, id="说明-colon-is-a-note"),
        pytest.param(
            "解释本部门决算报表中全部功能分类科目至项级，请参照《2019年政府收支分类科目》增减内容。",
            True,
            id="解释-请参照",
        ),
        pytest.param("具体情况详见附表", False, id="具体-cross-reference"),
    ],
)
def test_instruction_wording_rule(body: str, expected: bool) -> None:
    assert is_instruction(body) is expected


def test_spans_are_raw_and_sections_innermost() -> None:
    raw = "一、收入决算情况说明\n[bookmark: _Toc1]本年收入合计1259.18万元，其中：**其他收入**0.16万元，占**%。\n"
    parsed = parse(RawDocument(path="t.txt", text=raw, sha256="0", format="txt"))
    (p,) = detect(parsed)
    assert (p.kind, p.text, raw[p.span[0] : p.span[1]], p.section) == (
        "masked_number",
        "**%",
        "**%",
        "收入决算情况说明",
    )


def test_registered_as_extract_stage() -> None:
    assert stage in extract_stages()


def _score(stem: str) -> tuple[Score, dict[str, Score]]:
    raw = read_document(REPORTS / f"{stem}.txt")
    result = DocumentResult(
        source=Source(path=raw.path, sha256=raw.sha256, chars=len(raw.text)),
        meta=Meta(),
        placeholders=detect(parse(raw)),
    )
    gold = GoldenPlaceholders.model_validate(
        yaml.safe_load((EXPECTED / stem / "placeholders.yaml").read_text(encoding="utf-8"))
    )
    return score_placeholders(gold, result)


def test_sample_reports_precision_and_recall() -> None:
    total = Score()
    for stem in STEMS:
        total.add(_score(stem)[0])
    assert total.tp >= 60
    assert total.precision >= 0.97, total
    assert total.recall >= 0.97, total


def _best_time(fn: Callable[[str], object], text: str, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - start)
    return best


def _report_mix(chars: int) -> str:
    base = "".join(clean(read_document(REPORTS / f"{s}.txt").text).text for s in STEMS)
    return (base * (chars // len(base) + 1))[:chars]


def test_five_megabytes_scale_linearly() -> None:
    small, large = _report_mix(500_000), _report_mix(5_000_000)
    ratio = _best_time(find, large, repeats=1) / _best_time(find, small)
    assert ratio < 40, ratio  # linear is about 10; catastrophic backtracking would be about 100 or worse


@pytest.mark.parametrize(
    "unit",
    [
        pytest.param("…", id="run-of-ellipsis"),
        pytest.param("（", id="run-of-open-brackets"),
        pytest.param("（a", id="unclosed-brackets"),
        pytest.param("/", id="run-of-slashes"),
        pytest.param("增/", id="run-of-direction-pairs"),
        pytest.param("*", id="run-of-stars"),
        pytest.param("X", id="run-of-X"),
        pytest.param("×", id="run-of-crosses"),
        pytest.param(".", id="run-of-dots"),
        pytest.param("…（款）", id="run-of-class-marks"),
        pytest.param("如…", id="run-of-wrappers"),
        pytest.param("占 ", id="run-of-contexts-and-spaces"),
        pytest.param("\t", id="run-of-tabs"),
        pytest.param("《…", id="unclosed-titles"),
        pytest.param("**%", id="run-of-masked-percents"),
        pytest.param("（注：数据来源", id="run-of-unclosed-notes"),
        pytest.param("占%", id="run-of-missing-numbers"),
        pytest.param("\t下降%", id="run-of-label-cells"),
    ],
)
def test_adversarial_runs_scale_linearly(unit: str) -> None:
    small, large = unit * (10_000 // len(unit)), unit * (100_000 // len(unit))
    # ten times the input: linear time gives a ratio near 10, quadratic near 100; 60 leaves room for a shared,
    # noisy machine (best of 5 runs each)
    ratio = _best_time(find, large, 5) / max(_best_time(find, small, 5), 1e-4)
    assert ratio < 60, ratio
