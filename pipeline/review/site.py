"""Build the review site of an output folder: `review/index.html`, `review/docs/<stem>.html`, shared assets.

The documents stream past one at a time (from `docs/*.json`, in the order of their names), so memory stays flat
in the number of documents. The build is incremental: `review/.state.jsonl` records, per document page, the size
and modification time of its document JSON and of its input file, and its index row; a page whose document and
input are unchanged since it was written is kept (its row is read back from the state, the JSON is not parsed), so
rebuilding an archive re-renders only what changed. A change to this package's code or assets re-renders every
page. Pages of documents no longer in the folder are removed. A document JSON that cannot be read is one line in
`failed.html`; the build goes on.

A run renders each document's page in the worker that made the document, right after writing its JSON
(`write_page`, in parallel and from the document in memory), and keeps the page's state entry; the build at the
end of the run takes those entries as it takes the previous build's (`build_site(out, fresh=...)`): a page
whose document and input are unchanged since it was written is kept, so the build only writes the index.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from pipeline.review.document import Links, render_document_parts
from pipeline.review.index import IndexRow, IndexWriter, write_atomic
from pipeline.review.source import raw_text
from schemas.document import DocumentResult

PACKAGE = Path(__file__).resolve().parent
ASSETS = ("site.css", "index.js", "doc.js")
STATE = ".state.jsonl"
Stat = list[int] | None
Fresh = Callable[[str], "tuple[str, list[Any]] | None"]  # page stem -> (code version, state entry) of a run's page


@dataclass
class SiteReport:
    """What a build did."""

    index: Path
    documents: int = 0
    rendered: int = 0
    kept: int = 0
    problems: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Item:
    """One document to show: its page name, where its JSON is (if on disk), and the document if already loaded."""

    stem: str
    path: Path | None = None
    doc: DocumentResult | None = None

    def load(self) -> tuple[DocumentResult, list[Any]]:
        """The document and its `tables_not_understood` list (optional in the document JSON, default empty)."""
        if self.doc is not None:
            return self.doc, _as_list(getattr(self.doc, "tables_not_understood", None))
        assert self.path is not None
        data = json.loads(self.path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        known = {k: v for k, v in data.items() if k in DocumentResult.model_fields}
        return DocumentResult.model_validate(known), _as_list(data.get("tables_not_understood"))


def build_site(out: str | Path, errors: dict[str, str] | None = None, fresh: Fresh | None = None) -> SiteReport:
    """Build (or bring up to date) `out/review/` from the document JSONs in `out/docs/`.

    `errors` (input path → reason) lists the inputs that failed; by default they are read from the run's manifest.
    `fresh` gives the state entry of a page `write_page` wrote during the run (None for the others).
    """
    out = Path(out)
    manifest = _manifest(out)
    failed = errors if errors is not None else _failed(manifest)
    items = (_Item(stem, path) for stem, path in _documents(out, manifest))
    return _build(out / "review", items, failed, fresh)


def write_page(out: Path, stem: str, doc: DocumentResult) -> tuple[str, list[Any]]:
    """Write the page of a document just written to `out/docs/<stem>.json`; return (code version, state entry).

    The page is the one `build_site` would render from that JSON. Raises `OSError` or `ValueError` when it
    cannot be written (the build then renders it).
    """
    site = out / "review"
    (site / "docs").mkdir(parents=True, exist_ok=True)
    _, entry = _render(site, _Item(stem, out / "docs" / f"{stem}.json", doc))
    return _version_once(), entry


def write_review(out: Path, results: list[DocumentResult], errors: dict[str, str] | None = None) -> Path:
    """Write the review site for these documents (the runner's call); return the path of `review/index.html`.

    Every page is rendered from the objects given. `build_site` does the same from the files, keeping unchanged
    pages.
    """
    stems = _stems(out, results)
    items = (_Item(stem, doc=r) for stem, r in sorted(zip(stems, results, strict=True), key=lambda x: x[0]))
    return _build(Path(out) / "review", items, errors or {}).index


def _build(site: Path, items: Iterable[_Item], failed: dict[str, str], fresh: Fresh | None = None) -> SiteReport:
    (site / "docs").mkdir(parents=True, exist_ok=True)
    _copy_assets(site)
    writer = IndexWriter(site)
    report = SiteReport(site / "index.html")
    shown: set[str] = set()
    version = _version()
    old = _OldState(site / STATE, version)
    with (site / (STATE + ".tmp")).open("w", encoding="utf-8") as state:
        state.write(json.dumps({"version": version}) + "\n")
        for item in items:
            known = old.get(item.stem)  # (read in step with the documents: call it for every one)
            made = fresh(item.stem) if fresh is not None else None
            if made is not None and made[0] == version:
                known = made[1]
            try:
                row, entry = _page(site, item, known, report)
            except (OSError, ValueError) as e:  # a pydantic ValidationError is a ValueError
                report.problems[str(item.path or item.stem)] = f"no review page: {_reason(e)}"
                continue
            writer.add(row)
            shown.add(item.stem)
            state.write(json.dumps(entry, ensure_ascii=False) + "\n")
    old.close()
    os.replace(site / (STATE + ".tmp"), site / STATE)
    _remove_stale(site / "docs", shown)
    report.documents = writer.rows
    writer.close({**failed, **report.problems})
    return report


def _page(site: Path, item: _Item, old: list[Any] | None, report: SiteReport) -> tuple[IndexRow, list[Any]]:
    """Write (or keep) one document page; return its index row and its state entry."""
    page = site / "docs" / f"{item.stem}.html"
    doc_stat = _stat(item.path) if item.path is not None else None
    if old is not None and doc_stat is not None and old[1] == doc_stat and page.exists():
        src_path, src_stat = old[2]
        if _stat(Path(src_path)) == src_stat:
            report.kept += 1
            return IndexRow.from_list(old[3]), old
    report.rendered += 1
    return _render(site, item)


def _render(site: Path, item: _Item) -> tuple[IndexRow, list[Any]]:
    """Render and write one document page; return its index row and its state entry."""
    page = site / "docs" / f"{item.stem}.html"
    doc_stat = _stat(item.path) if item.path is not None else None
    doc, not_understood = item.load()
    raw = raw_text(doc)
    links = Links(source=_href(Path(doc.source.path), page.parent) if raw is not None else None)
    _write_parts(page, render_document_parts(doc, raw, not_understood, links))
    row = IndexRow.of(item.stem, doc, len(not_understood))
    return row, [item.stem, doc_stat, [doc.source.path, _stat(Path(doc.source.path))], row.as_list()]


CHUNK = 1 << 16  # characters of a page encoded and written at once


def _write_parts(path: Path, parts: Iterable[str]) -> None:
    """Write a page piece by piece through a temporary file (see `write_atomic`), never holding it whole.

    The pieces (a fact row each) are joined into chunks of about `CHUNK` characters, each encoded and written in
    one call: a write per row costs more than the encoding.
    """
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as f:
        chunk: list[str] = []
        size = 0
        for part in parts:
            chunk.append(part)
            size += len(part)
            if size >= CHUNK:
                f.write("".join(chunk).encode("utf-8"))
                chunk, size = [], 0
        f.write("".join(chunk).encode("utf-8"))
    os.replace(tmp, path)


class _OldState:
    """The previous build's state, read alongside the documents (both in the order of their names)."""

    def __init__(self, path: Path, version: str) -> None:
        """Open the state file; a missing file or one from another version of this code holds nothing."""
        self._lines: Iterator[str] = iter(())
        self._file = path.open(encoding="utf-8") if path.exists() else None
        self._next: list[Any] | None = None
        if self._file is not None:
            try:
                same = json.loads(self._file.readline()).get("version") == version
            except (ValueError, AttributeError):
                same = False
            if same:
                self._lines = iter(self._file)
                self._advance()

    def get(self, stem: str) -> list[Any] | None:
        """The entry of `stem`, if the previous build had one."""
        while self._next is not None and self._next[0] < stem:
            self._advance()
        return self._next if self._next is not None and self._next[0] == stem else None

    def close(self) -> None:
        """Close the file."""
        if self._file is not None:
            self._file.close()

    def _advance(self) -> None:
        line = next(self._lines, None)
        try:
            self._next = json.loads(line) if line else None
        except ValueError:
            self._next = None


def _documents(out: Path, manifest: dict[str, dict[str, Any]]) -> list[tuple[str, Path]]:
    """(stem, JSON path) of every finished document, by name: the manifest's, or every `docs/*.json` without one."""
    docs = out / "docs"
    if manifest:
        names = [str(e["output"]) for e in manifest.values() if e.get("status") == "ok" and e.get("output")]
        found = [docs / n for n in names if (docs / n).is_file()]
    else:
        found = list(docs.glob("*.json")) if docs.is_dir() else []
    return sorted((p.stem, p) for p in found)


def _manifest(out: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _failed(manifest: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {p: str(e.get("error")) for p, e in manifest.items() if e.get("status") == "failed"}


def _stems(out: Path, results: list[DocumentResult]) -> list[str]:
    """Page names for documents given as objects: their output name in the manifest, else their input's stem."""
    by_path = {p: Path(str(e["output"])).stem for p, e in _manifest(Path(out)).items() if e.get("output")}
    stems: list[str] = []
    for r in results:
        stem = by_path.get(r.source.path) or Path(r.source.path).stem or "document"
        if stem in stems:
            stem = f"{stem}-{r.source.sha256[:8]}-{len(stems)}"
        stems.append(stem)
    return stems


def _stat(path: Path) -> Stat:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _href(target: Path, folder: Path) -> str | None:
    """A relative link from a page in `folder` to the input file."""
    try:
        rel = os.path.relpath(target.resolve(), folder.resolve())
    except (OSError, ValueError):
        return None
    return quote(Path(rel).as_posix(), safe="/")


def _copy_assets(site: Path) -> None:
    (site / "assets").mkdir(parents=True, exist_ok=True)
    for name in ASSETS:
        text = (PACKAGE / "assets" / name).read_text(encoding="utf-8")
        target = site / "assets" / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            write_atomic(target, text)


def _remove_stale(docs: Path, shown: set[str]) -> None:
    for page in docs.glob("*.html"):
        if page.stem not in shown:
            page.unlink()


@cache
def _version_once() -> str:
    """`_version` for the pages of a run's workers (the code does not change while a process runs)."""
    return _version()


def _version() -> str:
    """A hash of this package's code and assets: pages made by other code are rendered again."""
    h = hashlib.sha256()
    for f in sorted([*PACKAGE.glob("*.py"), *(PACKAGE / "assets").glob("*")]):
        h.update(f.name.encode("utf-8") + f.read_bytes())
    return h.hexdigest()[:16]


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [x.model_dump() if hasattr(x, "model_dump") else x for x in items]


def _reason(e: Exception) -> str:
    """One line saying what is wrong with a document JSON (or with writing its page)."""
    if isinstance(e, ValidationError):
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "document"
        more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
        return f"not a document JSON: {where}: {first['msg']}{more}"
    if isinstance(e, json.JSONDecodeError):
        return f"not valid JSON: {e.msg} at line {e.lineno} column {e.colno}"
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
