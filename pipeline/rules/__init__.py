"""Deterministic extraction of the template's figures: narrative sentences and tables, zero LLM calls.

`extract(parsed, meta)` returns vocabulary facts and row facts (func:, econ:, project:, score:), each with the
number as written, its unit, its value in 万元 and its raw span. `stage` plugs it into the pipeline.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pipeline.lexicon import lexicon
from pipeline.rules.codes import collect
from pipeline.rules.emit import Emitter
from pipeline.rules.grid import Grid, economic_columns, header_paths, is_amount, read_grid, realign
from pipeline.rules.narrative import extract_paragraph, note_class
from pipeline.rules.tables import (
    extract_cells,
    extract_chart,
    extract_tsv,
    is_cell_table,
    split_tables,
    table_unit,
)
from pipeline.segment import Block, Section
from pipeline.textutil import no_spaces
from schemas.document import DocumentResult, Fact, Meta, TableNote
from schemas.layout import TableLayout

if TYPE_CHECKING:
    from pipeline.document import Parsed

_UNIT_TAIL = re.compile(r"\s*(金额)?单[位元]\s*[：:].*$")
_TITLE_LINE = re.compile(r"表\s*(（[^）]{0,12}）|\([^)]{0,12}\))?\s*$")


def extract(parsed: Parsed, meta: Meta, notes: list[TableNote] | None = None) -> tuple[list[Fact], list[Fact]]:
    """All rule-based facts of a document: (vocabulary facts, table-row facts); `notes` collects tables not understood."""
    text = parsed.clean.text
    em = Emitter(parsed.clean, parsed.seg, codes=collect(parsed.seg, text), fiscal_year=meta.fiscal_year)
    last_unit = meta.unit
    for block in parsed.seg.preamble:
        if block.kind == "paragraph":
            extract_paragraph(em, block.start, block.end, meta.doc_type, meta.unit)
    for section in parsed.seg.sections:
        note_class(em, section.title)
        em.prose_fund = next((f for s in _ancestry(parsed, section) if (f := lexicon().fund_of_text(s.title))), None)
        for n, block in enumerate(section.blocks):
            table_id = f"{section.id}.t{n}"
            if block.kind == "paragraph":
                extract_paragraph(em, block.start, block.end, meta.doc_type, meta.unit)
            elif block.kind == "chart":
                extract_chart(em, block, meta.fiscal_year, meta.unit)
            elif (kind := _grid_kind(parsed, section, n, block)) is not None:
                last_unit = table_unit(section, block, text, last_unit)
                _read_grid_block(em, parsed, section, n, kind, last_unit, meta, notes)
            elif _key_value_form(parsed, section, n, block):
                # a 绩效目标填报表 the text reader did not rebuild: its label cells, each with its figure, read as the
                # grid reader reads the form
                last_unit = table_unit(section, block, text, last_unit)
                grid = _grid(parsed, block, table_title(parsed, section, n), table_id, last_unit, meta)
                read_grid(em, grid)
            elif block.style == "cells" or is_cell_table(block.rows):
                extract_cells(em, block, table_id, section)
            else:
                last_unit = table_unit(section, block, text, last_unit)
                if parsed.raw.layout is not None and parsed.raw.format in ("pdf", "txt") and notes is not None:
                    notes.append(
                        TableNote(
                            table=table_id,
                            title=table_title(parsed, section, n),
                            span=parsed.clean.raw_span(block.start, block.end),
                            reason="not read as a grid (text columns without ruling lines): no error check rests on it",
                        )
                    )
                for k, rows in enumerate(split_tables(block.rows)):
                    extract_tsv(
                        em, section, rows, f"{table_id}.{k}", last_unit, meta.doc_type, loose=block.style == "loose"
                    )
    return em.facts, em.rows


def _read_grid_block(
    em: Emitter,
    parsed: Parsed,
    section: Section,
    n: int,
    kind: str,
    unit: str | None,
    meta: Meta,
    notes: list[TableNote] | None,
) -> None:
    """A table the reader saw as a grid, read as one; one it could not understand is read as text or noted."""
    block, table_id = section.blocks[n], f"{section.id}.t{n}"
    title = table_title(parsed, section, n)
    grid = _grid(parsed, block, title, table_id, unit, meta)
    trial = em.fork()
    read_grid(trial, grid)
    laid = _layout_of(parsed, block)
    if laid is not None and laid.method == "cells":
        grid.problems.append("rebuilt from cells written one per line: rows the lexicon could not confirm left out")
    if grid.problems and (_exported(laid) or economic_columns(grid)):
        # not understood as a grid: the text-table reader (the layouts of the sample exports, the function ×
        # economic cross table) reads it as it reads the same table in a text export
        for k, rows in enumerate(split_tables(block.rows)):
            extract_tsv(em, section, rows, f"{table_id}.{k}", unit, meta.doc_type)
        return
    em.adopt(trial)
    if grid.problems and notes is not None:
        span = parsed.clean.raw_span(block.start, block.end)
        notes.append(TableNote(table=table_id, title=title, kind=kind, span=span, reason="; ".join(grid.problems)))


def _key_value_form(parsed: Parsed, section: Section, n: int, block: Block) -> bool:
    """The table at block n is a form of label cells each followed by its figure (a project's 绩效目标填报表).

    By its title and its own cells: the form's year figure (年度资金申请总额) is there. A performance table of
    another layout (预算数 | 执行数 | 其中-财政拨款 rows) is `extract_cells`' business.
    """
    kind = lexicon().table_kind(table_title(parsed, section, n))
    if kind is None or kind.rows != "key_value":
        return False
    annual = {key for key, role in kind.cells.items() if role == "annual"}
    return any(no_spaces(c.text) in annual for row in block.rows for c in row)


def _grid_kind(parsed: Parsed, section: Section, n: int, block: Block) -> str | None:
    """The kind of a table the reader saw as a grid (tab-separated rows with a layout), read by `grid`; else None."""
    if block.style != "tsv" or _layout_of(parsed, block) is None:
        return None
    kind = lexicon().table_kind(table_title(parsed, section, n))
    return kind.kind if kind is not None else None


def table_title(parsed: Parsed, section: Section, n: int) -> str:
    """The title of the table at block n.

    A title line just before it in its section, else the title of its section (or of a section above it) that
    names a table kind, else a short caption right above it (a sheet's name).
    """
    text = parsed.clean.text
    caption = None
    for k, block in enumerate(reversed(section.blocks[max(0, n - 4) : n])):
        if block.kind != "paragraph":
            break
        line = _UNIT_TAIL.sub("", text[block.start : block.end]).strip()
        if not line or line.startswith(("单位", "部门", "编制", "预算单位", "预算主管部门")):
            continue
        if _TITLE_LINE.search(line) and len(line) <= 60:
            return line
        if k == 0 and 2 <= len(line) <= 30 and not re.search(r"\d\s*(万元|元|%)|[，。；]|\s{2,}", line):
            caption = line  # a sheet's name, a caption without 表
    for s in _ancestry(parsed, section):
        if lexicon().table_kind(s.title) is not None:
            return s.title
    return caption or section.title


def _ancestry(parsed: Parsed, section: Section) -> list[Section]:
    chain = [section]
    while chain[-1].parent is not None and len(chain) < 4:
        chain.append(parsed.seg.sections[chain[-1].parent])
    return chain


def _grid(parsed: Parsed, block: Block, title: str, table_id: str, unit: str | None, meta: Meta) -> Grid:
    """A table block with its header: from the reader's layout when it saw the grid, else rebuilt from its rows."""
    kind = lexicon().table_kind(title)
    rows = block.rows
    period = "budget" if meta.doc_type == "预算" or "预算" in title else "current"
    laid = _layout_of(parsed, block)
    if laid is not None and laid.header_rows and laid.header_paths:
        header_rows, paths = laid.header_rows, laid.header_paths
    else:
        header_rows = next((i for i, r in enumerate(rows) if any(is_amount(c.text) for c in r)), len(rows))
        width = max((len(r) for r in rows), default=0)
        paths = header_paths([[c.text for c in r] for r in rows[:header_rows]], width)
    paths = realign(paths, rows[header_rows:])
    return Grid(rows, header_rows, paths, title, kind, table_id, unit, period, meta.fiscal_year)  # type: ignore[arg-type]


def _exported(laid: TableLayout | None) -> bool:
    """A grid from a Word, HTML or spreadsheet export (the text-table reader knows their conventions), not a PDF."""
    return laid is not None and laid.method not in ("lines", "text", "ocr", "cells")


def _layout_of(parsed: Parsed, block: Block) -> TableLayout | None:
    """The reader's grid a table block starts with (PDF, Word, HTML, spreadsheet inputs)."""
    layout = parsed.raw.layout
    if layout is None or not layout.tables:
        return None
    raw_start = parsed.clean.raw_span(block.start, block.start + 1)[0]
    for t in layout.tables:
        if t.span[0] <= raw_start < t.span[1]:
            return t
    return None


def stage(parsed: Parsed, result: DocumentResult) -> None:
    """Pipeline stage: fill result.facts and result.tables."""
    facts, rows = extract(parsed, result.meta, result.tables_not_understood)
    result.facts.extend(facts)
    result.tables.extend(rows)
