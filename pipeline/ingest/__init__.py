"""Read an input file into raw text: .txt/.md (UTF-8, UTF-8-BOM, GB18030/GBK), .docx, .pdf, .html, .xlsx and images (OCR).

The raw text is what every span in the output points into, so ingestion never normalises anything: it only
decodes (text files) or serialises the document's content in reading order (DOCX paragraphs and tables, PDF
pages separated by form feeds, HTML blocks, spreadsheet sheets, a table row as one tab-separated line). A text
file laid out as a PDF's text export (pdftotext) has its tables rebuilt the same way (`text_tables`). Each
format has one reader module; the registry `READERS` maps a file suffix to it. Readers of paginated or tabular
formats also return a `Layout` (pages, table grids, OCR'd pages) that goes into the document JSON. A suffix in
`REFUSED` is recognised but not read (old binary .xls): its files fail with one line saying why.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from pipeline.errors import InputError
from pipeline.ingest.base import RawDocument, Read
from pipeline.ingest.docx import read_docx
from pipeline.ingest.html import read_html
from pipeline.ingest.image import SUFFIXES as IMAGE_SUFFIXES
from pipeline.ingest.image import read_image
from pipeline.ingest.pdf import read_pdf
from pipeline.ingest.text import decode_text
from pipeline.ingest.text_cells import rebuild_cell_streams
from pipeline.ingest.text_tables import rebuild_tables
from pipeline.ingest.xlsx import read_xlsx
from schemas.layout import Layout

__all__ = [
    "READERS",
    "REFUSED",
    "SUPPORTED_SUFFIXES",
    "RawDocument",
    "Read",
    "decode_text",
    "last_decoded",
    "read_document",
    "read_text_export",
]


def _read_text(p: Path, data: bytes) -> Read:
    text, encoding = decode_text(data, str(p))
    return _text_read(text, "md" if p.suffix.lower() in {".md", ".markdown"} else "txt", encoding)


def _text_read(text: str, fmt: str, encoding: str | None) -> Read:
    rebuilt = rebuild_tables(text)
    if rebuilt is None:
        # no table laid out with spaces: classification tables written one cell per line, if any, as rows, in a
        # layout without grids (their rows are not all there: no error check rests on them)
        cells = rebuild_cell_streams(text)
        return (
            Read(text, fmt, encoding)
            if cells is None
            else Read(cells.text, fmt, encoding, layout=Layout(tables=cells.tables))
        )
    layout = Layout(pages=rebuilt.pages, tables=rebuilt.tables)
    return Read(rebuilt.text, fmt, encoding, len(rebuilt.pages) or None, layout)


def read_text_export(name: str, text: str) -> RawDocument:
    """The document a `.txt` file holding `text` (UTF-8) reads as: what the text reader makes of it."""
    read = _text_read(text, "txt", "utf-8")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return RawDocument(
        name, read.text, digest, read.format, read.encoding, read.pages, read.layout, tuple(read.warnings)
    )


def _read_docx(p: Path, data: bytes) -> Read:
    return Read(read_docx(p), "docx")


def _read_pdf(p: Path, data: bytes) -> Read:
    return read_pdf(p)


REFUSED = {".xls": "old binary Excel workbook (.xls, Excel 97-2003) is not supported: save it as .xlsx"}


def _refuse(p: Path, data: bytes) -> Read:
    raise InputError(str(p), REFUSED[p.suffix.lower()])


Reader = Callable[[Path, bytes], Read]
READERS: dict[str, Reader] = {
    **dict.fromkeys((".txt", ".md", ".markdown", ".text"), _read_text),
    ".docx": _read_docx,
    ".pdf": _read_pdf,
    **dict.fromkeys((".html", ".htm"), read_html),
    ".xlsx": read_xlsx,
    **dict.fromkeys(REFUSED, _refuse),
    **dict.fromkeys(IMAGE_SUFFIXES, read_image),
}
SUPPORTED_SUFFIXES = set(READERS)  # a folder's refused files are listed too, each failing with its reason


def read_document(path: str | Path) -> RawDocument:
    """Read and decode one input file, raising `InputError` with the reason when it cannot be used."""
    p = Path(path)
    if not p.exists():
        raise InputError(str(p), "file not found")
    if not p.is_file():
        raise InputError(str(p), "not a regular file")
    suffix = p.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        expected = ", ".join(sorted(set(READERS) - set(REFUSED)))
        raise InputError(str(p), f"unsupported file type {suffix or '(none)'}: expected one of {expected}")
    data = p.read_bytes()
    if not data.strip():
        raise InputError(str(p), "empty file")
    read = reader(p, data)
    if not read.text.strip():
        raise InputError(str(p), "no text found (scanned or empty document?)")
    digest = hashlib.sha256(data).hexdigest()
    global _last
    _last = (str(p), digest, read.text)
    return RawDocument(
        str(p), read.text, digest, read.format, read.encoding, read.pages, read.layout, tuple(read.warnings)
    )


_last: tuple[str, str, str] | None = None  # (path, sha256 of its bytes, decoded text) of the last document read


def last_decoded(path: str, sha256: str) -> str | None:
    """The text `read_document` decoded last, if that was `path` with bytes hashing to `sha256`; else None.

    A worker reads a document for the pipeline and then once more for its review page, whose quotes need the
    raw text: the same bytes decode to the same text, so the second read takes this one (a single entry, so
    nothing accumulates across documents).
    """
    if _last is not None and _last[0] == path and _last[1] == sha256:
        return _last[2]
    return None
