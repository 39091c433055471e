"""The backend protocol (one method), the request and answer types, and the explicit backend registry.

A backend turns one `Request` (rendered prompt + answer schema) into one `Answer` (validated pydantic object plus
token usage) or raises: `TruncatedOutput` when the model hit its output limit (the stage then splits the chunk),
`LLMError` when retries are exhausted. Backends: `none` (rules only), `openai` (any OpenAI-compatible endpoint),
`local` (the embedded llama.cpp server, reached through the openai backend) and `fake` (tests).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel

from pipeline.errors import ConfigError, LLMError


@dataclass(frozen=True)
class Request:
    """One structured-output call: messages, the schema the answer must satisfy, and an output budget."""

    system: str
    user: str
    response_model: type[BaseModel]
    max_tokens: int = 512
    text: str = ""  # the document text the prompt carries (for measuring what is sent; backends may ignore it)


@dataclass(frozen=True)
class Answer:
    """A validated answer and what it cost (`calls` counts every HTTP attempt, re-asks included)."""

    value: BaseModel
    tokens_in: int = 0
    tokens_out: int = 0
    calls: int = 1


class TruncatedOutput(LLMError):
    """The model stopped at its output limit (finish_reason == "length"): split the input, do not repeat it."""


class Backend(Protocol):
    """Anything that answers a `Request`."""

    async def complete(self, request: Request) -> Answer:
        """Answer one request or raise `TruncatedOutput` / `LLMError`."""
        ...


@dataclass
class FakeBackend:
    """A scripted backend for tests: `respond` maps each request to an answer (or raises)."""

    respond: Callable[[Request], Answer | Awaitable[Answer]]
    requests: list[Request] = field(default_factory=list)

    async def complete(self, request: Request) -> Answer:
        """Record the request and return the scripted answer."""
        self.requests.append(request)
        answer = self.respond(request)
        if isinstance(answer, Answer):
            return answer
        return await answer


@dataclass(frozen=True)
class BackendConfig:
    """How to reach an endpoint; picklable, so worker processes can build their own clients from it."""

    kind: str
    model: str = ""
    base_url: str | None = None
    api_key: str | None = None
    concurrency: int = 2
    timeout: float = 120.0


BackendFactory = Callable[[BackendConfig], Backend]
_REGISTRY: dict[str, BackendFactory] = {}


def register(kind: str, factory: BackendFactory) -> None:
    """Register a backend factory under a name (`openai`, `fake`, ...)."""
    _REGISTRY[kind] = factory


def create(config: BackendConfig) -> Backend:
    """Build the backend a config names."""
    if config.kind not in _REGISTRY and config.kind in ("openai", "local"):
        from pipeline.llm import client  # noqa: F401  (registers "openai" and "local"; needs the llm extra)
    factory = _REGISTRY.get(config.kind)
    if factory is None:
        raise ConfigError(f"unknown LLM backend {config.kind!r}; known: none, local, openai")
    return factory(config)
