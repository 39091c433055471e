"""The dataset files of an output folder, written incrementally and kept equal to the manifest after any kill.

- `<kind>.jsonl` grows by one append per finished document (all its rows in one write); the manifest then
  commits the document with the byte range of its rows and the file's new committed length. A start cuts each
  file back to its committed length (the tail of a document that was not committed), and rewrites it without
  the rows of documents that are being redone (streaming copy, unique temp file, rename).
- Parquet parts (`.parts/<kind>-<id>.parquet`) hold the table rows of a batch of documents; the manifest notes
  which part holds each document. At the end `<kind>.parquet` and `<kind>.csv` are built by streaming the live
  rows of every part (one part in memory at a time), only when the dataset changed since the last build.

A rename that the manifest committed but a kill prevented is finished at the next start; stray temp files and
parts the manifest does not know are removed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.atomic import temp_name
from pipeline.export import KINDS, build_tables, jsonl_lines, table_of, with_result, write_part
from pipeline.manifest import Manifest
from schemas.document import DocumentResult

_LIVE = "SELECT result FROM documents WHERE status IN ('ok', 'partial') AND result IS NOT NULL"


class Dataset:
    """The JSONL files, Parquet parts and tables of one output folder (the caller holds the folder's lock)."""

    def __init__(self, out: Path, manifest: Manifest, batch_size: int = 200) -> None:
        self.out, self.manifest, self.batch_size = out, manifest, batch_size
        self.tmp, self.parts = out / ".tmp", out / ".parts"
        self.batch: dict[str, list[pa.Table]] = {kind: [] for kind in KINDS}
        self.batch_results: list[int] = []
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.parts.mkdir(exist_ok=True)

    def jsonl(self, kind: str) -> Path:
        """The path of one JSONL file."""
        return self.out / f"{kind}.jsonl"

    # --- start of a run

    def recover(self) -> None:
        """Bring the files back to what the manifest committed (after a kill at any moment)."""
        self._finish_renames()
        for stray in self.tmp.iterdir():  # left by a killed run (a temp file, or the review's temp folder)
            shutil.rmtree(stray) if stray.is_dir() else stray.unlink()
        damaged = False
        for kind in KINDS:
            path, committed = self.jsonl(kind), self.manifest.committed(kind)
            size = path.stat().st_size if path.exists() else 0
            if size > committed:
                with path.open("r+b") as f:
                    f.truncate(committed)
            damaged = damaged or size < committed
        self._forget_lost_parts()
        if damaged:
            self._rebuild_jsonl()
        self.requeue_unparted()

    def _finish_renames(self) -> None:
        for kind in KINDS:
            pending = self.manifest.get_info(f"rename:{kind}")
            if pending is None:
                continue
            tmp = self.tmp / pending
            if tmp.exists():
                os.replace(tmp, self.jsonl(kind))
            with self.manifest.transaction() as db:
                self.manifest.set_info(f"rename:{kind}", None, db)

    def _forget_lost_parts(self) -> None:
        known = {str(f) for (f,) in self.manifest.query("SELECT file FROM parts")}
        for f in self.parts.iterdir():
            if f.name not in known:
                f.unlink()
        lost = [i for i, f in self.manifest.query("SELECT id, file FROM parts") if not (self.parts / f).exists()]
        if lost:
            with self.manifest.transaction() as db:
                marks = ", ".join("?" * len(lost))
                db.execute(f"UPDATE documents SET part = NULL WHERE part IN ({marks})", lost)
                db.execute(f"DELETE FROM parts WHERE id IN ({marks})", lost)

    def requeue_unparted(self) -> None:
        """Put finished documents whose rows no part holds yet (a kill before their batch) into the batch."""
        rows = self.manifest.query(
            "SELECT path, output, result FROM documents WHERE status IN ('ok', 'partial') AND part IS NULL"
        )
        for path, output, result in rows:
            doc = self._load(output)
            if doc is None:  # the document JSON is gone: redo the document
                with self.manifest.transaction() as db:
                    db.execute("UPDATE documents SET status = 'pending' WHERE path = ?", (path,))
                continue
            self.add(result, doc)

    def _load(self, output: str | None) -> DocumentResult | None:
        try:
            return DocumentResult.model_validate_json((self.out / "docs" / str(output)).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def drop_dead(self) -> None:
        """Rewrite the JSONL files without the rows of documents that are no longer finished (being redone)."""
        dead = self.manifest.count("ranges", f"result NOT IN ({_LIVE})")
        if not dead:
            return
        moved: dict[str, list[tuple[int, int, int]]] = {}
        names: dict[str, str] = {}
        for kind in KINDS:  # each file is copied to a temp file, renamed once the manifest has the new ranges
            tmp = temp_name(self.jsonl(kind), self.tmp)
            moved[kind] = self._copy_live(kind, tmp)
            names[kind] = tmp.name
        self._commit_rewrite(moved, names)

    def _copy_live(self, kind: str, tmp: Path) -> list[tuple[int, int, int]]:
        rows = self.manifest.query(
            f"SELECT result, start, length FROM ranges WHERE kind = ? AND result IN ({_LIVE}) ORDER BY start", (kind,)
        )
        moved, pos = [], 0
        src = self.jsonl(kind)
        with tmp.open("wb") as dst, src.open("rb") if src.exists() else open(os.devnull, "rb") as f:
            for result, start, length in rows:
                f.seek(start)
                _copy(f, dst, length)
                moved.append((result, pos, length))
                pos += length
        return moved

    def _commit_rewrite(self, moved: dict[str, list[tuple[int, int, int]]], names: dict[str, str]) -> None:
        with self.manifest.transaction() as db:
            db.execute("DELETE FROM ranges")
            for kind, rows in moved.items():
                db.executemany("INSERT INTO ranges VALUES (?, ?, ?, ?)", [(r, kind, s, n) for r, s, n in rows])
                self.manifest.set_info(f"committed:{kind}", str(sum(n for _, _, n in rows)), db)
                self.manifest.set_info(f"rename:{kind}", names[kind], db)
            self.manifest.bump_version(db)
        self._finish_renames()

    def _rebuild_jsonl(self) -> None:
        """Write the JSONL files again from the document JSON files (a JSONL file was cut or removed by hand)."""
        moved: dict[str, list[tuple[int, int, int]]] = {kind: [] for kind in KINDS}
        names, handles, pos = {}, {}, dict.fromkeys(KINDS, 0)
        for kind in KINDS:
            path = temp_name(self.jsonl(kind), self.tmp)
            names[kind], handles[kind] = path.name, path.open("wb")
        try:
            for _path, _given, output, result, _part in self.manifest.finished():
                doc = self._load(output)
                for kind in KINDS:
                    data = jsonl_lines(kind, doc) if doc is not None else b""
                    handles[kind].write(data)
                    if data:
                        moved[kind].append((result, pos[kind], len(data)))
                        pos[kind] += len(data)
        finally:
            for h in handles.values():
                h.close()
        self._commit_rewrite(moved, names)

    # --- during a run

    def append(self, lines: dict[str, bytes]) -> tuple[dict[str, tuple[int, int]], dict[str, int]]:
        """Append one document's lines to each JSONL file; return their ranges and the files' new lengths."""
        ranges, lengths = {}, {}
        for kind in KINDS:
            start = self.manifest.committed(kind)
            data = lines.get(kind, b"")
            if data:
                with self.jsonl(kind).open("ab") as f:
                    f.write(data)
            ranges[kind] = (start, len(data))
            lengths[kind] = start + len(data)
        return ranges, lengths

    def add(self, result: int, doc: DocumentResult | None = None, tables: dict[str, pa.Table] | None = None) -> None:
        """Add a committed document's table rows to the current batch (written as a part when it is full)."""
        for kind in KINDS:
            table = tables[kind] if tables is not None else table_of(kind, [doc] if doc is not None else [])
            self.batch[kind].append(with_result(table, result))
        self.batch_results.append(result)
        if len(self.batch_results) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Write the current batch as one Parquet part per kind and note it in the manifest."""
        if not self.batch_results:
            return
        part = int(self.manifest.query("SELECT COALESCE(MAX(id), 0) + 1 FROM parts")[0][0])
        files = {}
        for kind in KINDS:
            name = f"{kind}-{part:08d}.parquet"
            write_part(self.parts / name, kind, self.batch[kind], self.tmp)
            files[kind] = name
        with self.manifest.transaction() as db:
            db.executemany("INSERT INTO parts VALUES (?, ?)", [(part, name) for name in files.values()])
            marks = ", ".join("?" * len(self.batch_results))
            db.execute(f"UPDATE documents SET part = ? WHERE result IN ({marks})", [part, *self.batch_results])
        self.batch = {kind: [] for kind in KINDS}
        self.batch_results = []

    # --- end of a run

    def build(self) -> None:
        """Write `<kind>.parquet` and `<kind>.csv` from the parts, unless they are already current."""
        self.flush()
        if self.manifest.tables_current() and all((self.out / f"{k}.parquet").exists() for k in KINDS):
            return
        self._drop_empty_parts()
        for kind in KINDS:
            parts = self.manifest.query("SELECT id, file FROM parts WHERE file LIKE ? ORDER BY id", (f"{kind}-%",))
            build_tables(self.out, kind, ((self.parts / f, self._live(i)) for i, f in parts), self.tmp)
        self.manifest.mark_tables_current()

    def _live(self, part: int) -> list[int]:
        rows = self.manifest.query(
            "SELECT result FROM documents WHERE part = ? AND status IN ('ok', 'partial')", (part,)
        )
        return [int(r) for (r,) in rows]

    def _drop_empty_parts(self) -> None:
        empty = [
            (i, f)
            for i, f in self.manifest.query("SELECT id, file FROM parts")
            if not self.manifest.count("documents", f"part = {int(i)} AND status IN ('ok', 'partial')")
        ]
        if not empty:
            return
        with self.manifest.transaction() as db:
            db.executemany("DELETE FROM parts WHERE file = ?", [(f,) for _, f in empty])
        for _, f in empty:
            (self.parts / f).unlink(missing_ok=True)


def _copy(src: Any, dst: Any, length: int) -> None:
    """Copy `length` bytes from one open file to another in 1 MiB blocks."""
    while length > 0:
        block = src.read(min(length, 1 << 20))
        if not block:
            raise OSError("dataset file shorter than the manifest says")
        dst.write(block)
        length -= len(block)
