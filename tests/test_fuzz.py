"""Fuzzing `process_file`: random bytes, damaged PDFs / DOCX / XLSX / HTML and random text.

Every input must end in a document result or one `InputError` (the one clear line the CLI prints), never in a
traceback or a hang. The default test run tries a few examples per case; `make fuzz` runs many more
(`FUZZ_EXAMPLES`, default 25 here) and prints how many inputs each case executed.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from conftest import read_report
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests_support import write_docx, write_pdf

from pipeline.document import process_file
from pipeline.errors import InputError

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
SECONDS = 120  # one input taking longer is a hang
STEM = "000_71be4926d984000e"
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


@contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    def hang(signum: int, frame: object) -> None:
        raise TimeoutError(f"no result after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _outcome(path: Path) -> str:
    """'ok' or 'input error'; any other exception (or a hang) fails the test."""
    with _time_limit(SECONDS):
        try:
            result = process_file(path)
        except InputError as e:
            assert str(e).strip() and "\n" not in str(e), f"not one line: {e!r}"
            return "input error"
    assert result.source.sha256
    return "ok"


def _lines() -> list[str]:
    return read_report(STEM).splitlines()[:120]


@cache
def _valid(suffix: str, folder: str) -> bytes:
    """A real file of this type holding the start of a sample report."""
    path = Path(folder) / f"valid{suffix}"
    lines = _lines()
    if suffix == ".pdf":
        write_pdf(path, [lines[:60], lines[60:]])
    elif suffix == ".docx":
        write_docx(path, lines)
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for line in lines:
            sheet.append(line.split("\t"))
        book.save(path)
    elif suffix == ".html":
        rows = "".join(f"<tr><td>{'</td><td>'.join(line.split(chr(9)))}</td></tr>" for line in lines if "\t" in line)
        paras = "".join(f"<p>{line}</p>" for line in lines if "\t" not in line)
        path.write_text(f"<html><head><meta charset='utf-8'></head><body>{paras}<table>{rows}</table>", "utf-8")
    else:
        path.write_text("\n".join(lines), encoding="utf-8")
    return path.read_bytes()


SUFFIXES = [".txt", ".md", ".pdf", ".docx", ".xlsx", ".html", ".png"]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_random_bytes_give_a_result_or_one_clear_error(suffix: str, tmp_path: Path) -> None:
    seen: dict[str, int] = {}

    @FUZZ
    @given(st.binary(max_size=4096))
    def check(data: bytes) -> None:
        path = tmp_path / f"random{suffix}"
        path.write_bytes(data)
        outcome = _outcome(path)
        seen[outcome] = seen.get(outcome, 0) + 1

    check()
    print(f"fuzz random bytes {suffix}: {sum(seen.values())} inputs {seen}")
    assert sum(seen.values()) >= min(EXAMPLES, 10)


@pytest.mark.parametrize("suffix", [".pdf", ".docx", ".xlsx", ".html", ".txt"])
def test_damaged_files_give_a_result_or_one_clear_error(suffix: str, tmp_path: Path) -> None:
    """A real file cut short, with some bytes overwritten: what a broken download or disk leaves."""
    valid = _valid(suffix, str(tmp_path))
    seen: dict[str, int] = {}

    @FUZZ
    @given(
        st.one_of(st.just(len(valid)), st.integers(0, len(valid))),  # whole (bytes overwritten only) or cut
        st.lists(st.tuples(st.integers(0, len(valid) - 1), st.integers(0, 255)), max_size=8),
    )
    def check(cut: int, flips: list[tuple[int, int]]) -> None:
        data = bytearray(valid)
        for pos, byte in flips:
            data[pos] = byte
        path = tmp_path / f"damaged{suffix}"
        path.write_bytes(bytes(data[:cut]))
        outcome = _outcome(path)
        seen[outcome] = seen.get(outcome, 0) + 1

    check()
    print(f"fuzz damaged {suffix}: {sum(seen.values())} inputs {seen}")
    assert sum(seen.values()) >= min(EXAMPLES, 10)


TEXT = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(
            list("\t\n\f\r 　0123456789.,%万元亿（）()、，。：一二三四五六七八九十第部分附件表合计…*⼀⽀⼊⻔")
        ),
    ),
    max_size=3000,
)


def test_random_text_gives_a_result_or_one_clear_error(tmp_path: Path) -> None:
    """Random text, and random text spliced into a sample report: headings, tables, numbers and noise mixed."""
    report = read_report(STEM)
    seen: dict[str, int] = {}

    @FUZZ
    @given(TEXT, st.integers(0, len(report)), st.booleans())
    def check(text: str, at: int, spliced: bool) -> None:
        path = tmp_path / "random.txt"
        path.write_text(report[:at] + text + report[at:] if spliced else text, encoding="utf-8")
        outcome = _outcome(path)
        seen[outcome] = seen.get(outcome, 0) + 1

    check()
    print(f"fuzz random text: {sum(seen.values())} inputs {seen}")
    assert sum(seen.values()) >= min(EXAMPLES, 10)


def test_a_pdf_whose_page_does_not_load_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by the fuzzer (a PDF cut short with one byte zeroed opened, then a page failed to load): the
    reader's PdfiumError went up as a traceback. Any page pdfium cannot load makes the PDF one InputError."""
    import pypdfium2

    from pipeline.ingest import pdf

    def page_fails(p: Path, document: object) -> None:
        raise pypdfium2.PdfiumError("Failed to load page.")

    path = tmp_path / "valid.pdf"
    path.write_bytes(_valid(".pdf", str(tmp_path)))
    monkeypatch.setattr(pdf, "_assemble", page_fails)
    with pytest.raises(InputError, match=r"corrupt PDF \(Failed to load page.\)"):
        process_file(path)
