"""The documented rules of the arithmetic checker: id, family, what it checks, and its severity policy.

Every finding names one of these ids (the list in goldens/README.md, plus a few). `error` is a mismatch beyond
rounding; `warning` a mismatch explained only by a forced rounding, an ambiguous scope or a definitional bound;
`info` a difference that may be legitimate (different scopes). When a check cannot tell scopes apart it says nothing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """One documented check."""

    id: str
    family: str
    description: str
    severity: str  # the policy, in words: when it is an error, when a warning, when info


_RULES = [
    Rule(
        "sum.income_sources",
        "totals",
        "本年收入合计 = Σ 收入来源 (财政拨款 or its three budgets, 上级补助, 事业, 经营, 附属, 其他)",
        "error; a shortfall counts only when ≥ 2 sources are stated",
    ),
    Rule(
        "sum.expenditure_types",
        "totals",
        "本年支出合计 = 基本支出 + 项目支出 + 上缴上级 + 经营 + 对附属单位补助",
        "error; a shortfall counts only when ≥ 2 types are stated",
    ),
    Rule("sum.basic_expenditure", "totals", "一般公共预算财政拨款基本支出 = 人员经费 + 公用经费", "error"),
    Rule("sum.basic_by_economic", "totals", "基本支出 = Σ economic classes listed for 基本支出 (scope basic)", "error"),
    Rule(
        "sum.project_by_class",
        "totals",
        "项目支出 = Σ classes listed for 项目支出 (scope project)",
        "error; warning when the list mixes function and economic classes (two cuts of one amount)",
    ),
    Rule("sum.sangong", "totals", "三公经费 = 因公出国 + 公务用车 + 公务接待; 公务接待 = 国内 + 外事", "error"),
    Rule("sum.vehicle", "totals", "公务用车购置及运行费 = 购置费 + 运行维护费", "error"),
    Rule("sum.procurement", "totals", "政府采购支出总额 = 货物 + 工程 + 服务", "error"),
    Rule(
        "sum.function_classes",
        "totals",
        "一般公共预算财政拨款支出 = Σ top-level function classes; 基本支出 = Σ classes listed for it",
        "error",
    ),
    Rule(
        "sum.code_hierarchy",
        "totals",
        "类 = Σ 款 = Σ 项 for func: and econ: codes",
        "error; one listed child is checked only for excess",
    ),
    Rule(
        "sum.table_rows",
        "tables",
        "in a table row, the 合计 cell = Σ the part columns (基本/项目, 人员/公用 ...)",
        "error",
    ),
    Rule("sum.table_columns", "tables", "in a table column, the 合计 row = Σ the top-level rows", "error"),
    Rule(
        "sum.projects",
        "totals",
        "项目支出 = Σ listed projects (执行数 / 预算数)",
        "error when the projects exceed 项目支出; warning when they fall short (the list may be a selection), none when they cover under 80% (key projects only)",
    ),
    Rule("sum.score_table", "totals", "二级指标 分值/得分 = Σ its 三级指标; total = Σ 二级指标", "error"),
    Rule("sum.headcount", "totals", "在职 = 财政全额供给 + 财政补助 = 在编 + 临聘", "error"),
    Rule(
        "sum.listed_parts",
        "totals",
        "a stated total against the parts listed after 其中 (拨款收入 by item, 项目 = 财政拨款 + 其它资金, named "
        "evaluations, 共有车辆N辆，其中：… categories)",
        "error; a count's categories fall short only when ≥ 2 are listed; warning for counts against a named list",
    ),
    Rule(
        "balance.grand_total",
        "balance",
        "收入总计 = 本年收入合计 + 年初结转 = 本年支出合计 + 年末结转 (收 = 支)",
        "error; without a stated carry-over only impossible totals (below income, or 收 + 支 added) are flagged",
    ),
    Rule(
        "share.stated",
        "shares",
        "占X% against part / basis (basis implied by the concept)",
        "error; warning when only a share nudged to make the group sum to 100 explains it",
    ),
    Rule("share.sum_100", "shares", "the shares of one breakdown sum to 100", "error"),
    Rule("yoy.amount", "year-on-year", "current − prior = the stated change (增加/减少 X)", "error"),
    Rule("yoy.rate", "year-on-year", "change / prior = the stated rate (增长/下降 Y%)", "error"),
    Rule(
        "yoy.direction",
        "year-on-year",
        "the direction word (增加/减少, 增长/下降, 持平) matches the sign",
        "error against the amounts or between the words of one change; warning when only the explanation "
        "(增加的主要原因是…) says the opposite",
    ),
    Rule(
        "completion.rate",
        "completion",
        "完成预算Z% = 决算数 / 预算数",
        "error; warning when the budget is a stand-in concept or one of two conflicting statements",
    ),
    Rule(
        "completion.direction",
        "completion",
        "决算数大于/小于/等于预算数 against the rate and the amounts",
        "error; warning when only rounding of the amounts reconciles them",
    ),
    Rule(
        "consistency.same_concept",
        "consistency",
        "one concept, period, measure and scope stated twice must agree",
        "error; warning for a forced rounding (one ulp) or a year-label slip; info across possibly different scopes",
    ),
    Rule(
        "unit.slip", "consistency", "two statements of one amount differ by 10⁴ or 10⁸ (元/万元/亿元 mix-up)", "error"
    ),
    Rule(
        "impossible.value",
        "bounds",
        "share > 100%, decrease > 100%, negative spend, 得分 > 分值, part above its whole",
        "error; warning for definitional bounds (机关运行经费 ≤ 公用经费 when nothing is spent on projects)",
    ),
    Rule(
        "completeness.missing_table",
        "completeness",
        "every table of the report's disclosure template (lexicon templates: doc type, year, level, region) is printed",
        "warning; only for a report printing at least half of the template's tables (not a narrative-only half)",
    ),
    Rule(
        "completeness.missing_statement",
        "completeness",
        "the template's statements (三公经费, 机关运行经费, 政府采购, 国有资产占有使用) are made: a heading, a "
        "table title, or a sentence naming it with a figure or saying there is none",
        "warning; only for a report with a narrative (not a tables-only half)",
    ),
    Rule(
        "text.wrong_year",
        "text",
        "titles of the report's own kind and own-year wordings name the fiscal year; a comparison's base is an "
        "earlier year (in a 决算 the same year only as that year's budget)",
        "warning; nothing unless most titles of the report's own kind name the fiscal year",
    ),
]

RULES: dict[str, Rule] = {r.id: r for r in _RULES}


def rule(rule_id: str) -> Rule:
    """The rule with this id (KeyError for an undocumented id: every finding must name a documented rule)."""
    return RULES[rule_id]
