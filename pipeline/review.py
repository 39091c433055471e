"""A static HTML review page for a run: `DIR/review.html`, one self-contained file (no external assets, no network).

Written for a reviewer at a finance bureau: an index of the documents with their counts, then per document its
metadata, the arithmetic findings first, the unfilled template placeholders, and the facts. Every finding,
placeholder and fact is shown inside the raw text around its span, read again from the input file (`source.path`)
when it is still there with the same hash; otherwise the page falls back to each fact's clean-text snippet.
Everything taken from a document is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.ingest import read_document
from schemas.document import DocumentResult, Fact, Finding, Placeholder

CONTEXT = 40  # raw characters shown on each side of a span
LONG_SPAN = 160  # longer spans are shown as their head and tail
SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}
FACT_COLUMNS = ("id", "concept", "period", "measure", "scope", "value", "unit", "value_wan", "extractor")

STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:1.5em;color:#222;font-size:14px}
h1{font-size:1.5em}h2{border-bottom:2px solid #446;padding-bottom:.2em;margin-top:2em}h3{margin-top:1.4em}
table{border-collapse:collapse;margin:.5em 0;width:100%}
th,td{border:1px solid #ccc;padding:.25em .45em;text-align:left;vertical-align:top}
th{background:#eef}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.error td:first-child{border-left:5px solid #c62828}tr.warning td:first-child{border-left:5px solid #ef8f00}
tr.info td:first-child{border-left:5px solid #1565c0}
.sev{display:inline-block;padding:0 .4em;border-radius:3px;color:#fff;font-size:.9em}
.sev.error{background:#c62828}.sev.warning{background:#ef8f00}.sev.info{background:#1565c0}
.ctx{font-family:monospace,monospace;color:#555;word-break:break-all}.ctx mark{background:#ffe066;color:#000}
td.nw{white-space:nowrap}.ws{color:#bbb}.gap{color:#999;font-style:italic}.muted{color:#888}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:.1em 1em}dl.meta dt{color:#666}dl.meta dd{margin:0}
input.filter{margin:.3em 0;padding:.2em;width:20em}
"""

SCRIPT = """
document.querySelectorAll('input.filter').forEach(function(box){
  var rows=document.getElementById(box.dataset.table).tBodies[0].rows;
  box.addEventListener('input',function(){var q=box.value.toLowerCase();
    for(var i=0;i<rows.length;i++){rows[i].hidden=q&&rows[i].textContent.toLowerCase().indexOf(q)<0;}});
});
"""


def write_review(out: Path, results: list[DocumentResult], errors: dict[str, str] | None = None) -> Path:
    """Write `out/review.html` for the finished documents (and the inputs that failed); return its path."""
    path = out / "review.html"
    path.write_text(render(results, errors or {}), encoding="utf-8")
    return path


def render(results: list[DocumentResult], errors: dict[str, str]) -> str:
    """The whole page as a string."""
    body = [_index(results, errors)]
    body += [_document(i, r, _raw_text(r)) for i, r in enumerate(results)]
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>预决算公开审阅</title><style>{STYLE}</style></head><body>\n"
        + "\n".join(body)
        + f"\n<script>{SCRIPT}</script></body></html>\n"
    )


def _raw_text(r: DocumentResult) -> str | None:
    """The input's raw decoded text, if the file is still readable and unchanged; else None."""
    try:
        raw = read_document(r.source.path)
    except (PipelineError, OSError):
        return None
    if raw.sha256 != r.source.sha256 or len(raw.text) != r.source.chars:
        return None
    return raw.text


def _counts(r: DocumentResult) -> tuple[int, int, int, int]:
    severities = [g.severity for g in r.findings]
    facts = len(r.facts) + len(r.tables) + len(r.indicators)
    return facts, severities.count("error"), severities.count("warning"), len(r.placeholders)


def _index(results: list[DocumentResult], errors: dict[str, str]) -> str:
    rows = []
    for i, r in enumerate(results):
        m = r.meta
        name = escape(m.unit_name or Path(r.source.path).name)
        cells = "".join(f'<td class="num">{n}</td>' for n in _counts(r))
        rows.append(
            f'<tr><td><a href="#doc-{i}">{name}</a></td><td>{m.fiscal_year or ""}</td>'
            f'<td>{escape(m.doc_type or "")}</td>{cells}<td class="muted">{escape(r.source.path)}</td></tr>'
        )
    head = _head(("单位", "年度", "类型", "事实", "错误", "警告", "占位符", "文件"))
    html = [
        f'<h1 id="top">预决算公开审阅（{len(results)} 份文件）</h1>',
        f"<table>{head}<tbody>{''.join(rows)}</tbody></table>",
    ]
    if errors:
        items = "".join(f"<li>{escape(p)}：{escape(e)}</li>" for p, e in errors.items())
        html.append(f"<h3>未能处理的文件（{len(errors)}）</h3><ul>{items}</ul>")
    return "\n".join(html)


def _document(i: int, r: DocumentResult, raw: str | None) -> str:
    m, s = r.meta, r.source
    meta = {
        "单位": m.unit_name, "年度": m.fiscal_year, "类型": m.doc_type, "金额单位": m.unit, "文件": s.path,
        "SHA-256": s.sha256, "字符数": s.chars, "格式": s.format, "编码": s.encoding,
    }  # fmt: skip
    dl = "".join(f"<dt>{k}</dt><dd>{escape(str(v))}</dd>" for k, v in meta.items() if v is not None)
    if raw is None:
        dl += '<dt>原文</dt><dd class="muted">输入文件不可读或已改变：摘录取自提取时的文本片段</dd>'
    title = escape(m.unit_name or Path(s.path).name)
    facts = [*r.facts, *r.tables, *r.indicators]
    return "\n".join(
        [
            f'<section id="doc-{i}"><h2>{title} <span class="muted">{m.fiscal_year or ""} {escape(m.doc_type or "")}'
            f'</span></h2><dl class="meta">{dl}</dl><p><a href="#top">↑ 返回目录</a></p>',
            _findings(i, r.findings, facts, raw),
            _placeholders(r.placeholders, raw),
            _facts(i, facts, raw),
            "</section>",
        ]
    )


def _findings(i: int, findings: list[Finding], facts: list[Fact], raw: str | None) -> str:
    if not findings:
        return '<h3>核对结果（0）</h3><p class="muted">未发现不相符的数字。</p>'
    by_id = {f.id: f for f in facts}
    rows = []
    for g in sorted(findings, key=lambda g: ("error", "warning", "info").index(g.severity)):
        links = " ".join(f'<a href="#doc-{i}-{escape(fid)}">{escape(fid)}</a>' for fid in g.facts)
        quote = _finding_quote(g, by_id, raw)
        label = SEVERITY_LABEL.get(g.severity, g.severity)
        rows.append(
            f'<tr class="{g.severity}"><td><span class="sev {g.severity}">{label}</span></td>'
            f'<td>{escape(g.message)}<br><span class="muted">{escape(g.rule)} · {links}</span></td>'
            + "".join(f'<td class="num">{escape(v or "")}</td>' for v in (g.expected, g.actual, g.tolerance))
            + f'<td class="ctx">{quote}</td></tr>'
        )
    head = _head(("级别", "说明", "应为", "实为", "容差", "原文"))
    return f"<h3>核对结果（{len(findings)}）</h3><table>{head}<tbody>{''.join(rows)}</tbody></table>"


def _finding_quote(g: Finding, by_id: dict[str, Fact], raw: str | None) -> str:
    """The raw text around a finding's span.

    For a long span (statements far apart) or without the raw text: the text around each fact involved.
    """
    involved = [by_id[fid] for fid in g.facts if fid in by_id]
    if raw is not None and g.span is not None and (g.span[1] - g.span[0] <= LONG_SPAN or not involved):
        return _excerpt(raw, g.span)
    return "<br>".join(f"{escape(f.id)}：{_fact_excerpt(f, raw)}" for f in involved)


def _placeholders(placeholders: list[Placeholder], raw: str | None) -> str:
    if not placeholders:
        return "<h3>未填写的模板文字（0）</h3>"
    rows = []
    for p in placeholders:
        quote = _excerpt(raw, p.span) if raw is not None else f"<mark>{_text(p.text)}</mark>"
        rows.append(f'<tr><td>{escape(p.kind)}</td><td>{escape(p.section or "")}</td><td class="ctx">{quote}</td></tr>')
    head = _head(("类型", "章节", "原文"))
    return f"<h3>未填写的模板文字（{len(placeholders)}）</h3><table>{head}<tbody>{''.join(rows)}</tbody></table>"


def _facts(i: int, facts: list[Fact], raw: str | None) -> str:
    rows = []
    for f in facts:
        cells = "".join(_fact_cell(c, getattr(f, c)) for c in FACT_COLUMNS)
        rows.append(f'<tr id="doc-{i}-{escape(f.id)}">{cells}<td class="ctx">{_fact_excerpt(f, raw)}</td></tr>')
    head = _head(("id", "概念", "期间", "度量", "口径", "数值", "单位", "万元", "来源", "原文"))
    box = f'<input class="filter" data-table="facts-{i}" placeholder="筛选事实…">'
    return (
        f'<details open><summary><h3 style="display:inline">提取的数字（{len(facts)}）</h3></summary>{box}'
        f'<table id="facts-{i}">{head}<tbody>{"".join(rows)}</tbody></table></details>'
    )


def _fact_cell(column: str, value: object) -> str:
    css = ' class="num"' if column in ("value", "value_wan") else ' class="nw"' if column == "unit" else ""
    return f"<td{css}>{escape('' if value is None else str(value))}</td>"


def _fact_excerpt(f: Fact, raw: str | None) -> str:
    """The raw text around the fact's number, or its clean snippet with the number marked."""
    if raw is not None:
        return _excerpt(raw, f.span)
    at = f.text.find(f.value)
    if at < 0:
        return _text(f.text)
    end = at + len(f.value)
    return f"{_text(f.text[:at])}<mark>{_text(f.text[at:end])}</mark>{_text(f.text[end:])}"


def _excerpt(raw: str, span: tuple[int, int]) -> str:
    """Escaped raw text around `span`, the span itself marked; a long span shows its head and tail."""
    start, end = max(0, min(span[0], len(raw))), max(0, min(span[1], len(raw)))
    before = raw[max(0, start - CONTEXT) : start]
    after = raw[end : end + CONTEXT]
    if end - start > LONG_SPAN:
        half = LONG_SPAN // 2
        gap = f'<span class="gap">〔中略 {end - start - LONG_SPAN} 字〕</span>'
        marked = f"<mark>{_text(raw[start : start + half])}</mark>{gap}<mark>{_text(raw[end - half : end])}</mark>"
    else:
        marked = f"<mark>{_text(raw[start:end])}</mark>"
    lead = "…" if start > CONTEXT else ""
    tail = "…" if end + CONTEXT < len(raw) else ""
    return f"{lead}{_text(before)}{marked}{_text(after)}{tail}"


_WS = re.compile(r"\r\n|[\r\n\t\f]")
_WS_SIGN = {"\t": "⇥", "\f": "␌"}


def _text(s: str) -> str:
    """Escape a piece of raw text, showing line breaks, tabs and form feeds as faint signs."""
    parts = []
    pos = 0
    for m in _WS.finditer(s):
        parts.append(escape(s[pos : m.start()]))
        parts.append(f'<span class="ws">{_WS_SIGN.get(m.group(), "⏎")}</span>')
        pos = m.end()
    parts.append(escape(s[pos:]))
    return "".join(parts)


def _head(labels: Iterable[str]) -> str:
    return "<thead><tr>" + "".join(f"<th>{escape(x)}</th>" for x in labels) + "</tr></thead>"
