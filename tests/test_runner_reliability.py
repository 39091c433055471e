"""What a hostile but fair user tries: FIFOs, link loops and odd files as inputs, documents that hang, eat memory
or crash their worker, an LLM endpoint that is down, refuses the key, or echoes the key in its error body."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT
from fake_openai import FakeOpenAI, Reply
from test_runner import make_inputs, rows

from pipeline.cli import main
from pipeline.document import process_file
from pipeline.llm import breaker
from pipeline.runner import run
from pipeline.workers import Limits

KEY = "sk-live-0123456789abcdefSECRET"


def summary_of(out: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return data


# --- inputs


def test_fifos_links_and_unsupported_files_are_listed_not_hung_on(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    make_inputs(folder, 1)
    os.mkfifo(folder / "pipe.txt")
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    (folder / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0 word 97")
    (folder / "wps.wps").write_bytes(b"kingsoft")
    os.mkfifo(tmp_path / "named.fifo")
    (tmp_path / "named-loop.txt").symlink_to(tmp_path / "named-loop.txt")
    command = [sys.executable, "-m", "pipeline.cli", "run", str(folder), str(tmp_path / "named.fifo"),
               str(tmp_path / "named-loop.txt"), "--out", str(tmp_path / "out"), "--quiet"]  # fmt: skip
    env = {**os.environ, "BUDGET_EXTRACT_LLM": "none", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stderr  # the two named inputs failed; the folder's document is fine
    assert "Traceback" not in done.stderr
    summary = summary_of(tmp_path / "out")
    assert summary["ignored_files"] == {
        str(folder / "gone.txt"): "broken symbolic link",
        str(folder / "loop.txt"): "symbolic link loop",
        str(folder / "old.doc"): "unsupported file type .doc",
        str(folder / "pipe.txt"): "a FIFO",
        str(folder / "wps.wps"): "unsupported file type .wps",
    }
    assert summary["ignored"] == 5
    assert summary["errors"] == {
        str(tmp_path / "named.fifo"): "a FIFO, not a document",
        str(tmp_path / "named-loop.txt"): "symbolic link loop",
    }
    assert (summary["processed"], summary["failed"]) == (1, 2)
    lines = done.stderr.splitlines()
    for path in [*summary["ignored_files"], *summary["errors"]]:  # type: ignore[misc]
        assert sum(path in line for line in lines) == 1, path


@pytest.mark.parametrize("spelling", ["./in/", "in/../in", "link", "{abs}/in//"])
def test_the_same_folder_under_another_spelling_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    make_inputs(tmp_path / "in", 2)
    (tmp_path / "link").symlink_to(tmp_path / "in", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "in", "--out", "out", "--quiet"]) == 0
    before = rows(tmp_path / "out", "facts")
    assert main(["run", spelling.format(abs=tmp_path), "--out", "out", "--quiet"]) == 0
    summary = summary_of(tmp_path / "out")
    assert (summary["processed"], summary["skipped"], summary["documents"]) == (0, 2, 2)
    assert rows(tmp_path / "out", "facts") == before  # not doubled


def test_the_output_folder_inside_an_input_folder_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_inputs(tmp_path, 1)
    monkeypatch.chdir(tmp_path)
    assert main(["run", ".", "--out", "out", "--quiet"]) == 0
    assert main(["run", ".", "--out", "out", "--quiet"]) == 0
    assert summary_of(tmp_path / "out")["ignored"] == 0


# --- documents that hang, grow or crash (test processors: workers are forked, so these need no import path)


def hangs_on_one(path: str):  # type: ignore[no-untyped-def]
    if "r001" in path:
        time.sleep(120)
    return process_file(path)


def grows_on_one(path: str):  # type: ignore[no-untyped-def]
    if "r001" in path:
        hog = b"x" * (1536 << 20)
        time.sleep(60)
        del hog
    return process_file(path)


def crashes_on_one(path: str):  # type: ignore[no-untyped-def]
    if "r001" in path:
        os._exit(3)
    return process_file(path)


def raises_on_one(path: str):  # type: ignore[no-untyped-def]
    if "r001" in path:
        raise ValueError("a bug in a reader")
    return process_file(path)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize(
    ("process", "limits", "reason"),
    [
        pytest.param(hangs_on_one, Limits(timeout=2), "timed out after 2 s (--doc-timeout)", id="timeout"),
        pytest.param(grows_on_one, Limits(memory_mb=1024), "over the memory budget of 1024 MiB", id="memory"),
        pytest.param(crashes_on_one, Limits(), "the worker process died (exit code 3)", id="worker-dies"),
        pytest.param(raises_on_one, Limits(), "internal error: ValueError: a bug in a reader", id="bug"),
    ],
)
def test_a_document_over_budget_fails_with_its_reason_and_the_run_goes_on(
    tmp_path: Path, workers: int, process: object, limits: Limits, reason: str
) -> None:
    make_inputs(tmp_path / "in", 4)
    summary = run([str(tmp_path / "in")], tmp_path / "out", process, workers=workers, limits=limits)  # type: ignore[arg-type]
    assert (summary.processed, summary.failed) == (3, 1)
    [(path, error)] = summary.errors.items()
    assert "r001" in path and reason in error
    assert not (tmp_path / "out" / "docs" / "r001_001.json").exists()
    assert {json.loads(line)["doc"] for line in rows(tmp_path / "out", "facts")} == {
        str(p) for p in sorted((tmp_path / "in").iterdir()) if "r001" not in p.name
    }


# --- the LLM endpoint


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Point --llm openai at a scripted server: `endpoint(replies)` gives the server and the run's options."""
    breaker.reset()
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    servers: list[FakeOpenAI] = []

    def start(replies: list[Reply]) -> tuple[FakeOpenAI, list[str]]:
        server = FakeOpenAI(replies).__enter__()
        servers.append(server)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        return server, ["--llm", "openai", "--model", "fake", "--cache", str(tmp_path / "cache.sqlite"), "--quiet"]

    yield start
    for server in servers:
        server.__exit__()
    breaker.reset()


def test_an_unreachable_endpoint_trips_the_breaker_and_documents_are_partial(
    tmp_path: Path, endpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    make_inputs(tmp_path / "in", 3)
    server, options = endpoint([Reply(drop=True)])
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "in"), "--out", str(out), *options]) == 1
    summary = summary_of(out)
    assert (summary["processed"], summary["partial"], summary["failed"]) == (3, 3, 0)
    assert len(summary["partial_documents"]) == 3  # type: ignore[arg-type]
    assert len(server.requests) <= 4  # 3 failures open the circuit (+ 1 probe): not 4 attempts per chunk
    rules_only = tmp_path / "rules-only"
    assert main(["run", str(tmp_path / "in"), "--out", str(rules_only), "--llm", "none", "--quiet"]) == 0
    assert rows(out, "facts") == rows(rules_only, "facts")  # the rules facts are kept
    err = capsys.readouterr().err
    assert "partial" in err and "rerun to redo them" in err
    assert main(["run", str(tmp_path / "in"), "--out", str(out), *options]) == 1
    assert summary_of(out)["processed"] == 3  # partial documents are redone, not skipped


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_stops_the_run_at_once_with_one_line(
    tmp_path: Path, endpoint, capsys: pytest.CaptureFixture[str], status: int
) -> None:
    make_inputs(tmp_path / "in", 5)
    body = {"error": {"message": f"Incorrect API key provided: {KEY}. Authorization: Bearer {KEY}"}}
    server, options = endpoint([Reply(status=status, body=body)])
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "in"), "--out", str(out), *options]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"refused the API key ({status})" in err and "rerun to resume" in err
    assert KEY not in err and "sk-live" not in err
    first_document_requests = len(server.requests)
    assert 0 < first_document_requests <= 40  # one document's chunks at most, never the five documents'
    assert summary_of(out)["processed"] == 0


def test_keys_echoed_in_error_bodies_are_redacted_everywhere(
    tmp_path: Path, endpoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway_key = "gw-token-5f3a9c2e7b"  # a key that does not look like one: known because it is configured
    monkeypatch.setenv("OPENAI_API_KEY", gateway_key)
    make_inputs(tmp_path / "in", 1)
    body = {"error": {"message": f"bad request from key {gateway_key}; headers: Authorization: Bearer {KEY} x"}}
    _server, options = endpoint([Reply(status=400, body=body)])
    monkeypatch.setenv("OPENAI_API_KEY", gateway_key)
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "in"), "--out", str(out), *options]) == 1
    doc = json.loads(next((out / "docs").glob("*.json")).read_text(encoding="utf-8"))
    assert doc["errors"] and all("[redacted]" in e for e in doc["errors"])
    stored = [
        *(p.read_text(encoding="utf-8") for p in out.rglob("*.json")),
        (out / "summary.json").read_text(encoding="utf-8"),
        capsys.readouterr().err,
    ]
    for text in stored:
        assert gateway_key not in text and KEY not in text and "sk-live" not in text
