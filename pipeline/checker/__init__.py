"""The deterministic, rounding-aware arithmetic checker (DESIGN §5).

`check(facts)` tests every identity the facts make checkable — totals = Σ parts, balances, shares, year on year,
completion, repeated statements, unit slips, impossible values — with interval arithmetic in `Decimal` (a figure
with d decimals is [v − ½·10⁻ᵈ, v + ½·10⁻ᵈ]), and returns findings naming a rule of `registry.RULES`.
It never imports an LLM SDK: it checks facts, whoever extracted them. The raw text, when given, is read only for
words next to a figure (决算数小于预算数, 增加的主要原因是, a year label, projects named in a list). The pipeline
stage adds the document-level `completeness` rules (the template's tables and statements, the years named).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.checker import breakdowns, completeness, completion, consistency, shares, sums, tables, yoy
from pipeline.checker.base import Ctx
from pipeline.checker.funds import partitions
from pipeline.checker.registry import RULES, Rule
from pipeline.clean import fold_compat
from schemas.document import Fact, Finding

if TYPE_CHECKING:
    from pipeline.document import Parsed
    from schemas.document import DocumentResult

__all__ = ["RULES", "Rule", "check", "stage"]

CHECKS = (
    consistency.check_same_concept,
    consistency.check_year_labels,
    consistency.check_fiscal_income,
    sums.check_identities,
    sums.check_balance,
    sums.check_scores,
    breakdowns.check_function_classes,
    breakdowns.check_hierarchy,
    breakdowns.check_change_hierarchy,
    breakdowns.check_printed_codes,
    breakdowns.check_basic_by_economic,
    breakdowns.check_project_by_class,
    breakdowns.check_projects,
    breakdowns.check_listed_parts,
    breakdowns.check_count_lists,
    breakdowns.check_named_evaluations,
    tables.check_tables,
    shares.check_shares,
    shares.check_sum_100,
    yoy.check_yoy,
    completion.check_rates,
    completion.check_directions,
    consistency.check_impossible,
)


def check(
    facts: list[Fact],
    *,
    text: str | None = None,
    fiscal_year: int | None = None,
    unsure_tables: set[str] | None = None,
) -> list[Finding]:
    """All findings for one document's facts; `text` is the raw decoded text the facts' spans index into.

    Function and economic rows of different funds (an all-funds 支出表 and a 一般公共预算 table, say) are not the
    same figures: each fund's rows are checked apart, with the totals of that fund (`funds.partitions`).
    """
    found: list[Finding] = []
    unsure = _unsure(facts, unsure_tables or set())
    for part in partitions(facts):
        ctx = Ctx(part, text=text, fiscal_year=fiscal_year, unsure=unsure)
        consistency.find_unit_slips(ctx)  # first: a slipped statement is left out of every other check
        for run in CHECKS:
            run(ctx)
        found.extend(ctx.findings)
    _fail_closed(found, unsure)
    seen: set[tuple[str, ...]] = set()
    out = []
    for f in found:  # one finding per identity, and per message (each fund's partition may report a misprint)
        keys = ((f.rule, *sorted(f.facts)), (f.rule, f.message))
        if not seen.intersection(keys):
            seen.update(keys)
            out.append(f)
    return sorted(out, key=lambda f: (f.span or (0, 0), f.rule))


def _unsure(facts: list[Fact], unsure_tables: set[str]) -> frozenset[str]:
    """Ids of the facts read from cells of tables the reader did not fully understand."""
    return frozenset(f.id for f in facts if f.table is not None and ".".join(f.table.split(".")[:2]) in unsure_tables)


def _fail_closed(found: list[Finding], unsure: frozenset[str]) -> None:
    """A finding resting on a cell of a table the reader did not fully understand is information, not an error."""
    for finding in found:
        if finding.severity != "info" and unsure.intersection(finding.facts):
            finding.severity = "info"
            finding.message += "（涉及未能完全识别的表格，仅供参考）"


def stage(parsed: Parsed, result: DocumentResult) -> None:
    """Pipeline stage: check the document's facts and table rows, then its completeness, replacing `result.findings`.

    Completeness needs the document's structure (tables, headings, narrative), not only its facts
    (`completeness.disclosure`).
    """
    found = check(
        [*result.facts, *result.tables],
        text=fold_compat(parsed.raw.text),  # the raw text's words as the rules read them (same length: spans hold)
        fiscal_year=result.meta.fiscal_year,
        unsure_tables={n.table for n in result.tables_not_understood},
    )
    found += completeness.check_document(completeness.disclosure(parsed, result))
    result.findings = sorted(found, key=lambda f: (f.span or (0, 0), f.rule))
