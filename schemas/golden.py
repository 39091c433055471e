"""Models of the hand-verified golden files under goldens/expected/<stem>/ (see goldens/README.md)."""

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
    start: int
    end: int
    context: str | None = None
    section: str | None = None


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


class GoldenFindings(_Golden):
    """findings.yaml."""

    report: str
    findings: list[GoldenFinding]
    checked_ok: list[str] = Field(default_factory=list)
    notes: str | None = None
