"""The command line: check prints the contract JSON, run writes a resumable dataset and survives bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import REPORTS, STEMS

from pipeline.cli import main


def test_check_prints_document_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(REPORTS / f"{STEMS[0]}.txt"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) >= {
        "source",
        "meta",
        "facts",
        "findings",
        "placeholders",
        "tables",
        "indicators",
        "artifacts",
        "sections",
    }
    assert doc["meta"]["unit_name"] == "开江县社会保险事业管理局"
    assert doc["source"]["chars"] == len((REPORTS / f"{STEMS[0]}.txt").read_text(encoding="utf-8"))


def test_check_unusable_input_exits_nonzero_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf")
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "bad.pdf" in err and "not a PDF" in err


def test_run_writes_dataset_skips_unchanged_and_keeps_going(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for stem in STEMS[:2]:
        shutil.copy(REPORTS / f"{stem}.txt", inputs)
    (inputs / "broken.docx").write_bytes(b"garbage")
    out = tmp_path / "out"
    assert main(["run", str(inputs), "--out", str(out)]) == 1  # one document failed, the others are done
    assert sorted(p.name for p in (out / "docs").iterdir()) == [f"{s}.json" for s in STEMS[:2]]
    for name in ("facts.jsonl", "findings.jsonl", "placeholders.jsonl", "summary.json", "manifest.sqlite"):
        assert (out / name).exists()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["processed"] == 2 and summary["failed"] == 1
    assert "broken.docx" in next(iter(summary["errors"]))
    err = capsys.readouterr().err
    assert "broken.docx" in err

    # rerun: finished documents are skipped
    main(["run", str(inputs), "--out", str(out)])
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["skipped"] == 2 and summary["processed"] == 0

    # a changed input is processed again
    changed = inputs / f"{STEMS[0]}.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    main(["run", str(inputs), "--out", str(out)])
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["skipped"] == 1 and summary["processed"] == 1


def test_run_with_worker_processes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["run", str(REPORTS), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    assert len(list((out / "docs").glob("*.json"))) == len(STEMS)


def test_rerun_with_other_settings_reprocesses(tmp_path: Path) -> None:
    from pipeline.document import process_file
    from pipeline.runner import run

    out = tmp_path / "out"
    first = run([str(REPORTS / f"{STEMS[0]}.txt")], out, process_file, config="llm=none")
    same = run([str(REPORTS / f"{STEMS[0]}.txt")], out, process_file, config="llm=none")
    other = run([str(REPORTS / f"{STEMS[0]}.txt")], out, process_file, config="llm=local")
    assert (first.processed, same.skipped, other.processed) == (1, 1, 1)
