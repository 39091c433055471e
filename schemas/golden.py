"""Models of the hand-verified golden files (see goldens/README.md and goldens/corpus/README.md).

Sample reports live under goldens/expected/<stem>/ and quote their text file verbatim; corpus PDFs live under
goldens/corpus/<stem>/ and quote the PDF's text with whitespace ignored (a PDF has no single raw text: what a
reader produces depends on the reader), so their placeholders are located by text and context, not by offsets.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.document import Measure, Period, Severity


class _Golden(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GoldenFact(_Golden):
    """One figure the report states, as a careful reader records it."""

    concept: str
    period: Period
    measure: Measure = "amount"
    value: str = Field(description="As written, without thousands separators or sign.")
    unit: str | None = None
    quote: str = Field(description="Verbatim substring of the raw report containing the number.")
    scope: str | None = None
    direction: Literal["up", "down", "flat", "unknown"] | None = None
    note: str | None = None
    page: int | None = Field(default=None, description="Corpus PDFs: 1-based page the quote is on.")
    table: str | None = Field(default=None, description="Corpus PDFs: title of the table the figure is a cell of.")


class Excluded(_Golden):
    """A figure deliberately left out of the goldens, with the reason."""

    quote: str
    reason: str


class GoldenFacts(_Golden):
    """facts.yaml."""

    report: str
    facts: list[GoldenFact]
    excluded: list[Excluded] = Field(default_factory=list)
    notes: str | None = None


class GoldenIndicator(_Golden):
    """A free narrative figure outside the concept vocabulary (参保人数, 征缴金额, 满意度...)."""

    label: str = Field(description="What the figure measures, in the report's own words.")
    value: str
    unit: str | None = None
    period: Period = "current"
    quote: str = Field(description="Verbatim substring of the raw report containing the number.")
    note: str | None = None


class GoldenIndicators(_Golden):
    """indicators.yaml."""

    report: str
    indicators: list[GoldenIndicator]
    notes: str | None = None


class GoldenPlaceholder(_Golden):
    """One unfilled template placeholder with its raw offsets."""

    kind: Literal[
        "ellipsis", "class_ellipsis", "masked_number", "alternative", "instruction", "empty_brackets", "missing_number"
    ]
    text: str
    start: int | None = Field(default=None, description="Sample reports: raw offset. Corpus PDFs: omitted.")
    end: int | None = None
    context: str | None = Field(
        default=None, description="Verbatim text around the placeholder (required for corpus PDFs: locates it)."
    )
    section: str | None = None
    page: int | None = None


class GoldenPlaceholders(_Golden):
    """placeholders.yaml."""

    report: str
    placeholders: list[GoldenPlaceholder]
    notes: str | None = None


class GoldenFinding(_Golden):
    """One inconsistency a careful reader finds (or accepts as a warning)."""

    rule: str
    severity: Severity
    concepts: list[str]
    expected: str | None = None
    actual: str | None = None
    quotes: list[str] = Field(default_factory=list)
    explanation: str


class GoldenNonFinding(_Golden):
    """An identity a reader checked and found to hold: the checker must not report it as an error."""

    rule: str
    concepts: list[str]
    explanation: str


class GoldenFindings(_Golden):
    """findings.yaml."""

    report: str
    findings: list[GoldenFinding]
    checked_ok: list[str] = Field(default_factory=list)
    non_findings: list[GoldenNonFinding] = Field(
        default_factory=list, description="Error findings a hand review judged false, with the cause."
    )
    notes: str | None = None


class GoldenMetaField(_Golden):
    """A metadata value with the verbatim text that states it."""

    value: str | int | None
    quote: str | None = Field(default=None, description="Verbatim (whitespace ignored) text stating the value.")


class GoldenMeta(_Golden):
    """meta.yaml of a corpus document: what the report is, each field with its evidence."""

    report: str = Field(description="File name of the report (a corpus PDF, or a sample report in goldens/reports).")
    unit_name: GoldenMetaField
    fiscal_year: GoldenMetaField
    doc_type: GoldenMetaField = Field(description="预算, 决算 or 绩效自评.")
    budget_level: Literal["部门", "单位"] | None = Field(default=None, description="部门预算 or 单位预算 / 决算.")
    part: Literal["full", "tables", "narrative"] = Field(
        description="Whole publication, tables-only or narrative-only."
    )
    region: str = Field(description="Province-level region: 上海 or 江苏 ...")
    template: str = Field(description="Template family: shanghai_yusuan, jiangsu_yusuan, shanghai_juesuan ...")
    notes: str | None = None
