"""Read .docx files: paragraphs and tables in document order, a table row as one tab-separated line."""

from __future__ import annotations

import zipfile
from pathlib import Path

from pipeline.errors import InputError


def read_docx(p: Path) -> str:
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
