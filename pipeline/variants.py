"""Re-typeset the sample reports the way other provinces' exports look, values unchanged.

Used by the tests and by `budget-extract eval --variants` to check that extraction keys on labels and meaning,
not on one layout. Each variant is a pure function from report text to report text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pipeline.textutil import display_width

_MARKERS = re.compile(r"\[bookmark: [^\]\n]*\]|\[image: [^\]\n]*\]")
_FULL_WIDTH = str.maketrans({str(i): chr(0xFF10 + i) for i in range(10)})


def _wrap(line: str, width: int) -> list[str]:
    pieces, current = [], ""
    for ch in line:
        if display_width(current + ch) > width:
            pieces.append(current)
            current = ""
        current += ch
    return [*pieces, current]


def pdf_export(text: str, width: int = 70, page_lines: int = 40) -> str:
    """PDF text extraction: lines hard-wrapped at the page width, page numbers and form feeds between pages."""
    text = _MARKERS.sub("", text)
    lines: list[str] = []
    for line in text.split("\n"):
        lines.extend([line] if "\t" in line else _wrap(line.strip(), width))
    pages = [lines[i : i + page_lines] for i in range(0, len(lines), page_lines)]
    return "\f".join("\n".join([*page, f"- {n + 1} -"]) + "\n" for n, page in enumerate(pages))


def _retype_tables(text: str, render_row: Callable[[list[str], bool], list[str]], prose: Callable[[str], str]) -> str:
    """Walk a report's lines, re-rendering table rows and passing prose through `prose`.

    One-cell-per-line rows and tab rows go to `render_row(cells, first_row_of_table)`; wrapped cell text is joined
    back onto its cell.
    """
    out: list[str] = []
    cells: list[str] = []
    in_table = False

    def emit(row: list[str]) -> None:
        nonlocal in_table
        out.extend(render_row(row, not in_table))
        in_table = True

    for line in text.split("\n"):
        if line.startswith("\t") and line.count("\t") == 1:
            cells.append(line.strip())
        elif cells and not line.strip():
            emit(cells)
            cells = []
        elif cells and "\t" not in line:
            cells[-1] += line.strip()
        elif "\t" in line:
            emit([c.strip() for c in line.split("\t")])
        else:
            in_table = False
            out.append(prose(line))
    if cells:
        emit(cells)
    return "\n".join(out)


def space_aligned(text: str) -> str:
    """Tables exported with space-aligned columns instead of tabs (a dash for an empty cell)."""
    return _retype_tables(text, lambda cells, _: ["    ".join(c or "-" for c in cells).strip()], lambda line: line)


def _full_width_prose(line: str) -> str:
    return re.sub(r"(?<=[\u4e00-\u9fff])(\d+(?:\.\d+)?)(?=万元)", lambda m: m.group(1).translate(_FULL_WIDTH), line)


def run_together(text: str) -> str:
    """PDF text without layout: each table row on one line, cells run together with single spaces.

    Markers are gone, prose numbers use full-width digits, and empty cells vanish (column positions are lost).
    """
    return _retype_tables(_MARKERS.sub("", text), lambda cells, _: [" ".join(c for c in cells if c)], _full_width_prose)


def markdown_pipes(text: str) -> str:
    """A markdown export: bold part and chapter headings, tables as | a | b | rows under a |---| rule."""

    def row(cells: list[str], first: bool) -> list[str]:
        line = "| " + " | ".join(cells) + " |"
        return [line, "|" + "---|" * len(cells)] if first else [line]

    def heading(line: str) -> str:
        if re.match(r"^(第.{1,3}部分|[一二三四五六七八九十]+、)", line.strip()):
            return f"## **{line.strip()}**"
        return line

    return _retype_tables(_MARKERS.sub("", text), row, heading)


VARIANTS: dict[str, Callable[[str], str]] = {
    "markdown_pipes": markdown_pipes,
    "pdf_export": pdf_export,
    "space_aligned": space_aligned,
    "run_together": run_together,
}
