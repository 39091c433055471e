"""The run manifest: one SQLite row per input, committed per document, so a run can be killed at any moment.

`DIR/manifest.sqlite` (WAL journal) holds, per input keyed by its resolved path: the path as given, sha256, size
and mtime (a rerun trusts the stored hash while both are unchanged), the pipeline fingerprint, the status
(`ok`, `partial` = the LLM stage failed and rules facts were kept, `failed`, or `pending` = queued or in flight),
the error, the output file, timings, LLM usage and the counts of its rows. It also records where each finished
document's rows sit in the dataset files: byte ranges in the JSONL files (their committed length, so a tail
written by a killed run is cut off) and the Parquet part holding its rows. The dataset is always exactly the rows
of the `ok` and `partial` documents, each once.
It keeps, per output file, the state entry of the review page the worker wrote (`pages`), which the review
build at the end of the run takes as current while the document is unchanged.

Any SQLite failure surfaces as `ManifestError` with one line saying what to do.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ManifestError

SCHEMA_VERSION = "1"
FINISHED = ("ok", "partial")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS documents (
  path TEXT PRIMARY KEY, given TEXT NOT NULL, sha256 TEXT, size INTEGER, mtime_ns INTEGER, pipeline TEXT,
  status TEXT NOT NULL, error TEXT, output TEXT UNIQUE, result INTEGER UNIQUE, part INTEGER,
  started REAL, finished REAL, seconds REAL, llm TEXT, counts TEXT);
CREATE INDEX IF NOT EXISTS documents_part ON documents(part);
CREATE TABLE IF NOT EXISTS ranges (result INTEGER NOT NULL, kind TEXT NOT NULL, start INTEGER NOT NULL,
  length INTEGER NOT NULL, PRIMARY KEY (kind, start));
CREATE INDEX IF NOT EXISTS ranges_result ON ranges(result);
CREATE TABLE IF NOT EXISTS parts (id INTEGER NOT NULL, file TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS pages (output TEXT PRIMARY KEY, page TEXT NOT NULL);
"""
_SCAN = """
CREATE TEMP TABLE IF NOT EXISTS scan (seq INTEGER PRIMARY KEY, path TEXT UNIQUE, given TEXT, todo INTEGER);
CREATE TEMP TABLE IF NOT EXISTS ignored (path TEXT PRIMARY KEY, reason TEXT);
"""


@dataclass(frozen=True)
class Entry:
    """What the manifest knows about one input."""

    path: str
    given: str
    sha256: str | None
    size: int | None
    mtime_ns: int | None
    pipeline: str | None
    status: str
    error: str | None
    output: str | None
    result: int | None


@dataclass(frozen=True)
class Done:
    """A document's outcome to commit: status, what it produced, and where its JSONL rows were appended."""

    path: str
    sha256: str | None
    status: str
    error: str | None
    output: str | None
    started: float
    seconds: float
    llm: dict[str, int]
    counts: dict[str, Any]
    ranges: dict[str, tuple[int, int]]
    page: str | None = None  # the state entry of the review page the worker wrote (JSON)


class Manifest:
    """The manifest of one output folder (the caller holds the folder's lock)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA + _SCAN)
            version = self.get_info("schema")
            if version is None:
                self.set_info("schema", SCHEMA_VERSION)
            elif version != SCHEMA_VERSION:
                raise ManifestError(
                    f"{path} was written by another version of budget-extract (schema {version}): "
                    "use a new --out folder, or move the manifest away to redo every document"
                )
        except sqlite3.DatabaseError as e:
            raise corrupt(path, e) from e

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write (BEGIN IMMEDIATE … COMMIT); SQLite errors become `ManifestError`."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.DatabaseError as e:
            raise corrupt(self.path, e) from e

    def query(self, sql: str, args: Iterable[Any] = ()) -> list[Any]:
        """All rows of a read query."""
        try:
            return self.db.execute(sql, tuple(args)).fetchall()
        except sqlite3.DatabaseError as e:
            raise corrupt(self.path, e) from e

    # --- small key/value state: committed JSONL lengths, dataset versions, pending renames

    def get_info(self, key: str) -> str | None:
        """A value of the info table."""
        row = self.db.execute("SELECT value FROM info WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_info(self, key: str, value: str | None, db: sqlite3.Connection | None = None) -> None:
        """Set (or with None, delete) a value of the info table."""
        conn = db or self.db
        if value is None:
            conn.execute("DELETE FROM info WHERE key = ?", (key,))
        else:
            conn.execute("INSERT OR REPLACE INTO info VALUES (?, ?)", (key, value))

    def committed(self, kind: str) -> int:
        """Bytes of `<kind>.jsonl` that belong to committed documents."""
        return int(self.get_info(f"committed:{kind}") or 0)

    def bump_version(self, db: sqlite3.Connection) -> None:
        """Note that the dataset changed (the tables and the review page are rebuilt at the end of the run)."""
        self.set_info("dataset_version", str(int(self.get_info("dataset_version") or 0) + 1), db)

    def tables_current(self) -> bool:
        """True when the tables were built from the dataset as it is now."""
        return self.get_info("tables_version") == (self.get_info("dataset_version") or "0")

    def mark_tables_current(self) -> None:
        """Record that the tables now match the dataset."""
        with self.transaction() as db:
            self.set_info("tables_version", self.get_info("dataset_version") or "0", db)

    # --- documents

    def entry(self, path: str) -> Entry | None:
        """The row of one input, or None."""
        row = self.query(
            "SELECT path, given, sha256, size, mtime_ns, pipeline, status, error, output, result"
            " FROM documents WHERE path = ?",
            (path,),
        )
        return Entry(*row[0]) if row else None

    def output_taken(self, output: str) -> bool:
        """True when another input already writes to this output file."""
        return bool(self.query("SELECT 1 FROM documents WHERE output = ?", (output,)))

    def queue(self, db: sqlite3.Connection, path: str, given: str, output: str, size: int, mtime_ns: int) -> None:
        """Mark an input as pending (queued or in flight), reserving its output name; its old rows are dropped."""
        db.execute(
            "INSERT INTO documents (path, given, output, status, size, mtime_ns) VALUES (?, ?, ?, 'pending', ?, ?)"
            " ON CONFLICT(path) DO UPDATE SET given = excluded.given, status = 'pending', part = NULL,"
            " size = excluded.size, mtime_ns = excluded.mtime_ns",
            (path, given, output, size, mtime_ns),
        )

    def touch(self, db: sqlite3.Connection, path: str, size: int, mtime_ns: int) -> None:
        """Remember a new size/mtime for an input whose content (hash) is unchanged."""
        db.execute("UPDATE documents SET size = ?, mtime_ns = ? WHERE path = ?", (size, mtime_ns, path))

    def finish(self, done: Done, pipeline: str, lengths: dict[str, int]) -> int:
        """Commit one document's outcome and the JSONL lengths after its append; return its result id."""
        with self.transaction() as db:
            result = int(self.get_info("next_result") or 1)
            self.set_info("next_result", str(result + 1), db)
            db.execute(
                "UPDATE documents SET sha256 = ?, pipeline = ?, status = ?, error = ?, output = ?, result = ?,"
                " part = NULL, started = ?, finished = ?, seconds = ?, llm = ?, counts = ? WHERE path = ?",
                (
                    done.sha256,
                    pipeline,
                    done.status,
                    done.error,
                    done.output,
                    result,
                    done.started,
                    time.time(),
                    done.seconds,
                    json.dumps(done.llm),
                    json.dumps(done.counts, ensure_ascii=False),
                    done.path,
                ),
            )
            db.executemany(
                "INSERT INTO ranges VALUES (?, ?, ?, ?)",
                [(result, kind, start, length) for kind, (start, length) in done.ranges.items() if length],
            )
            for kind, length in lengths.items():
                self.set_info(f"committed:{kind}", str(length), db)
            if done.page is not None and done.output is not None:
                db.execute("INSERT OR REPLACE INTO pages VALUES (?, ?)", (done.output, done.page))
            self.bump_version(db)
        return result

    def page(self, output: str) -> str | None:
        """The state entry of the review page a worker wrote for this output file, if any (JSON)."""
        rows = self.query("SELECT page FROM pages WHERE output = ?", (output,))
        return str(rows[0][0]) if rows else None

    def finished(self, columns: str = "path, given, output, result, part") -> Iterator[tuple[Any, ...]]:
        """Rows of every `ok` / `partial` document, in commit order, read in pages (memory stays flat)."""
        last = 0
        while True:
            rows = self.query(
                f"SELECT result, {columns} FROM documents WHERE status IN ('ok', 'partial') AND result > ?"
                " ORDER BY result LIMIT 1000",
                (last,),
            )
            if not rows:
                return
            for row in rows:
                yield tuple(row[1:])
            last = rows[-1][0]

    def with_status(self, *statuses: str) -> list[tuple[str, str, str | None]]:
        """(given path, status, error) of the documents with one of these statuses."""
        marks = ", ".join("?" * len(statuses))
        rows = self.query(
            f"SELECT given, status, error FROM documents WHERE status IN ({marks}) ORDER BY given", statuses
        )
        return [(str(g), str(s), e) for g, s, e in rows]

    # --- the scan of this run's inputs (temporary tables: the list of inputs is never held in memory)

    def add_input(self, path: str, given: str) -> None:
        """Queue an input of this run (a path already listed is ignored)."""
        self.db.execute("INSERT OR IGNORE INTO scan (path, given, todo) VALUES (?, ?, 0)", (path, given))

    def add_ignored(self, path: str, reason: str) -> None:
        """Note a file of an input folder that is not a document."""
        self.db.execute("INSERT OR IGNORE INTO ignored VALUES (?, ?)", (path, reason))

    def scanned(self, todo: bool | None = None) -> Iterator[tuple[int, str, str]]:
        """(seq, resolved path, given path) of this run's inputs, in order, read in pages."""
        last = 0
        where = "" if todo is None else f" AND todo = {int(todo)}"
        while True:
            rows = self.query(
                f"SELECT seq, path, given FROM scan WHERE seq > ?{where} ORDER BY seq LIMIT 1000", (last,)
            )
            if not rows:
                return
            yield from ((int(s), str(p), str(g)) for s, p, g in rows)
            last = rows[-1][0]

    def set_todo(self, db: sqlite3.Connection, seq: int) -> None:
        """Mark one scanned input as to be processed in this run."""
        db.execute("UPDATE scan SET todo = 1 WHERE seq = ?", (seq,))

    def count(self, table: str, where: str = "1") -> int:
        """Number of rows of a table matching a condition."""
        return int(self.query(f"SELECT COUNT(*) FROM {table} WHERE {where}")[0][0])

    def ignored(self) -> list[tuple[str, str]]:
        """(path, reason) of the files of this run's folders that were not documents."""
        return [(str(p), str(r)) for p, r in self.query("SELECT path, reason FROM ignored ORDER BY path")]


def corrupt(path: Path, e: sqlite3.DatabaseError) -> ManifestError:
    """The one-line error for a manifest SQLite cannot read or write."""
    return ManifestError(
        f"{path} is not a usable manifest ({e}): move it away (or delete it) and rerun — every document "
        "will be processed again"
    )
