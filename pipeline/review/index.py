"""The site's index: one row per document, written as it streams past, usable for 100,000 documents.

`index.html` is small: the counts of the whole run, the filter controls, and the first page of rows (the documents
with the most errors, then warnings, placeholders and tables not understood) rendered as HTML, so it reads at once
and without scripts. The rows of every document go to `index/rows-NNNNN.js`, SHARD_ROWS per file, each a call
`reviewRows(n, [[...], ...])`: loaded by `<script>` elements they work from `file://` (no fetch, no server), and
`assets/index.js` then sorts, filters and pages all rows in the browser, rendering one page at a time. Only the
current shard and the top page are held while writing. Row values go into the HTML escaped and into the scripts
as JSON with `<` escaped; the browser script inserts them as text, never as markup.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import astuple, dataclass, fields
from html import escape
from pathlib import Path
from urllib.parse import quote

from schemas.document import DocumentResult

SHARD_ROWS = 2000
PAGE_ROWS = 100
COLUMNS = (
    ("issuer", "单位"), ("year", "年度"), ("doc_type", "类型"), ("facts", "事实"), ("errors", "错误"),
    ("warnings", "警告"), ("placeholders", "占位符"), ("tables", "未识别表格"), ("file", "文件"),
)  # fmt: skip
FILTERS = (("errors", "有错误"), ("warnings", "有警告"), ("placeholders", "有占位符"), ("tables", "有未识别表格"))


@dataclass(frozen=True)
class IndexRow:
    """What the index shows of one document."""

    stem: str
    issuer: str
    year: int | None
    doc_type: str
    facts: int
    errors: int
    warnings: int
    infos: int
    placeholders: int
    tables: int
    file: str

    @classmethod
    def of(cls, stem: str, doc: DocumentResult, tables_not_understood: int) -> IndexRow:
        """The row of a document whose page is `docs/<stem>.html`."""
        severities = Counter(g.severity for g in doc.findings)
        return cls(
            stem=stem,
            issuer=doc.meta.unit_name or "",
            year=doc.meta.fiscal_year,
            doc_type=doc.meta.doc_type or "",
            facts=len(doc.facts) + len(doc.tables) + len(doc.indicators),
            errors=severities["error"],
            warnings=severities["warning"],
            infos=severities["info"],
            placeholders=len(doc.placeholders),
            tables=tables_not_understood,
            file=doc.source.path.replace("\\", "/").rsplit("/", 1)[-1],
        )

    @classmethod
    def from_list(cls, values: list[object]) -> IndexRow:
        """A row read back from its list form (the build state)."""
        return cls(*values)  # type: ignore[arg-type]

    def as_list(self) -> list[object]:
        """The row as a JSON array, fields in declaration order (the order `FIELDS` names for the script)."""
        return list(astuple(self))

    def rank(self) -> tuple[int, int, int, int, str]:
        """The default order: most errors first, then warnings, placeholders, tables not understood, name."""
        return (-self.errors, -self.warnings, -self.placeholders, -self.tables, self.stem)


FIELDS = [f.name for f in fields(IndexRow)]
URI_SAFE = "!'()*"  # what the browser's encodeURIComponent leaves as it is


def page_href(stem: str) -> str:
    """The index's link to a document page (the stem percent-encoded, as the browser script does)."""
    return f"docs/{quote(stem, safe=URI_SAFE)}.html"


def js_json(value: object) -> str:
    """JSON that is safe inside a script: no `</script>`, no raw line separators."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


class IndexWriter:
    """Streams rows into shard files and keeps the first page; `close` writes `index.html`."""

    def __init__(self, site: Path) -> None:
        """Write into `site/index/`; shards of an earlier build are replaced or removed on close."""
        self.site = site
        (site / "index").mkdir(parents=True, exist_ok=True)
        self._buffer: list[list[object]] = []
        self._shards = 0
        self._top: list[IndexRow] = []
        self.rows = 0
        self.totals: Counter[str] = Counter()
        self._years: set[int] = set()
        self._types: set[str] = set()

    def add(self, row: IndexRow) -> None:
        """Add one document's row."""
        self.rows += 1
        self.totals.update(
            errors=row.errors, warnings=row.warnings, placeholders=row.placeholders, tables=row.tables,
            with_errors=row.errors > 0, with_placeholders=row.placeholders > 0,
        )  # fmt: skip
        if row.year is not None:
            self._years.add(row.year)
        if row.doc_type:
            self._types.add(row.doc_type)
        self._buffer.append(row.as_list())
        if len(self._buffer) >= SHARD_ROWS:
            self._flush()
        self._top.append(row)
        if len(self._top) >= 4 * PAGE_ROWS:
            self._top = sorted(self._top, key=IndexRow.rank)[:PAGE_ROWS]

    def close(self, failed: dict[str, str]) -> Path:
        """Write the last shard, remove stale ones, write `failed.html` and `index.html`; return the index's path."""
        if self._buffer:
            self._flush()
        for old in (self.site / "index").glob("rows-*.js"):
            if int(old.stem.split("-")[1]) >= self._shards:
                old.unlink()
        failed_page = self.site / "failed.html"
        if failed:
            write_atomic(failed_page, _failed_page(failed))
        elif failed_page.exists():
            failed_page.unlink()
        top = sorted(self._top, key=IndexRow.rank)[:PAGE_ROWS]
        return write_atomic(self.site / "index.html", self._page(top, len(failed)))

    def _flush(self) -> None:
        text = f"reviewRows({self._shards},{js_json(self._buffer)});\n"
        write_atomic(self.site / "index" / f"rows-{self._shards:05d}.js", text)
        self._shards += 1
        self._buffer = []

    def _page(self, top: list[IndexRow], n_failed: int) -> str:
        config = {"shards": self._shards, "rows": self.rows, "page": PAGE_ROWS, "fields": FIELDS}
        return (
            '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<title>预决算公开审阅</title><link rel="stylesheet" href="assets/site.css"></head><body class="index">\n'
            f"{self._summary(n_failed)}{self._controls()}"
            f'<table id="docs"><thead><tr>{_head()}</tr></thead><tbody>{"".join(_row(r) for r in top)}</tbody></table>'
            f"{_pager(len(top), self.rows)}"
            f'<script id="review-data" type="application/json">{js_json(config)}</script>'
            '<script src="assets/index.js"></script></body></html>\n'
        )

    def _summary(self, n_failed: int) -> str:
        t = self.totals
        failed = f' · <a href="failed.html">未能处理 {n_failed} 份</a>' if n_failed else ""
        return (
            f"<header><h1>预决算公开审阅（{self.rows} 份文件）</h1>"
            f'<p class="totals">有错误的 {t["with_errors"]} 份 · 错误 {t["errors"]} · 警告 {t["warnings"]} · '
            f"有占位符的 {t['with_placeholders']} 份 · 占位符 {t['placeholders']} · 未识别表格 {t['tables']}{failed}</p>"
            "</header>"
        )

    def _controls(self) -> str:
        years = "".join(f'<option value="{y}">{y}</option>' for y in sorted(self._years, reverse=True))
        types = "".join(f'<option value="{escape(t)}">{escape(t)}</option>' for t in sorted(self._types))
        boxes = "".join(f'<label><input type="checkbox" name="only" value="{k}"> {v}</label>' for k, v in FILTERS)
        return (
            '<form id="controls" class="controls" hidden onsubmit="return false">'
            '<input type="search" name="q" placeholder="单位或文件名…">'
            f'<select name="year"><option value="">全部年度</option>{years}</select>'
            f'<select name="doc_type"><option value="">全部类型</option>{types}</select>{boxes}</form>'
            f'<p id="status" class="muted">仅显示问题最多的 {min(PAGE_ROWS, self.rows)} 份；'
            "启用脚本后可对全部文件排序、筛选与翻页。</p>"
        )


def _head() -> str:
    return "".join(f'<th data-key="{k}" tabindex="0">{v}</th>' for k, v in COLUMNS)


def _row(r: IndexRow) -> str:
    name = escape(r.issuer or r.stem)
    counts = "".join(
        f'<td class="num{" bad" if k == "errors" and v else ""}">{v}</td>'
        for k, v in (("facts", r.facts), ("errors", r.errors), ("warnings", r.warnings),
                     ("placeholders", r.placeholders), ("tables", r.tables))
    )  # fmt: skip
    return (
        f'<tr><td><a href="{escape(page_href(r.stem))}">{name}</a></td><td>{r.year or ""}</td>'
        f'<td>{escape(r.doc_type)}</td>{counts}<td class="muted">{escape(r.file)}</td></tr>'
    )


def _pager(shown: int, total: int) -> str:
    return (
        '<nav id="pager" class="pager" hidden><button type="button" data-step="-1">上一页</button>'
        f'<span id="page-label">1–{shown} / {total}</span><button type="button" data-step="1">下一页</button></nav>'
    )


def _failed_page(failed: dict[str, str]) -> str:
    rows = "".join(f"<tr><td>{escape(p)}</td><td>{escape(e)}</td></tr>" for p, e in sorted(failed.items()))
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>未能处理的文件</title>'
        '<link rel="stylesheet" href="assets/site.css"></head><body class="index">'
        f'<p><a href="index.html">← 返回目录</a></p><h1>未能处理的文件（{len(failed)}）</h1>'
        f"<table><thead><tr><th>文件</th><th>原因</th></tr></thead><tbody>{rows}</tbody></table></body></html>\n"
    )


def write_atomic(path: Path, text: str) -> Path:
    """Write through a temporary file, so a reader never sees half a page."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
