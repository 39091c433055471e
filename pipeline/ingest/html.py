"""Read .html / .htm pages: the page's text in reading order, a `<table>` row as one tab-separated line.

The page is decoded first (a byte-order mark, else the charset its `<meta>` declares, else UTF-8 or GB18030,
whichever decodes it) and parsed with lxml.html: libxml2's HTML parser builds the element tree a browser would
from the tag soup county websites publish (unclosed `<p>`, `<td>` and `<tr>`, stray end tags), which a table grid
with row and column spans needs, and it already comes with python-docx; the standard library's html.parser only
tokenises and would leave the implied end tags to us.

What a reader of the page does not read as the document is dropped: scripts, styles, forms and their controls,
`<select>` menus, navigation (`<nav>`, the page's own `<header>` / `<footer>`, elements with a navigation role or
a menu / breadcrumb class) and hidden elements. Block elements (p, div, li, h1–h6, br, tr …) end a line; inline
whitespace collapses as a browser shows it. A data table becomes one tab-separated line per row: a cell spanning
several columns is written once, followed by empty cells for the columns it covers, so every row has the table's
columns. A table that only lays out the page (it holds another table, or one cell) is read as blocks.
"""

from __future__ import annotations

import codecs
import re
from itertools import islice
from pathlib import Path

from lxml import etree, html

from pipeline.errors import InputError
from pipeline.ingest.base import Read
from pipeline.ingest.grid import MAX_SPAN, Cell, collapse, finish, place
from schemas.layout import Layout, TableLayout

_SKIPPED = frozenset(
    "script style noscript template head title nav select option optgroup datalist textarea button input "
    "iframe frame frameset object embed applet svg math canvas map audio video dialog menu".split()
)
_BLOCKS = frozenset(
    "address article aside blockquote body caption center dd details dir div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main ol p pre section summary table tbody "
    "td tfoot th thead tr ul".split()
)
_SECTIONING = frozenset({"article", "aside", "main", "nav", "section"})
_CONTENT = "|".join(f".//{t}" for t in ("table", "p", "h1", "h2", "h3", "h4", "h5", "h6", "article", "main"))
_NAV_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "menu", "menubar"})
_NAV_NAMES = ("nav", "navbar", "navigation", "menu", "menubar", "crumb", "crumbs")  # topnav, submenu, breadcrumb
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_DIGITS = re.compile(r"\s*(\d+)")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([a-z0-9_:.\-]+)", re.IGNORECASE)
_WESTERN = frozenset({"iso8859-1", "iso8859-15", "cp1252", "ascii"})
_GB = frozenset({"gb2312", "gbk", "x-gbk", "gb_2312-80", "csgb2312", "chinese", "iso-ir-58", "cp936", "gb18030"})


def read_html(p: Path, data: bytes) -> Read:
    """Text of the page's body in reading order, with its tables' layout."""
    text, encoding, warnings = decode_html(data, str(p))
    try:
        root = html.document_fromstring(_XML_DECLARATION.sub("", text, count=1))
    except (etree.ParserError, ValueError) as e:  # an empty document, or characters XML cannot hold
        raise InputError(str(p), f"cannot parse the HTML page ({e})") from e
    body = root.find("body")
    out = _Out()
    _walk(body if body is not None else root, out)
    out.end_line()
    if not out.lines:
        raise InputError(str(p), "no text found (the page has only scripts, navigation, forms or markup)")
    return Read("\n".join(out.lines) + "\n", "html", encoding, layout=Layout(tables=out.tables), warnings=warnings)


# ---------------------------------------------------------------- decoding


def decode_html(data: bytes, name: str) -> tuple[str, str, list[str]]:
    """Decode a page: BOM, else its declared charset, else UTF-8 or GB18030; one `InputError` when none fits.

    A charset that does not fit the bytes is overridden (with a warning) by UTF-8 or GB18030 when one of them
    does, and so is a Western single-byte charset declared on a page that is valid UTF-8 or GB18030. A page that
    decodes with a few stray bytes (at most one in a thousand) keeps them as U+FFFD, with a warning.
    """
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return _strict(data, codec, name), codec, []
    if b"\x00" in data[:4096]:
        raise InputError(name, "binary data, not an HTML page")
    declared = _declared_charset(data)
    candidates = [c for c in (declared, "utf-8", "gb18030") if c is not None]
    if declared in _WESTERN and not data.isascii():
        candidates = [*candidates[1:], declared]  # a Chinese report is never in Latin-1: a mislabelled page
    candidates = list(dict.fromkeys(candidates))
    failures: list[str] = []
    for codec in candidates:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as e:
            failures.append(f"{codec}: {e.reason} at byte {e.start}")
            continue
        notes = [] if declared in (None, codec) else [f"declared charset {declared} does not fit; decoded as {codec}"]
        return _checked(text, name), codec, notes
    codec = declared or "gb18030"
    text = data.decode(codec, errors="replace")
    stray = text.count("\ufffd")
    if stray > max(1, len(text) // 1000):
        raise InputError(name, "cannot decode the page (" + "; ".join(failures) + ")")
    return _checked(text, name), codec, [f"{stray} undecodable byte sequences replaced by U+FFFD ({codec})"]


def _checked(text: str, name: str) -> str:
    if _looks_binary(text):
        raise InputError(name, "binary data, not an HTML page")
    return text


def _strict(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as e:
        raise InputError(name, f"cannot decode the page as {codec} ({e.reason} at byte {e.start})") from e


def _declared_charset(data: bytes) -> str | None:
    """The codec of the first `<meta charset>` or http-equiv content type in the page's head."""
    head = data[:8192]
    end = head.lower().find(b"</head")
    match = _META_CHARSET.search(head if end < 0 else head[:end])
    if match is None:
        return None
    label = match.group(1).decode("ascii").lower()
    if label in _GB:
        return "gb18030"  # GB2312 and GBK pages are decoded as their superset, as browsers do
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    return "utf-8" if codec.startswith("utf-16") else codec  # a page whose meta could be read is not UTF-16


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    return controls > max(8, len(sample) // 100)


# ---------------------------------------------------------------- the element tree


class _Out:
    """Lines of text as they are written, and the layout of the tables among them."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.tables: list[TableLayout] = []
        self.pos = 0
        self._buf: list[str] = []

    def add(self, text: str) -> None:
        self._buf.append(text)

    def end_line(self) -> None:
        if self._buf:
            self.write(collapse("".join(self._buf)))
            self._buf = []

    def write(self, line: str) -> None:
        if line:
            self.lines.append(line)
            self.pos += len(line) + 1


def _walk(el: html.HtmlElement, out: _Out) -> None:
    """Write an element's text: blocks on lines of their own, data tables as rows."""
    tag = el.tag
    if tag == "br":
        out.end_line()
        return
    if tag == "pre":
        out.end_line()
        for line in el.text_content().splitlines():
            out.write(line.rstrip())
        return
    if tag == "table" and not _lays_out(el):
        out.end_line()
        _write_table(el, out)
        return
    block = tag in _BLOCKS
    if block:
        out.end_line()
    _walk_inside(el, out)
    if block:
        out.end_line()


def _walk_inside(el: html.HtmlElement, out: _Out) -> None:
    """An element's own text, its children that are read, and the text after each child (comments included)."""
    if el.text:
        out.add(el.text)
    for child in el:
        if isinstance(child.tag, str) and not _dropped(child):
            _walk(child, out)
        if child.tail:
            out.add(child.tail)


def _dropped(el: html.HtmlElement) -> bool:
    """Elements a reader of the page does not read as the document."""
    tag = el.tag
    if tag in _SKIPPED or el.get("hidden") is not None or _HIDDEN_STYLE.search(el.get("style") or ""):
        return True
    if (el.get("role") or "").strip().lower() in _NAV_ROLES:
        return True
    if tag == "form":
        return not el.xpath(_CONTENT)  # a search box; a page wrapped in one form (ASP.NET) is kept
    if tag in ("header", "footer"):
        return not _in_sectioning(el)  # the page's banner and footer; an article's own header stays
    return _menu_like(el)


def _menu_like(el: html.HtmlElement) -> bool:
    """A `<div class="nav">`, `<ul id="menu">`, breadcrumb trail or page-level div.header / div.footer."""
    names = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    if not names.strip():
        return False
    tokens = re.split(r"[\s_\-]+", names)
    whole = {n.strip() for n in ((el.get("class") or "").lower(), (el.get("id") or "").lower())}
    if not (any(t.endswith(_NAV_NAMES) for t in tokens) or whole & {"header", "footer"}):
        return False
    return not el.xpath(".//table") and not _in_sectioning(el)


def _in_sectioning(el: html.HtmlElement) -> bool:
    return any(a.tag in _SECTIONING for a in el.iterancestors())


def _lays_out(table: html.HtmlElement) -> bool:
    """A table that arranges the page rather than holding data: it holds a table, has one cell, or says so."""
    if (table.get("role") or "").lower() in ("presentation", "none"):
        return True
    if next(table.iterdescendants("table"), None) is not None:
        return True
    return sum(1 for _ in islice(table.iter("td", "th"), 2)) <= 1


# ---------------------------------------------------------------- tables


def _write_table(table: html.HtmlElement, out: _Out) -> None:
    """One tab-separated line per row; the table's grid, header rows and header paths go into the layout."""
    caption = table.find("caption")
    if caption is not None:
        _walk(caption, out)
    rows: list[list[Cell]] = []
    head: list[bool] = []
    for group, is_head in _row_groups(table):
        grid_rows = [[_cell(td, len(group) - r) for td in tr if td.tag in ("td", "th")] for r, tr in enumerate(group)]
        rows.extend(grid_rows)
        head.extend(is_head or _all_th(tr) for tr in group)
    done = finish(place(rows, head))
    if done is None:
        return
    for title in done.titles:
        out.write(title)
    start = out.pos
    for row in done.rows:
        out.write("\t".join(row))
    out.tables.append(
        TableLayout(
            span=(start, out.pos - 1),
            rows=len(done.rows),
            columns=len(done.rows[0]),
            header_rows=done.header_rows,
            header_paths=done.header_paths,
            method="html",
        )
    )


def _all_th(tr: html.HtmlElement) -> bool:
    tags = {cell.tag for cell in tr}
    return "th" in tags and "td" not in tags


def _row_groups(table: html.HtmlElement) -> list[tuple[list[html.HtmlElement], bool]]:
    """The table's rows in display order: thead, then the body rows, then tfoot (wherever it stands)."""
    Group = tuple[list[html.HtmlElement], bool]
    heads: list[Group] = []
    bodies: list[Group] = []
    feet: list[Group] = []
    loose: list[html.HtmlElement] = []
    for child in table:
        if child.tag == "tr":
            if not _dropped(child):
                loose.append(child)
            continue
        if loose:
            bodies.append((loose, False))
            loose = []
        if child.tag in ("thead", "tbody", "tfoot"):
            group = ([tr for tr in child if tr.tag == "tr" and not _dropped(tr)], child.tag == "thead")
            {"thead": heads, "tbody": bodies, "tfoot": feet}[child.tag].append(group)
    if loose:
        bodies.append((loose, False))
    return [g for g in (*heads, *bodies, *feet) if g[0]]


def _cell(td: html.HtmlElement, rows_left: int) -> Cell:
    """A cell's text (its lines joined by spaces) and spans; rowspan=0 reaches the end of its row group."""
    if len(td):
        sub = _Out()
        _walk_inside(td, sub)
        sub.end_line()
        text = " ".join(sub.lines)
    else:
        text = collapse(td.text or "")
    rowspan = _span(td.get("rowspan"))
    return Cell(text, min(rowspan, rows_left) if rowspan else rows_left, _span(td.get("colspan")) or 1)


def _span(value: str | None) -> int:
    """A rowspan / colspan attribute as a browser reads it (leading digits; missing or junk counts as 1)."""
    if value is None:
        return 1
    digits = _DIGITS.match(value)
    return min(int(digits.group(1)), MAX_SPAN) if digits else 1
