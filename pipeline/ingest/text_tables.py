"""Tables of plain text laid out with spaces (pdftotext -layout and the like), rebuilt as tab-separated rows.

A text export of a PDF writes a table row as one line whose cells sit at their horizontal place, padded with
spaces (`208   05   05   缴费支出      160.75      160.75`); an empty cell is only a wider gap, and header cells
are centred and broken over several lines. The rest of the pipeline reads tables as the other readers write them
— one tab-separated line per row, every column present, header rows above — so the text reader rebuilds them.

Page by page (form feeds separate pages, and each page has its own character grid), each line is cut into
segments at runs of two or more spaces (a single space between two numbers, or after a grouped amount, also
parts them); positions are character columns. `pipeline.textgrid` finds the tables among these lines (runs of
data rows holding an amount, their columns from the union of the data segments' extents, wrapped labels), as it
does for a PDF page's unruled tables. A table where one line puts two segments in one column is left as it was:
its cells are not aligned and guessing would misplace figures. Label-only rows followed by a row that fits the
columns extend a table; header lines above it give each column its header path (`text_header`); a lone row of
figures under a header is a table too. Rows whose cells run together with single spaces (pdftotext -raw) are
`pipeline.ingest.text_rows`' business. The lines of each table found are replaced by its rows; the other lines
are kept, written as the PDF reader writes text (no indentation, a sentence's justification gaps as one space;
a page's table title moved before its table when the export consistently writes titles last), so spans point
into the rebuilt text, which the reader returns as the document's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.ingest.text_header import STOP, add_header, join_text
from pipeline.ingest.text_rows import RowTable, find_row_tables, last_line, placements
from pipeline.textgrid import Seg, TextTable, find_tables, is_amount
from schemas.layout import PageLayout, TableLayout

_GAP = re.compile(r"\S+(?: \S+)*")  # runs of text separated by two or more spaces
_NUMERIC = re.compile(r"^[-\d.,%]+$")
_AMOUNT_WRITTEN = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$|^\d+\.\d+$")  # grouped or with decimals
_UNIT = re.compile(r"^(万|亿|元|千|%|％|个|人|辆|台|项|家|次|平方|年|月|日)")


@dataclass(frozen=True)
class Rebuilt:
    """Text with its aligned tables written as tab-separated rows, and where those tables lie."""

    text: str
    tables: list[TableLayout]
    pages: list[PageLayout]


def rebuild_tables(text: str) -> Rebuilt | None:
    """The text with its space-aligned tables as tab-separated rows; None when it holds none (or has tabs)."""
    if "\t" in text:
        return None  # already a tab-separated export
    out: list[str] = []
    tables: list[TableLayout] = []
    pages: list[PageLayout] = []
    pos = 0
    pages_text = text.split("\f")
    carry: RowTable | None = None  # a table of run-together rows at the foot of the page before
    # as the PDF reader writes a page: its last line touches the page break
    pages_text = [p.rstrip(" \n") if n + 1 < len(pages_text) else p for n, p in enumerate(pages_text)]
    pages_text = _titles_first(pages_text)
    placed = placements([p.split("\n") for p in pages_text])
    for n, page in enumerate(pages_text):
        if n:
            out.append("\f")
            pos += 1
        rebuilt, found, carry = _rebuild_page(page, pos, n + 1, carry, placed[n])
        pages.append(PageLayout(page=n + 1, span=(pos, pos + len(rebuilt))))
        tables.extend(found)
        out.append(rebuilt)
        pos += len(rebuilt)
    if not tables:
        return None
    return Rebuilt("".join(out), tables, pages if len(pages) > 1 else [])


_PREAMBLE = re.compile(r"^\s*((部门|单位|编制部门|编制单位)\s*[：:]|表[一二三四五六七八九十\d]{1,3}\s*$)")
_TITLE = re.compile(r"^\s*[^，。；：:\s]{2,40}表\s*$")
TITLE_REACH = 4  # content lines at a page's end a trailing title may sit among


def _titles_first(pages: list[str]) -> list[str]:
    """Pages whose table title comes last (pdftotext -raw follows the PDF's drawing order) with the title first.

    Only when two or more pages open with a table's preamble (部门：…, 单位：…, 表三) and no title, and end with a
    table title among their last lines — the export's consistent order; a lone page like that may as well end in
    the title of the next page's table, and is left as it is.
    """
    moves: dict[int, int] = {}
    for n, page in enumerate(pages):
        lines = page.split("\n")
        content = [k for k, line in enumerate(lines) if line.strip()]
        if len(content) < 3 or not _PREAMBLE.match(lines[content[0]]):
            continue
        if any(_TITLE.match(lines[k]) for k in content[:2]):
            continue
        tail = [k for k in content[-TITLE_REACH:] if _TITLE.match(lines[k])]
        if tail:
            moves[n] = tail[-1]
    if len(moves) < 2:
        return pages
    out = []
    for n, page in enumerate(pages):
        if n not in moves:
            out.append(page)
            continue
        lines = page.split("\n")
        title = lines.pop(moves[n])
        out.append("\n".join([title.strip(), *lines]))
    return out


def segments(line: str, ref: int = 0) -> list[Seg[int]]:
    """A line cut into runs of text at gaps of two or more spaces; numbers a single space apart are cut too.

    A line without such a gap is one segment. Each segment's `ref` is `ref` (the caller's line number).
    """
    segs: list[Seg[int]] = []
    if "  " not in line.strip():  # no alignment gap: a sentence, or a row whose cells run together (text_rows)
        text = line.strip()
        start = len(line) - len(line.lstrip())
        return [Seg(float(start), float(start + len(text)), text, ref)] if text else []
    for m in _GAP.finditer(line):
        start = m.start()
        for part in _split_numbers(m.group(0)):
            segs.append(Seg(float(start), float(start + len(part)), part, ref))
            start += len(part) + 1
    return segs


def _split_numbers(run: str) -> list[str]:
    """`0 0`, `208 05 05` and `156,211,123 一、…` are separate cells; `2017 年度`, `304.4 万元`, `PC 服务器` are one."""
    words = run.split(" ")
    parts = [words[0]]
    for w in words[1:]:
        before = parts[-1].split(" ")[-1]
        if _NUMERIC.match(before) and (_NUMERIC.match(w) or (_AMOUNT_WRITTEN.match(before) and not _UNIT.match(w))):
            parts.append(w)
        else:
            parts[-1] += " " + w
    return parts


@dataclass(frozen=True)
class _Grid:
    """A table to write in place of lines [first, last] of a page: its rows of cells and header."""

    first: int
    last: int
    rows: list[list[str]]
    header_rows: int
    header_paths: list[list[str]]


def _rebuild_page(
    page: str, pos: int, page_no: int, carry: RowTable | None, placed: dict[int, list[str]]
) -> tuple[str, list[TableLayout], RowTable | None]:
    lines = page.split("\n")
    grids = _aligned_grids(lines)
    inside = {k for g in grids for k in range(g.first, g.last + 1)}
    row_tables = find_row_tables(lines, inside, carry, placed)
    for t in row_tables:
        paths = [[name] if name else [] for name in t.header]
        grids.append(
            _Grid(t.first, t.last, t.rows if t.continued else [t.header, *t.rows], 0 if t.continued else 1, paths)
        )
    last = last_line(lines)
    carry = next((t for t in row_tables if t.last == last), None)
    if not grids:
        return "\n".join(_prose(line) for line in lines), [], carry
    out: list[str] = []
    layouts: list[TableLayout] = []
    at = 0  # next line of the page to copy
    offset = pos
    for g in sorted(grids, key=lambda g: g.first):
        for line in lines[at : g.first]:
            out.append(_prose(line))
            offset += len(out[-1]) + 1
        body = "\n".join("\t".join(row) for row in g.rows)
        layouts.append(
            TableLayout(
                page=page_no,
                span=(offset, offset + len(body)),
                rows=len(g.rows),
                columns=max(len(r) for r in g.rows),
                header_rows=g.header_rows,
                header_paths=g.header_paths,
                method="text",
            )
        )
        out.append(body)
        offset += len(body) + 1
        at = g.last + 1
    out.extend(_prose(line) for line in lines[at:])
    return "\n".join(out), layouts, carry


_SENTENCE_MARK = re.compile(r"[，。；]")


def _prose(line: str) -> str:
    """A line of text outside the tables as the PDF reader writes it: no indentation, no justification gaps.

    Only a line that is one run of text, or holds sentence punctuation, is touched; any other line may be a row
    of a table that was not rebuilt, whose gaps the text-table reader needs.
    """
    text = line.strip()
    if "  " not in text:
        return text
    return re.sub(r" {2,}", " ", text) if _SENTENCE_MARK.search(text) else line


def _aligned_grids(lines: list[str]) -> list[_Grid]:
    """The space-aligned tables of a page's lines, with their headers."""
    kept = [i for i, line in enumerate(lines) if line.strip()]
    segs = [segments(lines[i], k) for k, i in enumerate(kept)]
    fragments = _fragment_lines(segs)
    rest = [k for k in range(len(segs)) if k not in fragments]
    found = []
    for t in find_tables([segs[k] for k in rest], max_header=0):
        t.first_line, t.last_line = rest[t.first_line], rest[t.last_line]
        if _attach(t, segs, fragments, kept) and _aligned(t):
            found.append(t)
    for k, t in enumerate(found):
        _extend(t, segs, found[k + 1].first_line if k + 1 < len(found) else len(segs))
        _merge_lone_columns(t)
    found = sorted([*found, *_figure_rows(segs, found)], key=lambda t: t.first_line)
    for k, t in enumerate(found):
        add_header(t, segs, found[k - 1].last_line + 1 if k else 0)
    return [
        _Grid(
            kept[t.first_line],
            kept[t.last_line],
            [[_cell_text(cell) for cell in row] for row in t.rows],
            t.header_rows,
            t.header_paths,
        )
        for t in found
        if len(t.rows) > 1  # a lone row of figures is a table only under its header
    ]


def _is_data(line: list[Seg[int]]) -> bool:
    return len(line) >= 2 and any(is_amount(s.text) for s in line)


def _fragment_lines(lines: list[list[Seg[int]]]) -> set[int]:
    """Lines of wrapped cells between data rows: no figure, a data row just above and below, two or more texts.

    (`2.政府性基金      三、单位预留机` above its row's figures, `预算      动经费` below them: a row band wrapped.)
    A one-text line next to such a line belongs to the band too; any other one-text line is a wrapped label that
    `textgrid` places.
    """
    data = [_is_data(line) for line in lines]
    candidate = []
    for k, line in enumerate(lines):
        text = " ".join(s.text for s in line)
        near = range(max(0, k - 2), min(len(lines), k + 3))
        between = any(data[j] for j in near if j < k) and any(data[j] for j in near if j > k)
        candidate.append(bool(line) and not data[k] and between and not STOP.search(text))
    found = {k for k, line in enumerate(lines) if candidate[k] and len(line) >= 2}
    return found | {k for k in range(len(lines)) if candidate[k] and (k - 1 in found or k + 1 in found)}


def _attach(t: TextTable[int], lines: list[list[Seg[int]]], fragments: set[int], at: list[int]) -> bool:
    """Put the wrapped-cell lines inside a table into the row band of the nearest data row.

    A line between two rows belongs to the nearer on the page (`at`: the lines' places, blank lines counted), else
    to the one below (a row's figures sit in the middle of its band). False when a text does not sit over exactly
    one column: the table is then not rebuilt.
    """
    rows_at = [k for k in range(t.first_line, t.last_line + 1) if k not in fragments and _is_data(lines[k])]
    if len(rows_at) != len(t.rows):
        return False
    for k in sorted(f for f in fragments if t.first_line < f < t.last_line):
        band = min(range(len(rows_at)), key=lambda n: (abs(at[rows_at[n]] - at[k]), rows_at[n] < k))
        for seg in lines[k]:
            hit = [c for c, (a, b) in enumerate(t.columns) if seg.x0 < b and a < seg.x1]
            if len(hit) != 1:
                return False
            cell = t.rows[band][hit[0]]
            cell.append(seg)
            cell.sort(key=lambda s: s.ref)  # the band's lines top to bottom
    return True


MIN_FIGURES = 3


def _figure_rows(lines: list[list[Seg[int]]], tables: list[TextTable[int]]) -> list[TextTable[int]]:
    """Lone rows of figures outside the tables found (the one data row of a 三公 table under its header)."""
    inside = {k for t in tables for k in range(t.first_line, t.last_line + 1)}
    rows = []
    for k, line in enumerate(lines):
        amounts = sum(1 for s in line if is_amount(s.text))
        if k not in inside and amounts >= MIN_FIGURES and amounts >= len(line) - 1:
            rows.append(TextTable(k, k, [(s.x0, s.x1) for s in line], [[[s] for s in line]], 0))
    return rows


def _aligned(t: TextTable[int]) -> bool:
    """No line puts two segments in one column (a table whose cells do sit in its columns)."""
    if len(t.columns) < 2:
        return False
    for row in t.rows[t.header_rows :]:
        for cell in row:
            lines = [s.ref for s in cell]
            if len(lines) != len(set(lines)):
                return False
    return True


MAX_GAP_LINES = 30  # lines without a figure (labels of empty rows) between two rows of one table


def _extend(t: TextTable[int], lines: list[list[Seg[int]]], limit: int) -> None:
    """Rows after the table's last data row: label-only rows followed by a row that sits in its columns.

    (三、事业单位经营收入 … 收入总计 12,121,164 at the foot of a two-sided table.)
    """
    j = t.last_line + 1
    pending: list[int] = []
    while j < limit and len(pending) <= MAX_GAP_LINES:
        line = lines[j]
        text = " ".join(s.text for s in line)
        if not _fits(t, line) or STOP.search(text):
            break
        pending.append(j)
        if any(is_amount(s.text) for s in line):
            for k in pending:
                cells: list[list[Seg[int]]] = [[] for _ in t.columns]
                for seg in lines[k]:
                    cells[_overlapped(t.columns, seg)].append(seg)
                t.rows.append(cells)
            t.last_line = j
            pending = []
        j += 1


def _overlapped(columns: list[tuple[float, float]], seg: Seg[int]) -> int:
    return next(k for k, (a, b) in enumerate(columns) if seg.x0 < b and a < seg.x1)


def _fits(t: TextTable[int], line: list[Seg[int]]) -> bool:
    """Every segment of the line over one column of the table, no two over the same one."""
    used = []
    for seg in line:
        hit = [k for k, (a, b) in enumerate(t.columns) if seg.x0 < b and a < seg.x1]
        if len(hit) != 1:
            return False
        used.append(hit[0])
    return len(used) == len(set(used))


def _merge_lone_columns(t: TextTable[int]) -> None:
    """A column only one row writes words in (a 合计 centred over the code and name cells) joins the one left of it."""
    if len(t.rows) < 4:
        return
    k = 1
    while k < len(t.columns):
        texts = [s.text for row in t.rows for s in row[k]]
        if len(texts) == 1 and not is_amount(texts[0]) and not texts[0].isdigit():  # a lone 项 code stays
            t.columns[k - 1] = (t.columns[k - 1][0], t.columns[k][1])
            del t.columns[k]
            for row in t.rows:
                row[k - 1].extend(row.pop(k))
        else:
            k += 1


def _cell_text(cell: list[Seg[int]]) -> str:
    text = ""
    for seg in cell:
        text = join_text(text, seg.text) if text else seg.text
    return text
