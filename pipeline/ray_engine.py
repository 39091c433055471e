"""`run --engine ray`: a run's documents processed on Ray Data, on this machine or on a Ray cluster.

The run itself does not change: it lists its inputs in the manifest, decides what is to do and commits every
finished document in the driver, through the same code path as the local engine (`pipeline.runner`). Only where
the per-document task (`pipeline.runner.work`) runs differs. The jobs to do are read from the manifest in windows
of `WINDOW` (never the whole list in memory); each window is a Ray dataset of one job per block, and
`map_batches` sends each job to an actor of a pool of `--workers` actors. An actor hands its job to a worker
process of its own (`pipeline.workers.Pool` of one), so `--doc-timeout`, `--doc-memory` and a document that
crashes its process fail that document exactly as on the local engine and leave the actor running. The actor
returns the pickled `Outcome` (its `Work`: status, dataset rows, tables, counts) that the local pool yields; the
driver commits each as it arrives. Both engines therefore write identical rows, and a killed run loses at most
the documents in flight.

Every actor checks, before its first document, that it runs the driver's pipeline code (the code fingerprint) in
the driver's working folder (inputs and `--out` are named relative to it): a node without them stops the run
with one line instead of writing results of another version. The driver's `BUDGET_EXTRACT_*` and `OPENAI_*`
variables are set in every actor, so a node's own environment does not change results.
"""

from __future__ import annotations

import gc
import importlib.util
import itertools
import logging
import os
import pickle
import resource
import socket
from collections.abc import Generator, Iterator
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa

from pipeline.errors import ConfigError
from pipeline.runner import Job, OnMessage, Work, code_fingerprint
from pipeline.workers import Limits, Outcome, Pool, Task

WINDOW = 2000  # jobs per Ray dataset; each window starts its actors anew (a few seconds)
IN_FLIGHT = 2  # jobs queued per actor: the next one is there when a document ends, a third would wait
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
SETTINGS = ("BUDGET_EXTRACT_", "OPENAI_")  # environment read inside a document's task: the driver's is used


class RayEngine:
    """Runs the documents in Ray actors: a new local Ray with `--workers` CPUs, or the cluster at `address`.

    `address` (`--ray-address`, else `RAY_ADDRESS`) names a running cluster; without one a local Ray is started
    for the run and stopped after it. `endpoint` is the LLM stage's base URL, if any: an endpoint on this
    machine's loopback cannot serve the other nodes of a cluster, so such a run stops at once.
    """

    def __init__(self, address: str | None = None, endpoint: str | None = None) -> None:
        if importlib.util.find_spec("ray") is None:
            raise ConfigError("--engine ray needs Ray: pip install 'budget-extract[ray]'")
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self.endpoint = endpoint
        self.peak_mb = 0.0

    def outcomes(
        self, task: Task, jobs: Iterator[Job], workers: int, limits: Limits, on_message: OnMessage
    ) -> Generator[Outcome, None, None]:
        """One outcome per job, in completion order (LLM progress inside a document is not relayed)."""
        import ray

        window = list(itertools.islice(jobs, WINDOW))
        if not window:
            return  # nothing to do: no Ray started
        started = self._connect(workers)
        try:
            self._check_endpoint()
            env = {k: v for k, v in os.environ.items() if k.startswith(SETTINGS)}
            actors = _Documents, (task, limits, os.getcwd(), code_fingerprint(), env)
            while window:
                try:
                    yield from self._window(actors, window, workers)
                except ray.exceptions.RayError as e:
                    first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                    yield Outcome(None, Work("fatal", error=f"the Ray cluster failed: {first}"))
                    return
                window = list(itertools.islice(jobs, WINDOW))
        finally:
            if started:
                gc.collect()  # Ray Data state left in a reference cycle, collected after shutdown, kills the process
                ray.shutdown()

    def worker_peak_rss_mb(self) -> float:
        """The largest document worker process any actor reported."""
        return round(self.peak_mb, 1)

    def _connect(self, workers: int) -> bool:
        """Join the cluster, or start a local Ray; True when this run started it (and so stops it)."""
        import ray

        if self.address:
            _check_reachable(self.address)
        if ray.is_initialized():  # a caller's Ray (a library user's, the tests'): used, and left running
            return False
        try:  # Ray's own logs stay in its session folder: the run's progress lines are the console's
            if self.address:
                ray.init(address=self.address, log_to_driver=False, logging_level=logging.ERROR)
            else:  # "local": a fresh instance, even when another one runs on this machine
                ray.init(
                    address="local",
                    num_cpus=max(1, workers),
                    include_dashboard=False,
                    log_to_driver=False,
                    logging_level=logging.ERROR,
                )
        except (ConnectionError, ValueError, RuntimeError) as e:
            where = f"the Ray cluster at {self.address}" if self.address else "a local Ray"
            raise ConfigError(f"cannot start {where}: {e}") from e
        return True

    def _check_endpoint(self) -> None:
        import ray

        host = urlsplit(self.endpoint).hostname if self.endpoint else None
        if host not in LOOPBACK:
            return
        here = ray.util.get_node_ip_address()
        others = {n["NodeManagerAddress"] for n in ray.nodes() if n.get("Alive")} - {here}
        if others:
            raise ConfigError(
                f"the LLM endpoint {self.endpoint} is on this machine's loopback, which the cluster's other "
                f"{len(others)} nodes cannot reach: serve the model where every node reaches it and point "
                "--llm openai at it (OPENAI_BASE_URL)"
            )

    def _window(self, actors: tuple[type, tuple[Any, ...]], window: list[Job], workers: int) -> Iterator[Outcome]:
        import ray.data

        _quiet_console()
        ray.data.DataContext.get_current().enable_progress_bars = False
        cls, args = actors
        items = [{"job": pickle.dumps(job)} for job in window]
        source = ray.data.from_items(items, override_num_blocks=len(items))  # a job per block: each commits alone
        ds = source.map_batches(
            cls,
            fn_constructor_args=args,
            batch_size=1,
            batch_format="pyarrow",
            compute=ray.data.ActorPoolStrategy(
                size=max(1, min(workers, len(window))), max_tasks_in_flight_per_actor=IN_FLIGHT
            ),
            num_cpus=1,
        )
        rows = iter(ds.iter_rows())
        try:
            for row in rows:
                self.peak_mb = max(self.peak_mb, float(row["rss_mb"]))
                yield pickle.loads(row["outcome"])
        finally:  # a run stopped early shuts the window's executor down now, while Ray is up, not when collected
            close = getattr(rows, "close", None)
            if close is not None:
                close()


def _check_reachable(address: str) -> None:
    """A `HOST:PORT` that answers no TCP connection is one line at once (Ray itself would retry for minutes)."""
    host, _, port = address.rpartition(":")
    if "://" in address or not host or not port.isdigit():
        return  # "auto", a Ray Client address: left to Ray
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=10).close()
    except OSError as e:
        raise ConfigError(
            f"cannot reach the Ray cluster at {address} ({e.strerror or e}): start it with `ray start --head`, "
            "or check --ray-address / RAY_ADDRESS"
        ) from e


class _Documents:
    """A Ray Data actor: each job of a batch runs in a worker process of the actor's own, as on the local engine."""

    def __init__(self, task: Task, limits: Limits, cwd: str, fingerprint: str, env: dict[str, str]) -> None:
        self.task, self.limits = task, limits
        os.environ.update(env)
        self.problem = _problem(cwd, fingerprint)

    def __call__(self, batch: pa.Table) -> pa.Table:
        """Outcomes (pickled) of the batch's jobs, and the peak memory of the actor's document workers."""
        jobs: list[Job] = [pickle.loads(b) for b in batch.column("job").to_pylist()]
        if self.problem:
            outcomes = [Outcome(job, Work("fatal", error=self.problem)) for job in jobs]
        else:
            outcomes = list(Pool(self.task, 1, self.limits, _drop).run(iter(jobs)))
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        return pa.table(
            {
                "outcome": pa.array([pickle.dumps(o) for o in outcomes], pa.binary()),
                "rss_mb": pa.array([rss] * len(outcomes), pa.float64()),
            }
        )


def _problem(cwd: str, fingerprint: str) -> str | None:
    """Why this node cannot process the run's documents, or None: the driver's folder and code must be here."""
    node = socket.gethostname()
    try:
        os.chdir(cwd)
    except OSError:
        return (
            f"the folder {cwd} the run was started in does not exist on node {node}: inputs and --out must be on "
            "a filesystem every node mounts at the same path"
        )
    if code_fingerprint() != fingerprint:
        return (
            f"node {node} runs another version of the pipeline than the driver: install the same budget-extract "
            "on every node"
        )
    return None


def _quiet_console() -> None:
    """Ray Data's console lines (one per dataset, one per window) off; its log file keeps them."""
    for handler in logging.getLogger("ray.data").handlers:
        if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
            handler.setLevel(logging.ERROR)


def _drop(job: Any, message: Any) -> None:
    """Progress messages of a document's LLM stage stay in the actor."""
