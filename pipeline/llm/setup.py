"""From command-line options to a ready LLM stage: pick the backend, start the local server, open the cache.

`--llm none|local|openai`; without it: `$BUDGET_EXTRACT_LLM`, else `openai` when OPENAI_API_KEY is set, else
`local` when the local extra and model are installed, else `none`. The local server lives as long as the
`llm_stage` block, so one server serves every document (and every worker process) of a run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.llm import local
from pipeline.llm.backends import BackendConfig
from pipeline.llm.cache import AnswerCache, default_cache_path
from pipeline.llm.stage import LLMStage, Progress

BACKENDS = ("none", "local", "openai")


@dataclass(frozen=True)
class LLMOptions:
    """The LLM options of `run` / `check` / `eval`."""

    backend: str | None = None
    model: str | None = None
    model_path: str | None = None
    local_model: str = "0.5b"
    cache: str | None = None
    concurrency: int = 2
    progress: Progress | None = None  # one line per LLM request (and one when the local server is ready)
    indicator_names: str = "auto"  # who names indicator figures: model, hints, or auto (see `names_indicators`)


INDICATOR_NAMES = ("auto", "model", "hints")


def names_indicators(options: LLMOptions, kind: str) -> bool:
    """Whether the model names indicator figures (else each is named by its figure list's hint).

    `auto`: every model except the embedded 0.5B, whose names score below the hints on the goldens (README,
    "Naming indicators"); the hints cost no call.
    """
    if options.indicator_names not in INDICATOR_NAMES:
        raise ConfigError(f"unknown --indicator-names {options.indicator_names!r}; choose auto, model or hints")
    if options.indicator_names != "auto":
        return options.indicator_names == "model"
    return not (kind == "local" and options.model_path is None and options.local_model == "0.5b")


def resolve_backend(choice: str | None) -> str:
    """The backend to use when the user did (or did not) name one."""
    kind = choice or os.environ.get("BUDGET_EXTRACT_LLM")
    if kind:
        if kind not in BACKENDS:
            raise ConfigError(f"unknown --llm {kind!r}; choose none, local or openai")
        return kind
    if os.environ.get("OPENAI_API_KEY"):
        return "openai"
    return "local" if local.is_installed() else "none"


def openai_config(model: str | None, concurrency: int) -> BackendConfig:
    """The `openai` backend's config from OPENAI_BASE_URL / OPENAI_API_KEY and --model."""
    key = os.environ.get("OPENAI_API_KEY")
    if not key:
        raise ConfigError("no OPENAI_API_KEY set: export it, or run with --llm local")
    name = model or os.environ.get("OPENAI_MODEL")
    if not name:
        raise ConfigError("--llm openai needs a model: pass --model NAME (or export OPENAI_MODEL)")
    return BackendConfig("openai", name, os.environ.get("OPENAI_BASE_URL"), key, concurrency)


@contextmanager
def llm_stage(options: LLMOptions) -> Iterator[LLMStage | None]:
    """The configured stage (None for `none`); a local server runs until the block ends, errors included."""
    kind = resolve_backend(options.backend)
    if kind == "none":
        yield None
        return
    _require_sdk()
    by_model = names_indicators(options, kind)
    cache = AnswerCache(options.cache or default_cache_path())
    try:
        if kind == "openai":
            config = openai_config(options.model, options.concurrency)
            yield LLMStage(config, cache, progress=options.progress, name_indicators=by_model)
            return
        path = _model_path(options)
        server = local.LocalServer(path)
        start = time.perf_counter()
        with server as url:
            if options.progress is not None:
                s = server.settings
                options.progress(
                    f"llm: local server ready in {time.perf_counter() - start:.1f} s ({path.name}, {s.threads} threads for "
                    f"the prompt, {s.gen_threads} for generation, context {s.n_ctx}, batch {s.n_batch}, {s.slots} slot)"
                )
            # one llama.cpp server answers one request at a time: queued requests need a long timeout
            config = BackendConfig("local", options.model or path.name, url, "local", options.concurrency, 900.0)
            yield LLMStage(config, cache, server=server.info(), progress=options.progress, name_indicators=by_model)
    finally:
        cache.close()


def _model_path(options: LLMOptions) -> Path:
    if options.model_path:
        path = Path(options.model_path)
        if not path.is_file():
            raise ConfigError(f"--model-path {path}: no such file")
        return path
    return local.assemble(options.local_model)


def _require_sdk() -> None:
    import importlib.util

    missing = [m for m in ("openai", "instructor", "tenacity") if importlib.util.find_spec(m) is None]
    if missing:
        raise ConfigError(
            f"LLM extraction needs {', '.join(missing)}: pip install 'budget-extract[llm]', or run with --llm none"
        )
