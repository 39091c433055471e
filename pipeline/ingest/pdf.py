"""Read PDF files: the text layer of every page in reading order, pages separated by form feeds."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import InputError
from pipeline.ingest.base import Read


def read_pdf(p: Path) -> Read:
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
    return Read("\f".join(pages) + "\n", "pdf", pages=len(pages))
