"""Ingestion: encodings, DOCX and PDF made by the tests themselves, and one clear error for unusable input."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_report

from pipeline.errors import InputError
from pipeline.ingest import read_document

SAMPLE = "2020年本年收入合计381.13万元，其中：一般公共预算财政拨款收入381.13万元，占100%。\n"


@pytest.mark.parametrize(
    ("payload", "encoding"),
    [
        pytest.param(SAMPLE.encode("utf-8"), "utf-8", id="utf8"),
        pytest.param(b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"), "utf-8-sig", id="utf8-bom"),
        pytest.param(SAMPLE.encode("gb18030"), "gb18030", id="gb18030"),
        pytest.param(SAMPLE.encode("gbk"), "gb18030", id="gbk"),
    ],
)
def test_text_encodings_are_detected(tmp_path: Path, payload: bytes, encoding: str) -> None:
    f = tmp_path / "r.txt"
    f.write_bytes(payload)
    doc = read_document(f)
    assert doc.text == SAMPLE
    assert doc.encoding == encoding
    assert doc.format == "txt"


@pytest.mark.parametrize(
    ("name", "payload", "reason"),
    [
        pytest.param("empty.txt", b"   \n", "empty file", id="empty"),
        pytest.param("bin.txt", b"\x00\x01\x02\x03binary" * 50, "binary data", id="binary"),
        pytest.param("x.pdf", b"this is not a pdf at all", "not a PDF", id="fake-pdf"),
        pytest.param("x.pdf", b"%PDF-1.4\n1 0 obj garbage", "PDF", id="corrupt-pdf"),
        pytest.param("x.docx", b"PK\x03\x04 not really a zip", "docx", id="corrupt-docx"),
        pytest.param("x.odt", b"whatever", "unsupported file type", id="unsupported"),
    ],
)
def test_unusable_input_raises_one_clear_error(tmp_path: Path, name: str, payload: bytes, reason: str) -> None:
    f = tmp_path / name
    f.write_bytes(payload)
    with pytest.raises(InputError) as info:
        read_document(f)
    assert str(f) in str(info.value)
    assert reason in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_document(tmp_path / "nope.txt")


def test_encrypted_pdf_is_reported(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    f = tmp_path / "locked.pdf"
    c = canvas.Canvas(str(f), encrypt="secret")
    c.drawString(72, 720, "locked")
    c.save()
    with pytest.raises(InputError, match="encrypted"):
        read_document(f)


def test_docx_keeps_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("第二部分 2021年度部门决算情况说明")
    d.add_paragraph("2021年本年收入合计260.70万元。")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "项目"
    table.cell(0, 1).text = "金额"
    table.cell(1, 0).text = "合计"
    table.cell(1, 1).text = "260.70"
    d.add_paragraph("其他重要事项")
    f = tmp_path / "r.docx"
    d.save(str(f))
    text = read_document(f).text
    assert text.splitlines() == [
        "第二部分 2021年度部门决算情况说明",
        "2021年本年收入合计260.70万元。",
        "项目\t金额",
        "合计\t260.70",
        "其他重要事项",
    ]


def test_pdf_keeps_pages_and_text(tmp_path: Path) -> None:
    from tests_support import write_pdf

    f = tmp_path / "r.pdf"
    write_pdf(f, [["第一部分 部门概况", "一、基本职能"], ["第二部分 决算情况说明", "收入合计381.13万元"]])
    doc = read_document(f)
    assert doc.pages == 2
    pages = doc.text.split("\f")
    assert "第一部分 部门概况" in pages[0]
    assert "收入合计381.13万元" in pages[1]


def test_seed_reports_read_verbatim(stem: str) -> None:
    from conftest import REPORTS

    assert read_document(REPORTS / f"{stem}.txt").text == read_report(stem)
