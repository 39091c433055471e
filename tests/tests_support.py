"""Helpers for tests: make real PDF and DOCX files from lines of text."""

from __future__ import annotations

from pathlib import Path


def write_pdf(path: Path, pages: list[list[str]], font_size: int = 10) -> None:
    """Write a PDF with one page per list of lines, using a built-in CJK font (no font files needed)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=A4)
    for lines in pages:
        y = A4[1] - 60
        for line in lines:
            c.setFont("STSong-Light", font_size)
            c.drawString(40, y, line.replace("\t", "    "))
            y -= font_size * 1.6
            if y < 40:
                c.showPage()
                y = A4[1] - 60
        c.showPage()
    c.save()


def write_docx(path: Path, lines: list[str]) -> None:
    """Write a DOCX: tab-separated lines become table rows (consecutive ones one table), others paragraphs."""
    import docx

    d = docx.Document()
    i = 0
    while i < len(lines):
        if "\t" in lines[i]:
            j = i
            while j < len(lines) and "\t" in lines[j]:
                j += 1
            rows = [line.split("\t") for line in lines[i:j]]
            width = max(len(r) for r in rows)
            table = d.add_table(rows=len(rows), cols=width)
            for r, row in enumerate(rows):
                for col, cell in enumerate(row):
                    table.cell(r, col).text = cell
            i = j
        else:
            d.add_paragraph(lines[i])
            i += 1
    d.save(str(path))
