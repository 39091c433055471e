"""CSV and Parquet exports: same rows as the JSONL files, documented headers, money as exact strings."""

from __future__ import annotations

import csv
import json
import re
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPORTS

from pipeline.cli import main
from pipeline.export import (
    KINDS,
    META_COLUMNS,
    arrow_schema,
    columns,
    document_rows,
    fields,
    from_ipc,
    jsonl_records,
    to_decimal,
    to_ipc,
    write_tables,
)
from schemas.document import DocumentResult, Finding, Meta, Source

KIND_NAMES = list(KINDS)

DOCUMENTED = {  # README "## Output": these columns, in this order, lead each file (new schema fields may follow)
    "facts": ["doc", "sha256", "id", "concept", "period", "value", "unit", "value_wan", "decimals", "text",
              "span_start", "span_end", "section", "extractor", "measure", "scope", "direction", "label", "table",
              "row", "column"],
    "findings": ["doc", "sha256", "rule", "severity", "message", "facts", "expected", "actual", "tolerance",
                 "span_start", "span_end"],
    "placeholders": ["doc", "sha256", "kind", "text", "span_start", "span_end", "section"],
}  # fmt: skip
MONEY = {"facts": ["value", "value_wan"], "findings": ["expected", "actual", "tolerance"], "placeholders": []}
NUMBER = re.compile(r"-?\d+(\.\d+)?")  # a finding's expected/actual may also be words ("down", "<= 60.86")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BUDGET_EXTRACT_LLM", "none")
        mp.delenv("OPENAI_API_KEY", raising=False)
        assert main(["run", str(REPORTS), "--out", str(folder), "--quiet"]) == 0
    return folder


def _jsonl(out: Path, kind: str) -> list[dict[str, object]]:
    lines = (out / f"{kind}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _csv(out: Path, kind: str) -> tuple[list[str], list[dict[str, str]]]:
    with (out / f"{kind}.csv").open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_csv_has_bom_documented_header_and_one_row_per_jsonl_line(out: Path, kind: str) -> None:
    assert (out / f"{kind}.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    header, rows = _csv(out, kind)
    assert header == columns(kind)
    assert header[: len(DOCUMENTED[kind])] == DOCUMENTED[kind]
    expected = _jsonl(out, kind)
    assert expected, f"the sample reports give {kind}"
    assert len(rows) == len(expected)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_csv_rows_match_jsonl_records(out: Path, kind: str) -> None:
    _, rows = _csv(out, kind)
    for row, rec in zip(rows, _jsonl(out, kind), strict=True):
        assert row["doc"] == rec["doc"] and row["sha256"] == rec["sha256"]
        span = rec["span"]
        assert (row["span_start"], row["span_end"]) == ((str(span[0]), str(span[1])) if span else ("", ""))  # type: ignore[index]
        for col in MONEY[kind]:
            assert row[col] == (rec[col] or "")  # the string as written, not a re-printed float
            if NUMBER.fullmatch(row[col]):
                assert Decimal(row[col]) == Decimal(str(rec[col]))
        if kind == "findings":
            assert row["facts"] == ";".join(rec["facts"])  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_parquet_reads_back_with_same_rows_and_no_float(out: Path, kind: str) -> None:
    table = pq.read_table(out / f"{kind}.parquet")
    expected = _jsonl(out, kind)
    assert table.num_rows == len(expected)
    assert table.schema.names == columns(kind) + [f"{c}_num" for c in MONEY[kind]]
    assert not [f.name for f in table.schema if pa.types.is_floating(f.type)]
    for col in MONEY[kind]:
        assert table.schema.field(col).type == pa.string()
        for got, rec in zip(table.column(col).to_pylist(), expected, strict=True):
            assert got == rec[col]
            if got is not None and NUMBER.fullmatch(got):
                assert Decimal(got) == Decimal(str(rec[col]))
    starts = table.column("span_start").to_pylist()
    assert starts == [rec["span"][0] if rec["span"] else None for rec in expected]  # type: ignore[index]


def test_fact_amounts_are_all_decimal_strings(out: Path) -> None:
    table = pq.read_table(out / "facts.parquet", columns=["value", "value_wan"])
    values = [v for v in table.column("value").to_pylist() + table.column("value_wan").to_pylist() if v is not None]
    assert values and all(NUMBER.fullmatch(v) for v in values)
    assert sum(Decimal(v) for v in values) > 0


def test_parquet_keeps_trailing_zeros(out: Path) -> None:
    values = pq.read_table(out / "facts.parquet", columns=["value", "decimals"]).to_pylist()
    padded = [v for v in values if v["value"].endswith("0") and "." in v["value"]]
    assert padded, "the sample reports write amounts such as 12.50"
    assert all(len(v["value"].split(".")[1]) == v["decimals"] for v in padded)


def test_empty_dataset_writes_headers_and_typed_empty_parquet(tmp_path: Path) -> None:
    assert write_tables(tmp_path, []) == {kind: 0 for kind in KIND_NAMES}
    for kind in KIND_NAMES:
        header, rows = _csv(tmp_path, kind)
        assert header == columns(kind) and rows == []
        table = pq.read_table(tmp_path / f"{kind}.parquet")
        assert table.num_rows == 0 and table.schema.equals(arrow_schema(KINDS[kind]))


def test_finding_without_span_and_chinese_text_round_trip(tmp_path: Path) -> None:
    doc = DocumentResult(
        source=Source(path="测试/报告.txt", sha256="0" * 64, chars=10),
        meta=Meta(unit_name="某县财政局"),
        findings=[Finding(rule="r", severity="info", message="“三公”经费, 含逗号", expected="0.50")],
    )
    write_tables(tmp_path, [doc])
    _, rows = _csv(tmp_path, "findings")
    assert rows[0]["message"] == "“三公”经费, 含逗号" and rows[0]["expected"] == "0.50"
    assert rows[0]["span_start"] == "" and rows[0]["facts"] == ""
    row = pq.read_table(tmp_path / "findings.parquet").to_pylist()[0]
    assert row["span_start"] is None and row["facts"] == [] and row["expected"] == "0.50"


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_row_carries_the_documents_issuer_year_type_and_region(out: Path, kind: str) -> None:
    docs = {}
    for f in (out / "docs").glob("*.json"):
        d = json.loads(f.read_text(encoding="utf-8"))
        docs[d["source"]["path"]] = d["meta"]
    rows = _jsonl(out, kind)
    table = pq.read_table(out / f"{kind}.parquet").to_pylist()
    _, csv_rows = _csv(out, kind)
    for rec, prow, crow in zip(rows, table, csv_rows, strict=True):
        meta = docs[str(rec["doc"])]
        for r in (rec, prow):
            assert (r["unit_name"], r["fiscal_year"], r["doc_type"]) == (
                meta["unit_name"],
                meta["fiscal_year"],
                meta["doc_type"],
            )
            assert r["region"] is None  # the document metadata has no region yet
        assert crow["unit_name"] == (meta["unit_name"] or "") and crow["fiscal_year"] == str(meta["fiscal_year"])
    assert list(META_COLUMNS) == ["unit_name", "fiscal_year", "doc_type", "region"]


@pytest.mark.parametrize("kind", ["facts", "findings"])
def test_amounts_have_an_exact_decimal128_twin(out: Path, kind: str) -> None:
    table = pq.read_table(out / f"{kind}.parquet")
    for col in MONEY[kind]:
        assert table.schema.field(f"{col}_num").type == pa.decimal128(38, 10)
        pairs = zip(table.column(col).to_pylist(), table.column(f"{col}_num").to_pylist(), strict=True)
        checked = 0
        for text, number in pairs:
            if text is not None and NUMBER.fullmatch(text):
                assert number == Decimal(text)
                checked += 1
            else:
                assert number is None  # words such as "down" have no number
        assert kind == "findings" or checked


def test_sum_of_decimal_amounts_in_duckdb_equals_the_decimal_sum(out: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    facts = _jsonl(out, "facts")
    expected = {}
    for rec in facts:
        if rec["concept"] == "sangong_total" and rec["period"] == "current" and rec["value_wan"]:
            key = (rec["unit_name"], rec["fiscal_year"])
            expected[key] = expected.get(key, Decimal(0)) + Decimal(str(rec["value_wan"]))
    assert expected, "the sample reports state 三公经费"
    path = str(out / "facts.parquet")
    rows = duckdb.sql(
        f"SELECT unit_name, fiscal_year, SUM(value_wan_num) FROM '{path}' "
        "WHERE concept = 'sangong_total' AND period = 'current' GROUP BY ALL"
    ).fetchall()
    assert {(u, y): s for u, y, s in rows} == expected


@pytest.fixture(scope="module")
def documents(out: Path) -> list[DocumentResult]:
    return [DocumentResult.model_validate_json(p.read_text(encoding="utf-8")) for p in sorted(out.glob("docs/*.json"))]


def test_record_fields_are_what_model_dump_gives(documents: list[DocumentResult]) -> None:
    for doc in documents:
        for item in [*doc.facts, *doc.tables, *doc.findings, *doc.placeholders]:
            assert list(fields(item).items()) == list(item.model_dump().items())


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_document_table_built_by_columns_equals_the_table_built_by_rows(
    documents: list[DocumentResult], kind: str
) -> None:
    for doc in documents:
        rows = [dict(r) for r in jsonl_records(kind, doc)]
        for row in rows:  # the flat row of the CSV/Parquet description: span split, numeric twins
            span = row.pop("span")
            row["span_start"], row["span_end"] = span if span is not None else (None, None)
            for c in MONEY[kind]:
                row[f"{c}_num"] = to_decimal(row[c])
        expected = pa.Table.from_pylist(rows, schema=arrow_schema(KINDS[kind]))
        _, tables = document_rows(doc)
        assert tables[kind].equals(expected)
        assert from_ipc(to_ipc(tables[kind])).equals(expected)
