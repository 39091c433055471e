"""Tabular exports of the dataset: CSV for spreadsheets, Parquet for analysis tools.

For each record kind (facts, findings, placeholders) the runner writes `<kind>.csv` and `<kind>.parquet` with the
same rows as `<kind>.jsonl`: one row per record, tagged with the document's `doc` (input path) and `sha256`.

Columns follow the record's fields in schema order (so a field added to the schema appears here too), except:
- `span` becomes two integer columns `span_start`, `span_end` (`[start, end)` in the raw decoded text);
- list fields (a finding's `facts`) are a list of strings in Parquet and `;`-joined in CSV.

Money never travels as a float. In CSV every value is the string as the JSON holds it (UTF-8 with a BOM, so
spreadsheet programs open the Chinese text correctly). In Parquet the amount columns (`value`, `value_wan`,
`expected`, `actual`, `tolerance`) are **strings**, not decimal128: a decimal column has one fixed scale, which
would turn `0.50` into `0.5000` and lose the number as written (its precision is what the checker's rounding
intervals rest on), and a finding's `expected` / `actual` may also be words (`down`, `<= 60.86`). Read amounts
with `decimal.Decimal(s)`, or cast a fact column in Arrow with `pc.cast(col, pa.decimal128(18, 4))`.
Integer fields (`decimals`, `row`, span ends) are int64; there is no float64 column.
"""

from __future__ import annotations

import csv
import os
import types
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel

from schemas.document import DocumentResult, Fact, Finding, Placeholder

KINDS: dict[str, type[BaseModel]] = {"facts": Fact, "findings": Finding, "placeholders": Placeholder}
TAG_COLUMNS = ("doc", "sha256")
LIST_SEPARATOR = ";"


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


def arrow_schema(model: type[BaseModel]) -> pa.Schema:
    """The Parquet schema of one record kind: tags, then the model's fields with `span` split in two."""
    fields = [pa.field(name, pa.string(), nullable=False) for name in TAG_COLUMNS]
    for name, info in model.model_fields.items():
        if name == "span":
            fields += [pa.field("span_start", pa.int64()), pa.field("span_end", pa.int64())]
        else:
            fields.append(pa.field(name, _arrow_type(info.annotation)))
    return pa.schema(fields)


def columns(kind: str) -> list[str]:
    """The column names of one record kind, in order (the CSV header)."""
    return list(arrow_schema(KINDS[kind]).names)


def records(kind: str, results: Iterable[DocumentResult]) -> Iterator[dict[str, Any]]:
    """Flat rows of one record kind, in document order: facts include `tables` and `indicators` as in the JSONL."""
    for r in results:
        tag = {"doc": r.source.path, "sha256": r.source.sha256}
        items: list[BaseModel]
        if kind == "facts":
            items = [*r.facts, *r.tables, *r.indicators]
        elif kind == "findings":
            items = list(r.findings)
        else:
            items = list(r.placeholders)
        for item in items:
            row = {**tag, **item.model_dump()}
            span = row.pop("span", None)
            row["span_start"], row["span_end"] = span if span is not None else (None, None)
            yield row


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)


def write_csv(path: Path, kind: str, results: Iterable[DocumentResult]) -> int:
    """Write one record kind as CSV (UTF-8 with BOM); return the number of rows."""
    header = columns(kind)
    n = 0
    with _atomic(path) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in records(kind, results):
            writer.writerow([_csv_cell(row.get(c)) for c in header])
            n += 1
    return n


def write_parquet(path: Path, kind: str, results: Iterable[DocumentResult]) -> int:
    """Write one record kind as Parquet, one row group per document; return the number of rows."""
    schema = arrow_schema(KINDS[kind])
    n = 0
    with _atomic(path) as tmp, pq.ParquetWriter(tmp, schema) as writer:
        for r in results:
            rows = list(records(kind, [r]))
            if rows:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                n += len(rows)
    return n


def write_tables(out: Path, results: list[DocumentResult]) -> dict[str, int]:
    """Write `<kind>.csv` and `<kind>.parquet` for every record kind into `out`; return rows per kind."""
    counts = {}
    for kind in KINDS:
        counts[kind] = write_csv(out / f"{kind}.csv", kind, results)
        write_parquet(out / f"{kind}.parquet", kind, results)
    return counts


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """Yield `<path>.tmp` to write to and move it into place on success, so a reader never sees half a file."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
