"""The mutation harness (bench/mutations.py) on a corpus PDF: golden facts found in the reader's raw text, a
table total changed in its cell breaks an identity of the golden facts and the pipeline reports it."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from bench import mutations as harness
from pipeline.corpus_goldens import GOLDENS, corpus_dir
from pipeline.numbers import parse_number
from schemas.layout import Layout, PageLayout, TableLayout

SMALL = "jiangsu-shengwei-bangongting-2018-bumen-yusuan-biao"  # the tables-only half of a report
needs_corpus = pytest.mark.skipif(
    not (corpus_dir() / f"{SMALL}.pdf").exists(), reason="corpus PDFs not beside the checkout"
)


@pytest.fixture(scope="module")
def doc() -> harness.Doc:
    (found,) = harness.load_docs("corpus", SMALL)
    return found


@needs_corpus
def test_every_golden_fact_is_found_in_the_readers_text(doc: harness.Doc) -> None:
    listed = yaml.safe_load((GOLDENS / SMALL / "facts.yaml").read_text(encoding="utf-8"))["facts"]
    assert doc.unlocated == [] and len(doc.facts) == len(listed) > 0
    for f in doc.facts:
        written = doc.raw.text[f.span[0] : f.span[1]]
        if f.value == "0" and "无" in written:
            continue  # a nothing-statement (本部门无相关收支项目) states the zero
        assert parse_number(written).value == Decimal(f.value), (f.concept, written)


@needs_corpus
def test_a_changed_table_total_breaks_an_identity_and_is_detected(doc: harness.Doc) -> None:
    # the 合计 of the 一般公共预算支出表, a cell of a tab-separated row
    (total,) = [f for f in doc.facts if f.concept == "gb_expenditure" and f.scope is None]
    (m,) = [m for m in harness.mutations(doc.raw.text, doc.facts, ["digit"]) if total.id in m.facts]
    assert harness.location(doc.raw.text, m) == "table"
    assert m.text(doc.raw.text)[m.start : m.start + len(m.replacement)] == "24,459.43"
    base = harness.signatures(harness.check(doc.facts, text=doc.raw.text, fiscal_year=doc.year), doc.facts)
    assert harness.broken(doc, base, m) != []
    _, pipe_base = harness.pipeline_baseline(doc.raw)
    assert harness.detected(doc, pipe_base, m)
    # the same edit undone: the document as read, nothing new
    same = harness.Mutation("digit", m.start, m.end, doc.raw.text[m.start : m.end], m.facts, m.number, total.value)
    assert harness.broken(doc, base, same) == [] and not harness.detected(doc, pipe_base, same)


def test_the_layout_moves_with_the_edit() -> None:
    layout = Layout(
        pages=[PageLayout(page=1, span=(0, 10)), PageLayout(page=2, span=(11, 30))],
        tables=[TableLayout(span=(12, 30), rows=2, columns=2, header_rows=1, method="lines")],
    )
    m = harness.Mutation("unit_slip", 5, 8, "123456", ("g0",), (5, 8), "123456")  # 3 characters become 6
    moved = harness.shift_layout(layout, m)
    assert [p.span for p in moved.pages] == [(0, 13), (14, 33)]
    assert moved.tables[0].span == (15, 33)
    cut = harness.shift_layout(layout, harness.Mutation("deleted_part", 2, 12, "", ("g0",), (4, 8)))
    assert [p.span for p in cut.pages] == [(0, 2), (2, 20)] and cut.tables[0].span == (2, 20)
