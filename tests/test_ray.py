"""`run --engine ray`: the same dataset as the local engine (samples and corpus PDFs), the same failures for a
document that raises, hangs or kills its process, a rerun that skips, a node running other code stopping the run,
and one clear line without Ray. One local Ray session serves the whole module (starting Ray takes seconds)."""

from __future__ import annotations

import gc
import json
import logging
import os
import pickle
import shutil
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pytest
from conftest import REPORTS
from fake_openai import FakeOpenAI, Reply
from test_runner import dataset, make_inputs

from pipeline.cli import main
from pipeline.corpus_goldens import corpus_dir
from pipeline.document import process_file
from pipeline.errors import ConfigError
from pipeline.runner import Job, Stopped, run
from pipeline.workers import Limits
from schemas.document import DocumentResult

if TYPE_CHECKING:
    from pipeline.ray_engine import RayEngine

# Ray's own deprecation notices (it sets deprecated options of its DataContext itself) are not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.*")

# small corpus PDFs of both provinces: a tables-only Jiangsu file and a Shanghai unit budget
CORPUS_PDFS = [
    "jiangsu-renda-changweihui-bangongting-2019-bumen-yusuan-biao.pdf",
    "putuo-shangwuwei-2025-danwei-yusuan.pdf",
]


@pytest.fixture(scope="module")
def ray_session() -> Iterator[None]:
    ray = pytest.importorskip("ray")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    yield
    gc.collect()  # Ray Data state collected after the shutdown would end this process with status 1, unreported
    ray.shutdown()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("in")
    for report in sorted(REPORTS.glob("*.txt")):
        shutil.copy(report, folder / report.name)
    for name in CORPUS_PDFS:
        if (corpus_dir() / name).exists():
            shutil.copy(corpus_dir() / name, folder / name)
    (folder / "empty.txt").write_bytes(b"")  # fails with its reason on both engines
    return folder


def engine() -> RayEngine:
    from pipeline.ray_engine import RayEngine

    return RayEngine()


def manifest_rows(out: Path) -> dict[str, tuple[object, ...]]:
    """Each input's manifest row, less what depends on timing and commit order."""
    with sqlite3.connect(out / "manifest.sqlite") as db:
        rows = db.execute(
            "SELECT path, given, sha256, size, mtime_ns, pipeline, status, error, output, llm, counts FROM documents"
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


def review_pages(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in (out / "review").rglob("*.html")}


def test_both_engines_write_the_same_dataset(
    ray_session: None, inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.ray_engine

    monkeypatch.setattr(pipeline.ray_engine, "WINDOW", 5)  # the to-do list read from the manifest in two windows
    local = run([str(inputs)], tmp_path / "local", process_file, workers=2)
    ray = run([str(inputs)], tmp_path / "ray", process_file, workers=2, engine=engine())
    expected = 5 + sum((inputs / name).exists() for name in CORPUS_PDFS)
    assert (ray.processed, ray.failed, ray.errors.keys()) == (expected, 1, {str(inputs / "empty.txt")})
    assert ray.errors == local.errors
    assert dataset(tmp_path / "ray") == dataset(tmp_path / "local")  # docs, JSONL, Parquet, CSV, counts
    assert manifest_rows(tmp_path / "ray") == manifest_rows(tmp_path / "local")
    assert review_pages(tmp_path / "ray") == review_pages(tmp_path / "local")
    assert ray.run["worker_peak_rss_mb"] > 0  # the actors report their document workers

    from pipeline.ray_engine import RayEngine

    def no_ray(self: RayEngine, workers: int) -> bool:
        raise AssertionError("Ray started for a run with nothing to do")

    again = run([str(inputs)], tmp_path / "ray", process_file, workers=2, engine=engine())
    assert (again.skipped, again.failed) == (expected, 1)  # only the empty file is redone (and fails again)
    monkeypatch.setattr(RayEngine, "_connect", no_ray)
    finished = [str(p) for p in sorted(inputs.iterdir()) if p.name != "empty.txt"]
    skipped = run(finished, tmp_path / "ray", process_file, workers=2, engine=engine())
    assert (skipped.skipped, skipped.processed, skipped.failed) == (expected, 0, 0)


def test_failures_are_the_same_on_both_engines(
    ray_session: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUDGET_EXTRACT_PROBE", "driver")  # set after Ray started: the actors get it from the run
    (tmp_path / "in").mkdir()
    for name in ("ok.txt", "raises.txt", "hangs.txt", "crashes.txt", "env.txt"):
        shutil.copy(REPORTS / sorted(p.name for p in REPORTS.glob("*.txt"))[0], tmp_path / "in" / name)

    def process(path: str) -> DocumentResult:  # defined here: Ray pickles it by value
        name = Path(path).name
        if name == "raises.txt":
            raise OSError("disk went away")
        if name == "hangs.txt":
            time.sleep(60)
        if name == "crashes.txt":
            os.kill(os.getpid(), signal.SIGKILL)
        if name == "env.txt":
            raise OSError(f"probe={os.environ.get('BUDGET_EXTRACT_PROBE')}")
        return process_file(path)

    limits = Limits(timeout=10.0, memory_mb=None)  # room for a loaded machine: only the hang may time out
    local = run([str(tmp_path / "in")], tmp_path / "local", process, workers=2, limits=limits)
    ray = run([str(tmp_path / "in")], tmp_path / "ray", process, workers=2, limits=limits, engine=engine())
    assert ray.errors == local.errors
    reasons = {Path(k).name: v for k, v in ray.errors.items()}
    assert reasons == {
        "raises.txt": "disk went away",
        "hangs.txt": "timed out after 10 s (--doc-timeout)",
        "crashes.txt": "the worker process died (killed by signal 9); out of memory?",
        "env.txt": "probe=driver",
    }
    assert dataset(tmp_path / "ray") == dataset(tmp_path / "local")


def test_a_refused_key_stops_a_ray_run_with_one_line(
    ray_session: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline.llm import breaker

    breaker.reset()
    make_inputs(tmp_path / "in", 5)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789abcdef")
    with FakeOpenAI([Reply(status=401, body={"error": {"message": "Incorrect API key provided"}})]) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)  # the driver's setting reaches every actor
        options = ["--llm", "openai", "--model", "fake", "--cache", str(tmp_path / "cache.sqlite"), "--quiet"]
        code = main(["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--engine", "ray", *options])
    breaker.reset()
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "refused the API key (401)" in err and "rerun to resume" in err
    assert server.requests  # the actors' LLM stage reached the endpoint
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["processed"] == 0


def test_a_node_with_other_code_stops_the_run(
    ray_session: None, inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.ray_engine

    monkeypatch.setattr(pipeline.ray_engine, "code_fingerprint", lambda: "another-version")  # the driver's
    with pytest.raises(Stopped, match="runs another version of the pipeline than the driver"):
        run([str(inputs)], tmp_path / "out", process_file, workers=2, engine=engine())
    assert not list((tmp_path / "out" / "docs").glob("*.json"))


def test_a_loopback_endpoint_on_a_cluster_of_several_nodes_is_refused(
    ray_session: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ray

    from pipeline.ray_engine import RayEngine

    here = ray.util.get_node_ip_address()
    RayEngine(endpoint="http://127.0.0.1:8080/v1")._check_endpoint()  # one node: fine
    nodes = [{"NodeManagerAddress": here, "Alive": True}, {"NodeManagerAddress": "10.0.0.9", "Alive": True}]
    monkeypatch.setattr(ray, "nodes", lambda: nodes)
    RayEngine(endpoint="http://vllm.internal:8000/v1")._check_endpoint()  # reachable from every node
    with pytest.raises(ConfigError, match="loopback, which the cluster's other 1 nodes cannot reach"):
        RayEngine(endpoint="http://localhost:8080/v1")._check_endpoint()


def test_an_actor_outside_the_drivers_folder_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("ray")
    from pipeline.ray_engine import _Documents

    job = Job("k", "a.txt", tmp_path / "a.json")
    batch = pa.table({"job": pa.array([pickle.dumps(job)], pa.binary())})
    actor = _Documents(lambda job, send: None, Limits(), str(tmp_path / "missing"), "x", {})
    outcome = pickle.loads(actor(batch).column("outcome")[0].as_py())
    assert outcome.value.status == "fatal"
    assert "does not exist on node" in outcome.value.error


def test_without_ray_the_engine_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a))
    assert main(["run", str(REPORTS), "--out", str(tmp_path / "out"), "--engine", "ray", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["budget-extract: --engine ray needs Ray: pip install 'budget-extract[ray]'"]
    assert not (tmp_path / "out").exists()


def test_an_unreachable_cluster_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("ray")
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "in").mkdir()
    shutil.copy(REPORTS / sorted(p.name for p in REPORTS.glob("*.txt"))[0], tmp_path / "in" / "a.txt")
    args = ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--engine", "ray", "--quiet"]
    assert main([*args, "--ray-address", f"127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"budget-extract: cannot reach the Ray cluster at 127.0.0.1:{port} (")
    assert err.count("\n") == 0 and "ray start --head" in err


def test_ray_address_without_the_ray_engine_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(REPORTS), "--out", str(tmp_path / "out"), "--ray-address", "auto", "--quiet"]) == 2
    assert capsys.readouterr().err.strip() == "budget-extract: --ray-address needs --engine ray"


def test_run_help_names_the_engine_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = capsys.readouterr().out
    assert "--engine {local,ray}" in text and "--ray-address ADDR" in text
