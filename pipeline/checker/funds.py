"""Whose money a figure counts, and which figures may therefore be compared.

A report prints its function-class rows in several tables: all funds (支出表, 收入表), fiscal appropriations
(财政拨款支出表), 一般公共预算 (一般公共预算支出表), 政府性基金 … and restates them in prose sections about one of
these. Rows of different funds are different figures unless the report's own figures make the funds one: no
non-fiscal income (事业收入, 其他资金, 上年结转 …) makes all funds the fiscal appropriations, and no 政府性基金 or
国有资本经营 money makes the fiscal appropriations the 一般公共预算. The checker runs once per class of equivalent
funds, on that class's rows and on the totals whose concept counts that fund (or no fund in particular).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from pipeline.lexicon import lexicon
from schemas.document import Fact

ROWS = ("func:", "econ:")
NON_FISCAL = (
    "inc_business",
    "inc_operating",
    "inc_other",
    "inc_other_funds",
    "inc_special_account",
    "inc_superior_subsidy",
    "inc_affiliated",
    "carryover_begin",
)
GOVERNMENT_FUNDS = ("inc_gov_fund", "inc_state_capital", "gov_fund_expenditure", "state_capital_expenditure")
UNKNOWN = "unknown"


def _nonzero(facts: list[Fact], concepts: tuple[str, ...]) -> bool:
    for f in facts:
        if f.concept in concepts and f.measure == "amount" and f.period in ("current", "budget"):
            try:
                if Decimal(f.value) != 0:
                    return True
            except InvalidOperation:
                continue
    return False


def canonical(facts: list[Fact]) -> dict[str, str]:
    """Each fund's representative: funds the report's figures make one share a representative."""
    general_is_fiscal = not _nonzero(facts, GOVERNMENT_FUNDS)
    all_is_fiscal = not _nonzero(facts, NON_FISCAL)
    rep = {f: f for f in ("all", "fiscal", "general", "gov_fund", "state_capital", UNKNOWN)}
    if general_is_fiscal:
        rep["general"] = "fiscal"
    if all_is_fiscal:
        rep["all"] = "fiscal"
    if general_is_fiscal and all_is_fiscal:
        rep[UNKNOWN] = "fiscal"
    return rep


# the totals that function / economic rows add up to: only these are kept apart by fund (the other figures name
# their fund in their concept and enter every check)
ROW_TOTALS = {
    "income_total",
    "expenditure_total",
    "exp_basic",
    "exp_project",
    "exp_reserve",
    "fiscal_expenditure",
    "gb_expenditure",
    "gb_basic",
    "gb_project",
    "gov_fund_expenditure",
    "state_capital_expenditure",
}


def fund_of(f: Fact) -> str | None:
    """The fund a fact counts for partitioning: a row's table or section fund, a row total's concept fund, else None."""
    if f.concept.startswith(ROWS):
        return f.fund or UNKNOWN
    return lexicon().concept_fund(f.concept, f.scope) if f.concept in ROW_TOTALS else None


def partitions(facts: list[Fact]) -> list[list[Fact]]:
    """The facts split for checking: per class of equivalent funds, its rows plus the totals compatible with it."""
    rep = canonical(facts)
    classes = sorted({rep[fund_of(f) or UNKNOWN] for f in facts if f.concept.startswith(ROWS)})
    if len(classes) <= 1:
        return [facts]
    parts = []
    for cls in classes:
        part = []
        for f in facts:
            fund = fund_of(f)
            if fund is None or rep.get(fund, fund) == cls or (cls == UNKNOWN and not f.concept.startswith(ROWS)):
                part.append(f)
        parts.append(part)
    return parts
