"""The openai backend against a scripted OpenAI-compatible server on loopback: the retry policy, re-asks,
truncation, exhaustion — and, through the stage, a number that is not in its chunk."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI, Reply, tool_answer
from test_llm_stage import make

from pipeline.errors import LLMError
from pipeline.llm.backends import Answer, BackendConfig, Request, TruncatedOutput
from pipeline.llm.cache import AnswerCache
from pipeline.llm.client import OpenAIBackend, RetryPolicy
from pipeline.llm.stage import LLMStage
from schemas.llm import MoneyFigures

GOOD = {"figures": [{"label": "本年收入合计", "value": "381.13万元"}]}
FAST = RetryPolicy(attempts=3, initial_wait=0.01, max_wait=2.0, reasks=1)
REQUEST = Request("copy figures", "本年收入合计381.13万元", MoneyFigures, 256)


def complete(server: FakeOpenAI, timeout: float = 5.0) -> Answer:
    config = BackendConfig("openai", "fake-model", server.base_url, "sk-test-dummy", timeout=timeout)
    return asyncio.run(OpenAIBackend(config, FAST).complete(REQUEST))


@pytest.mark.parametrize(
    ("first", "timeout"),
    [
        pytest.param(Reply(delay=0.8, body={}), 0.3, id="timeout"),
        pytest.param(Reply(status=500, body={"error": {"message": "boom"}}), 5.0, id="server-error-500"),
        pytest.param(Reply(status=503, body={"error": {"message": "busy"}}), 5.0, id="unavailable-503"),
        pytest.param(tool_answer('{"figures": [{"label": "本年'), 5.0, id="malformed-json-reasked"),
        pytest.param(tool_answer({"figures": [{"label": "本年收入合计"}]}), 5.0, id="schema-violation-reasked"),
    ],
)
def test_transient_or_invalid_first_answer_then_success(first: Reply, timeout: float) -> None:
    with FakeOpenAI([first, tool_answer(GOOD)]) as server:
        answer = complete(server, timeout)
    assert isinstance(answer.value, MoneyFigures)
    assert answer.value.figures[0].value == "381.13万元"
    assert answer.calls == 2 == len(server.requests)


def test_429_waits_for_retry_after() -> None:
    limited = Reply(status=429, body={"error": {"message": "slow down"}}, headers={"retry-after": "1"})
    with FakeOpenAI([limited, tool_answer(GOOD)]) as server:
        t0 = time.monotonic()
        answer = complete(server)
        waited = time.monotonic() - t0
    assert answer.calls == 2 and waited >= 0.95


def test_reask_sends_the_validation_error_back() -> None:
    with FakeOpenAI([tool_answer({"figures": [{"label": "x"}]}), tool_answer(GOOD)]) as server:
        complete(server)
    assert len(server.requests[1]["messages"]) > len(server.requests[0]["messages"])


def test_truncated_output_is_not_repeated() -> None:
    with FakeOpenAI([tool_answer('{"figures": [{"label"', finish_reason="length"), tool_answer(GOOD)]) as server:
        with pytest.raises(TruncatedOutput) as info:
            complete(server)
    assert len(server.requests) == 1 and info.value.attempts == 1


def test_context_overflow_splits_instead_of_failing() -> None:
    too_long = Reply(
        status=400,
        body={
            "error": {
                "message": "This model's maximum context length is 4096 tokens.",
                "type": "invalid_request_error",
                "code": "context_length_exceeded",
            }
        },
    )
    with FakeOpenAI([too_long, tool_answer(GOOD)]) as server:
        with pytest.raises(TruncatedOutput, match="context"):
            complete(server)
    assert len(server.requests) == 1


def test_exhausted_transient_retries_raise_llm_error_with_attempts() -> None:
    with FakeOpenAI([Reply(status=500, body={"error": {"message": "boom"}})]) as server:
        with pytest.raises(LLMError) as info:
            complete(server)
    assert info.value.attempts == FAST.attempts == len(server.requests)


def test_exhausted_reasks_raise_llm_error() -> None:
    with FakeOpenAI([tool_answer({"figures": [{"label": "x"}]})]) as server:
        with pytest.raises(LLMError, match="no valid answer"):
            complete(server)
    assert len(server.requests) == FAST.reasks + 1


def test_client_errors_are_not_retried() -> None:
    with FakeOpenAI([Reply(status=401, body={"error": {"message": "bad key"}})]) as server:
        with pytest.raises(LLMError, match="OPENAI_API_KEY"):
            complete(server)
    assert len(server.requests) == 1


def test_stage_over_http_rejects_a_number_not_in_the_chunk(tmp_path: Path) -> None:
    invented = {
        "figures": [
            {"label": "本年收入合计", "value": "3,810.13万元"},
            {"label": "本年支出合计", "value": "123.45万元"},
        ]
    }
    with FakeOpenAI([tool_answer(invented)]) as server:
        config = BackendConfig("openai", "fake-model", server.base_url, "sk-test-dummy", concurrency=1)
        parsed, result = make("二、收入决算情况说明\n本年收入合计3,810.13万元。\n")
        LLMStage(config, AnswerCache(tmp_path / "c.sqlite"))(parsed, result)
    assert [f.value for f in result.facts] == ["3810.13"]
    assert [u["value"] for u in result.ungrounded] == ["123.45万元"]
    assert result.llm["calls"] == 1 and result.llm["tokens_in"] == 100 and result.llm["tokens_out"] == 20
