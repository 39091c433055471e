"""The only module that imports the OpenAI SDK and instructor: the `openai` backend and its retry policy.

Any OpenAI-compatible endpoint (OpenAI, DeepSeek, Qwen/DashScope, vLLM, Ollama, the embedded llama.cpp server).
One tenacity policy retries transient transport errors only — timeouts, connection errors, 429 (honouring
Retry-After) and 5xx — with jittered exponential backoff; the SDK's own retries are off so that this is the only
policy. Validation errors go back to the model through instructor's re-ask, bounded. An answer cut at the output
limit (finish_reason "length") raises `TruncatedOutput` at once, so the caller splits the chunk; so does a request
the endpoint refuses as longer than the model's context (a re-ask carries the failed answer). Every failure
leaves as our own `LLMError`, carrying attempts and token usage, its text redacted (no API key, no token); a
401/403 leaves as `EndpointRefused`, which stops the run. A circuit breaker per endpoint (`pipeline.llm.breaker`)
makes calls fail fast after repeated connection failures.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import instructor
import openai
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from instructor.core.hooks import Hooks
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_random_exponential

from pipeline.errors import EndpointRefused, EndpointUnavailable, LLMError
from pipeline.llm.backends import Answer, BackendConfig, Request, TruncatedOutput, register
from pipeline.llm.breaker import CircuitBreaker, breaker_for
from pipeline.redact import redact

_MODES = {"tools": instructor.Mode.TOOLS, "json": instructor.Mode.JSON, "json_schema": instructor.Mode.JSON_SCHEMA}


@dataclass(frozen=True)
class RetryPolicy:
    """The one retry policy: attempts for transient errors, backoff bounds, and instructor re-asks."""

    attempts: int = 4
    initial_wait: float = 1.0
    max_wait: float = 30.0
    reasks: int = 2


def is_transient(exc: BaseException) -> bool:
    """Timeouts, connection errors, 429 and 5xx — also when instructor wrapped them."""
    cause = _root(exc)
    if isinstance(cause, (openai.APITimeoutError, openai.APIConnectionError, openai.RateLimitError)):
        return True
    return isinstance(cause, openai.APIStatusError) and cause.status_code >= 500


def is_context_overflow(exc: BaseException) -> bool:
    """A 400 saying the messages and the answer budget exceed the model's context window."""
    cause = _root(exc)
    if not isinstance(cause, openai.BadRequestError):
        return False
    return cause.code == "context_length_exceeded" or "maximum context length" in str(cause)


def is_refused(exc: BaseException) -> bool:
    """A 401 or 403: the endpoint refuses the key, so no later call can succeed."""
    return isinstance(_root(exc), (openai.AuthenticationError, openai.PermissionDeniedError))


def _root(exc: BaseException) -> BaseException:
    """The SDK error inside instructor's wrapper, if any."""
    seen = 0
    while isinstance(exc, InstructorRetryException) and exc.__cause__ is not None and seen < 5:
        exc, seen = exc.__cause__, seen + 1
    return exc


def retry_after(exc: BaseException) -> float | None:
    """Seconds a 429/503 answer asks us to wait (Retry-After header), or None."""
    cause = _root(exc)
    if not isinstance(cause, openai.APIStatusError):
        return None
    value = cause.response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class _Wait:
    """Jittered exponential backoff, or the server's Retry-After when it gives one (capped)."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.backoff = wait_random_exponential(multiplier=policy.initial_wait, max=policy.max_wait)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = retry_after(exc) if exc is not None else None
        if asked is not None:
            return min(asked, self.policy.max_wait)
        return float(self.backoff(state))


@dataclass
class _Usage:
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0

    def response(self, response: Any) -> None:
        self.calls += 1
        usage = getattr(response, "usage", None)
        if usage is not None:
            self.tokens_in += int(getattr(usage, "prompt_tokens", 0) or 0)
            self.tokens_out += int(getattr(usage, "completion_tokens", 0) or 0)

    def error(self, *_args: Any, **_kwargs: Any) -> None:
        self.calls += 1


@dataclass
class OpenAIBackend:
    """Structured answers from an OpenAI-compatible chat endpoint."""

    config: BackendConfig
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def _raw_client(self) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(
            base_url=self.config.base_url,
            api_key=self.config.api_key or "none",
            timeout=self.config.timeout,
            max_retries=0,
        )

    async def complete(self, request: Request) -> Answer:
        """One validated answer, retrying transient errors under the policy (unless the circuit is open)."""
        usage = _Usage()
        breaker = breaker_for(self.config.base_url or "openai")
        if not breaker.allow():
            raise EndpointUnavailable(
                f"the endpoint is unreachable ({breaker.failures} connection failures in a row): not called, "
                f"retried after a {breaker.cooldown:g} s pause"
            )
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.policy.attempts),
            wait=_Wait(self.policy),
            retry=retry_if_exception(lambda e: is_transient(e) and not breaker.is_open),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    value = await self._attempt(request, usage, breaker)
        except IncompleteOutputException as e:  # the hook has counted the call already
            raise TruncatedOutput(
                "answer cut at the output limit", usage.calls, usage.tokens_in, usage.tokens_out
            ) from e
        except (openai.OpenAIError, InstructorRetryException) as e:
            if is_context_overflow(e):  # prompt (with a re-ask's history) + answer do not fit: split, never repeat
                raise TruncatedOutput(
                    "prompt and answer exceed the model's context", usage.calls, usage.tokens_in, usage.tokens_out
                ) from e
            error = EndpointRefused if is_refused(e) else LLMError
            message = redact(_describe(e, usage.calls), [self.config.api_key])
            raise error(message, usage.calls, usage.tokens_in, usage.tokens_out) from e
        return Answer(value, usage.tokens_in, usage.tokens_out, usage.calls)

    async def _attempt(self, request: Request, usage: _Usage, breaker: CircuitBreaker) -> Any:
        """One attempt, telling the breaker whether the endpoint answered at all."""
        try:
            value = await self._once(request, usage)
        except (openai.OpenAIError, InstructorRetryException) as e:
            breaker.record(not isinstance(_root(e), openai.APIConnectionError))
            raise
        breaker.record(True)
        return value

    async def _once(self, request: Request, usage: _Usage) -> Any:
        """One instructor call (with its bounded re-asks) on a client closed right after: no leaked sockets."""
        hooks = Hooks()
        hooks.on("completion:response", usage.response)
        hooks.on("completion:error", usage.error)
        mode = _MODES.get(os.environ.get("BUDGET_EXTRACT_LLM_MODE", "tools"), instructor.Mode.TOOLS)
        async with self._raw_client() as raw:
            client = instructor.from_openai(raw, mode=mode)
            return await client.create(
                model=self.config.model,
                response_model=request.response_model,
                max_retries=self.policy.reasks,
                messages=[{"role": "system", "content": request.system}, {"role": "user", "content": request.user}],
                max_tokens=request.max_tokens,
                temperature=0,
                hooks=hooks,
            )


def _describe(e: BaseException, calls: int) -> str:
    """One line for an error (the caller redacts secrets before it is kept or shown)."""
    cause = _root(e)
    if isinstance(e, InstructorRetryException) and not isinstance(cause, openai.OpenAIError):
        return f"no valid answer after {e.n_attempts} attempts: {str(cause)[:200]}"
    if isinstance(cause, openai.AuthenticationError):
        return f"the endpoint refused the API key (401): check OPENAI_API_KEY ({_body(cause)})"
    if isinstance(cause, openai.PermissionDeniedError):
        return f"the endpoint refused the API key (403): check OPENAI_API_KEY and its permissions ({_body(cause)})"
    if isinstance(cause, openai.NotFoundError):
        return "the endpoint does not know this model (404): check --model"
    return f"{type(cause).__name__} after {calls} calls: {redact(str(cause))[:200]}"


def _body(cause: BaseException) -> str:
    """The endpoint's own words, secrets removed before shortening (a cut could hide half a key from redaction)."""
    return redact(str(cause))[:200]


register("openai", OpenAIBackend)
register("local", OpenAIBackend)
