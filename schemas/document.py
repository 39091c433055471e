"""The per-document JSON of the output contract (DESIGN §3).

Field names are part of the contract: add fields freely, never rename. Amounts travel as strings holding the
number as written; code that computes turns them into `decimal.Decimal` (see `Fact.amount`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.layout import Layout

Span = tuple[int, int]
Period = Literal["current", "prior", "budget", "change"]
Measure = Literal["amount", "share", "growth_rate", "completion_rate", "count", "score", "score_max"]
Severity = Literal["error", "warning", "info"]
DocType = Literal["决算", "预算", "绩效自评"]
Extractor = Literal["rules", "llm"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(_Model):
    """Where the document came from."""

    path: str = Field(description="Path of the input file as given on the command line.")
    sha256: str = Field(description="SHA-256 of the input file's bytes.")
    chars: int = Field(description="Length of the decoded raw text in characters; spans index into it.")
    format: str = Field(default="txt", description="Input format: txt, md, docx or pdf.")
    encoding: str | None = Field(default=None, description="Text encoding detected for txt/md inputs.")
    pages: int | None = Field(default=None, description="Number of pages for PDF inputs.")


class Meta(_Model):
    """Document metadata found deterministically."""

    unit_name: str | None = Field(default=None, description="Issuing body, e.g. 开江县社会保险事业管理局.")
    fiscal_year: int | None = Field(default=None, description="Fiscal year the report covers.")
    doc_type: DocType | None = Field(default=None, description="决算, 预算 or 绩效自评.")
    unit: str | None = Field(default=None, description="Amount unit in force in the narrative: 元, 万元 or 亿元.")
    evidence: dict[str, Span] = Field(
        default_factory=dict, description="Per field (unit_name, fiscal_year): raw span of the text stating it."
    )


class Fact(_Model):
    """One figure stated in the report, traceable to its raw span."""

    id: str = Field(description="Document-local id, e.g. f12.")
    concept: str = Field(description="Concept id from the vocabulary (income_total, func:208, project:<name>, ...).")
    period: Period = Field(description="current, prior, budget or change.")
    value: str = Field(description="The number as written: no thousands separators, full-width digits folded, no sign.")
    unit: str | None = Field(default=None, description="Unit as stated: 元, 万元, 亿元, %, 人, 辆, 个 ...")
    value_wan: str | None = Field(default=None, description="For money: the same amount in 万元.")
    decimals: int = Field(default=0, description="Number of decimals as written (0.50 has 2).")
    text: str = Field(description="The clean-text snippet the fact was read from.")
    span: Span = Field(description="[start, end) of the number in the raw decoded text.")
    section: str | None = Field(default=None, description="Title of the section the fact sits in.")
    extractor: Extractor = Field(default="rules", description="Who extracted it.")
    measure: Measure = Field(default="amount", description="amount, share, growth_rate, completion_rate, count, score.")
    scope: str | None = Field(default=None, description="Qualifier separating legitimately different statements.")
    direction: Literal["up", "down", "flat", "unknown"] | None = Field(
        default=None, description="For change facts: the direction word's meaning."
    )
    label: str | None = Field(default=None, description="The row or item label the figure belongs to, as written.")
    table: str | None = Field(default=None, description="For table cells: id of the table (section id + block index).")
    row: int | None = Field(default=None, description="For table cells: row index within the table.")
    column: str | None = Field(default=None, description="For table cells: the column header, as written.")
    table_kind: str | None = Field(
        default=None, description="For table cells: the table's canonical kind (收支总表, 支出表, 三公表 …) or None."
    )
    row_code: str | None = Field(default=None, description="For table cells: the row's classification code as printed.")
    fund: str | None = Field(
        default=None,
        description="Whose money a function/economic row counts: all, fiscal, general, gov_fund, state_capital "
        "(from its table's kind, or the section of prose it is stated in); None when not known.",
    )

    @property
    def amount(self) -> Decimal:
        """The value as a Decimal (never a float)."""
        return Decimal(self.value)


class Finding(_Model):
    """One arithmetic inconsistency (or a note about one) found by the checker."""

    rule: str = Field(description="Rule id from the checker registry, e.g. sum.basic_expenditure.")
    severity: Severity
    message: str = Field(description="Chinese message naming the figures.")
    facts: list[str] = Field(default_factory=list, description="Ids of the facts involved.")
    expected: str | None = None
    actual: str | None = None
    tolerance: str | None = None
    span: Span | None = None


class Placeholder(_Model):
    """Unfilled template text left in the report."""

    kind: str = Field(description="ellipsis, class_ellipsis, masked_number, alternative, instruction, ...")
    text: str
    span: Span
    section: str | None = None


class SectionInfo(_Model):
    """One node of the heading tree."""

    id: str
    title: str = Field(description="Heading text without its numbering.")
    heading: str = Field(description="The heading line as it reads in the clean text.")
    kind: str = Field(description="Canonical section type (收入决算, 三公经费, 名词解释, ...) or unknown.")
    depth: int = Field(description="1 for top-level sections.")
    parent: str | None = None
    span: Span = Field(description="Raw span from the heading to the end of the section (children included).")
    unit: str | None = Field(default=None, description="Amount unit in force in this section, if stated.")
    blocks: list[str] = Field(default_factory=list, description="Kinds of the section's own blocks, in order.")


class TableNote(_Model):
    """A table the rules could not read with confidence, and why."""

    table: str = Field(description="Id of the table (section id + block index).")
    title: str | None = None
    kind: str | None = None
    span: Span | None = Field(default=None, description="Raw span of the table.")
    reason: str


class LabelUse(_Model):
    """A label the document uses for figures (a table row's label or a sentence's subject) and what it was read as."""

    label: str = Field(description="The label as known across documents (numbering, years, spaces removed).")
    where: Literal["row", "prose"]
    concept: str | None = Field(default=None, description="Concept it was read as; None: not a vocabulary figure.")
    decided_by: Literal["lexicon", "override", "model", "none"] = Field(
        description="lexicon wording or code, the user's override file, the LLM (when its answer fits the label), "
        "or none (unknown: its figures are not extracted)."
    )
    count: int = Field(description="Uses in this document.")
    table_kind: str | None = Field(default=None, description="Kind of the table of a row label.")


class DocumentResult(_Model):
    """Everything the pipeline knows about one document."""

    source: Source
    meta: Meta
    facts: list[Fact] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    placeholders: list[Placeholder] = Field(default_factory=list)
    tables: list[Fact] = Field(default_factory=list, description="Facts of classification, project and score rows.")
    indicators: list[Fact] = Field(default_factory=list, description="Free-form indicators (参保人数, 满意度...).")
    artifacts: dict[str, int] = Field(default_factory=dict)
    sections: list[SectionInfo] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list, description="Non-fatal problems met while processing.")
    ungrounded: list[dict[str, str]] = Field(default_factory=list, description="LLM answers rejected by grounding.")
    llm: dict[str, int] = Field(default_factory=dict, description="LLM usage: calls, tokens_in, tokens_out.")
    layout: Layout | None = Field(default=None, description="Pages and table grids of paginated or tabular inputs.")
    tables_not_understood: list[TableNote] = Field(
        default_factory=list,
        description="Tables (or parts) the reader could not read with confidence: they take part in no error check.",
    )
    warnings: list[str] = Field(default_factory=list, description="Doubts about the input (low-confidence OCR ...).")
    labels: list[LabelUse] = Field(
        default_factory=list, description="Labels of table rows and sentence subjects, with who decided their meaning."
    )
