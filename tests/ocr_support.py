"""Helpers for OCR tests and the OCR benchmark: typeset a report's text as a PDF, render it to page images.

Prose lines become wrapped paragraphs; a run of tab-separated lines becomes one table with ruling lines (a grid)
or, with `ruled=False`, without. Pages are A4 landscape so the widest sample tables fit at a legible size. The
font is embedded (a Song-style CJK TrueType font from the system's fonts, Debian's fonts-arphic-uming), so any
renderer draws the same glyphs.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

NUMBER_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
FONT = "UMingCN"
PAD = 3  # cell padding, points
FONT_FILES = ("uming.ttc",)
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")


def font_file() -> Path | None:
    """The CJK TrueType font the reports are typeset in, or None when it is not installed."""
    for d in FONT_DIRS:
        for name in FONT_FILES:
            found = sorted(d.rglob(name)) if d.is_dir() else []
            if found:
                return found[0]
    return None


def register_font() -> None:
    """Register the embedded CJK font with reportlab (raises FileNotFoundError saying what to install)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = font_file()
    if path is None:
        raise FileNotFoundError("no CJK TrueType font: apt-get install fonts-arphic-uming")
    pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))


def number_tokens(text: str) -> list[str]:
    """Every number written in the text, thousands separators kept (what 'read exactly' compares)."""
    return NUMBER_RE.findall(text)


def blocks(text: str) -> list[tuple[str, list[str]]]:
    """The text as ('p', [line]) paragraphs and ('t', rows) runs of tab-separated lines."""
    out: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if "\t" in line:
            if out and out[-1][0] == "t":
                out[-1][1].append(line)
            else:
                out.append(("t", [line]))
        elif line.strip():
            out.append(("p", [line.strip()]))
    return out


def write_report_pdf(text: str, path: Path, ruled: bool = True, font_size: float = 10) -> None:
    """Typeset a report's text to a PDF with a built-in CJK font (no font files needed)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    register_font()
    page = landscape(A4)
    margin = 15 * mm
    doc = SimpleDocTemplate(str(path), pagesize=page, leftMargin=margin, rightMargin=margin, topMargin=margin)
    width = page[0] - 2 * margin
    style = ParagraphStyle("p", fontName=FONT, fontSize=font_size, leading=font_size * 1.6, wordWrap="CJK")
    story: list[object] = []
    for kind, lines in blocks(text):
        if kind == "p":
            story.append(Paragraph(escape(lines[0]), style))
        else:
            story.extend([Spacer(1, font_size * 0.6), _table(lines, width, ruled, font_size), Spacer(1, font_size)])
    doc.build(story)


def _table(lines: list[str], width: float, ruled: bool, font_size: float) -> object:
    """One table: columns as wide as their widest cell, long text columns sharing what is left, wrapped."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table, TableStyle

    rows = [line.split("\t") for line in lines]
    n = max(len(r) for r in rows)
    rows = [r + [""] * (n - len(r)) for r in rows]
    size = font_size * 0.9
    natural = [max(_width(r[k], size) for r in rows) + 2 * PAD + 2 for k in range(n)]
    while sum(min(w, 12 * size) for w in natural) > width and size > 5.5:
        size -= 0.5
        natural = [max(_width(r[k], size) for r in rows) + 2 * PAD + 2 for k in range(n)]
    widths = _fit(natural, width, size)
    style = ParagraphStyle("c", fontName=FONT, fontSize=size, leading=size * 1.3, wordWrap="CJK")
    cells = [[Paragraph(escape(c), style) if c else "" for c in r] for r in rows]
    table = Table(cells, colWidths=widths, repeatRows=0)
    commands: list[tuple[object, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
    ]
    if ruled:
        commands.append(("GRID", (0, 0), (-1, -1), 0.6, "black"))
    table.setStyle(TableStyle(commands))
    return table


def _fit(natural: list[float], width: float, size: float) -> list[float]:
    """Column widths within the page: short columns keep their width, long ones share the rest."""
    if sum(natural) <= width:
        return natural
    short = [w <= 12 * size for w in natural]
    left = width - sum(w for w, s in zip(natural, short, strict=True) if s)
    long_total = sum(w for w, s in zip(natural, short, strict=True) if not s)
    return [w if s else max(3 * size, left * w / long_total) for w, s in zip(natural, short, strict=True)]


def _width(text: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(stringWidth(text, FONT, size))


def render_pages(pdf: Path, dpi: int) -> list[object]:
    """The PDF's pages as grey PIL images at `dpi`."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        return [doc[i].render(scale=dpi / 72, grayscale=True).to_pil() for i in range(len(doc))]
    finally:
        doc.close()


def render_report_tiff(text: str, out: Path, dpi: int = 200, ruled: bool = True) -> Path:
    """Typeset `text`, render it and save the pages as one multi-page TIFF (a scanned report) at `out`.tif."""
    pdf = out.with_suffix(".pdf")
    write_report_pdf(text, pdf, ruled=ruled)
    pages = render_pages(pdf, dpi)
    tif = out.with_suffix(".tif")
    pages[0].save(tif, save_all=True, append_images=pages[1:], compression="tiff_deflate", dpi=(dpi, dpi))  # type: ignore[attr-defined]
    return tif
