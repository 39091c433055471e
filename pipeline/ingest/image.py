"""Read image files (.png .jpg .jpeg .tif .tiff) by OCR; every frame of a multi-page TIFF is a page.

The raw text is the OCR'd lines of each page in reading order (table rows as tab-separated lines), pages
separated by form feeds. Boxes are in points: the image's recorded resolution says how many pixels make a
point; an image without one is taken at 72 dpi (one pixel, one point).
"""

from __future__ import annotations

import statistics
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageSequence, UnidentifiedImageError

from pipeline.errors import InputError
from pipeline.ingest.base import Read
from pipeline.ingest.ocr import ocr_image, page_text
from schemas.layout import Layout

SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")


def read_image(p: Path, data: bytes) -> Read:
    """OCR every page of an image file into raw text, its layout and warnings for doubtful numbers."""
    frames, scale = _frames(p, data)
    layout = Layout()
    texts: list[str] = []
    warnings: list[str] = []
    start = 0
    for n, frame in enumerate(frames, start=1):
        page = ocr_image(frame, scale, source=f"{p} page {n}" if len(frames) > 1 else str(p))
        out = page_text(page, n, start)
        texts.append(out.text)
        layout.pages.append(out.page)
        layout.lines.extend(out.lines)
        layout.tables.extend(out.tables)
        layout.ocr_pages.append(n)
        warnings.extend(out.warnings)
        start += len(out.text) + 1
    confidences = [line.confidence for line in layout.lines if line.confidence is not None]
    layout.ocr_confidence = round(statistics.fmean(confidences), 4) if confidences else None
    fmt = p.suffix.lower().lstrip(".").replace("jpeg", "jpg").replace("tiff", "tif")
    return Read("\f".join(texts) + "\n", fmt, pages=len(frames), layout=layout, warnings=warnings)


def _frames(p: Path, data: bytes) -> tuple[list[Image.Image], float]:
    """The image's pages and its pixels per point."""
    try:
        image = Image.open(BytesIO(data))
        frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise InputError(str(p), f"not a readable image ({e})") from e
    dpi = image.info.get("dpi")
    scale = float(dpi[0]) / 72 if dpi and float(dpi[0]) > 1 else 1.0
    return frames, scale
