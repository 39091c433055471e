"""Deterministic extraction of the template's figures: narrative sentences and tables, zero LLM calls.

`extract(parsed, meta)` returns vocabulary facts and row facts (func:, econ:, project:, score:), each with the
number as written, its unit, its value in 万元 and its raw span. `stage` plugs it into the pipeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.rules.emit import Emitter
from pipeline.rules.narrative import extract_paragraph
from pipeline.rules.tables import (
    extract_cells,
    extract_chart,
    extract_tsv,
    is_cell_table,
    split_tables,
    table_unit,
)
from schemas.document import DocumentResult, Fact, Meta

if TYPE_CHECKING:
    from pipeline.document import Parsed


def extract(parsed: Parsed, meta: Meta) -> tuple[list[Fact], list[Fact]]:
    """All rule-based facts of a document: (vocabulary facts, table-row facts)."""
    em = Emitter(parsed.clean, parsed.seg)
    text = parsed.clean.text
    last_unit = meta.unit
    for block in parsed.seg.preamble:
        if block.kind == "paragraph":
            extract_paragraph(em, block.start, block.end, meta.doc_type, meta.unit)
    for section in parsed.seg.sections:
        for n, block in enumerate(section.blocks):
            table_id = f"{section.id}.t{n}"
            if block.kind == "paragraph":
                extract_paragraph(em, block.start, block.end, meta.doc_type, meta.unit)
            elif block.kind == "chart":
                extract_chart(em, block, meta.fiscal_year, meta.unit)
            elif block.style == "cells" or is_cell_table(block.rows):
                extract_cells(em, block, table_id, section)
            else:
                last_unit = table_unit(section, block, text, last_unit)
                for k, rows in enumerate(split_tables(block.rows)):
                    extract_tsv(
                        em, section, rows, f"{table_id}.{k}", last_unit, meta.doc_type, loose=block.style == "loose"
                    )
    return em.facts, em.rows


def stage(parsed: Parsed, result: DocumentResult) -> None:
    """Pipeline stage: fill result.facts and result.tables."""
    facts, rows = extract(parsed, result.meta)
    result.facts.extend(facts)
    result.tables.extend(rows)
