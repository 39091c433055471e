"""Worker processes for documents: each worker handles one document at a time and can be killed on its own.

`concurrent.futures.ProcessPoolExecutor` cannot stop one task, so a document that hangs or eats memory would hold
(or take down) the whole pool. Here the main process watches every busy worker: past the time budget
(`--doc-timeout`) or the memory budget (`--doc-memory`, resident set read from /proc) it kills that worker with
SIGKILL, reports the document as failed with the reason, and starts a fresh worker; a worker that dies by itself
(segfault, the kernel's OOM killer) is reported the same way. The sequential case is one worker, so the same
limits hold for `--workers 1`.

Workers never outlive the main process: each asks the kernel to kill it when its parent dies
(PR_SET_PDEATHSIG) and also checks its parent every second, so a `kill -9` of the run leaves no worker behind.
Messages a task sends while it runs (LLM progress) reach the main process's `on_message` callback.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

Send = Callable[[Any], None]
Task = Callable[[Any, Send], Any]
POLL = 0.2  # seconds between checks of the busy workers' clocks and memory
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class Limits:
    """Budgets per document: wall-clock seconds and resident memory in MiB (None = unlimited)."""

    timeout: float | None = 600.0
    memory_mb: int | None = 4096


@dataclass(frozen=True)
class Outcome:
    """What became of one job: the task's return value, or the reason it failed."""

    job: Any
    value: Any = None
    error: str | None = None
    started: float = 0.0
    seconds: float = 0.0


class _Worker:
    """One worker process and the job it is on."""

    def __init__(self, context: Any, task: Task) -> None:
        self.conn, child = multiprocessing.Pipe()
        self.process = context.Process(target=_main, args=(child, task, os.getpid()), daemon=True)
        self.process.start()
        child.close()
        self.job: Any = None
        self.started = 0.0
        self.clock = 0.0

    def give(self, job: Any) -> None:
        self.job, self.started, self.clock = job, time.time(), time.monotonic()
        self.conn.send(job)

    def rss_mb(self) -> float:
        try:
            with open(f"/proc/{self.process.pid}/statm") as f:
                return int(f.read().split()[1]) * PAGE / (1 << 20)
        except (OSError, ValueError, IndexError):
            return 0.0

    def kill(self) -> None:
        if self.process.is_alive():
            os.kill(self.process.pid or 0, signal.SIGKILL)
        self.process.join(5)
        self.conn.close()

    def outcome(self, value: Any = None, error: str | None = None) -> Outcome:
        job, self.job = self.job, None
        return Outcome(job, value, error, self.started, time.monotonic() - self.clock)


class Pool:
    """`for outcome in Pool(task, n, limits).run(jobs)`: outcomes in completion order; workers stop at the end."""

    def __init__(self, task: Task, workers: int, limits: Limits, on_message: Callable[[Any, Any], None]) -> None:
        self.task, self.size, self.limits, self.on_message = task, max(1, workers), limits, on_message
        # fork keeps test doubles registered in the parent and starts fast; elsewhere the task must be picklable
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        self.context = multiprocessing.get_context(method)
        self.workers: list[_Worker] = []

    def run(self, jobs: Iterator[Any]) -> Generator[Outcome, None, None]:
        """Process every job; the generator's close (or an error) kills the workers."""
        pending = iter(jobs)
        exhausted = False
        try:
            while True:
                if not exhausted:
                    exhausted = self._dispatch(pending)
                busy = [w for w in self.workers if w.job is not None]
                if not busy:
                    return
                for conn in wait([w.conn for w in busy], timeout=POLL):
                    worker = next(w for w in busy if w.conn is conn)
                    outcome = self._receive(worker)
                    if outcome is not None:
                        yield outcome
                yield from self._enforce_limits()
        finally:
            self.close()

    def _dispatch(self, pending: Iterator[Any]) -> bool:
        """Give a job to every idle worker (starting workers up to the pool size); True when jobs ran out."""
        while True:
            idle = next((w for w in self.workers if w.job is None), None)
            if idle is None and len(self.workers) >= self.size:
                return False
            job = next(pending, None)
            if job is None:
                return True
            if idle is None:
                idle = _Worker(self.context, self.task)
                self.workers.append(idle)
            idle.give(job)

    def _receive(self, worker: _Worker) -> Outcome | None:
        try:
            kind, payload = worker.conn.recv()
        except (EOFError, OSError):
            worker.process.join(5)
            code = worker.process.exitcode
            how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            return self._replace(worker, f"the worker process died ({how}); out of memory?")
        if kind == "message":
            self.on_message(worker.job, payload)
            return None
        if kind == "done":
            return worker.outcome(value=payload)
        return worker.outcome(error=str(payload))

    def _enforce_limits(self) -> Iterator[Outcome]:
        now = time.monotonic()
        for worker in [w for w in self.workers if w.job is not None]:
            timeout, memory = self.limits.timeout, self.limits.memory_mb
            if timeout is not None and now - worker.clock > timeout:
                yield self._replace(worker, f"timed out after {timeout:g} s (--doc-timeout)")
            elif memory is not None and (rss := worker.rss_mb()) > memory:
                yield self._replace(
                    worker, f"used {rss:.0f} MiB, over the memory budget of {memory} MiB (--doc-memory)"
                )

    def _replace(self, worker: _Worker, reason: str) -> Outcome:
        """Kill a worker, report its job as failed, and start another worker in its place."""
        outcome = worker.outcome(error=reason)
        worker.kill()
        self.workers.remove(worker)
        return outcome

    def close(self) -> None:
        """Stop every worker (idle ones are asked to exit, busy ones are killed)."""
        for worker in self.workers:
            if worker.job is None:
                try:
                    worker.conn.send(None)
                except OSError:
                    pass
                worker.process.join(2)
            worker.kill()
        self.workers = []


def _main(conn: Connection, task: Task, parent: int) -> None:
    """The worker loop: receive a job, run the task, send its value (or the error); exit with the parent."""
    _die_with_parent(parent)
    # What the worker inherits from the main process (modules, the lexicon, compiled patterns) lives as long as
    # the worker: out of the collector's way, the collections of each document's garbage do not walk it again
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the main process decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    def send(message: Any) -> None:
        conn.send(("message", message))

    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        if job is None:
            os._exit(0)
        try:
            reply: tuple[str, Any] = ("done", task(job, send))
        except Exception as e:  # a bug or an unexpected library error: this document fails, the run goes on
            reply = ("error", f"internal error: {type(e).__name__}: {e}")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            os._exit(1)


def _die_with_parent(parent: int) -> None:
    """Be killed when the main process dies, even by SIGKILL: PR_SET_PDEATHSIG, and a watchdog thread."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
