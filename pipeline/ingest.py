"""Read an input file into raw text: .txt/.md (UTF-8, UTF-8-BOM, GB18030/GBK), .docx and .pdf.

The raw text is what every span in the output points into, so ingestion never normalises anything: it only
decodes (text files) or serialises the document's content in reading order (DOCX paragraphs and tables, PDF
pages separated by form feeds).
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import InputError

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | {".docx", ".pdf"}


@dataclass(frozen=True)
class RawDocument:
    """A decoded input file."""

    path: str
    text: str
    sha256: str
    format: str
    encoding: str | None = None
    pages: int | None = None


def read_document(path: str | Path) -> RawDocument:
    """Read and decode one input file, raising `InputError` with the reason when it cannot be used."""
    p = Path(path)
    if not p.exists():
        raise InputError(str(p), "file not found")
    if not p.is_file():
        raise InputError(str(p), "not a regular file")
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(str(p), f"unsupported file type {suffix or '(none)'}: expected .txt, .md, .docx or .pdf")
    data = p.read_bytes()
    if not data.strip():
        raise InputError(str(p), "empty file")
    digest = hashlib.sha256(data).hexdigest()
    if suffix in TEXT_SUFFIXES:
        text, encoding = decode_text(data, str(p))
        doc = RawDocument(str(p), text, digest, "md" if suffix in {".md", ".markdown"} else "txt", encoding)
    elif suffix == ".docx":
        doc = RawDocument(str(p), _read_docx(p), digest, "docx")
    else:
        text, pages = _read_pdf(p)
        doc = RawDocument(str(p), text, digest, "pdf", pages=pages)
    if not doc.text.strip():
        raise InputError(str(p), "no text found (scanned or empty document?)")
    return doc


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode text bytes: UTF-8 (with or without BOM) first, then GB18030; reject binary data."""
    if b"\x00" in data[:4096]:
        raise InputError(name, "binary data, not a text file")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as e:
        raise InputError(name, f"cannot decode as UTF-8 or GB18030 ({e.reason} at byte {e.start})") from e
    if _looks_binary(text):
        raise InputError(name, "binary data, not a text file")
    return text, "gb18030"


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    return controls > max(8, len(sample) // 100)


def _read_docx(p: Path) -> str:
    """Paragraphs and tables in document order; a table row becomes one tab-separated line."""
    import docx
    from docx.document import Document as DocxDocument
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    if not zipfile.is_zipfile(p):
        raise InputError(str(p), "not a valid .docx file (not a zip archive; encrypted or corrupt?)")
    try:
        document: DocxDocument = docx.Document(str(p))
    except Exception as e:  # python-docx raises several unrelated types for broken packages
        raise InputError(str(p), f"cannot open .docx ({type(e).__name__}: {e})") from e
    lines: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            lines.append(item.text)
        elif isinstance(item, Table):
            lines.extend(_docx_table_lines(item))
    return "\n".join(lines) + "\n"


def _docx_table_lines(table: object) -> list[str]:
    from docx.table import Table

    assert isinstance(table, Table)
    lines = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            # merged cells repeat the same object: keep one copy so columns are not duplicated
            if previous is not None and cell._tc is previous:
                continue
            previous = cell._tc
            cells.append(" ".join(cell.text.split()))
        lines.append("\t".join(cells))
    return lines


def _read_pdf(p: Path) -> tuple[str, int]:
    """Text of every page in reading order, pages separated by a form feed."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    head = p.read_bytes()[:1024]
    if b"%PDF" not in head:
        raise InputError(str(p), "not a PDF file (no %PDF header)")
    try:
        with pdfplumber.open(str(p)) as pdf:
            pages = [
                page.extract_text(layout=False, x_tolerance=1.5, keep_blank_chars=False) or "" for page in pdf.pages
            ]
    except PDFPasswordIncorrect as e:
        raise InputError(str(p), "encrypted PDF: a password is required") from e
    except PDFSyntaxError as e:
        raise InputError(str(p), f"corrupt PDF ({e})") from e
    except Exception as e:  # pdfminer raises many types for damaged files
        if "password" in str(e).lower() or "encrypt" in type(e).__name__.lower():
            raise InputError(str(p), "encrypted PDF: a password is required") from e
        raise InputError(str(p), f"cannot read PDF ({type(e).__name__}: {e})") from e
    return "\f".join(pages) + "\n", len(pages)
