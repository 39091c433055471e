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


def space_aligned(text: str) -> str:
    """Tables exported with space-aligned columns instead of tabs; one-cell-per-line rows put on one line."""
    out: list[str] = []
    cells: list[str] = []
    for line in text.split("\n"):
        if line.startswith("\t") and line.count("\t") == 1:
            cells.append(line.strip() or "-")
            continue
        if cells and not line.strip():
            out.append("    ".join(cells))
            cells = []
            continue
        if cells and "\t" not in line:
            cells[-1] += line.strip()
            continue
        if "\t" in line:
            line = "    ".join(c.strip() or "-" for c in line.split("\t")).strip()
        out.append(line)
    if cells:
        out.append("    ".join(cells))
    return "\n".join(out)


def run_together(text: str) -> str:
    """PDF text without layout: each table row on one line, cells run together with single spaces.

    Markers are gone, prose numbers use full-width digits, and empty cells vanish (column positions are lost).
    """
    text = _MARKERS.sub("", text)
    out: list[str] = []
    cells: list[str] = []
    for line in text.split("\n"):
        if line.startswith("\t") and line.count("\t") == 1:
            if line.strip():
                cells.append(line.strip())
            continue
        if cells and not line.strip():
            out.append(" ".join(cells))
            cells = []
            continue
        if cells and "\t" not in line:
            cells[-1] += line.strip()
            continue
        if "\t" in line:
            out.append(" ".join(c.strip() for c in line.split("\t") if c.strip()))
        else:
            out.append(re.sub(r"(?<=[\u4e00-\u9fff])(\d+(?:\.\d+)?)(?=万元)", lambda m: m.group(1).translate(_FULL_WIDTH), line))
    if cells:
        out.append(" ".join(cells))
    return "\n".join(out)


def markdown_pipes(text: str) -> str:
    """A markdown export: bold headings, tables as | a | b | rows, one-cell-per-line rows on one line."""
    out: list[str] = []
    cells: list[str] = []
    rule_after_header = False

    def flush_cells() -> None:
        nonlocal cells, rule_after_header
        if cells:
            out.append("| " + " | ".join(cells) + " |")
            if not rule_after_header:
                out.append("|" + "---|" * len(cells))
                rule_after_header = True
            cells = []

    for line in _MARKERS.sub("", text).split("\n"):
        if line.startswith("\t") and line.count("\t") == 1:
            cells.append(line.strip())
            continue
        if cells and not line.strip():
            flush_cells()
            continue
        if cells and "\t" not in line:
            cells[-1] += line.strip()
            continue
        if "\t" in line:
            out.append("| " + " | ".join(c.strip() for c in line.split("\t")) + " |")
            continue
        rule_after_header = False
        if re.match(r"^(第.{1,3}部分|[一二三四五六七八九十]+、)", line.strip()):
            line = f"## **{line.strip()}**"
        out.append(line)
    flush_cells()
    return "\n".join(out)


VARIANTS: dict[str, Callable[[str], str]] = {
    "markdown_pipes": markdown_pipes,
    "pdf_export": pdf_export,
    "space_aligned": space_aligned,
    "run_together": run_together,
}
