"""Dataset rows and their tabular files: JSONL lines, CSV for spreadsheets, Parquet for analysis tools.

For each record kind (facts, findings, placeholders) a document gives rows tagged with the document: `doc`
(input path) and `sha256` first, then the record's fields in schema order, then the document's `unit_name`
(issuer), `fiscal_year`, `doc_type` and `region` (None while the document metadata has no region), so the
dataset can be queried without joins. Facts include the `tables` and `indicators` rows.

In CSV and Parquet `span` becomes two integer columns `span_start`, `span_end`, and a finding's `facts` is a list
of strings in Parquet and `;`-joined in CSV. Money never travels as a float. In CSV every value is the string
as the JSON holds it (UTF-8 with a BOM, so spreadsheet programs open the Chinese text correctly). In Parquet the
amount columns (`value`, `value_wan`, `expected`, `actual`, `tolerance`) keep that exact string — `0.50` keeps
its two decimals, and a finding's `expected` may be a word such as `down` — and each has a numeric twin
`<name>_num`, decimal128(38, 10), at the end of the row (None when the string is not a number; an amount with
more than 10 decimals is rounded half-even at the 10th), so `SUM(value_wan_num)` works in SQL engines and data
frames. Integer fields are int64; there is no float column.

The runner writes Parquet *parts* (one per batch of documents, with a hidden `_result` column naming the
manifest result each row belongs to) and `build_tables` streams the live rows of every part into `<kind>.parquet`
and `<kind>.csv`, one part in memory at a time.
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from pydantic import BaseModel

from pipeline.atomic import atomic_path
from schemas.document import DocumentResult, Fact, Finding, Placeholder

KINDS: dict[str, type[BaseModel]] = {"facts": Fact, "findings": Finding, "placeholders": Placeholder}
TAG_COLUMNS = ("doc", "sha256")
META_COLUMNS: dict[str, pa.DataType] = {
    "unit_name": pa.string(),
    "fiscal_year": pa.int64(),
    "doc_type": pa.string(),
    "region": pa.string(),
}
NUMERIC: dict[str, tuple[str, ...]] = {"facts": ("value", "value_wan"), "findings": ("expected", "actual", "tolerance")}
DECIMAL = pa.decimal128(38, 10)
RESULT_COLUMN = "_result"
LIST_SEPARATOR = ";"
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_SCALE = Decimal(1).scaleb(-10)


def _arrow_type(annotation: Any) -> pa.DataType:
    """Arrow type of one schema field: int → int64, bool → bool, list → list<string>, anything else → string."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return _arrow_type(inner[0]) if len(inner) == 1 else pa.string()
    if origin is list:
        return pa.list_(pa.string())
    if annotation is bool:
        return pa.bool_()
    if annotation is int:
        return pa.int64()
    return pa.string()  # str, Literal, or anything else: as text, never float


def _text_fields(model: type[BaseModel]) -> list[pa.Field]:
    """Tags, the model's fields with `span` split in two, then the document metadata: the CSV columns."""
    fields = [pa.field(name, pa.string(), nullable=False) for name in TAG_COLUMNS]
    for name, info in model.model_fields.items():
        if name == "span":
            fields += [pa.field("span_start", pa.int64()), pa.field("span_end", pa.int64())]
        else:
            fields.append(pa.field(name, _arrow_type(info.annotation)))
    return fields + [pa.field(name, t) for name, t in META_COLUMNS.items()]


@cache
def arrow_schema(model: type[BaseModel]) -> pa.Schema:
    """The Parquet schema of one record kind: the CSV columns, then a decimal twin of each amount column."""
    kind = next(k for k, m in KINDS.items() if m is model)
    return pa.schema(_text_fields(model) + [pa.field(f"{c}_num", DECIMAL) for c in NUMERIC.get(kind, ())])


@cache
def part_schema(kind: str) -> pa.Schema:
    """The schema of a Parquet part: the dataset's columns plus the manifest result id of each row."""
    return arrow_schema(KINDS[kind]).append(pa.field(RESULT_COLUMN, pa.int64(), nullable=False))


def columns(kind: str) -> list[str]:
    """The column names of one record kind, in order (the CSV header; Parquet adds the `_num` columns)."""
    return [f.name for f in _text_fields(KINDS[kind])]


def _items(kind: str, r: DocumentResult) -> list[BaseModel]:
    if kind == "facts":
        return [*r.facts, *r.tables, *r.indicators]
    return list(r.findings) if kind == "findings" else list(r.placeholders)


def _meta(r: DocumentResult) -> dict[str, Any]:
    m = r.meta
    return {
        "unit_name": m.unit_name,
        "fiscal_year": m.fiscal_year,
        "doc_type": m.doc_type,
        "region": getattr(m, "region", None),  # the document metadata has no region yet: the column stays None
    }


def jsonl_records(kind: str, r: DocumentResult) -> list[dict[str, Any]]:
    """The JSONL records of one kind for one document: tags, the record as in the document JSON, metadata."""
    tag, meta = {"doc": r.source.path, "sha256": r.source.sha256}, _meta(r)
    return [{**tag, **fields(item), **meta} for item in _items(kind, r)]


def fields(item: BaseModel) -> dict[str, Any]:
    """A flat record's fields in schema order, as `model_dump` gives them, without its per-field conversion.

    Facts, findings and placeholders hold only strings, numbers, tuples and lists of strings, so their validated
    field values are already what `model_dump` would return (the records are read, never changed).
    """
    return item.__dict__


def jsonl_lines(kind: str, r: DocumentResult) -> bytes:
    """The document's JSONL lines of one kind, ready to append in one write."""
    return _lines(jsonl_records(kind, r))


def _lines(recs: list[dict[str, Any]]) -> bytes:
    return "".join(_JSON.encode(rec) + "\n" for rec in recs).encode("utf-8")


_JSON = json.JSONEncoder(ensure_ascii=False)  # what json.dumps(rec, ensure_ascii=False) uses, made once


def document_rows(r: DocumentResult) -> tuple[dict[str, bytes], dict[str, pa.Table]]:
    """A document's JSONL lines and Arrow table of every record kind (each record dumped once for both)."""
    lines, tables = {}, {}
    for kind in KINDS:
        recs = jsonl_records(kind, r)
        lines[kind] = _lines(recs)
        tables[kind] = _columns_table(kind, recs)
    return lines, tables


def _columns_table(kind: str, recs: list[dict[str, Any]]) -> pa.Table:
    """The records as a table row by row would make them (`_table_row`), built a column at a time."""
    schema = arrow_schema(KINDS[kind])
    spans = [rec.get("span") for rec in recs]
    twins = {f"{c}_num": c for c in NUMERIC.get(kind, ())}
    arrays = []
    for f in schema:
        if f.name == "span_start":
            values: list[Any] = [s[0] if s is not None else None for s in spans]
        elif f.name == "span_end":
            values = [s[1] if s is not None else None for s in spans]
        elif f.name in twins:
            values = [to_decimal(rec.get(twins[f.name])) for rec in recs]
        else:
            values = [rec.get(f.name) for rec in recs]
        arrays.append(pa.array(values, type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def to_ipc(table: pa.Table) -> bytes:
    """A table as an Arrow IPC stream: what a worker sends the main process (pickling a table costs ten times more)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def from_ipc(data: bytes) -> pa.Table:
    """The table of an Arrow IPC stream made by `to_ipc`."""
    return pa.ipc.open_stream(data).read_all()


def to_decimal(value: Any) -> Decimal | None:
    """The numeric twin of an amount string: a Decimal with 10 decimals, or None for words and empty cells."""
    if not isinstance(value, str) or not _NUMBER.fullmatch(value):
        return None
    try:
        return Decimal(value).quantize(_SCALE, rounding=ROUND_HALF_EVEN)
    except InvalidOperation:  # more than 28 integer digits: not an amount
        return None


def records(kind: str, results: Iterable[DocumentResult]) -> Iterator[dict[str, Any]]:
    """Flat table rows of one record kind, in document order, with the numeric twins of the amount columns."""
    for r in results:
        for rec in jsonl_records(kind, r):
            yield _table_row(kind, rec)


def _table_row(kind: str, rec: dict[str, Any]) -> dict[str, Any]:
    """A JSONL record as a table row (a new dict): `span` split in two, the numeric twins added."""
    row = dict(rec)
    span = row.pop("span", None)
    row["span_start"], row["span_end"] = span if span is not None else (None, None)
    for c in NUMERIC.get(kind, ()):
        row[f"{c}_num"] = to_decimal(row.get(c))
    return row


def table_of(kind: str, results: Iterable[DocumentResult]) -> pa.Table:
    """The rows of one record kind as an Arrow table with the dataset's schema (compact, picklable)."""
    return _table(kind, list(records(kind, results)))


def _table(kind: str, rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=arrow_schema(KINDS[kind]))


def with_result(table: pa.Table, result: int) -> pa.Table:
    """The table with the manifest result id of its document on every row (the part schema)."""
    return table.append_column(RESULT_COLUMN, pa.array([result] * table.num_rows, pa.int64()))


def write_part(path: Path, kind: str, tables: list[pa.Table], tmp_folder: Path) -> None:
    """Write one Parquet part from tables that carry `_result`, atomically."""
    table = pa.concat_tables(tables) if tables else part_schema(kind).empty_table()
    with atomic_path(path, tmp_folder) as tmp:
        pq.write_table(table.cast(part_schema(kind)), tmp)


def _live(table: pa.Table, live: list[int]) -> pa.Table:
    mask = pc.is_in(table.column(RESULT_COLUMN), value_set=pa.array(live, pa.int64()))
    return table.filter(mask).drop_columns([RESULT_COLUMN])


def _for_csv(table: pa.Table, header: list[str]) -> pa.Table:
    """The CSV columns, list columns joined with `;`."""
    table = table.select(header)
    for i, f in enumerate(table.schema):
        if pa.types.is_list(f.type):
            table = table.set_column(i, f.name, pc.binary_join(table.column(i), LIST_SEPARATOR))
    return table


def build_tables(out: Path, kind: str, parts: Iterable[tuple[Path, list[int]]], tmp_folder: Path) -> int:
    """Stream the live rows of every part into `<kind>.parquet` and `<kind>.csv`; return the number of rows.

    `parts` gives each part file with the result ids whose rows are still live. One part is in memory at a time.
    """
    schema, header, n = arrow_schema(KINDS[kind]), columns(kind), 0
    csv_schema = _for_csv(schema.empty_table(), header).schema
    with (
        atomic_path(out / f"{kind}.parquet", tmp_folder) as ptmp,
        atomic_path(out / f"{kind}.csv", tmp_folder) as ctmp,
        pq.ParquetWriter(ptmp, schema) as writer,
        ctmp.open("wb") as f,
    ):
        f.write(b"\xef\xbb\xbf")  # BOM: spreadsheet programs then read the file as UTF-8
        with pacsv.CSVWriter(f, csv_schema, write_options=pacsv.WriteOptions(quoting_style="needed")) as rows_out:
            for path, live in parts:
                table = _live(pq.read_table(path), live)
                if not table.num_rows:
                    continue
                writer.write_table(table.cast(schema))
                rows_out.write_table(_for_csv(table, header))
                n += table.num_rows
    return n


def write_tables(out: Path, results: list[DocumentResult]) -> dict[str, int]:
    """Write `<kind>.csv` and `<kind>.parquet` for every record kind from documents in memory; rows per kind."""
    counts = {}
    for kind in KINDS:
        part = out / f".{kind}.part.parquet"
        write_part(part, kind, [with_result(table_of(kind, results), 0)], out)
        try:
            counts[kind] = build_tables(out, kind, [(part, [0])], out)
        finally:
            part.unlink(missing_ok=True)
    return counts
