"""One document's review page: findings first (errors, warnings, info), then placeholders, then the facts by section.

Every item is shown in the raw text around its span with the figures it involves highlighted — a finding's own
span (`mark.span`) and the numbers of its facts (`mark.fact`, `data-ref` = the fact id), a placeholder
(`mark.ph`), a fact's number — and, for paginated inputs, with its page number. Without the raw text (input
moved or changed) the page shows each fact's clean-text snippet with the number marked and says so. Everything
taken from the document is escaped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape as _escape

from pipeline.review.source import Pages
from pipeline.review.text import LONG_SPAN, Mark, excerpt, marked, plain, snippet
from schemas.document import DocumentResult, Fact, Finding, Placeholder

# ids, concept names, periods, units, values and labels recur on a page and across pages: each escaped once
escape = lru_cache(maxsize=1 << 16)(_escape)

SEVERITIES = (("error", "错误"), ("warning", "警告"), ("info", "提示"))
PERIOD = {"current": "本年", "prior": "上年", "budget": "预算", "change": "变动"}
NO_SECTION = "（未归入章节）"
PAGE_CLASS = ' class="pg"'  # page columns, hidden for inputs without pages


@dataclass(frozen=True)
class Links:
    """Where a document page points: the index, the shared assets, and the input file (while it is unchanged)."""

    index: str = "../index.html"
    assets: str = "../assets"
    source: str | None = None


@dataclass(frozen=True)
class _Doc:
    """What the parts of a page share."""

    doc: DocumentResult
    raw: str | None
    pages: Pages
    links: Links
    facts: dict[str, Fact]

    def page(self, spans: list[tuple[int, int]]) -> str:
        """The page label of the spans, linked to that page of the input file when it can be opened."""
        label = self.pages.label(spans)
        first = self.pages.of(spans[0][0]) if label and spans else None
        if not label or self.links.source is None or first is None:
            return escape(label)
        return f'<a href="{escape(self.links.source)}#page={first}">{escape(label)}</a>'


def render_document(doc: DocumentResult, raw: str | None, not_understood: Sequence[object], links: Links) -> str:
    """The whole page of one document as a string."""
    return "".join(render_document_parts(doc, raw, not_understood, links))


def render_document_parts(
    doc: DocumentResult, raw: str | None, not_understood: Sequence[object], links: Links
) -> Iterator[str]:
    """The page of one document in pieces, fact row by fact row (`render_document` joins them).

    Written as it is made, a page of 100,000 facts is never one string in memory.
    """
    facts = [*doc.facts, *doc.tables, *doc.indicators]
    d = _Doc(doc, raw, Pages(doc.layout), links, {f.id: f for f in facts})
    title = escape(doc.meta.unit_name or doc.source.path.rsplit("/", 1)[-1])
    assets = escape(links.assets)
    css = "doc" if d.pages else "doc no-pages"
    yield (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{title} · 审阅</title><link rel="stylesheet" href="{assets}/site.css"></head>'
        f'<body class="{css}">\n'
    )
    yield _header(d, title, len(facts), len(not_understood))
    yield _findings(d)
    yield _placeholders(d)
    yield _not_understood(d, not_understood)
    yield from _facts(d, facts)
    yield _problems(doc)
    yield f'\n<script src="{assets}/doc.js"></script></body></html>\n'


def _header(d: _Doc, title: str, n_facts: int, n_tables: int) -> str:
    m, s = d.doc.meta, d.doc.source
    meta = {
        "单位": m.unit_name, "年度": m.fiscal_year, "类型": m.doc_type, "金额单位": m.unit, "文件": s.path,
        "SHA-256": s.sha256, "字符数": s.chars, "格式": s.format, "编码": s.encoding, "页数": s.pages,
    }  # fmt: skip
    dl = "".join(f"<dt>{k}</dt><dd>{escape(str(v))}</dd>" for k, v in meta.items() if v is not None)
    line = [escape(s.path), escape(s.format)] + ([f"{s.pages} 页"] if s.pages else [])
    if d.links.source is not None:
        line.append(f'<a href="{escape(d.links.source)}">打开原文件</a>')
    notice = ""
    if d.raw is None:
        notice = (
            '<p class="notice">输入文件不可读或已改变：摘录取自提取时的文本片段，核对结果与占位符无法在原文中标出。</p>'
        )
    sub = escape(" ".join(str(x) for x in (m.fiscal_year, m.doc_type) if x))
    return (
        f'<header><p><a href="{escape(d.links.index)}">← 返回目录</a></p>'
        f'<h1>{title} <span class="muted">{sub}</span></h1>{_counts(d.doc, n_facts, n_tables)}'
        f'<details class="meta"><summary>{" · ".join(line)}</summary><dl class="meta">{dl}</dl></details>'
        f"{notice}</header>"
    )


def _counts(doc: DocumentResult, n_facts: int, n_tables: int) -> str:
    severities: Counter[str] = Counter(g.severity for g in doc.findings)
    chips = [(f"#{sev}" if severities[sev] else "#findings", label, severities[sev], sev) for sev, label in SEVERITIES]
    chips += [
        ("#placeholders", "占位符", len(doc.placeholders), "ph"),
        ("#not-understood", "未识别表格", n_tables, "tnu"),
        ("#facts", "事实", n_facts, "facts"),
    ]
    items = "".join(
        f'<a class="chip {css}{" zero" if n == 0 else ""}" href="{href}">{label} {n}</a>'
        for href, label, n, css in chips
    )
    return f'<nav class="counts">{items}</nav>'


def _findings(d: _Doc) -> str:
    parts = [f'<section id="findings"><h2>核对结果（{len(d.doc.findings)}）</h2>']
    if not d.doc.findings:
        parts.append('<p class="muted">未发现不相符的数字。</p>')
    for sev, label in SEVERITIES:
        group = [(i, g) for i, g in enumerate(d.doc.findings) if g.severity == sev]
        if group:
            items = "".join(_finding(d, i, g) for i, g in group)
            parts.append(f'<h3 id="{sev}">{label}（{len(group)}）</h3><ol class="findings">{items}</ol>')
    return "".join(parts) + "</section>"


def _finding(d: _Doc, i: int, g: Finding) -> str:
    involved = [d.facts[fid] for fid in g.facts if fid in d.facts]
    spans = [f.span for f in involved] + ([g.span] if g.span else [])
    links = " ".join(f'<a href="#fact-{escape(fid)}">{escape(fid)}</a>' for fid in g.facts)
    figures = " · ".join(
        f"{name} <strong>{escape(v)}</strong>"
        for name, v in (("应为", g.expected), ("实为", g.actual), ("容差", g.tolerance))
        if v
    )
    detail = " · ".join(x for x in (escape(g.rule), figures, d.page(spans), links) if x)
    return (
        f'<li class="finding {g.severity}" id="finding-{i}"><p><span class="sev {g.severity}">'
        f"{dict(SEVERITIES).get(g.severity, escape(g.severity))}</span> {escape(g.message)}</p>"
        f'<p class="detail">{detail}</p><div class="ctx">{_finding_quote(d, g, involved)}</div></li>'
    )


def _finding_quote(d: _Doc, g: Finding, involved: list[Fact]) -> str:
    """The raw text of the finding's span and of its facts' numbers, all highlighted; or the facts' snippets."""
    if d.raw is not None:
        marks = [Mark(f.span[0], f.span[1], "fact", f.id) for f in involved]
        if g.span is not None:  # a long span (statements far apart) is shown around its facts only
            anchor = not marks or g.span[1] - g.span[0] <= LONG_SPAN
            marks.insert(0, Mark(g.span[0], g.span[1], "span", anchor=anchor))
        return excerpt(d.raw, marks) if marks else '<span class="muted">（无原文位置）</span>'
    if not involved:
        return '<span class="muted">（无可引用的文本片段）</span>'
    return "<br>".join(f"{escape(f.id)}：{snippet(f.text, f.value, 'fact', f.id)}" for f in involved)


def _placeholders(d: _Doc) -> str:
    items = d.doc.placeholders
    head = f'<section id="placeholders"><h2>未填写的模板文字（{len(items)}）</h2>'
    if not items:
        return head + '<p class="muted">未发现模板占位文字。</p></section>'
    rows = "".join(_placeholder(d, p) for p in sorted(items, key=lambda p: p.span))
    return head + _table(("类型", "章节", "页", "原文"), rows, "placeholders") + "</section>"


def _placeholder(d: _Doc, p: Placeholder) -> str:
    quote = excerpt(d.raw, [Mark(p.span[0], p.span[1], "ph")]) if d.raw is not None else marked(p.text, "ph")
    return (
        f"<tr><td>{escape(p.kind)}</td><td>{escape(p.section or '')}</td>"
        f'<td class="nw pg">{d.page([p.span])}</td><td class="ctx">{quote}</td></tr>'
    )


def _not_understood(d: _Doc, items: Sequence[object]) -> str:
    head = f'<section id="not-understood"><h2>未能识别的表格（{len(items)}）</h2>'
    if not items:
        return head + '<p class="muted">无。</p></section>'
    return head + "<ol>" + "".join(f"<li>{_table_item(d, t)}</li>" for t in items) + "</ol></section>"


def _table_item(d: _Doc, item: object) -> str:
    """One listed table: its fields as written, its page, and the head of its raw text when it has a span."""
    if not isinstance(item, dict):
        return escape(str(item))
    span = item.get("span")
    fields = " · ".join(f"{escape(str(k))}：{escape(str(v))}" for k, v in item.items() if k not in ("span", "page"))
    page = f"第{escape(str(item['page']))}页" if item.get("page") is not None else ""
    quote = ""
    if isinstance(span, list | tuple) and len(span) == 2 and all(isinstance(x, int) for x in span):
        page = page or d.page([(span[0], span[1])])
        if d.raw is not None:
            head = (span[0], min(span[1], span[0] + LONG_SPAN))
            quote = f'<div class="ctx">{excerpt(d.raw, [Mark(head[0], head[1], "span")])}</div>'
    return " · ".join(x for x in (page, fields) if x) + quote


FACT_HEAD = ("id", "概念", "期间", "度量", "口径", "行 / 栏", "数值", "单位", "万元", "来源", "页", "原文")


def _facts(d: _Doc, facts: list[Fact]) -> Iterator[str]:
    yield f'<section id="facts"><h2>提取的数字（{len(facts)}）</h2>'
    if facts:
        yield '<input class="filter" type="search" placeholder="筛选事实（概念、数值、原文…）">'
    for title, group in _by_section(facts):
        yield f'<div class="group"><h3>{escape(title)}（{len(group)}）</h3>{_table_open(FACT_HEAD, "facts")}'
        yield from (_fact(d, f) for f in group)
        yield "</tbody></table></div>"
    yield "</section>"


def _by_section(facts: Iterable[Fact]) -> list[tuple[str, list[Fact]]]:
    """Facts grouped by section title, groups and facts in the order of the text."""
    groups: dict[str, list[Fact]] = {}
    for f in sorted(facts, key=lambda f: f.span):
        groups.setdefault(f.section or NO_SECTION, []).append(f)
    return list(groups.items())


def _fact(d: _Doc, f: Fact) -> str:
    quote = (
        excerpt(d.raw, [Mark(f.span[0], f.span[1], "fact", f.id)]) if d.raw else snippet(f.text, f.value, "fact", f.id)
    )
    where = " / ".join(x for x in (f.label, f.column) if x)
    short = (PERIOD.get(f.period, f.period), f.measure, f.scope)
    return (
        f'<tr id="fact-{escape(f.id)}"><td class="nw">{escape(f.id)}</td><td>{escape(f.concept)}</td>'
        + "".join(f'<td class="nw">{escape(c or "")}</td>' for c in short)
        + f"<td>{escape(where)}</td>"
        + f'<td class="num">{escape(f.value)}</td><td class="nw">{escape(f.unit or "")}</td>'
        f'<td class="num">{escape(f.value_wan or "")}</td><td>{escape(f.extractor)}</td>'
        f'<td class="nw pg">{d.page([f.span])}</td><td class="ctx">{quote}</td></tr>'
    )


def _problems(doc: DocumentResult) -> str:
    notes = [*doc.errors, *doc.warnings]
    if not notes:
        return ""
    items = "".join(f"<li>{plain(n)}</li>" for n in notes)
    return f'<section id="problems"><h2>处理中的问题（{len(notes)}）</h2><ul>{items}</ul></section>'


def _table(labels: Sequence[str], rows: str, css: str) -> str:
    return f"{_table_open(labels, css)}{rows}</tbody></table>"


def _table_open(labels: Sequence[str], css: str) -> str:
    head = "".join(f"<th{PAGE_CLASS if x == '页' else ''}>{escape(x)}</th>" for x in labels)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>'
