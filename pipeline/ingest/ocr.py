"""OCR of scanned pages and images with the PP-OCRv4 Chinese models that ship inside the `ocr` extra's wheel.

`ocr_image` reads one image (a PIL image, or a numpy array: H×W grey or H×W×3 RGB) and rebuilds its lines, cells
and tables (`pipeline.ingest.ocr_grid`), finding ruling lines with OpenCV morphology; `ocr_pdf_page` renders one
PDF page with pypdfium2 first. Boxes are in points (1/72 inch) from the page's top-left, like the rest of the
layout. A box that starts after a character touching its cell's left ruling (the detector takes the `一` of
`一般公共服务支出` for part of the line) is read again from the ruling (`reread_left`). `page_text` turns an
`OcrPage` into the raw text of the page plus its layout records and warnings.

The OCR libraries are imported on first use only: without the extra, asking for OCR raises one `InputError`
saying how to install it. Nothing is downloaded at run time: the model files are read from the installed wheel.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from pipeline.errors import InputError
from pipeline.ingest.ocr_grid import OcrCell, OcrLine, OcrTable, Rulings, TextBox, build_lines
from pipeline.ingest.ocr_rulings import MEET, grid_rulings, left_ruling
from schemas.layout import LineBox, PageLayout, TableLayout

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "LOW_CONFIDENCE",
    "OCR_INSTALL_HINT",
    "PDF_DPI",
    "OcrCell",
    "OcrLine",
    "OcrPage",
    "OcrTable",
    "PageText",
    "ocr_image",
    "ocr_pdf_page",
    "page_text",
    "reread_left",
]

OCR_INSTALL_HINT = "this input needs OCR, which is not installed: pip install budget-extract[ocr]"
PDF_DPI = 200  # rendering resolution for PDF pages without a text layer (see README: OCR figures)
LOW_CONFIDENCE = 0.95  # a cell with a number recognised below this confidence gets a warning
REREAD_GAP = (0.3, 2.5)  # a box starting this far (box heights) right of its cell's ruling, ink between: read again
_INK = 200  # grey level below which a pixel is ink (a thin stroke rendered grey included)
_MAX_SIDE = 6000  # the engine would shrink larger images (its default 2000 px is ~170 dpi on A4)
_DIGIT = re.compile(r"\d")
_NUMBERS = re.compile(r"\d+(?:[,，.]\d+)*")
_FOLD = str.maketrans({"丶": "、"})  # the radical 丶 is the model's reading of the enumeration comma 、
_WIDE_COMMA = re.compile(r"(?<=\d)，(?=\d{3}(?!\d))")  # 37，151.47: a thousands separator read as a CJK comma
_MIXED_BRACKETS = re.compile(r"\s?\(([^()（）]*)）|\s?（([^()（）]*)\)")
_ZERO_AS_O = re.compile(r"[\dOo.,%]*[Oo][\dOo.,%]*")  # a box of digits where the model read 0 as o / O
_NUMBER_SPACE = re.compile(
    r"(?<=\d,)\s+(?=\d{3}(?!\d))|(?<=\d\.)\s+(?=\d{1,2}(?!\d))|(?<=\d)\s+(?=[,.]\d)"
)  # 9, 389, 913. 00 (wide commas)


@dataclass(frozen=True)
class OcrPage:
    """One OCR'd page: its size in points, lines in reading order and the tables among them."""

    width: float
    height: float
    lines: tuple[OcrLine, ...]
    tables: tuple[OcrTable, ...]

    @property
    def confidence(self) -> float | None:
        """Mean confidence of the page's lines (None for a page without text)."""
        return statistics.fmean(line.confidence for line in self.lines) if self.lines else None


@dataclass
class PageText:
    """What one OCR'd page adds to a document: its raw text and the layout records pointing into it."""

    text: str
    page: PageLayout
    lines: list[LineBox] = field(default_factory=list)
    tables: list[TableLayout] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def ocr_image(image: Image.Image | np.ndarray, scale: float = 1.0, source: str = "image") -> OcrPage:
    """OCR one image; `scale` is pixels per point (boxes are divided by it), `source` names it in errors."""
    engine, cv2, numpy = _libraries(source)
    rgb = _as_rgb(image, numpy)
    result, _ = engine(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    boxes = [_text_box(quad, text, conf, scale) for quad, text, conf in result or [] if text.strip()]
    unit = statistics.median(b.height for b in boxes) if boxes else 0.0
    rulings = find_rulings(rgb, unit * scale, scale) if boxes else Rulings()
    if rulings.vertical:
        ink = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) < _INK
        grid = grid_rulings(rulings, unit * MEET)
        boxes = reread_left(boxes, grid, ink, scale, lambda px: _recognise(engine, cv2, rgb, px))
    lines, tables = build_lines(boxes, rulings)
    height, width = rgb.shape[:2]
    return OcrPage(width / scale, height / scale, tuple(lines), tuple(tables))


def ocr_pdf_page(path: Path, index: int, scale: float = PDF_DPI / 72) -> OcrPage:
    """Render page `index` (0-based) of a PDF at `scale` pixels per point and OCR it; boxes in PDF points."""
    import pypdfium2

    _libraries(str(path))
    try:
        pdf = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as e:
        raise InputError(str(path), f"cannot render PDF page for OCR ({e})") from e
    try:
        if not 0 <= index < len(pdf):
            raise InputError(str(path), f"no page {index + 1} to OCR: the PDF has {len(pdf)} pages")
        image = pdf[index].render(scale=scale, grayscale=True).to_pil()
    finally:
        pdf.close()
    return ocr_image(image, scale, source=f"{path} page {index + 1}")


def reread_left(
    boxes: list[TextBox],
    rulings: Rulings,
    ink: np.ndarray,
    scale: float,
    read: Callable[[tuple[int, int, int, int]], tuple[str, float]],
) -> list[TextBox]:
    """Boxes whose first characters the detector left beside their cell's left ruling, read again from it.

    A stroke touching a vertical ruling (the `一` of `一般公共服务支出` or of `一、`) is taken for part of the line,
    so the box starts after it. When a box starts between `REREAD_GAP` box heights right of the ruling on its left
    and there is ink in between, the strip from the ruling to the box's end (`read`: pixel box x0, top, x1, bottom)
    is recognised again; the new reading replaces the box's text when it is the old one after one or two more
    characters. `ink` is the page's dark pixels, `scale` pixels per point.
    """
    out = []
    for b in boxes:
        left = left_ruling(b, rulings)
        lo, hi = REREAD_GAP
        if left is None or not lo * b.height < b.box[0] - left < hi * b.height:
            out.append(b)
            continue
        top, bottom = round(b.box[1] * scale), round(b.box[3] * scale)
        start, end = _past_line(ink, round(left * scale), top, bottom), round(b.box[0] * scale)
        inner = slice(top + (bottom - top) // 5, bottom - (bottom - top) // 5)  # not a horizontal ruling at an edge
        if start >= end or int(ink[inner, start:end].sum()) < (bottom - top) / 4:
            out.append(b)
            continue
        text, confidence = read((start, top, round(b.box[2] * scale), bottom))
        text = normalise(text)
        if text.endswith(b.text) and 1 <= len(text) - len(b.text) <= 2:
            b = TextBox(text, (start / scale, *b.box[1:]), min(b.confidence, confidence))
        out.append(b)
    return out


def _past_line(ink: np.ndarray, x: int, top: int, bottom: int) -> int:
    """The first pixel column right of the vertical ruling at column `x` (its ink covers most of the rows)."""
    rows = max(bottom - top, 1)
    start = max(x - 4, 0)
    while start < ink.shape[1] and start <= x + 8 and ink[top:bottom, start].sum() < 0.8 * rows:
        start += 1  # to the line
    while start < ink.shape[1] and ink[top:bottom, start].sum() >= 0.8 * rows:
        start += 1  # across it
    return start + 1


def _recognise(engine: Any, cv2: Any, rgb: np.ndarray, px: tuple[int, int, int, int]) -> tuple[str, float]:
    """The recogniser's reading of one pixel box of the page (no detection)."""
    x0, top, x1, bottom = px
    crop = cv2.cvtColor(rgb[top:bottom, x0:x1].copy(), cv2.COLOR_RGB2BGR)
    (text, confidence), *_ = engine.text_rec([crop])[0]
    return str(text), float(confidence)


def find_rulings(rgb: np.ndarray, unit_px: float, scale: float = 1.0) -> Rulings:
    """Long horizontal and vertical lines of the image (OpenCV morphology), in points.

    A vertical ruling must be longer than 1.2 text-box heights (no glyph stroke is), a horizontal one longer than
    4 (a dash or a CJK stroke is not); both thinner than a quarter of a box height.
    """
    _, cv2, _ = _libraries("image")
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    thick = max(2.0, unit_px / 4)
    v = _segments(cv2, ink, (1, max(3, round(unit_px * 1.2))), thick, vertical=True)
    h = _segments(cv2, ink, (max(3, round(unit_px * 4)), 1), thick, vertical=False)
    return Rulings(
        tuple((x / scale, a / scale, b / scale) for x, a, b in v),
        tuple((y / scale, a / scale, b / scale) for y, a, b in h),
    )


def _segments(cv2: Any, ink: Any, kernel: tuple[int, int], thick: float, vertical: bool) -> list[tuple[float, ...]]:
    """Connected line segments left by an opening with a long thin kernel: (position, start, end)."""
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
    n, _, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    out: list[tuple[float, ...]] = []
    for x, y, w, h, _area in stats[1:n]:
        if vertical and w <= thick:
            out.append((x + w / 2, float(y), float(y + h)))
        elif not vertical and h <= thick:
            out.append((y + h / 2, float(x), float(x + w)))
    return out


def page_text(page: OcrPage, number: int, start: int) -> PageText:
    """The page's raw text (lines joined by newlines, table rows tab-separated) starting at raw offset `start`."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = start
    for line in page.lines:
        spans.append((pos, pos + len(line.text)))
        parts.append(line.text)
        pos += len(line.text) + 1
    text = "\n".join(parts)
    out = PageText(
        text,
        PageLayout(
            page=number,
            span=(start, start + len(text)),
            width=round(page.width, 2),
            height=round(page.height, 2),
            ocr=True,
            ocr_confidence=_round(page.confidence),
        ),
    )
    for line, span in zip(page.lines, spans, strict=True):
        out.lines.append(LineBox(span=span, page=number, bbox=_pt(line.bbox), confidence=_round(line.confidence)))
        out.warnings.extend(_low_confidence(line, number))
    out.tables = [_table_layout(page, t, spans, number) for t in page.tables]
    return out


def _table_layout(page: OcrPage, t: OcrTable, spans: list[tuple[int, int]], number: int) -> TableLayout:
    rows = page.lines[t.first : t.last + 1]
    header = 0
    while header < len(rows) - 1 and not any(_is_number(c.text) for c in rows[header].cells):
        header += 1
    paths = [_header_path(rows[:header], t, k) for k in range(t.columns)]
    box = (
        min(r.bbox[0] for r in rows),
        min(r.bbox[1] for r in rows),
        max(r.bbox[2] for r in rows),
        max(r.bbox[3] for r in rows),
    )
    return TableLayout(
        page=number,
        bbox=_pt(box),
        span=(spans[t.first][0], spans[t.last][1]),
        rows=len(rows),
        columns=t.columns,
        header_rows=header,
        header_paths=paths,
        method="ocr",
    )


def _header_path(rows: tuple[OcrLine, ...], t: OcrTable, k: int) -> list[str]:
    """The header texts over column k, top to bottom: a header cell spanning columns heads each of them.

    As the PDF reader writes a merged header cell (`收入` over `项目名称` and `金额`) into every column's path.
    """
    if len(t.extents) != t.columns:
        return [r.cells[k].text for r in rows if k < len(r.cells) and r.cells[k].text]
    c0, c1 = t.extents[k]
    mid = (c0 + c1) / 2
    path: list[str] = []
    for r in rows:
        inside = [c for j, c in enumerate(r.cells) if c.text and (j == k or (c.bbox and c.bbox[0] < mid < c.bbox[2]))]
        path.extend(c.text for c in inside[:1])
    return path


def _low_confidence(line: OcrLine, number: int) -> list[str]:
    """One warning per cell holding a number that was recognised with low confidence."""
    out = []
    for cell in line.cells:
        if cell.confidence is not None and cell.confidence < LOW_CONFIDENCE and _DIGIT.search(cell.text):
            numbers = "、".join(_NUMBERS.findall(cell.text))
            out.append(
                f"page {number}: OCR read {numbers} with low confidence ({cell.confidence:.2f}) in "
                f"“{cell.text[:40]}”: check it against the scan"
            )
    return out


def _is_number(text: str) -> bool:
    t = text.replace(",", "").replace("%", "").strip()
    return bool(t) and bool(re.fullmatch(r"-?\d+(\.\d+)?", t))


@lru_cache(maxsize=1)
def _engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(max_side_len=_MAX_SIDE, use_cls=False, text_score=0.3)


def _libraries(source: str) -> tuple[Any, Any, Any]:
    """The OCR engine, cv2 and numpy, or one `InputError` saying how to install them."""
    try:
        import cv2
        import numpy

        return _engine(), cv2, numpy
    except ImportError as e:
        raise InputError(source, OCR_INSTALL_HINT) from e


def _as_rgb(image: Image.Image | np.ndarray, numpy: Any) -> np.ndarray:
    """An H×W×3 uint8 RGB array from a PIL image (any mode) or a grey / RGB / RGBA array."""
    if isinstance(image, Image.Image):
        return numpy.asarray(_flatten(image))
    arr = image.astype(numpy.uint8) if image.dtype != numpy.uint8 else image
    if arr.ndim == 2:
        return numpy.repeat(arr[:, :, None], 3, axis=2)
    if arr.ndim == 3 and arr.shape[2] in (3, 4):
        return numpy.ascontiguousarray(arr[:, :, :3])
    raise InputError("image", f"unsupported image array of shape {arr.shape}")


def _flatten(image: Image.Image) -> Image.Image:
    """RGB of a PIL image, transparency laid on white (a transparent PNG is black underneath)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")
    return image.convert("RGB")


def _text_box(quad: list[list[float]], text: str, confidence: float, scale: float) -> TextBox:
    xs = [p[0] / scale for p in quad]
    ys = [p[1] / scale for p in quad]
    return TextBox(normalise(text), (min(xs), min(ys), max(xs), max(ys)), float(confidence))


def normalise(text: str) -> str:
    """Undo the model's known misreadings of one box: 丶 for 、, ， or spaces in numbers, o for 0 among digits.

    A bracket pair read half one width, half the other (`(功能科目）`: a scan does not tell them apart) is made
    full-width, as the text layer of these reports writes it.
    """
    text = _WIDE_COMMA.sub(",", _NUMBER_SPACE.sub("", text.strip().translate(_FOLD)))
    text = _MIXED_BRACKETS.sub(lambda m: f"（{m.group(1) or m.group(2) or ''}）", text)
    if _ZERO_AS_O.fullmatch(text) and (len(text) == 1 or any(ch.isdigit() for ch in text)):
        text = text.replace("o", "0").replace("O", "0")
    return text


def _pt(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    return (round(box[0], 2), round(box[1], 2), round(box[2], 2), round(box[3], 2))


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)
