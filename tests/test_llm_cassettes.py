"""Real answers of the embedded local model, replayed from cassettes (pytest-recording, record mode `none`).

Recorded against the llama.cpp server that `--llm local` starts, on small chunks:
    LLM_RECORD_BASE_URL=http://127.0.0.1:PORT/v1 pytest tests/test_llm_cassettes.py --record-mode=rewrite
Requests match on method, path and body (the port changes from run to run); every header except content-type is
dropped from the cassette, so no key and nothing about the recording machine is stored. A cassette whose
interactions are not all replayed fails its test. The live test at the end needs the model itself (`local_model`).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_llm_stage import make

from pipeline.ground import label_in_text
from pipeline.llm import local
from pipeline.llm.backends import BackendConfig, Request
from pipeline.llm.cache import AnswerCache
from pipeline.llm.client import OpenAIBackend
from pipeline.llm.prompts import render
from pipeline.llm.stage import LLMStage
from schemas.llm import MoneyFigures, StaffFigures

BASE_URL = os.environ.get("LLM_RECORD_BASE_URL", "http://127.0.0.1:9/v1")
MODEL = local.MODELS["0.5b"].filename
KEEP_HEADERS = {"content-type"}


def _scrub_request(request: Any) -> Any:
    request.headers = {k: v for k, v in request.headers.items() if k.lower() in KEEP_HEADERS}
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    response["headers"] = {k: v for k, v in response["headers"].items() if k.lower() in KEEP_HEADERS}
    return response


@pytest.fixture
def vcr_config() -> dict[str, Any]:
    return {
        "match_on": ["method", "path", "body"],
        "before_record_request": _scrub_request,
        "before_record_response": _scrub_response,
        "decode_compressed_response": True,
    }


@pytest.fixture(autouse=True)
def _cassette_fully_played(vcr: Any) -> Iterator[None]:
    yield
    if vcr is not None and vcr.record_mode == "none":
        assert vcr.all_played, "cassette has interactions the test did not replay"


def backend() -> OpenAIBackend:
    return OpenAIBackend(BackendConfig("local", MODEL, BASE_URL, "sk-test-dummy", concurrency=1, timeout=300))


@pytest.mark.vcr
def test_money_sentence_is_copied_verbatim() -> None:
    text = "本年收入合计381.13万元，其中：一般公共预算财政拨款收入381.13万元，占100%。"
    figures = "1. 381.13万元 — 本年收入合计\n2. 381.13万元 — 一般公共预算财政拨款收入\n3. 100% — 占"
    prompt = render("money", section="收入决算情况说明", unit="万元", text=text, figures=figures)
    answer = asyncio.run(backend().complete(Request(prompt.system, prompt.user, MoneyFigures, 512)))
    assert isinstance(answer.value, MoneyFigures)
    values = {f.value for f in answer.value.figures}
    assert "381.13万元" in values
    assert answer.calls >= 1 and answer.tokens_in > 0 and answer.tokens_out > 0


@pytest.mark.vcr
def test_staff_counts_are_copied_verbatim() -> None:
    text = "核定编制42名，实有在职职工34名，退休职工22人。"
    figures = "1. 42名 — 核定编制\n2. 34名 — 实有在职职工\n3. 22人 — 退休职工"
    prompt = render("staff", section="机构设置", unit="万元", text=text, figures=figures)
    answer = asyncio.run(backend().complete(Request(prompt.system, prompt.user, StaffFigures, 512)))
    assert isinstance(answer.value, StaffFigures)
    assert {"42", "34", "22"} & {f.value.rstrip("名人") for f in answer.value.figures}


@pytest.mark.vcr
def test_stage_on_a_small_document_accepts_only_grounded_figures(tmp_path: Path) -> None:
    parsed, result = make("二、收入决算情况说明\n2020年本年收入合计381.13万元，其中：事业收入12.50万元。\n")
    stage = LLMStage(
        BackendConfig("local", MODEL, BASE_URL, "sk-test-dummy", concurrency=1, timeout=300),
        AnswerCache(tmp_path / "c.sqlite"),
    )
    stage(parsed, result)
    text = parsed.raw.text
    for f in [*result.facts, *result.tables, *result.indicators]:
        assert f.extractor == "llm" and text[f.span[0] : f.span[1]].replace(",", "") == f.value
    assert result.llm["calls"] >= 1 and not result.errors


@pytest.mark.vcr
def test_narrative_figures_are_named_by_the_model(tmp_path: Path) -> None:
    text = "二、整体绩效目标完成情况\n参加城镇企业职工基本养老保险34736人，征收基本养老保险基金48107万元。\n"
    parsed, result = make(text)
    stage = LLMStage(
        BackendConfig("local", MODEL, BASE_URL, "sk-test-dummy", concurrency=1, timeout=300),
        AnswerCache(tmp_path / "c.sqlite"),
    )
    stage(parsed, result)
    by_value = {f.value: f for f in result.indicators}
    assert set(by_value) == {"34736", "48107"}, result.ungrounded
    for f in by_value.values():
        assert f.extractor == "llm" and text[f.span[0] : f.span[1]] == f.value
        assert f.label and label_in_text(f.label, text)
    assert by_value["48107"].unit == "万元" and by_value["34736"].unit == "人"


@pytest.mark.local_model
@pytest.mark.skipif(not local.is_installed(), reason="embedded model not installed (make install-local)")
def test_live_local_server_answers_a_targeted_prompt() -> None:
    path = local.assemble("0.5b")
    with local.LocalServer(path) as url:  # the settings `--llm local` uses
        config = BackendConfig("local", MODEL, url, "local", concurrency=1, timeout=300)
        text, figures = "公务接待费1.20万元，比上年减少0.30万元。", "1. 1.20万元 — 公务接待费\n2. 0.30万元 — 比上年减少"
        prompt = render("money", section="三公经费", unit="万元", text=text, figures=figures)
        answer = asyncio.run(OpenAIBackend(config).complete(Request(prompt.system, prompt.user, MoneyFigures, 256)))
    assert "1.20万元" in {f.value for f in answer.value.figures}  # type: ignore[attr-defined]
