"""Progress: the runner reports to a callback (documents, and the LLM stage's chunks from inside the workers);
the command line shows a bar on a terminal and a line every N documents otherwise."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest
from test_llm_stage import fake, stage  # noqa: F401  (fixture and helper of the fake LLM backend)
from test_runner import make_inputs

from pipeline.document import process_file
from pipeline.llm.backends import FakeBackend
from pipeline.progress import Display
from pipeline.runner import Event, report_stage, run


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def events_of(tmp_path: Path, copies: int) -> list[Event]:
    make_inputs(tmp_path / "in", copies)
    events: list[Event] = []
    run([str(tmp_path / "in")], tmp_path / "out", process_file, workers=2, progress=events.append)
    return events


def test_the_runner_reports_the_plan_then_every_document(tmp_path: Path) -> None:
    events = events_of(tmp_path, 3)
    assert events[0] == Event("start", 0, 3, skipped=0)
    finished = [e for e in events if e.kind == "document"]
    assert [e.done for e in finished] == [1, 2, 3] and {e.status for e in finished} == {"ok"}
    assert all("facts" in e.message for e in finished)
    events.clear()
    run([str(tmp_path / "in")], tmp_path / "out", process_file, progress=events.append)
    assert events == [Event("start", 0, 0, skipped=3)]


def test_the_llm_stage_reports_its_requests_from_inside_the_worker(fake: FakeBackend, tmp_path: Path) -> None:  # noqa: F811
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(
        "一、重点工作完成情况\n全年城乡居民养老保险参保人数261554人。\n", encoding="utf-8"
    )
    llm = replace(stage(tmp_path), on_requests=partial(report_stage, "llm"))
    events: list[Event] = []
    run([str(tmp_path / "in")], tmp_path / "out", partial(process_file, llm=llm), progress=events.append)
    stages = [e.message for e in events if e.kind == "stage"]
    assert stages[0] == "llm 0/1 requests, 0 calls" and stages[-1] == "llm 1/1 requests, 1 calls"
    assert all(e.path.endswith("a.txt") for e in events if e.kind == "stage")


def test_without_a_terminal_one_line_every_n_documents_and_at_the_end(tmp_path: Path) -> None:
    stream = io.StringIO()
    with Display(every=2, stream=stream) as show:
        for event in events_of(tmp_path, 5):
            show(event)
    lines = stream.getvalue().splitlines()
    assert [re.search(r"\[(\d+)/5\]", line).group(1) for line in lines] == ["2", "4", "5"]  # type: ignore[union-attr]
    assert all("/s" in line and "ETA" in line for line in lines)


@pytest.mark.parametrize("quiet", [False, True])
def test_on_a_terminal_a_bar_with_rate_and_eta_unless_quiet(tmp_path: Path, quiet: bool) -> None:
    stream = Terminal()
    with Display(quiet=quiet, every=100, stream=stream) as show:
        show(Event("start", 0, 2))
        show(Event("stage", path="in/a.txt", message="llm 1/4 requests, 1 calls"))
        show(Event("document", 1, 0, "in/a.txt", "ok", "3 facts"))
        show(Event("document", 2, 0, "in/b.txt", "failed", "not a valid .docx file"))
    text = stream.getvalue()
    assert "in/b.txt: not a valid .docx file" in text  # failures are always shown, one line each
    if quiet:
        assert "budget-extract: [2/2] documents" in text and "\r" not in text
    else:
        assert "documents:" in text and "2/2" in text and "doc/s" in text and "a.txt: llm 1/4 requests" in text
