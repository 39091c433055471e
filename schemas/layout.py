"""Layout of paginated and tabular inputs: pages, table grids, OCR'd lines (positions in points, not money)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Span = tuple[int, int]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


Box = tuple[float, float, float, float]


class PageLayout(_Model):
    """One page of a paginated input (PDF, image) and where its text lies in the raw text."""

    page: int = Field(description="1-based page number.")
    span: Span = Field(description="[start, end) of the page's text in the raw text.")
    width: float | None = Field(default=None, description="Page width in points (1/72 inch).")
    height: float | None = Field(default=None, description="Page height in points.")
    ocr: bool = Field(default=False, description="The page had no text layer and was read by OCR.")
    ocr_confidence: float | None = Field(default=None, description="Mean recognition confidence of its OCR lines.")


class TableLayout(_Model):
    """A table the reader found as a grid of cells, written into the raw text one tab-separated line per row."""

    page: int | None = Field(default=None, description="1-based page the table (or this part of it) is on.")
    bbox: Box | None = Field(default=None, description="x0, top, x1, bottom in points from the page's top-left.")
    span: Span = Field(description="[start, end) of the table's rows in the raw text.")
    rows: int
    columns: int
    header_rows: int = Field(description="Number of leading rows that form the column header.")
    header_paths: list[list[str]] = Field(
        default_factory=list, description="Per column, the header cells above it, outer to inner."
    )
    method: Literal["lines", "text", "ocr", "html", "xlsx", "docx", "cells"] = Field(
        description="lines: the grid came from the page's ruling lines; text: from the alignment of the text; "
        "cells: from a text export's cells written one per line (rows the lexicon could not confirm left out)."
    )
    continues: int | None = Field(
        default=None, description="Index (in layout.tables) of the table this one continues after a page break."
    )


class LineBox(_Model):
    """Where one line of the raw text sits on its page (kept for OCR'd pages)."""

    span: Span
    page: int
    bbox: Box
    confidence: float | None = None


class Layout(_Model):
    """Pages, tables and OCR of an input, as the reader found them."""

    pages: list[PageLayout] = Field(default_factory=list)
    tables: list[TableLayout] = Field(default_factory=list)
    lines: list[LineBox] = Field(default_factory=list, description="Line boxes of OCR'd pages.")
    ocr_pages: list[int] = Field(default_factory=list, description="Pages read by OCR.")
    ocr_confidence: float | None = Field(default=None, description="Mean confidence over all OCR'd lines.")
