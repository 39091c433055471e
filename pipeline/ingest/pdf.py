"""Read PDF files: the text layer in reading order, tables as grids of cells, one tab-separated line per row.

pypdfium2 gives every character with its box and every path object (ruling lines). A table is a connected set
of horizontal and vertical rulings; its column and row boundaries are the rulings' positions, a cell spans the
grid cells no ruling separates (merged header cells), and a cell's text is its characters line by line, joined
without a break (`本年收入合` + `计` → `本年收入合计`). Every table row becomes one tab-separated line, every other
line of text one line, in top-to-bottom order; pages are separated by form feeds. A table that starts a page with
the columns of the table that ended the previous page continues it. The layout (pages, table grids with page,
box, header rows, columns, header paths and whether the grid came from ruling lines) goes into the document.

A page without a text layer is read by OCR when the `ocr` extra is installed (pipeline.ingest.ocr).
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.ingest.base import Read
from pipeline.ingest.grid import Grid as CellGrid
from pipeline.ingest.grid import header_paths, is_note_row
from pipeline.textgrid import Seg, find_tables
from schemas.layout import Layout, PageLayout, TableLayout

_TOL = 2.0  # points: rulings this close are one line, a ruling this close to a box edge touches it
_THIN = 2.5  # a path object thinner than this is a ruling
_NUMBER = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")
_CODE = re.compile(r"^\d{2,3}$|^\d{5}$|^\d{7}$")
_PAGE_NUMBER = re.compile(r"^\s*[-—–－]?\s*\d{1,4}\s*[-—–－]?\s*$")


@dataclass(slots=True)
class _Char:
    x0: float
    top: float
    x1: float
    bottom: float
    ch: str

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def h(self) -> float:
        return self.bottom - self.top


@dataclass(slots=True)
class _Rule:
    """A ruling: horizontal (at y = pos, from lo to hi in x) or vertical (at x = pos, lo..hi in y)."""

    pos: float
    lo: float
    hi: float


@dataclass
class _Grid:
    xs: list[float]
    ys: list[float]
    hrules: list[_Rule]
    vrules: list[_Rule]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def holds(self, c: _Char) -> bool:
        return self.xs[0] - _TOL <= c.cx <= self.xs[-1] + _TOL and self.ys[0] - _TOL <= c.cy <= self.ys[-1] + _TOL


@dataclass
class _Table:
    """A table of one page: its rows of cell texts and what the layout records about it."""

    rows: list[list[str]]
    top: float
    bbox: tuple[float, float, float, float]
    header_rows: int
    header_paths: list[list[str]]
    method: str
    xs: list[float] = field(default_factory=list)


@dataclass
class _Line:
    text: str
    top: float


# ---------------------------------------------------------------- the page's characters and rulings


def _page_chars(page: Any, textpage: Any, rotation: int) -> list[_Char]:
    import pypdfium2.raw as pdfium_c

    left, bottom, right, top = page.get_mediabox()
    width, height = right - left, top - bottom
    count = textpage.count_chars()
    if count <= 0:
        return []
    text = textpage.get_text_range(0, count)
    rect = pdfium_c.FS_RECTF()
    chars: list[_Char] = []
    seen: set[tuple[str, int, int]] = set()
    for i, ch in enumerate(text[:count]):
        if ch == " ":
            if pdfium_c.FPDFText_IsGenerated(textpage, i):
                continue  # pdfium's guess of a word break; real spaces are kept
        elif ch.isspace() or not ch.isprintable():
            continue
        pdfium_c.FPDFText_GetLooseCharBox(textpage, i, ctypes.byref(rect))
        x0, y0, x1, y1 = _rotate(
            rect.left - left, rect.bottom - bottom, rect.right - left, rect.top - bottom, rotation, width, height
        )
        key = (ch, round(x0 * 2), round(y0 * 2))
        if key in seen:
            continue  # the same glyph drawn twice on the same spot (overlaid text layers)
        seen.add(key)
        chars.append(_Char(x0, y0, x1, y1, ch))
    return chars


def _rotate(
    x0: float, y0: float, x1: float, y1: float, rotation: int, width: float, height: float
) -> tuple[float, float, float, float]:
    """A box in PDF space (origin bottom-left) as x0, top, x1, bottom on the displayed page (origin top-left)."""
    if rotation == 90:
        xs, ys = (y0, y1), (x0, x1)
    elif rotation == 180:
        xs, ys = (width - x1, width - x0), (y0, y1)
    elif rotation == 270:
        xs, ys = (height - y1, height - y0), (width - x1, width - x0)
    else:
        xs, ys = (x0, x1), (height - y1, height - y0)
    return min(xs), min(ys), max(xs), max(ys)


def _page_rules(page: Any, rotation: int) -> tuple[list[_Rule], list[_Rule]]:
    """Horizontal and vertical rulings of a page: visible thin path objects, and the edges of stroked rectangles.

    White rectangles behind text (Word shades every cell) and filled shading are not rulings.
    """
    import pypdfium2.raw as pdfium_c

    left, bottom, right, top = page.get_mediabox()
    width, height = right - left, top - bottom
    hs: list[_Rule] = []
    vs: list[_Rule] = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=4):
        filled, stroked = _paint(obj)
        if not (filled or stroked):
            continue
        ox0, oy0, ox1, oy1 = obj.get_bounds()
        x0, t, x1, b = _rotate(ox0 - left, oy0 - bottom, ox1 - left, oy1 - bottom, rotation, width, height)
        w, h = x1 - x0, b - t
        if h < _THIN and w > _THIN:
            hs.append(_Rule((t + b) / 2, x0, x1))
        elif w < _THIN and h > _THIN:
            vs.append(_Rule((x0 + x1) / 2, t, b))
        elif stroked and w > _THIN and h > _THIN and (w < 0.9 * width or h < 0.9 * height):
            hs += [_Rule(t, x0, x1), _Rule(b, x0, x1)]
            vs += [_Rule(x0, t, b), _Rule(x1, t, b)]
    return hs, vs


def _paint(obj: Any) -> tuple[bool, bool]:
    """Whether a path object is filled and whether it is stroked, in a colour other than white."""
    import pypdfium2.raw as pdfium_c

    mode, stroke = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(mode), ctypes.byref(stroke))
    rgba = [ctypes.c_uint() for _ in range(4)]
    refs = [ctypes.byref(v) for v in rgba]

    def dark(getter: Any) -> bool:
        if not getter(obj, *refs):
            return True
        r, g, b, a = (v.value for v in rgba)
        return a > 0 and min(r, g, b) < 230

    return bool(mode.value) and dark(pdfium_c.FPDFPageObj_GetFillColor), bool(stroke.value) and dark(
        pdfium_c.FPDFPageObj_GetStrokeColor
    )


# ---------------------------------------------------------------- grids


def _grids(hs: list[_Rule], vs: list[_Rule]) -> list[_Grid]:
    """Connected sets of rulings with at least two rows and two columns."""
    hs, vs = _merge_rules(hs), _merge_rules(vs)
    rules = [("h", r) for r in hs] + [("v", r) for r in vs]
    parent = list(range(len(rules)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(hs):
        for j, v in enumerate(vs, start=len(hs)):
            if h.lo - _TOL <= v.pos <= h.hi + _TOL and v.lo - _TOL <= h.pos <= v.hi + _TOL:
                parent[find(i)] = find(j)
    groups: dict[int, list[tuple[str, _Rule]]] = {}
    for i, r in enumerate(rules):
        groups.setdefault(find(i), []).append(r)
    grids = []
    for members in groups.values():
        gh = [r for k, r in members if k == "h"]
        gv = [r for k, r in members if k == "v"]
        xs = _cluster(
            [r.pos for r in gv] + [min(r.lo for r in gh), max(r.hi for r in gh)] if gh else [r.pos for r in gv]
        )
        ys = _cluster(
            [r.pos for r in gh] + [min(r.lo for r in gv), max(r.hi for r in gv)] if gv else [r.pos for r in gh]
        )
        if len(xs) >= 3 and len(ys) >= 3:
            grids.append(_Grid(xs, ys, gh, gv))
    return sorted(grids, key=lambda g: g.ys[0])


def _cluster(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= _TOL:
            continue
        out.append(v)
    return out


def _merge_rules(rules: list[_Rule]) -> list[_Rule]:
    """Collinear, touching rulings as one (a table's borders are often drawn cell by cell).

    Rulings are first grouped by position, then merged along it in order: two tables side by side or one above
    the other each keep their own rulings even when a column boundary of one is within a point of the other's.
    """
    merged: list[_Rule] = []
    for line in _collinear(rules):
        start = len(merged)
        for r in sorted(line, key=lambda r: r.lo):
            last = merged[-1] if len(merged) > start else None
            if last and r.lo <= last.hi + _TOL:
                last.hi = max(last.hi, r.hi)
            else:
                merged.append(_Rule(r.pos, r.lo, r.hi))
    return merged


def _collinear(rules: list[_Rule]) -> list[list[_Rule]]:
    """Rulings grouped by position: each group's positions step less than `_TOL` apart."""
    groups: list[list[_Rule]] = []
    for r in sorted(rules, key=lambda r: r.pos):
        if groups and r.pos - groups[-1][-1].pos <= _TOL:
            groups[-1].append(r)
        else:
            groups.append([r])
    return groups


def _covered(rules: list[_Rule], pos: float, lo: float, hi: float) -> bool:
    """Some ruling at `pos` covers the middle of [lo, hi]."""
    mid = (lo + hi) / 2
    return any(abs(r.pos - pos) <= _TOL and r.lo - _TOL <= mid <= r.hi + _TOL for r in rules)


def _grid_table(grid: _Grid, chars: list[_Char]) -> _Table | None:
    """The cells of a ruled table: grid cells that no ruling separates form one cell."""
    xs, ys = grid.xs, grid.ys
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    owner = list(range(n_rows * n_cols))

    def find(i: int) -> int:
        while owner[i] != i:
            owner[i] = owner[owner[i]]
            i = owner[i]
        return i

    for r in range(n_rows):
        for c in range(n_cols):
            if c + 1 < n_cols and not _covered(grid.vrules, xs[c + 1], ys[r], ys[r + 1]):
                owner[find(r * n_cols + c + 1)] = find(r * n_cols + c)
            if r + 1 < n_rows and not _covered(grid.hrules, ys[r + 1], xs[c], xs[c + 1]):
                owner[find((r + 1) * n_cols + c)] = find(r * n_cols + c)
    cells: dict[int, list[_Char]] = {}
    for ch in chars:
        c = _band(xs, ch.cx)
        r = _band(ys, ch.cy)
        cells.setdefault(find(r * n_cols + c), []).append(ch)
    first: dict[int, int] = {}
    for i in range(n_rows * n_cols):
        first.setdefault(find(i), i)
    rows = [[""] * n_cols for _ in range(n_rows)]
    for root, members in cells.items():
        at = first[root]
        rows[at // n_cols][at % n_cols] = _cell_text(members)
    covering = [[first[find(r * n_cols + c)] for c in range(n_cols)] for r in range(n_rows)]
    return _finish_table(rows, covering, grid.bbox, "lines", xs)


def _band(bounds: list[float], v: float) -> int:
    for k in range(len(bounds) - 1):
        if v < bounds[k + 1]:
            return k
    return len(bounds) - 2


def _finish_table(
    rows: list[list[str]],
    covering: list[list[int]],
    bbox: tuple[float, float, float, float],
    method: str,
    xs: list[float],
) -> _Table | None:
    """Drop empty rows; the header is the rows before the first figures, its paths as for HTML and sheet grids.

    Header paths follow the rules of the other grid readers (`pipeline.ingest.grid.header_paths`): a cell covers
    the columns it is merged over, and a header cell standing alone before empty cells of its row also covers
    those under which a deeper header row names sub-columns (a header merged by eye in a fully ruled grid). A
    row of `label：value` notes drawn as the grid's first row (单位名称：… 单位：元) heads no column.
    """
    keep = [r for r, row in enumerate(rows) if any(row)]
    if len(keep) < 2:
        return None
    header_rows = next((k for k, r in enumerate(keep) if _is_data_row(rows[r])), len(keep))
    n_cols = len(rows[0])
    origin = [[(cell // n_cols, cell % n_cols) for cell in line] for line in covering]
    placed = CellGrid(rows, origin, [False] * len(rows))
    header = [r for r in keep[:header_rows] if not is_note_row(rows[r])]
    paths = header_paths(placed, header)
    return _Table([rows[r] for r in keep], bbox[1], bbox, header_rows, paths, method, xs)


def _is_data_row(row: list[str]) -> bool:
    return any(_NUMBER.match(t) and not _CODE.match(t) for t in row if t)


# ---------------------------------------------------------------- text of cells and lines


def _lines_of(chars: list[_Char]) -> list[list[_Char]]:
    """Characters grouped into lines (overlapping vertical extents), each sorted left to right."""
    lines: list[list[_Char]] = []
    span: list[tuple[float, float]] = []
    for ch in sorted(chars, key=lambda c: (c.cy, c.x0)):
        if lines and ch.cy <= span[-1][1] - 0.25 * ch.h and ch.cy >= span[-1][0]:
            lines[-1].append(ch)
            span[-1] = (min(span[-1][0], ch.top), max(span[-1][1], ch.bottom))
        else:
            lines.append([ch])
            span.append((ch.top, ch.bottom))
    return [sorted(line, key=lambda c: c.x0) for line in lines]


def _segments(line: list[_Char]) -> list[Seg[list[_Char]]]:
    """A line cut where the gap between characters is 1.5 character heights or more (a column boundary)."""
    segs: list[list[_Char]] = []
    for ch in line:
        if segs and ch.ch != " " and ch.x0 - segs[-1][-1].x1 < 1.5 * max(ch.h, segs[-1][-1].h):
            segs[-1].append(ch)
        elif ch.ch != " ":
            segs.append([ch])
    return [Seg(g[0].x0, g[-1].x1, _join(g).strip(), g) for g in segs]


def _text_tables(lines: list[list[_Char]]) -> list[tuple[float, _Table, list[int]]]:
    """Tables drawn without ruling lines, from the alignment of their text (top, table, the lines they use)."""
    found = []
    for t in find_tables([_segments(line) for line in lines], slack=2.0):
        used = list(range(t.first_line, t.last_line + 1))
        rows = [[_cell_text([c for seg in cell for c in seg.ref]) for cell in row] for row in t.rows]
        chars = [c for k in used for c in lines[k]]
        bbox = (
            min(c.x0 for c in chars),
            min(c.top for c in chars),
            max(c.x1 for c in chars),
            max(c.bottom for c in chars),
        )
        xs = [a for a, _ in t.columns] + [t.columns[-1][1]]
        found.append((bbox[1], _Table(rows, bbox[1], bbox, t.header_rows, t.header_paths, "text", xs), used))
    return found


def _join(line: list[_Char], wide: str = " ") -> str:
    """A line's characters; a gap of half a character or more is a space, of two characters or more `wide`."""
    out: list[str] = []
    prev: _Char | None = None
    for ch in line:
        if ch.ch == " ":
            if out and out[-1] not in (" ", wide):
                out.append(" ")
            continue
        if prev is not None:
            gap = ch.x0 - prev.x1
            size = max(prev.h, ch.h)
            if gap >= 2 * size:
                if out[-1] == " ":
                    out.pop()
                out.append(wide)
            elif gap >= 0.5 * size and out[-1] != " ":
                out.append(" ")
        out.append(ch.ch)
        prev = ch
    return "".join(out)


def _line_text(line: list[_Char]) -> str:
    """A line outside any ruled table, its wide gaps kept wide (text columns) only when it has two or more.

    One wide gap is a justified or spread line of prose (与上年相比增加   309.03万元).
    """
    spread = _join(line, "\x00").strip()
    wide = "   " if spread.count("\x00") >= 2 else " "
    return spread.replace("\x00", wide)


def _cell_text(chars: list[_Char]) -> str:
    """A cell's text: its lines joined without a break (a wrapped cell is one phrase)."""
    parts = [_join(line).strip() for line in _lines_of(chars)]
    text = ""
    for part in parts:
        if text and text[-1].isascii() and text[-1].isalpha() and part[:1].isascii() and part[:1].isalpha():
            text += " "
        text += part
    return " ".join(text.split("\t"))


# ---------------------------------------------------------------- pages and the document


def _read_page(page: Any, carry: _Table | None = None) -> tuple[list[tuple[float, _Line | _Table]], int]:
    """A page's text lines and tables by their top, and its number of characters.

    `carry` is the table that closed the page before: lines opening this page that fall into its columns are its
    last rows (a 合计 row alone on the next page), read as a table with the same columns.
    """
    rotation = page.get_rotation() % 360
    textpage = page.get_textpage()
    chars = _page_chars(page, textpage, rotation)
    if not chars:
        return [], 0
    hs, vs = _page_rules(page, rotation)
    grids = _grids(hs, vs)
    items: list[tuple[float, _Line | _Table]] = []
    rest = chars
    for grid in grids:
        inside = [c for c in rest if grid.holds(c)]
        if not inside:
            continue
        table = _grid_table(grid, inside)
        if table is None:
            continue
        items.append((table.top, table))
        rest = [c for c in rest if not grid.holds(c)]
    lines = _lines_of(rest)
    taken: set[int] = set()
    for top, found, used in _text_tables(lines):
        items.append((top, found))
        taken.update(used)
    if carry is not None and len(carry.xs) > 2:
        items.extend(_carried_rows(lines, taken, carry, min((top for top, _ in items), default=float("inf"))))
    for k, line in enumerate(lines):
        if k not in taken:
            items.append((min(c.top for c in line), _Line(_line_text(line), line[0].top)))
    items.sort(key=lambda it: it[0])
    return items, len(chars)


def _carried_rows(lines: list[list[_Char]], taken: set[int], carry: _Table, below: float) -> list[tuple[float, _Table]]:
    """The page's opening lines that are rows of `carry` (each text in one of its columns, figures among them)."""
    rows: list[list[str]] = []
    used: list[int] = []
    for k, line in enumerate(lines):
        if k in taken or line[0].top >= below:
            break
        cells = _row_in_columns(line, carry.xs)
        if cells is None:
            break
        rows.append(cells)
        used.append(k)
    if not rows:
        return []
    taken.update(used)
    chars = [c for k in used for c in lines[k]]
    top = min(c.top for c in chars)
    bbox = (carry.xs[0], top, carry.xs[-1], max(c.bottom for c in chars))
    return [(top, _Table(rows, top, bbox, 0, [], carry.method, carry.xs))]


def _row_in_columns(line: list[_Char], xs: list[float]) -> list[str] | None:
    """A line's segments placed in the columns bounded by `xs`, or None when it is no row of them."""
    words: list[list[_Char]] = []  # runs of characters less than half a character apart
    for ch in line:
        if ch.ch == " ":
            words.append([])
        elif words and words[-1] and ch.x0 - words[-1][-1].x1 < 0.5 * max(ch.h, words[-1][-1].h):
            words[-1].append(ch)
        else:
            words.append([ch])
    members: list[list[_Char]] = [[] for _ in range(len(xs) - 1)]
    for word in filter(None, words):
        bands = {_band(xs, c.cx) for c in word}
        if word[0].x0 < xs[0] - 2 * _TOL or word[-1].x1 > xs[-1] + 2 * _TOL or len(bands) != 1:
            return None  # a word across a column boundary: not a row of these columns
        members[bands.pop()].extend(word)
    cells = [_cell_text(m) if m else "" for m in members]
    filled = [c for c in cells if c]
    return cells if len(filled) >= 2 and _is_data_row(cells) else None


def read_pdf(p: Path) -> Read:
    """Text of every page in reading order (pages separated by a form feed), with its layout."""
    head = p.read_bytes()[:1024]
    if b"%PDF" not in head:
        raise InputError(str(p), "not a PDF file (no %PDF header)")
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(p))
    except pdfium.PdfiumError as e:
        message = str(e)
        if "password" in message.lower():
            raise InputError(str(p), "encrypted PDF: a password is required") from e
        raise InputError(str(p), f"corrupt PDF ({message})") from e
    try:
        if len(pdf) == 0:
            raise InputError(str(p), "PDF has no pages")
        return _assemble(p, pdf)
    except pdfium.PdfiumError as e:  # a page that does not load (found by tests/test_fuzz.py)
        raise InputError(str(p), f"corrupt PDF ({e})") from e
    finally:
        pdf.close()


def _assemble(p: Path, pdf: Any) -> Read:
    out: list[str] = []
    pos = 0
    pages: list[PageLayout] = []
    tables: list[TableLayout] = []
    layout = Layout()
    warnings: list[str] = []
    last_table: tuple[int, _Table] | None = None  # the previous page's closing table
    scanned = [n for n in range(len(pdf)) if _scanned(pdf[n])]
    ocr = _ocr_or_none(p, scanned, len(pdf), warnings)
    for n in range(len(pdf)):
        page = pdf[n]
        if n:
            out.append("\f")  # a page ends without a line break: its last line touches the page break
            pos += 1
        if n in scanned and ocr is not None:
            read = ocr.page_text(ocr.ocr_pdf_page(p, n), n + 1, pos)
            out.append(read.text)
            pos += len(read.text)
            pages.append(read.page)
            tables.extend(read.tables)
            layout.lines.extend(read.lines)
            layout.ocr_pages.append(n + 1)
            warnings.extend(read.warnings)
            last_table = None
            continue
        items, _ = _read_page(page, last_table[1] if last_table is not None else None)
        start = pos
        for k, (_, item) in enumerate(items):
            if k:
                out.append("\n")
                pos += 1
            text = item.text if isinstance(item, _Line) else "\n".join("\t".join(row) for row in item.rows)
            if isinstance(item, _Table):
                continues = None
                if last_table is not None and k <= 1 and _continues(last_table[1], item, k):
                    continues = last_table[0]
                    if not item.header_rows:
                        item.header_paths = tables[continues].header_paths
                tables.append(_table_layout(n + 1, item, (pos, pos + len(text)), continues))
            out.append(text)
            pos += len(text)
        closing = [item for _, item in items if not (isinstance(item, _Line) and _PAGE_NUMBER.match(item.text))]
        last = closing[-1] if closing else None  # a page number under the table does not end it
        last_table = (len(tables) - 1, last) if isinstance(last, _Table) else None
        width, height = page.get_size()
        pages.append(PageLayout(page=n + 1, span=(start, pos), width=round(width, 1), height=round(height, 1)))
    out.append("\n")
    layout.pages, layout.tables = pages, tables
    confidences = [line.confidence for line in layout.lines if line.confidence is not None]
    layout.ocr_confidence = round(sum(confidences) / len(confidences), 4) if confidences else None
    return Read("".join(out), "pdf", pages=len(pdf), layout=layout, warnings=warnings)


def _scanned(page: Any) -> bool:
    """A page with no text layer but an image on it: a scan."""
    import pypdfium2.raw as pdfium_c

    if page.get_textpage().count_chars() > 0:
        return False
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))


def _ocr_or_none(p: Path, scanned: list[int], n_pages: int, warnings: list[str]) -> Any:
    """The OCR module when scanned pages need it; without the extra a scan-only PDF is unusable, else warned."""
    if not scanned:
        return None
    try:
        import rapidocr_onnxruntime  # noqa: F401

        from pipeline.ingest import ocr
    except ImportError:
        from pipeline.ingest.ocr import OCR_INSTALL_HINT

        if len(scanned) == n_pages:
            raise InputError(str(p), OCR_INSTALL_HINT) from None
        listed = ", ".join(str(n + 1) for n in scanned)
        warnings.append(f"pages {listed} have no text layer and were not read: {OCR_INSTALL_HINT}")
        return None
    return ocr


def _table_layout(page: int, item: _Table, span: tuple[int, int], continues: int | None) -> TableLayout:
    x0, top, x1, bottom = item.bbox
    return TableLayout(
        page=page,
        bbox=(round(x0, 1), round(top, 1), round(x1, 1), round(bottom, 1)),
        span=span,
        rows=len(item.rows),
        columns=len(item.rows[0]),
        header_rows=item.header_rows,
        header_paths=item.header_paths,
        method="lines" if item.method == "lines" else "text",
        continues=continues,
    )


def _continues(before: _Table, table: _Table, k: int) -> bool:
    """A table opening a page goes on with the one that closed the page before.

    Either it has the same column boundaries, or (drawn a little apart) as many columns and no header row of its
    own, as the page's first item.
    """
    if _same_columns(before, table):
        return True
    return k == 0 and not table.header_rows and len(before.xs) == len(table.xs)


def _same_columns(a: _Table, b: _Table) -> bool:
    """Two tables with the same column boundaries (a table cut by a page break)."""
    return len(a.xs) == len(b.xs) and all(abs(x - y) <= 3 * _TOL for x, y in zip(a.xs, b.xs, strict=True))
