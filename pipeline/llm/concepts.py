"""Turn a grounded figure (the model's label + the number's place in the text) into a fact's identity.

The model only copies; the code decides the concept (label alias table, first match wins, specific before
general), the measure (from the unit written in the text and the words before the number) and the period
(上年 → prior, 预算 → budget, 增加/减少/增长/下降 → change). Figures whose label matches no concept are not facts:
they become indicators. Deterministic, no LLM imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.numbers import MONEY_UNITS

_MONEY_ALIASES: list[tuple[str, str]] = [
    (r"财政拨款收.{0,2}支.{0,2}总计|财政拨款收入支出总计", "fiscal_grand_total"),
    (r"收.{0,2}支.{0,2}总计|收入总计|支出总计", "grand_total"),
    (r"本年收入合计|收入合计", "income_total"),
    (r"本年支出合计|支出合计", "expenditure_total"),
    (r"一般公共预算财政拨款基本支出", "gb_basic"),
    (r"一般公共预算(财政)?拨款收入", "inc_general_budget"),
    (r"一般公共预算(财政)?拨款支出|一般公共预算支出", "gb_expenditure"),
    (r"政府性基金预算(财政)?拨款收入", "inc_gov_fund"),
    (r"政府性基金预算(财政)?拨款支出", "gov_fund_expenditure"),
    (r"国有资本经营预算(财政)?拨款收入", "inc_state_capital"),
    (r"国有资本经营预算(财政)?拨款支出", "state_capital_expenditure"),
    (r"上级补助收入", "inc_superior_subsidy"),
    (r"附属单位上缴收入", "inc_affiliated"),
    (r"事业收入", "inc_business"),
    (r"经营收入", "inc_operating"),
    (r"其他收入", "inc_other"),
    (r"年初结转和结余|上年结转", "carryover_begin"),
    (r"年末结转和结余|结转下年", "carryover_end"),
    (r"上缴上级支出", "exp_remit_superior"),
    (r"对附属单位补助支出", "exp_affiliated_subsidy"),
    (r"经营支出", "exp_operating"),
    (r"基本支出", "exp_basic"),
    (r"项目支出", "exp_project"),
    (r"人员经费", "gb_personnel"),
    (r"公用经费", "gb_public"),
    (r"三公.{0,2}经费", "sangong_total"),
    (r"因公出国", "sg_overseas"),
    (r"公务用车购置及运行|公务用车购置和运行", "sg_vehicle"),
    (r"公务用车购置", "sg_vehicle_purchase"),
    (r"公务用车运行", "sg_vehicle_operation"),
    (r"国内公务接待", "sg_reception_domestic"),
    (r"外事接待", "sg_reception_foreign"),
    (r"公务接待", "sg_reception"),
    (r"机关运行经费", "organ_running"),
    (r"政府采购支出总额|政府采购支出", "procurement_total"),
    (r"政府采购货物", "proc_goods"),
    (r"政府采购工程", "proc_works"),
    (r"政府采购服务", "proc_services"),
    (r"中小企业", "proc_sme"),
    (r"小微企业", "proc_small_micro"),
    (r"社会保障和就业", "func:208"),
    (r"卫生健康|医疗卫生", "func:210"),
    (r"住房保障", "func:221"),
    (r"一般公共服务", "func:201"),
]
_COUNT_ALIASES: list[tuple[str, str]] = [
    (r"编制", "staff_authorized"),
    (r"财政全额供给|全额", "staff_fully_funded"),
    (r"财政补助", "staff_subsidized"),
    (r"退休", "retirees"),
    (r"在职|实有人数", "staff_actual"),
    (r"车辆|公务用车", "vehicles_count"),
]
_COUNT_CONCEPT_UNITS = {"vehicles_count": ("辆",)} | {
    c: ("人", "名") for c in ("staff_authorized", "staff_fully_funded", "staff_subsidized", "retirees", "staff_actual")
}
_COUNT_UNITS = {"人", "名", "辆", "个", "台", "次", "项", "批", "套", "件", "户", "家"}
_CHANGE = re.compile(r"(增加|减少|增长|下降|上升|降低|节约|减幅|增幅)[了为]?\s*$")
_PRIOR = re.compile(r"上年|上一年|上年度|同期")
_BUDGET = re.compile(r"预算数|年初预算|调整预算|全年预算")
_SHARE = re.compile(r"占")
_COMPLETION = re.compile(r"完成|执行率|完成率")
_DOWN = re.compile(r"减少|下降|降低|节约|减幅")


@dataclass(frozen=True)
class Identity:
    """What a grounded figure states: concept, period, measure and (for changes) direction."""

    concept: str
    period: str
    measure: str
    direction: str | None = None


def concept_of(label: str, unit: str | None) -> str | None:
    """The vocabulary concept of a label given the figure's unit, or None."""
    compact = re.sub(r"\s+", "", label)
    aliases = _COUNT_ALIASES if unit in _COUNT_UNITS else _MONEY_ALIASES
    for pattern, concept in aliases:
        if re.search(pattern, compact):
            return concept
    return None


def concept_in(text: str, unit: str | None) -> str | None:
    """The label of the vocabulary item written last in `text` (the one a following figure belongs to), or None."""
    aliases = _COUNT_ALIASES if unit in _COUNT_UNITS else _MONEY_ALIASES
    best: tuple[int, int, str] | None = None
    for pattern, _concept in aliases:
        for m in re.finditer(pattern, text):
            key = (m.end(), m.end() - m.start(), m.group(0))
            if best is None or key[:2] > best[:2]:
                best = key
    return best[2] if best else None


def identify(
    label: str, unit: str | None, before: str, doc_type: str | None, section_kind: str, task: str = "money"
) -> Identity | None:
    """Concept, period and measure of a figure; `before` is the sentence text leading up to the number."""
    concept = concept_of(label, unit)
    if concept is None:
        return None
    if unit in _COUNT_UNITS and (task != "staff" or unit not in _COUNT_CONCEPT_UNITS.get(concept, ())):
        return None  # head counts only from the department overview, in people; vehicles in 辆
    if concept == "exp_basic" and section_kind == "一般公共预算财政拨款基本支出决算":
        concept = "gb_basic"
    change = _CHANGE.search(before[-8:])
    if unit == "%":
        if change:
            return Identity(concept, "change", "growth_rate", "down" if _DOWN.search(change.group(1)) else "up")
        if _SHARE.search(before[-12:]):
            return Identity(concept, "current", "share")
        if _COMPLETION.search(before[-12:]):
            return Identity(concept, "current", "completion_rate")
        return None
    if unit in _COUNT_UNITS:
        return Identity(concept, "current", "count")
    if unit not in MONEY_UNITS:
        return None
    if change:
        return Identity(concept, "change", "amount", "down" if _DOWN.search(change.group(1)) else "up")
    if _PRIOR.search(before[-12:]):
        return Identity(concept, "prior", "amount")
    if _BUDGET.search(before[-10:]) or doc_type == "预算":
        return Identity(concept, "budget", "amount")
    return Identity(concept, "current", "amount")
