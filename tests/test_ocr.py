"""OCR with the real engine (its models ship in the wheel): rendered reports and corpus pages read back.

Pages are made here: report text typeset to PDF (an embedded CJK font), rendered to images, OCR'd, and the
pipeline's facts compared with those of the same text read directly; corpus PDF pages rendered to images and
their OCR'd numbers compared with the PDF's own text layer. A few pages only: the rest is in bench/bench_ocr.py.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import read_report
from ocr_support import number_tokens, render_pages, render_report_tiff, write_report_pdf

from pipeline.corpus_goldens import corpus_dir
from pipeline.document import process_raw
from pipeline.errors import InputError
from pipeline.evaluate import FactKey, result_key, score_facts
from pipeline.ingest import RawDocument, read_document
from pipeline.ingest import ocr as ocr_module
from pipeline.ingest.ocr import (
    LOW_CONFIDENCE,
    OCR_INSTALL_HINT,
    OcrPage,
    ocr_image,
    ocr_pdf_page,
    page_text,
    reread_left,
)
from pipeline.ingest.ocr_grid import OcrCell, OcrLine, Rulings, TextBox
from pipeline.textutil import fold
from schemas.document import DocumentResult

if TYPE_CHECKING:
    import numpy as np

CORPUS = corpus_dir()


def keys(result: DocumentResult) -> set[FactKey]:
    return {result_key(f) for f in [*result.facts, *result.tables]}


def text_run(text: str) -> set[FactKey]:
    return keys(process_raw(RawDocument("excerpt.txt", text, "0" * 64, "txt")))


def excerpt(stem: str, first: int, last: int) -> str:
    """Lines first..last (1-based, inclusive) of a sample report."""
    return "\n".join(read_report(stem).splitlines()[first - 1 : last]) + "\n"


EXCERPTS = {  # (stem, first line, last line): one landscape page each
    "003": ("003_7c46becd3f9fd372", 61, 131),  # 部门概况 … 三公 prose and the 三公 ruled table
    "000": ("000_71be4926d984000e", 1, 20),  # 部门概况, 收入支出决算总体情况 prose
}


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, RawDocument]]:
    """Each excerpt typeset, rendered at 200 dpi to a TIFF and read back by OCR (once for the module)."""
    out = {}
    for name, (stem, first, last) in EXCERPTS.items():
        text = excerpt(stem, first, last)
        out[name] = (text, read_document(render_report_tiff(text, tmp_path_factory.mktemp(name) / stem, dpi=200)))
    return out


@pytest.mark.parametrize("name", list(EXCERPTS))
def test_facts_of_an_ocrd_report_match_the_text_run(scanned: dict[str, tuple[str, RawDocument]], name: str) -> None:
    text, raw = scanned[name]
    expected = text_run(text)
    assert len(expected) >= 10  # the excerpt is worth reading
    got = keys(process_raw(raw))
    score, _ = score_facts(expected, got)
    assert score.f1 >= 0.9, (score.summary(), sorted(expected - got), sorted(got - expected))
    assert raw.layout is not None and raw.layout.ocr_pages == list(range(1, (raw.pages or 0) + 1))


def test_ruled_table_rows_come_back_as_tab_separated_cells(scanned: dict[str, tuple[str, RawDocument]]) -> None:
    text, raw = scanned["003"]
    rows = [line for line in text.splitlines() if "\t" in line]  # 三公 table: 项目 / 本年预算数
    assert raw.layout is not None
    (table,) = raw.layout.tables
    assert [same_glyphs(r) for r in raw.text[table.span[0] : table.span[1]].split("\n")] == [
        same_glyphs(r) for r in rows
    ]
    assert (table.rows, table.columns, table.method, table.header_rows) == (7, 2, "ocr", 1)
    assert table.header_paths == [["项目"], ["本年预算数"]]


def same_glyphs(text: str) -> str:
    """Text up to what a scan cannot tell apart: full- or half-width forms (１ 1, （ (, ． .) and spaces."""
    return fold(text).replace(" ", "").replace("（", "(").replace("）", ")")


def corpus_pdf(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"corpus PDF {name} not present")
    return path


def text_layer(path: Path, index: int) -> str:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return pdf.pages[index].extract_text() or ""


@pytest.mark.parametrize(
    ("name", "index"),
    [
        pytest.param("putuo-shangwuwei-2025-bumen-yusuan.pdf", 9, id="putuo-income-table"),
        pytest.param("jiangsu-gaoyuan-2019-bumen-yusuan.pdf", 10, id="jiangsu-basic-expenditure-table"),
        pytest.param("shanghai-caizhengju-2025-danwei-yusuan.pdf", 5, id="shanghai-budget-narrative"),
    ],
)
def test_every_number_of_a_corpus_page_is_read_exactly(tmp_path: Path, name: str, index: int) -> None:
    path = corpus_pdf(name)
    expected = Counter(number_tokens(text_layer(path, index)))
    assert sum(expected.values()) >= 20
    (image,) = render_pages_of(path, index, tmp_path)
    raw = read_document(image)
    got = Counter(number_tokens(raw.text))
    assert expected - got == Counter(), f"missed or misread: {sorted((expected - got).elements())}"


def render_pages_of(path: Path, index: int, tmp_path: Path) -> list[Path]:
    """One page of a PDF saved as a PNG at 200 dpi (a scan of it)."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(path))
    try:
        image = doc[index].render(scale=200 / 72, grayscale=True).to_pil()
    finally:
        doc.close()
    out = tmp_path / f"{path.stem}-{index + 1}.png"
    image.save(out, dpi=(200, 200))
    return [out]


def test_multipage_tiff_is_one_document_with_a_page_per_frame(tmp_path: Path) -> None:
    text = "第一页：本年收入合计381.13万元。\n" + "\n" * 0
    pdf = tmp_path / "two.pdf"
    write_report_pdf(text, pdf)
    page1 = render_pages(pdf, 150)[0]
    write_report_pdf("第二页：本年支出合计372.50万元。\n", pdf)
    page2 = render_pages(pdf, 150)[0]
    tif = tmp_path / "two.tif"
    page1.save(tif, save_all=True, append_images=[page2], dpi=(150, 150))  # type: ignore[attr-defined]
    raw = read_document(tif)
    assert raw.format == "tif" and raw.pages == 2
    assert raw.text.rstrip("\n").split("\f") == ["第一页：本年收入合计381.13万元。", "第二页：本年支出合计372.50万元。"]
    assert raw.layout is not None
    assert [p.page for p in raw.layout.pages] == [1, 2] and all(p.ocr for p in raw.layout.pages)
    for line in raw.layout.lines:
        assert raw.text[line.span[0] : line.span[1]].strip()
    # A4 landscape at 150 dpi read back in points
    assert raw.layout.pages[0].width == pytest.approx(841.89, abs=1)
    assert raw.layout.ocr_confidence is not None and raw.layout.ocr_confidence > 0.9


def test_pdf_page_without_text_layer_is_read_with_boxes_in_points(tmp_path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    src = tmp_path / "src.pdf"
    write_report_pdf("2021年一般公共预算财政拨款支出3,162,923.00元。\n", src)
    image = render_pages(src, 200)[0]
    scanned = tmp_path / "scanned.pdf"  # the page as an image only: no text layer
    c = canvas.Canvas(str(scanned), pagesize=(A4[1], A4[0]))
    c.drawImage(ImageReader(image), 0, 0, width=A4[1], height=A4[0])
    c.save()
    assert text_layer(scanned, 0) == ""
    page = ocr_pdf_page(scanned, 0)
    (line,) = page.lines
    assert line.text == "2021年一般公共预算财政拨款支出3,162,923.00元。"
    x0, top, x1, bottom = line.bbox
    # the paragraph starts inside the 15 mm margins and the frame's 6 pt padding (48.5 pt), 10 pt type
    assert 44 < x0 < 52 and 44 < top < 56 and bottom - top < 20 and x1 > x0 + 200
    assert (page.width, page.height) == pytest.approx((A4[1], A4[0]), abs=1)
    with pytest.raises(InputError, match="no page 2 to OCR: the PDF has 1 pages"):
        ocr_pdf_page(scanned, 1)


def _mixed_pdf(tmp_path: Path) -> Path:
    """Page 1 with a text layer, page 2 a scan (the same kind of page as an image only)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    src = tmp_path / "src.pdf"
    write_report_pdf("2021年一般公共预算财政拨款支出3,162,923.00元。\n", src)
    image = render_pages(src, 200)[0]
    mixed = tmp_path / "mixed.pdf"
    c = canvas.Canvas(str(mixed), pagesize=(A4[1], A4[0]))
    c.setFont("Helvetica", 12)
    c.drawString(60, 500, "2021 page one 381.13")
    c.showPage()
    c.drawImage(ImageReader(image), 0, 0, width=A4[1], height=A4[0])
    c.save()
    return mixed


def test_a_scanned_page_of_a_pdf_is_read_by_ocr_in_its_place(tmp_path: Path) -> None:
    raw = read_document(_mixed_pdf(tmp_path))
    first, second = raw.text.split("\f")
    assert "381.13" in first
    assert second.strip() == "2021年一般公共预算财政拨款支出3,162,923.00元。"
    assert raw.layout is not None and raw.layout.ocr_pages == [2]
    ocr_page = raw.layout.pages[1]
    assert ocr_page.ocr and ocr_page.ocr_confidence is not None and ocr_page.ocr_confidence > 0.9
    (line,) = raw.layout.lines
    assert raw.text[line.span[0] : line.span[1]] == second.strip()
    assert not raw.layout.pages[0].ocr


def test_a_scanned_page_without_the_ocr_extra_is_a_warning(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    mixed = _mixed_pdf(tmp_path)
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)
    raw = read_document(mixed)
    assert "381.13" in raw.text and raw.layout is not None and raw.layout.ocr_pages == []
    assert any("pages 2 have no text layer" in w and "pip install budget-extract[ocr]" in w for w in raw.warnings)


def test_low_confidence_numbers_are_warned_about() -> None:
    cells = (OcrCell("基本支出", (0, 0, 40, 10), 0.99), OcrCell("381.18", (50, 0, 80, 10), LOW_CONFIDENCE - 0.1))
    page = OcrPage(100, 100, (OcrLine(cells, (0, 0, 80, 10), 0.9),), ())
    out = page_text(page, 3, 0)
    (warning,) = out.warnings
    assert "page 3" in warning and "381.18" in warning and f"{LOW_CONFIDENCE - 0.1:.2f}" in warning
    confident = OcrPage(100, 100, (OcrLine((cells[0],), (0, 0, 40, 10), 0.99),), ())
    assert page_text(confident, 1, 0).warnings == []


def test_missing_ocr_extra_is_one_clear_input_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from PIL import Image

    ocr_module._engine.cache_clear()
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # as if the extra were not installed
    try:
        f = tmp_path / "scan.png"
        Image.new("RGB", (50, 50), "white").save(f)
        with pytest.raises(InputError) as info:
            read_document(f)
        assert str(info.value) == f"{f}: {OCR_INSTALL_HINT}"
        assert "pip install budget-extract[ocr]" in str(info.value)
    finally:
        ocr_module._engine.cache_clear()


def test_unreadable_image_is_an_input_error(tmp_path: Path) -> None:
    f = tmp_path / "broken.png"
    f.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(InputError, match="not a readable image"):
        read_document(f)


def test_numpy_and_pil_images_read_the_same(tmp_path: Path) -> None:
    import numpy as np

    pdf = tmp_path / "n.pdf"
    write_report_pdf("三公经费合计0.97万元\n", pdf)
    image = render_pages(pdf, 150)[0]
    from_pil = ocr_image(image, 150 / 72)
    from_array = ocr_image(np.asarray(image), 150 / 72)  # a grey H×W array
    assert [ln.text for ln in from_pil.lines] == [ln.text for ln in from_array.lines] == ["三公经费合计0.97万元"]


def _page_ink(stroke: tuple[int, int] | None) -> np.ndarray:
    """A 60 x 300 px page at one pixel a point: a vertical ruling at x = 100, a stroke from x0 to x1 right of it."""
    import numpy as np

    ink = np.zeros((60, 300), dtype=bool)
    ink[:, 99:102] = True
    if stroke:
        ink[28:31, stroke[0] : stroke[1]] = True
    return ink


RULED = Rulings(((100.0, 0.0, 60.0), (300.0, 0.0, 60.0)), ((0.0, 100.0, 300.0), (60.0, 100.0, 300.0)))


@pytest.mark.parametrize(
    ("x0", "stroke", "reading", "expected"),
    [
        pytest.param(118, (104, 116), "一般行政管理事务", "一般行政管理事务", id="first-character-read-again"),
        pytest.param(118, (104, 116), "其他商品和服务支出", "般行政管理事务", id="another-reading-is-not-taken"),
        pytest.param(118, None, None, "般行政管理事务", id="no-ink-beside-the-ruling"),
        pytest.param(105, (103, 105), None, "般行政管理事务", id="box-starts-at-the-ruling"),
    ],
)
def test_a_first_character_left_beside_a_ruling_is_read_again(
    x0: float, stroke: tuple[int, int] | None, reading: str | None, expected: str
) -> None:
    """The detector takes a `一` touching the cell's left ruling for part of the line; the strip is read again."""
    asked: list[tuple[int, int, int, int]] = []

    def read(px: tuple[int, int, int, int]) -> tuple[str, float]:
        asked.append(px)
        assert reading is not None, "nothing to read again"
        return reading, 0.98

    b = TextBox("般行政管理事务", (x0, 20, x0 + 84, 38), 0.99)
    (out,) = reread_left([b], RULED, _page_ink(stroke), 1.0, read)
    assert out.text == expected
    if expected != b.text:
        assert asked[0][0] > 101 and asked[0][2] == x0 + 84  # from past the ruling to the box's end
        assert out.box[0] == asked[0][0] and out.confidence == 0.98


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        pytest.param("财政拨款支出预算表 (功能科目）", "财政拨款支出预算表（功能科目）", id="half-open-full-close"),
        pytest.param("便携式计算机（20万以下)", "便携式计算机（20万以下）", id="full-open-half-close"),
        pytest.param("公共财政拨款(补助)资金", "公共财政拨款(补助)资金", id="a-consistent-pair-stays"),
        pytest.param("9, 389, 913. 00", "9,389,913.00", id="wide-commas"),
        pytest.param("丶", "、", id="enumeration-comma"),
    ],
)
def test_known_misreadings_of_a_box_are_undone(read: str, expected: str) -> None:
    assert ocr_module.normalise(read) == expected
