"""Chinese names of concepts, for the messages of findings (short forms; the lexicon names the rest)."""

from __future__ import annotations

from pipeline.lexicon import lexicon

LABELS = {
    "grand_total": "收、支总计",
    "income_total": "本年收入合计",
    "inc_fiscal": "财政拨款收入",
    "inc_general_budget": "一般公共预算财政拨款收入",
    "inc_gov_fund": "政府性基金预算财政拨款收入",
    "inc_state_capital": "国有资本经营预算财政拨款收入",
    "inc_superior_subsidy": "上级补助收入",
    "inc_business": "事业收入",
    "inc_operating": "经营收入",
    "inc_affiliated": "附属单位上缴收入",
    "inc_other": "其他收入",
    "carryover_begin": "年初结转和结余",
    "expenditure_total": "本年支出合计",
    "exp_basic": "基本支出",
    "exp_project": "项目支出",
    "exp_remit_superior": "上缴上级支出",
    "exp_operating": "经营支出",
    "exp_affiliated_subsidy": "对附属单位补助支出",
    "carryover_end": "年末结转和结余",
    "fiscal_grand_total": "财政拨款收、支总计",
    "gb_expenditure": "一般公共预算财政拨款支出",
    "gb_basic": "一般公共预算财政拨款基本支出",
    "gb_personnel": "人员经费",
    "gb_public": "公用经费",
    "gov_fund_expenditure": "政府性基金预算拨款支出",
    "state_capital_expenditure": "国有资本经营预算拨款支出",
    "sangong_total": "“三公”经费",
    "sg_overseas": "因公出国（境）费",
    "sg_vehicle": "公务用车购置及运行维护费",
    "sg_vehicle_purchase": "公务用车购置费",
    "sg_vehicle_operation": "公务用车运行维护费",
    "sg_reception": "公务接待费",
    "sg_reception_domestic": "国内公务接待费",
    "sg_reception_foreign": "外事接待费",
    "organ_running": "机关运行经费",
    "procurement_total": "政府采购支出总额",
    "proc_goods": "政府采购货物支出",
    "proc_works": "政府采购工程支出",
    "proc_services": "政府采购服务支出",
    "proc_sme": "授予中小企业合同金额",
    "proc_small_micro": "授予小微企业合同金额",
    "staff_authorized": "编制数",
    "staff_actual": "在职人数",
    "staff_fully_funded": "财政全额供给人数",
    "staff_subsidized": "财政补助人数",
    "staff_established": "在编人数",
    "staff_temporary": "临聘人数",
    "retirees": "退休人数",
    "vehicles_count": "公务用车数",
    "vehicles_purchased": "更新购置公务用车数",
    "perf_pre_assessment": "事前绩效评估项目数",
    "perf_targets": "编制绩效目标项目数",
    "perf_monitoring": "绩效监控项目数",
    "perf_self_assessment": "绩效自评项目数",
    "perf_evaluation": "自行组织绩效评价项目数",
    "score_total": "总得分",
}

PERIODS = {"current": "", "prior": "上年", "budget": "预算", "change": "变动"}
MEASURES = {"share": "占比", "growth_rate": "增幅", "completion_rate": "完成率", "score": "得分", "score_max": "分值"}


def label(concept: str) -> str:
    """Chinese name of a concept: vocabulary name, 功能科目208, 经济科目301, 项目<name>, 评分<row>."""
    if concept in LABELS:
        return LABELS[concept]
    known = lexicon().concepts.get(concept)
    if known is not None:
        return known.name
    kind, _, rest = concept.partition(":")
    prefix = {"func": "功能科目", "econ": "经济科目", "project": "项目", "score": "评分"}.get(kind)
    return f"{prefix}{rest}" if prefix else concept


def qualified(concept: str, period: str, measure: str = "amount") -> str:
    """Name with the period and measure spelled out: 预算公务接待费, 上年三公经费, 功能科目208占比."""
    return f"{PERIODS.get(period, '')}{label(concept)}{MEASURES.get(measure, '')}"
