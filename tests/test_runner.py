"""Bulk runs: one manifest row per resolved input, a dataset without lost or doubled rows after kill -9 at any
moment, a locked output folder, a readable error for a corrupt manifest, and workers that die with the run."""

from __future__ import annotations

import fcntl
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import REPORTS, ROOT, STEMS

from pipeline.cli import main
from pipeline.document import process_file
from pipeline.export import KINDS
from pipeline.runner import run


def make_inputs(folder: Path, copies: int) -> list[Path]:
    """Copies of the sample reports, each with its own bytes (and so its own sha256)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(copies):
        stem = STEMS[k % len(STEMS)]
        path = folder / f"r{k:03d}_{stem[:3]}.txt"
        path.write_text(
            (REPORTS / f"{stem}.txt").read_text(encoding="utf-8") + f"\n附注：第{k}份。\n", encoding="utf-8"
        )
        paths.append(path)
    return paths


def rows(out: Path, kind: str) -> Counter[str]:
    lines = (out / f"{kind}.jsonl").read_text(encoding="utf-8").splitlines()
    return Counter(json.dumps(json.loads(line), sort_keys=True, ensure_ascii=False) for line in lines)


def table_rows(out: Path, kind: str) -> Counter[str]:
    table = pq.read_table(out / f"{kind}.parquet").to_pylist()
    return Counter(json.dumps(r, sort_keys=True, ensure_ascii=False, default=str) for r in table)


def csv_rows(out: Path, kind: str) -> Counter[str]:
    return Counter((out / f"{kind}.csv").read_text(encoding="utf-8-sig").splitlines()[1:])


def dataset(out: Path) -> dict[str, object]:
    """Everything a user reads from a finished output folder (row order aside)."""
    docs = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in (out / "docs").glob("*.json")}
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {
        "docs": docs,
        **{f"{k}.jsonl": rows(out, k) for k in KINDS},
        **{f"{k}.parquet": table_rows(out, k) for k in KINDS},
        **{f"{k}.csv": csv_rows(out, k) for k in KINDS},
        "counts": (summary["facts"], summary["findings_by_severity"], summary["placeholders_by_kind"]),
    }


ENV = {**os.environ, "BUDGET_EXTRACT_LLM": "none", "PYTHONPATH": str(ROOT)}


def cli(*args: str) -> subprocess.Popen[bytes]:
    """`budget-extract ARGS` in a process of its own (to be killed)."""
    command = [sys.executable, "-m", "pipeline.cli", *args]
    return subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def cli_done(*args: str) -> subprocess.CompletedProcess[str]:
    """`budget-extract ARGS` run to the end."""
    command = [sys.executable, "-m", "pipeline.cli", *args]
    return subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300, check=False)


def test_same_input_named_relative_and_absolute_is_one_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_inputs(tmp_path / "in", 2)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "in", "--out", "out", "--quiet"]) == 0
    before = rows(tmp_path / "out", "facts")
    assert main(["run", str(tmp_path / "in"), "--out", "out", "--quiet"]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert (summary["processed"], summary["skipped"]) == (0, 2)
    assert rows(tmp_path / "out", "facts") == before  # not doubled
    assert main(["run", "in", str(tmp_path / "in" / "r000_000.txt"), "--out", "out2", "--quiet"]) == 0
    assert json.loads((tmp_path / "out2" / "summary.json").read_text(encoding="utf-8"))["documents"] == 2


def test_changed_input_replaces_its_rows_instead_of_adding_them(tmp_path: Path) -> None:
    paths = make_inputs(tmp_path / "in", 3)
    out = tmp_path / "out"
    run([str(tmp_path / "in")], out, process_file)
    paths[0].write_text(paths[0].read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    again = run([str(tmp_path / "in")], out, process_file)
    assert (again.processed, again.skipped) == (1, 2)
    reference = tmp_path / "ref"
    run([str(tmp_path / "in")], reference, process_file)
    assert dataset(out) == dataset(reference)


def _append(path: Path, data: bytes) -> None:
    with path.open("ab") as f:
        f.write(data)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda out: _append(out / "facts.jsonl", b'{"half a row'), id="uncommitted-tail"),
        pytest.param(lambda out: (out / "findings.jsonl").unlink(), id="deleted"),
        pytest.param(lambda out: (out / "placeholders.jsonl").write_bytes(b""), id="emptied"),
    ],
)
def test_a_rerun_repairs_a_dataset_file(tmp_path: Path, damage: object) -> None:
    make_inputs(tmp_path / "in", 3)
    out = tmp_path / "out"
    run([str(tmp_path / "in")], out, process_file)
    expected = dataset(out)
    damage(out)  # type: ignore[operator]
    assert run([str(tmp_path / "in")], out, process_file).skipped == 3
    assert dataset(out) == expected


def test_rows_appended_but_not_committed_are_cut_at_the_next_start(tmp_path: Path) -> None:
    from pipeline.dataset import Dataset
    from pipeline.manifest import Manifest

    make_inputs(tmp_path / "in", 2)
    out = tmp_path / "out"
    run([str(tmp_path / "in")], out, process_file)
    expected = dataset(out)
    manifest = Manifest(out / "manifest.sqlite")
    Dataset(out, manifest).append({kind: b'{"doc": "killed before its commit"}\n' for kind in KINDS})
    manifest.close()
    assert "killed before its commit" in (out / "facts.jsonl").read_text(encoding="utf-8")
    run([str(tmp_path / "in")], out, process_file)
    assert dataset(out) == expected


def _kill_after(proc: subprocess.Popen[bytes], docs: Path, more: int, delay: float) -> bool:
    """Kill the run once `more` further document files exist (or at once if it ends), then `delay` s later."""
    start = len(list(docs.glob("*.json"))) if docs.exists() else 0
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if docs.exists() and len(list(docs.glob("*.json"))) >= start + more:
            break
        time.sleep(0.01)
    time.sleep(delay)
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return True


def test_sigkill_at_random_moments_then_rerun_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    make_inputs(tmp_path / "in", 40)
    reference = tmp_path / "reference"
    assert cli_done("run", str(tmp_path / "in"), "--out", str(reference), "--workers", "2", "--quiet").returncode == 0
    out = tmp_path / "out"
    rng = random.Random(20260)
    kills = 0
    # moments spread over the run: at start-up (repair, plan), after a random number of documents, mid-commit
    for more, delay in [(0, rng.uniform(0.1, 0.6)), *((rng.randrange(1, 8), rng.uniform(0, 0.05)) for _ in range(5))]:
        proc = cli("run", str(tmp_path / "in"), "--out", str(out), "--workers", "2", "--quiet")
        kills += _kill_after(proc, out / "docs", more, delay)
    assert kills >= 3, "the runs were to be killed while working"
    final = cli_done("run", str(tmp_path / "in"), "--out", str(out), "--workers", "2", "--quiet")
    assert final.returncode == 0, final.stderr
    assert dataset(out) == dataset(reference)
    assert not list((out / ".tmp").iterdir())


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_exit_when_the_run_is_killed(tmp_path: Path) -> None:
    make_inputs(tmp_path / "in", 4)
    script = (
        "import sys, time\n"
        "from pipeline.runner import run\n"
        "def stuck(path):\n"
        "    time.sleep(300)\n"
        f"run([{str(tmp_path / 'in')!r}], {str(tmp_path / 'out')!r}, stuck, workers=2)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 30
        while len(workers := _children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers) == 2
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 15
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)]


def test_a_second_run_on_the_same_folder_says_so_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_inputs(tmp_path / "in", 1)
    out = tmp_path / "out"
    out.mkdir()
    with (out / ".lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("4242")
        held.flush()
        assert main(["run", str(tmp_path / "in"), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "in use by another run" in err and "4242" in err
    assert main(["run", str(tmp_path / "in"), "--out", str(out), "--quiet"]) == 0  # lock released: runs


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: p.write_bytes(b"this is not a database" * 100), id="garbage"),
        pytest.param(lambda p: p.write_bytes(p.read_bytes()[:100] + b"\0" * 5000), id="cut"),
    ],
)
def test_a_corrupt_manifest_is_one_clear_line(
    tmp_path: Path, damage: object, capsys: pytest.CaptureFixture[str]
) -> None:
    make_inputs(tmp_path / "in", 1)
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "in"), "--out", str(out), "--quiet"]) == 0
    manifest = out / "manifest.sqlite"
    with sqlite3.connect(manifest) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damage(manifest)  # type: ignore[operator]
    capsys.readouterr()
    assert main(["run", str(tmp_path / "in"), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "manifest" in err and "move it away" in err and "Traceback" not in err
