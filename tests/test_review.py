"""The HTML review page: written by every run, well-formed, complete, and escapes what documents contain."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import REPORTS, STEMS

from pipeline.cli import main
from pipeline.review import render, write_review
from schemas.document import DocumentResult, Fact, Finding, Meta, Placeholder, Source

VOID = {"meta", "br", "input", "img", "hr", "link", "wbr"}


class _Checker(HTMLParser):
    """Collects text, and checks that every element opened is closed in order (no void elements left open)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a" and a.get("href"):
            self.hrefs.append(str(a["href"]))
        if a.get("src") or (tag == "link" and a.get("href")):
            self.external.append(str(a.get("src") or a.get("href")))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "script":
            self.scripts.append(data)
        else:
            self.text.append(data)


def _parse(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert checker.stack == []
    return checker


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BUDGET_EXTRACT_LLM", "none")
        mp.delenv("OPENAI_API_KEY", raising=False)
        assert main(["run", str(REPORTS), "--out", str(folder), "--quiet"]) == 0
    return folder


def _records(out: Path, kind: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / f"{kind}.jsonl").read_text(encoding="utf-8").splitlines()]


def test_run_writes_a_well_formed_self_contained_page(out: Path) -> None:
    html = (out / "review.html").read_text(encoding="utf-8")
    page = _parse(html)
    assert page.external == []
    assert "http://" not in html and "https://" not in html
    internal = [h for h in page.hrefs if h.startswith("#")]
    assert internal == page.hrefs and {h[1:] for h in internal} <= page.ids  # every link lands on the page


def test_page_lists_every_document_and_every_finding_message(out: Path) -> None:
    text = "".join(_parse((out / "review.html").read_text(encoding="utf-8")).text)
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "docs").iterdir())]
    assert len(docs) == len(STEMS)
    for doc in docs:
        assert doc["meta"]["unit_name"] and doc["meta"]["unit_name"] in text
    findings = _records(out, "findings")
    assert findings
    for g in findings:
        assert g["message"] in text
    assert f"预决算公开审阅（{len(STEMS)} 份文件）" in text


def test_facts_and_placeholders_are_quoted_from_the_raw_text(out: Path) -> None:
    page = _parse((out / "review.html").read_text(encoding="utf-8"))
    text = "".join(page.text)
    for p in _records(out, "placeholders")[:10]:
        assert str(p["text"]).replace("\n", "") in text.replace("⏎", "")
    assert "[bookmark:" in text  # raw text, not the clean text: seed 001 is full of bookmarks
    fact_rows = [i for i in page.ids if i.startswith("doc-") and i.count("-") == 2]
    assert len(fact_rows) == len(_records(out, "facts"))


def _hostile() -> DocumentResult:
    evil = "<script>alert('x')</script>"
    return DocumentResult(
        source=Source(path="gone/<b>missing</b>.txt", sha256="0" * 64, chars=100),
        meta=Meta(unit_name="某县<i>财政局</i>", fiscal_year=2021, doc_type="决算"),
        facts=[Fact(id="f1", concept="income_total", period="current", value="381.13", unit="万元",
                    value_wan="381.13", decimals=2, text=f"本年收入合计381.13万元{evil}", span=(3, 9))],
        findings=[Finding(rule="sum.x", severity="error", message=f"合计 ≠ 各项之和 {evil}", facts=["f1"],
                          expected="1 & 2", actual="<3>", span=(0, 5))],
        placeholders=[Placeholder(kind="ellipsis", text=f"如…{evil}等", span=(10, 20))],
    )  # fmt: skip


def test_document_text_is_escaped() -> None:
    html = render([_hostile()], {"bad/<script>.pdf": "not a PDF <script>"})
    assert "<script>alert" not in html and "<i>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    page = _parse(html)
    assert len(page.scripts) == 1 and "alert" not in page.scripts[0]  # only the page's own filter script
    text = "".join(page.text)
    assert "合计 ≠ 各项之和 <script>alert('x')</script>" in text
    assert "某县<i>财政局</i>" in text and "bad/<script>.pdf" in text


def test_missing_input_falls_back_to_fact_text_with_the_number_marked() -> None:
    html = render([_hostile()], {})
    assert "输入文件不可读或已改变" in html
    assert "本年收入合计<mark>381.13</mark>万元" in html


def test_changed_input_is_not_quoted_with_stale_spans(tmp_path: Path) -> None:
    src = tmp_path / "r.txt"
    shutil.copy(REPORTS / f"{STEMS[0]}.txt", src)
    out = tmp_path / "out"
    assert main(["run", str(src), "--out", str(out), "--quiet"]) == 0
    assert "输入文件不可读或已改变" not in (out / "review.html").read_text(encoding="utf-8")
    src.write_text("改过的文件", encoding="utf-8")
    doc = DocumentResult.model_validate_json((out / "docs" / "r.json").read_text(encoding="utf-8"))
    html = write_review(out, [doc]).read_text(encoding="utf-8")
    assert "输入文件不可读或已改变" in html
    _parse(html)
