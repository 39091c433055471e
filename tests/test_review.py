"""The review site: written by every run, well-formed, complete, highlighted, escaped, incremental, and read by a browser.

Expected values are computed here from the document JSONs and the input files (never read back from the site's own
state), so a page that drops, misplaces or mis-highlights an item fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections import Counter
from contextlib import closing
from html import unescape as html_unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import REPORTS, ROOT, STEMS

import pipeline.review.index as index_module
from pipeline.cli import main
from pipeline.ingest import read_document
from pipeline.review import Links, build_site, render_document, write_review
from pipeline.review.site import _write_parts
from pipeline.review.text import Mark, excerpt
from schemas.document import DocumentResult, Fact, Finding, Meta, Placeholder, Source

VOID = {"meta", "br", "input", "img", "hr", "link", "wbr"}
SIGNS = {"\r\n": "⏎", "\n": "⏎", "\r": "⏎", "\t": "⇥", "\f": "␌"}
CORPUS_PDF = ROOT.parent / "shared" / "corpus" / "pdf" / "putuo-shangwuwei-2025-danwei-yusuan.pdf"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (make test installs it: apt-get install -y chromium)"
)


class _Page(HTMLParser):
    """Parses a page: checks that elements nest, collects ids, links, and the text of every highlight."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.ids: list[str] = []
        self.links: list[str] = []
        self.marks: list[dict[str, str]] = []  # class, ref, text, and the id of the nearest enclosing item
        self.order: list[str] = []  # ids of sections, headings and items in document order

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if a.get("id"):
            self.ids.append(a["id"])
            self.order.append(a["id"])
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(a[key])
        if tag == "mark":
            owner = next((x.get("id", "") for _, x in reversed(self.stack) if x.get("id")), "")
            self.marks.append({"class": a.get("class", ""), "ref": a.get("data-ref", ""), "text": "", "in": owner})
        if tag not in VOID:
            self.stack.append((tag, {**a, "_mark": str(len(self.marks) - 1) if tag == "mark" else ""}))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1][0] == tag, f"</{tag}> closes <{self.stack[-1][0] if self.stack else None}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][0] == "script":
            self.scripts.append(data)
            return
        self.text.append(data)
        for _, a in self.stack:
            if a.get("_mark"):
                self.marks[int(a["_mark"])]["text"] += data


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    assert page.stack == []
    return page


def _signs(s: str) -> str:
    """Raw text as the pages show it: line breaks, tabs and form feeds as signs."""
    return re.sub(r"\r\n|[\r\n\t\f]", lambda m: SIGNS[m.group()], s)


def _highlighted(page: _Page, css: str) -> dict[tuple[str, str], str]:
    """(enclosing item id, ref) → the text of the highlights of that class, joined (a split mark joins again)."""
    found: dict[tuple[str, str], str] = {}
    for m in page.marks:
        if css in m["class"].split():
            found[(m["in"], m["ref"])] = found.get((m["in"], m["ref"]), "") + m["text"]
    return found


def _docs(out: Path) -> dict[str, DocumentResult]:
    return {
        p.stem: DocumentResult.model_validate_json(p.read_text("utf-8")) for p in sorted((out / "docs").glob("*.json"))
    }


def _shard_rows(site: Path) -> list[dict[str, object]]:
    rows = []
    for shard in sorted((site / "index").glob("rows-*.js")):
        body = re.fullmatch(r"reviewRows\((\d+),(.*)\);\n", shard.read_text("utf-8"), re.S)
        assert body, shard
        rows += [dict(zip(index_module.FIELDS, r, strict=True)) for r in json.loads(body.group(2))]
    return rows


def _rank(row: dict[str, object]) -> tuple[object, ...]:
    """The documented default order of the index: most errors, warnings, placeholders, unread tables; then name."""
    return (*(-int(str(row[k])) for k in ("errors", "warnings", "placeholders", "tables")), row["stem"])


def _page_links(page: _Page) -> list[str]:
    """The stems of the document pages an index page links to, in order."""
    return [unquote(h)[len("docs/") : -len(".html")] for h in page.links if h.startswith("docs/")]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BUDGET_EXTRACT_LLM", "none")
        mp.delenv("OPENAI_API_KEY", raising=False)
        assert main(["run", str(REPORTS), "--out", str(folder), "--quiet"]) == 0
    return folder


def test_run_writes_a_well_formed_site_of_local_files(out: Path) -> None:
    site = out / "review"
    pages = [site / "index.html", *(site / "docs" / f"{s}.html" for s in STEMS)]
    assert sorted(p.stem for p in (site / "docs").glob("*.html")) == STEMS
    for path in pages:
        html = path.read_text("utf-8")
        page = _parse(html)
        assert "http://" not in html and "https://" not in html
        assert len(page.ids) == len(set(page.ids)), path
        for link in page.links:
            url = urlsplit(link)
            assert not url.scheme and not url.netloc, link
            if url.path:
                assert (path.parent / unquote(url.path)).exists(), link  # assets, pages and the input file
            elif url.fragment and not url.fragment.startswith("page="):
                assert url.fragment in page.ids, link


def test_index_has_a_row_per_document_with_its_counts(out: Path) -> None:
    docs = _docs(out)
    rows = {r["stem"]: r for r in _shard_rows(out / "review")}
    assert set(rows) == set(docs) == set(STEMS)
    for stem, doc in docs.items():
        severities = Counter(g.severity for g in doc.findings)
        row = rows[stem]
        assert row["issuer"] == doc.meta.unit_name and row["year"] == doc.meta.fiscal_year
        assert row["doc_type"] == doc.meta.doc_type and row["file"] == f"{stem}.txt"
        assert row["facts"] == len(doc.facts) + len(doc.tables) + len(doc.indicators)
        assert (row["errors"], row["warnings"], row["placeholders"], row["tables"]) == (
            severities["error"], severities["warning"], len(doc.placeholders), 0,
        )  # fmt: skip
    page = _parse((out / "review" / "index.html").read_text("utf-8"))
    text = "".join(page.text)
    assert f"预决算公开审阅（{len(STEMS)} 份文件）" in text
    assert f"错误 {sum(1 for d in docs.values() for g in d.findings if g.severity == 'error')}" in text
    by_rank = sorted(docs, key=lambda s: _rank(rows[s]))
    assert _page_links(page) == by_rank


def test_document_page_shows_findings_first_with_their_figures_highlighted(out: Path) -> None:
    for stem, doc in _docs(out).items():
        raw = read_document(REPORTS / f"{stem}.txt").text
        page = _parse((out / "review" / "docs" / f"{stem}.html").read_text("utf-8"))
        text = "".join(page.text)
        sections = [i for i in page.order if i in ("findings", "placeholders", "facts")]
        assert sections == ["findings", "placeholders", "facts"]
        items = [i for i in page.order if i.startswith("finding-")]
        severities = [doc.findings[int(i.split("-")[1])].severity for i in items]
        assert severities == sorted(severities, key=("error", "warning", "info").index)
        assert len(items) == len(doc.findings)
        facts = {f.id: f for f in [*doc.facts, *doc.tables, *doc.indicators]}
        marks = _highlighted(page, "fact")
        spans = _highlighted(page, "span")
        for i, g in enumerate(doc.findings):
            assert g.message in text
            for fid in g.facts:
                assert marks[(f"finding-{i}", fid)] == raw[facts[fid].span[0] : facts[fid].span[1]], (stem, i, fid)
            if g.span is not None:
                shown = spans[(f"finding-{i}", "")]
                assert shown and shown.replace("〔", "").split("中略")[0][:10] in _signs(raw[g.span[0] : g.span[1]])


def test_placeholders_are_highlighted_in_the_raw_text(out: Path) -> None:
    for stem, doc in _docs(out).items():
        raw = read_document(REPORTS / f"{stem}.txt").text
        page = _parse((out / "review" / "docs" / f"{stem}.html").read_text("utf-8"))
        shown = [m["text"] for m in page.marks if m["class"] == "ph"]
        assert shown == [_signs(raw[p.span[0] : p.span[1]]) for p in sorted(doc.placeholders, key=lambda p: p.span)]
    page = _parse((out / "review" / "docs" / "001_075cd51c8785aeb9.html").read_text("utf-8"))
    assert "[bookmark:" in "".join(page.text)  # raw text, not the clean text: seed 001 is full of bookmarks


def test_facts_are_grouped_by_section_with_their_number_marked(out: Path) -> None:
    for stem, doc in _docs(out).items():
        raw = read_document(REPORTS / f"{stem}.txt").text
        html = (out / "review" / "docs" / f"{stem}.html").read_text("utf-8")
        page = _parse(html)
        facts = [*doc.facts, *doc.tables, *doc.indicators]
        marks = _highlighted(page, "fact")
        for f in facts:
            assert marks[(f"fact-{f.id}", f.id)] == raw[f.span[0] : f.span[1]]
        groups = re.findall(r'<div class="group"><h3>(.*?)（(\d+)）</h3>(.*?)</div>', html, re.S)
        expected = Counter(f.section or "（未归入章节）" for f in facts)
        assert {html_unescape(t): int(n) for t, n, _ in groups} == dict(expected)
        for title, _, body in groups:
            ids = re.findall(r'<tr id="fact-([^"]+)"', body)
            section = {f.id: f.section or "（未归入章节）" for f in facts}
            assert {section[i] for i in ids} == {html_unescape(title)}


@pytest.mark.skipif(not CORPUS_PDF.exists(), reason="the corpus PDFs are not available")
def test_pdf_items_show_the_page_whose_span_contains_them(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["run", str(CORPUS_PDF), "--out", str(out), "--quiet"]) == 0
    doc = next(iter(_docs(out).values()))
    assert doc.layout is not None and len(doc.layout.pages) > 1
    html = (out / "review" / "docs" / f"{CORPUS_PDF.stem}.html").read_text("utf-8")
    rows = dict(re.findall(r'<tr id="fact-([^"]+)">.*?<td class="nw pg">(?:<a [^>]*>)?(第\d+页)', html))
    pages = doc.layout.pages
    facts = [*doc.facts, *doc.tables, *doc.indicators]
    assert facts and len(rows) == len(facts)
    for f in facts:
        page = next(p.page for p in pages if p.span[0] <= f.span[0] < p.span[1])
        assert rows[f.id] == f"第{page}页", f.id
    assert len({*rows.values()}) > 1
    raw = read_document(CORPUS_PDF).text
    marks = _highlighted(_parse(html), "fact")
    assert all(marks[(f"fact-{f.id}", f.id)] == raw[f.span[0] : f.span[1]] for f in facts)


def _hostile() -> DocumentResult:
    evil = "<script>alert('x')</script>"
    return DocumentResult(
        source=Source(path="gone/<b>missing</b>.txt", sha256="0" * 64, chars=100),
        meta=Meta(unit_name="某县<i>财政局</i>", fiscal_year=2021, doc_type="决算"),
        facts=[Fact(id='f1"><b>', concept="income_total", period="current", value="1234.50", unit="万元",
                    value_wan="1234.50", decimals=2, text=f"本年收入合计1,234.50万元{evil}", span=(3, 9),
                    section=f"收入{evil}")],
        findings=[Finding(rule="sum.x", severity="error", message=f"合计 ≠ 各项之和 {evil}", facts=['f1"><b>'],
                          expected="1 & 2", actual="<3>", span=(0, 5))],
        placeholders=[Placeholder(kind="ellipsis", text=f"如…{evil}等", span=(10, 20))],
        errors=[f"bad table {evil}"],
    )  # fmt: skip


def test_document_text_is_escaped() -> None:
    html = render_document(_hostile(), None, [{"reason": "<img src=x onerror=alert(1)>"}], Links())
    assert "<script>alert" not in html and "<i>" not in html and "<b>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    page = _parse(html)
    assert page.scripts == []  # the page's own script is a file, the document brings none
    text = "".join(page.text)
    assert "合计 ≠ 各项之和 <script>alert('x')</script>" in text
    assert "某县<i>财政局</i>" in text and "<img src=x onerror=alert(1)>" in text


def test_missing_input_falls_back_to_the_fact_snippet_with_the_number_marked() -> None:
    html = render_document(_hostile(), None, [], Links())
    assert "输入文件不可读或已改变" in html
    page = _parse(html)
    assert _highlighted(page, "fact")[('fact-f1"><b>', 'f1"><b>')] == "1,234.50"  # thousands separator as written
    assert [m["text"] for m in page.marks if m["class"] == "ph"] == ["如…<script>alert('x')</script>等"]


def test_hostile_names_reach_their_pages(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "docs").mkdir(parents=True)
    stem = "a&b <c> 100%#?"
    (out / "docs" / f"{stem}.json").write_text(_hostile().model_dump_json(), encoding="utf-8")
    build_site(out)
    assert (out / "review" / "docs" / f"{stem}.html").exists()
    index = (out / "review" / "index.html").read_text("utf-8")
    links = [h for h in _parse(index).links if h.startswith("docs/")]
    assert [unquote(h) for h in links] == [f"docs/{stem}.html"]
    rows = _shard_rows(out / "review")
    assert rows[0]["issuer"] == "某县<i>财政局</i>"
    assert "<i>" not in "".join(p.read_text("utf-8") for p in (out / "review" / "index").glob("*.js"))


def test_changed_input_is_not_quoted_with_stale_spans(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    shutil.copy(REPORTS / f"{STEMS[0]}.txt", src)
    out = tmp_path / "out"
    assert main(["run", str(src), "--out", str(out), "--quiet"]) == 0
    page = out / "review" / "docs" / "r.html"
    assert "输入文件不可读或已改变" not in page.read_text("utf-8")
    assert build_site(out).kept == 1  # the run built the site with build_site (streaming): its page is kept
    src.write_text("改过的文件", encoding="utf-8")
    report = build_site(out)  # the input changed: the page is made again, from the snippets
    assert (report.rendered, report.kept) == (1, 0)
    assert "输入文件不可读或已改变" in page.read_text("utf-8")
    doc = DocumentResult.model_validate_json((out / "docs" / "r.json").read_text("utf-8"))
    assert write_review(out, [doc]) == out / "review" / "index.html"
    assert "输入文件不可读或已改变" in page.read_text("utf-8")


def _copy_run(out: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(out / "docs", copy / "docs")
    return copy


def test_pages_written_by_the_run_workers_are_the_pages_a_build_renders(out: Path) -> None:
    """The workers write each page from the document in memory; the run's own build keeps them all."""
    with closing(sqlite3.connect(out / "manifest.sqlite")) as db:
        written = dict(db.execute("SELECT output, page FROM pages").fetchall())
    assert sorted(written) == [f"{stem}.json" for stem in STEMS]  # each page's state entry, from its worker
    state = [json.loads(line) for line in (out / "review" / ".state.jsonl").read_text("utf-8").splitlines()[1:]]
    assert [json.loads(written[f"{e[0]}.json"])[1] for e in state] == state  # the run's build kept those pages
    copy = out.with_name(out.name + "-rebuilt")  # beside the run's folder: its links to the inputs read the same
    shutil.copytree(out / "docs", copy / "docs")
    fresh = build_site(copy)
    assert (fresh.documents, fresh.rendered) == (5, 5)
    for stem in STEMS:
        ran, built = out / "review" / "docs" / f"{stem}.html", copy / "review" / "docs" / f"{stem}.html"
        assert ran.read_bytes() == built.read_bytes(), stem
    assert (out / "review" / "index.html").read_bytes() == (copy / "review" / "index.html").read_bytes()
    again = build_site(out)  # as the run's own build saw them: every page kept
    assert (again.rendered, again.kept) == (0, 5)


def test_rebuild_keeps_unchanged_pages_and_drops_removed_documents(out: Path, tmp_path: Path) -> None:
    copy = _copy_run(out, tmp_path)
    first = build_site(copy)
    assert (first.documents, first.rendered, first.kept) == (5, 5, 0)
    again = build_site(copy)
    assert (again.rendered, again.kept) == (0, 5)
    changed = copy / "docs" / f"{STEMS[1]}.json"
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 10**9))
    (copy / "docs" / f"{STEMS[2]}.json").unlink()
    third = build_site(copy)
    assert (third.documents, third.rendered, third.kept) == (4, 1, 3)
    assert not (copy / "review" / "docs" / f"{STEMS[2]}.html").exists()
    assert STEMS[2] not in {r["stem"] for r in _shard_rows(copy / "review")}


def test_tables_not_understood_are_counted_and_listed(out: Path, tmp_path: Path) -> None:
    copy = _copy_run(out, tmp_path)
    path = copy / "docs" / f"{STEMS[0]}.json"
    data = json.loads(path.read_text("utf-8"))
    data["tables_not_understood"] = [
        {"table": "s3.t1", "span": [100, 180], "reason": "表头无法对齐"},
        {"table": "s9.t2", "reason": "rows not identified: 2"},
    ]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    build_site(copy)
    rows = {r["stem"]: r for r in _shard_rows(copy / "review")}
    assert rows[STEMS[0]]["tables"] == 2 and rows[STEMS[1]]["tables"] == 0
    page = _parse((copy / "review" / "docs" / f"{STEMS[0]}.html").read_text("utf-8"))
    text = "".join(page.text)
    assert "未能识别的表格（2）" in text and "表头无法对齐" in text and "s9.t2" in text
    raw = read_document(REPORTS / f"{STEMS[0]}.txt").text
    assert _highlighted(page, "span")[("not-understood", "")] == _signs(raw[100:180])


def test_a_bad_document_json_is_one_line_and_the_build_goes_on(out: Path, tmp_path: Path) -> None:
    copy = _copy_run(out, tmp_path)
    (copy / "docs" / "broken.json").write_text('{"source": 1', encoding="utf-8")
    (copy / "docs" / "wrong.json").write_text('{"source": {"path": "x"}}', encoding="utf-8")
    report = build_site(copy)
    assert report.documents == 5 and set(report.problems) == {
        str(copy / "docs" / n) for n in ("broken.json", "wrong.json")
    }
    assert report.problems[str(copy / "docs" / "broken.json")].startswith("no review page: not valid JSON")
    assert "source.sha256: Field required" in report.problems[str(copy / "docs" / "wrong.json")]
    assert all("\n" not in p for p in report.problems.values())
    failed = "".join(_parse((copy / "review" / "failed.html").read_text("utf-8")).text)
    assert "broken.json" in failed and "wrong.json" in failed
    assert "未能处理 2 份" in (copy / "review" / "index.html").read_text("utf-8")


def test_index_rows_are_split_into_shards_and_the_first_page_is_the_top(
    out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "SHARD_ROWS", 2)
    monkeypatch.setattr(index_module, "PAGE_ROWS", 2)
    copy = _copy_run(out, tmp_path)
    build_site(copy)
    shards = sorted(p.name for p in (copy / "review" / "index").glob("*.js"))
    assert shards == ["rows-00000.js", "rows-00001.js", "rows-00002.js"]
    assert [r["stem"] for r in _shard_rows(copy / "review")] == STEMS  # the documents in name order
    rows = {r["stem"]: r for r in _shard_rows(copy / "review")}
    top = sorted(STEMS, key=lambda s: _rank(rows[s]))[:2]
    assert _page_links(_parse((copy / "review" / "index.html").read_text("utf-8"))) == top
    monkeypatch.setattr(index_module, "SHARD_ROWS", 10)
    build_site(copy)  # fewer shards: the stale ones go
    assert sorted(p.name for p in (copy / "review" / "index").glob("*.js")) == ["rows-00000.js"]


def _chromium(tmp_path: Path, url: str, *args: str) -> str:
    assert CHROMIUM is not None
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
        *args, url,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


@needs_chromium
@pytest.mark.slow
def test_chromium_shows_the_highlighted_figures_of_a_document(out: Path, tmp_path: Path) -> None:
    stem = STEMS[0]
    doc = _docs(out)[stem]
    raw = read_document(REPORTS / f"{stem}.txt").text
    url = (out / "review" / "docs" / f"{stem}.html").as_uri()
    dom = _parse(_chromium(tmp_path, url, "--dump-dom").replace("<!DOCTYPE html>", ""))
    facts = {f.id: f for f in [*doc.facts, *doc.tables, *doc.indicators]}
    marks = _highlighted(dom, "fact")
    errors = [(i, g) for i, g in enumerate(doc.findings) if g.severity == "error"]
    assert errors
    for i, g in errors:
        for fid in g.facts:
            assert marks[(f"finding-{i}", fid)] == raw[facts[fid].span[0] : facts[fid].span[1]]
    shot = tmp_path / "page.png"
    _chromium(tmp_path, url, "--window-size=1280,8000", "--hide-scrollbars", f"--screenshot={shot}")
    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (1280, 8000)
        colours = {rgb: n for n, rgb in image.convert("RGB").getcolors(1 << 24) or []}
    highlights = {  # the page's highlight colours: each must cover some pixels of the rendered page
        "fact number in a finding": (255, 210, 63),
        "finding span": (219, 233, 255),
        "placeholder": (255, 196, 138),
        "fact number in the facts table": (255, 224, 102),
    }
    for name, rgb in highlights.items():
        assert colours.get(rgb, 0) > 500, f"no {name} highlight visible"


@needs_chromium
@pytest.mark.slow
def test_chromium_loads_every_shard_then_sorts_and_filters(
    out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "SHARD_ROWS", 2)
    monkeypatch.setattr(index_module, "PAGE_ROWS", 3)
    copy = _copy_run(out, tmp_path)
    build_site(copy)
    docs = _docs(copy)
    url = (copy / "review" / "index.html").as_uri()

    def shown(fragment: str) -> list[str]:
        html = _chromium(tmp_path, f"{url}#{fragment}", "--dump-dom")
        body = html.split('<table id="docs">', 1)[1].split("</table>", 1)[0]
        return [unquote(h)[len("docs/") : -len(".html")] for h in re.findall(r'<a href="(docs/[^"]+)"', body)]

    by_facts = sorted(docs, key=lambda s: (len(docs[s].facts) + len(docs[s].tables) + len(docs[s].indicators), s))
    assert shown("sort=facts&dir=asc") == by_facts[:3]
    assert shown("sort=facts&dir=asc&page=2") == by_facts[3:]
    with_placeholders = sorted(s for s in docs if docs[s].placeholders)
    assert shown("only=placeholders&sort=file&dir=asc") == with_placeholders
    assert shown("q=" + (docs[STEMS[3]].meta.unit_name or "")) == [STEMS[3]]


@pytest.mark.parametrize(
    ("raw", "mark", "expected"),
    [
        pytest.param(
            "收入合计381.13万元。",
            Mark(4, 10, "fact", "f1"),
            '收入合计<mark class="fact" data-ref="f1">381.13</mark>万元。',
            id="whole-text-in-the-window",
        ),
        pytest.param(
            "甲" * 200 + "\n支出<5>万元\t合计\n" + "乙" * 200,
            Mark(203, 206, "fact", "f2"),  # 40 characters each side: 37 甲, 34 乙
            "…" + "甲" * 37 + '<span class="ws">⏎</span>支出<mark class="fact" data-ref="f2">&lt;5&gt;</mark>万元'
            '<span class="ws">⇥</span>合计<span class="ws">⏎</span>' + "乙" * 34 + "…",
            id="context-cut-on-both-sides",
        ),
    ],
)
def test_excerpt_of_one_number_shows_its_line_and_context(raw: str, mark: Mark, expected: str) -> None:
    assert excerpt(raw, [mark]) == expected


def test_excerpt_of_one_mark_equals_the_excerpt_of_its_windows() -> None:
    """A lone mark is shown as the general path shows it next to a mark that opens no window and marks nothing."""
    raw = read_document(REPORTS / f"{STEMS[1]}.txt").text
    for start in range(0, len(raw) - 8, 397):
        for length in (1, 6, 160):
            mark = Mark(start, min(len(raw), start + length), "fact", "f9")
            silent = Mark(len(raw), len(raw), "span", anchor=False)  # empty, at the end: reaches into no window
            assert excerpt(raw, [mark]) == excerpt(raw, [mark, silent])


def test_page_written_in_chunks_is_the_joined_parts(tmp_path: Path) -> None:
    parts = [f"<tr><td>{n}</td><td>第{n}行 ⏎</td></tr>" for n in range(20_000)]  # several chunks
    page = tmp_path / "page.html"
    _write_parts(page, iter(parts))
    assert page.read_bytes() == "".join(parts).encode("utf-8")
    assert not page.with_name("page.html.tmp").exists()
