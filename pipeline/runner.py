"""Bulk runs: many documents into an output folder — streaming, resumable after any kill, in worker processes.

Layout of the output folder (DESIGN §3):
  docs/<stem>.json        one DocumentResult per input
  facts.jsonl, findings.jsonl, placeholders.jsonl   the dataset, one record per line, tagged with the document
  facts.csv, findings.csv, placeholders.csv, *.parquet   the same rows as tables (pipeline/export.py)
  review/                 the review site (pipeline/review/)
  manifest.sqlite         one row per input (pipeline/manifest.py): what makes a rerun skip finished work
  summary.json            counts for the run and the folder
  .parts/, .tmp/, .lock   Parquet parts, temp files, the folder's lock

A run takes the folder's lock, repairs what a killed run left (pipeline/dataset.py), lists its inputs
(pipeline/inputs.py), decides which are finished (same resolved path, same sha256 — trusted from size and mtime
while both are unchanged — same pipeline fingerprint, status ok), and sends the rest to worker processes
(pipeline/workers.py). Each finished document is committed on its own: its JSON, then its rows appended to the
JSONL files, then its manifest row; table parts follow per batch. Memory does not grow with the number of
documents: inputs are listed in the manifest, not in memory, and only one batch of rows is held.
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import json
import os
import resource
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from pipeline import inputs
from pipeline.atomic import write_text
from pipeline.dataset import Dataset
from pipeline.errors import InputError, LLMError, OutputLocked, PipelineError
from pipeline.export import document_rows, from_ipc, to_ipc
from pipeline.manifest import Done, Manifest
from pipeline.redact import redact
from pipeline.review import build_site, write_page
from pipeline.workers import Limits, Outcome, Pool, Task
from schemas.document import DocumentResult

Processor = Callable[[str], DocumentResult]
OnMessage = Callable[[Any, Any], None]


@dataclass(frozen=True)
class Event:
    """What a run tells its progress callback.

    kinds: `start` (`total` documents to process, `skipped` finished earlier), `document` (one finished: `status`
    ok / partial / failed, `message` what it yielded or why it failed), `stage` (inside a document, e.g. the LLM
    stage's requests and calls), `ignored` (a file of an input folder that is not a document, `message` why).
    """

    kind: str
    done: int = 0
    total: int = 0
    path: str = ""
    status: str = ""
    message: str = ""
    skipped: int = 0


Progress = Callable[[Event], None]


@dataclass
class RunSummary:
    """What a run did, and what the output folder holds."""

    documents: int = 0
    processed: int = 0
    skipped: int = 0
    failed: int = 0
    partial: int = 0
    ignored: int = 0
    facts: int = 0
    findings: Counter[str] = field(default_factory=Counter)
    placeholders: Counter[str] = field(default_factory=Counter)
    errors: dict[str, str] = field(default_factory=dict)
    partial_documents: dict[str, str] = field(default_factory=dict)
    ignored_files: dict[str, str] = field(default_factory=dict)
    llm: Counter[str] = field(default_factory=Counter)
    run: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "documents": self.documents,
            "processed": self.processed,
            "skipped": self.skipped,
            "failed": self.failed,
            "partial": self.partial,
            "ignored": self.ignored,
            "facts": self.facts,
            "findings_by_severity": dict(self.findings),
            "placeholders_by_kind": dict(self.placeholders),
            "errors": self.errors,
            "partial_documents": self.partial_documents,
            "ignored_files": self.ignored_files,
            "llm": dict(self.llm),
            "run": self.run,
        }


class Stopped(PipelineError):
    """The run stopped early on an error that every later document would meet too (a refused API key)."""


def code_fingerprint(extra: str = "") -> str:
    """A short hash of the pipeline's code, schemas and prompts (plus `extra` settings such as the LLM backend).

    A finished document is skipped on a rerun only if both its input and this fingerprint are unchanged, so results
    made by an older version of the pipeline are not kept by mistake.
    """
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(extra.encode("utf-8"))
    for folder in ("pipeline", "schemas", "prompts"):
        for f in sorted((root / folder).rglob("*")):
            if f.is_file() and f.suffix in (".py", ".md"):
                h.update(f.relative_to(root).as_posix().encode("utf-8"))
                h.update(f.read_bytes())
    return h.hexdigest()[:16]


def file_sha256(path: str) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


# --- the per-document task, run in a worker process

_reporter: Callable[[Any], None] | None = None


def report_stage(stage: str, done: int, total: int, calls: int) -> None:
    """Progress inside a document (picklable: stages get `partial(report_stage, "llm")` as their callback)."""
    if _reporter is not None:
        _reporter({"stage": stage, "done": done, "total": total, "calls": calls})


@dataclass(frozen=True)
class Job:
    """One document to process: its manifest key, the path as given, and its output file."""

    key: str
    path: str
    output: Path


@dataclass(frozen=True)
class Work:
    """What a worker made of one document (already written to its output file)."""

    status: str
    sha256: str | None = None
    error: str | None = None
    lines: dict[str, bytes] = field(default_factory=dict)
    tables: dict[str, bytes] = field(default_factory=dict)  # Arrow IPC streams (`export.to_ipc`)
    counts: dict[str, Any] = field(default_factory=dict)
    llm: dict[str, int] = field(default_factory=dict)
    line: str = ""
    page: str | None = None  # the review page's state entry (JSON), when the worker wrote the page


def work(process: Processor, tmp: Path, job: Job, send: Callable[[Any], None]) -> Work:
    """Process one document in a worker: hash, run the pipeline, write its JSON and review page, prepare its rows."""
    global _reporter
    _reporter = send
    sha = None
    try:
        sha = file_sha256(job.path)
        result = process(job.path)
    except LLMError as e:
        if e.fatal:
            return Work("fatal", sha, redact(str(e)))
        return Work("failed", sha, redact(str(e)))
    except InputError as e:
        return Work("failed", sha, redact(e.reason))
    except (PipelineError, OSError) as e:
        return Work("failed", sha, redact(str(e)))
    finally:
        _reporter = None
    result.errors = [redact(e) for e in result.errors]
    llm_errors = [e for e in result.errors if e.startswith("llm")]
    status = "partial" if result.llm.get("errors") or llm_errors else "ok"
    write_text(job.output, result.model_dump_json(indent=1), tmp)
    page = _review_page(job, result)
    lines, tables = document_rows(result)
    return Work(
        status,
        sha,
        (llm_errors or [f"{result.llm.get('errors')} LLM errors"])[0] if status == "partial" else None,
        lines,
        {kind: to_ipc(table) for kind, table in tables.items()},
        _counts(result),
        dict(result.llm),
        _status_line(result),
        page,
    )


def _review_page(job: Job, result: DocumentResult) -> str | None:
    """Write the document's review page here, in parallel with the others; None leaves it to the final build."""
    try:
        version, entry = write_page(job.output.parent.parent, job.output.stem, result)
    except (OSError, ValueError):
        return None
    return json.dumps([version, entry], ensure_ascii=False)


def _counts(result: DocumentResult) -> dict[str, Any]:
    return {
        "facts": len(result.facts) + len(result.tables) + len(result.indicators),
        "findings": dict(Counter(g.severity for g in result.findings)),
        "placeholders": dict(Counter(p.kind for p in result.placeholders)),
        "errors": sum(1 for g in result.findings if g.severity == "error"),
    }


def _status_line(result: DocumentResult) -> str:
    """One progress line: what a document yielded."""
    errors = sum(1 for f in result.findings if f.severity == "error")
    return (
        f"{len(result.facts)} facts + {len(result.tables)} table rows + {len(result.indicators)} indicators, "
        f"{len(result.findings)} findings ({errors} errors), {len(result.placeholders)} placeholders"
    )


# --- the run


class Engine(Protocol):
    """Where the documents of a run are processed: yields one `Outcome` (holding a `Work`) per job, as each ends.

    The run commits every outcome itself, the same way for every engine, so engines differ only in where `task`
    runs. Closing the generator stops the engine's workers.
    """

    def outcomes(
        self, task: Task, jobs: Iterator[Job], workers: int, limits: Limits, on_message: OnMessage
    ) -> Generator[Outcome, None, None]:
        """Run `task` on every job in up to `workers` documents at a time."""
        ...

    def worker_peak_rss_mb(self) -> float:
        """Peak resident memory of the largest worker so far, in MiB."""
        ...


class LocalEngine:
    """The default engine: worker processes on this machine (pipeline/workers.py)."""

    def outcomes(
        self, task: Task, jobs: Iterator[Job], workers: int, limits: Limits, on_message: OnMessage
    ) -> Generator[Outcome, None, None]:
        """The process pool's outcomes, in completion order."""
        pa.array([0])  # pyarrow's first conversion imports pandas (0.2 s): here, once, not in every forked worker
        return Pool(task, workers, limits, on_message).run(jobs)

    def worker_peak_rss_mb(self) -> float:
        """The largest worker process this process has waited for."""
        return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


@dataclass
class _Run:
    out: Path
    manifest: Manifest
    dataset: Dataset
    fingerprint: str
    summary: RunSummary
    progress: Progress

    def note(self, event: Event) -> None:
        self.progress(event)


def run(
    inputs_: list[str],
    out: str | Path,
    process: Processor,
    workers: int = 1,
    progress: Progress | None = None,
    config: str = "",
    limits: Limits | None = None,
    engine: Engine | None = None,
) -> RunSummary:
    """Process every input into `out`; skip finished documents; keep going past bad input.

    `config` names settings that change results (e.g. the LLM backend and model); it is part of the fingerprint.
    `engine` runs the documents (default `LocalEngine`, worker processes on this machine).
    Raises `OutputLocked` when another run holds the folder, `ManifestError` for an unreadable manifest, and
    `Stopped` when a refused API key ends the run early (what was finished is kept).
    """
    out = Path(out)
    (out / "docs").mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    with _locked(out):
        manifest = Manifest(out / "manifest.sqlite")
        try:
            state = _Run(
                out, manifest, Dataset(out, manifest), code_fingerprint(config), RunSummary(), progress or _quiet
            )
            state.dataset.recover()
            _scan(state, inputs_)
            todo = _plan(state)
            state.dataset.drop_dead()
            state.note(Event("start", 0, todo, skipped=state.summary.skipped))
            engine = engine or LocalEngine()
            gc.freeze()  # what exists now lasts the run: the collections of each commit's garbage skip it
            try:
                fatal = _process(state, process, workers, limits or Limits(), engine)
            finally:
                gc.unfreeze()
            _finish(state, t0, write_tables=fatal is None, engine=engine)
        finally:
            manifest.close()
    if fatal is not None:
        raise Stopped(f"{fatal}; stopped after {state.summary.processed} documents, rerun to resume")
    return state.summary


def _quiet(event: Event) -> None:
    pass


class _locked:
    """Hold `out/.lock` (flock) for the duration of the run; a second run on the same folder gets `OutputLocked`."""

    def __init__(self, out: Path) -> None:
        self.path = out / ".lock"
        self.fd = -1

    def __enter__(self) -> None:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self.fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(self.fd)
            raise OutputLocked(
                f"{self.path.parent} is in use by another run (pid {holder}): wait for it to finish, or use "
                "another --out"
            ) from None
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, str(os.getpid()).encode("ascii"), 0)

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)  # closing the descriptor releases the lock (so does the process's death)


def _scan(state: _Run, items: list[str]) -> None:
    m, s = state.manifest, state.summary

    def ignore(path: str, reason: str) -> None:
        s.ignored += 1
        m.add_ignored(path, reason)
        state.note(Event("ignored", path=path, message=reason))

    def fail(path: str, reason: str) -> None:
        s.documents += 1
        s.failed += 1
        s.errors[path] = reason
        state.note(Event("document", path=path, status="failed", message=reason))

    with m.transaction():
        inputs.scan(items, state.out, m.add_input, ignore, fail)
    s.documents += m.count("scan")


def _plan(state: _Run) -> int:
    """Decide, for every input of this run, whether it is finished; queue the others. Returns how many to do."""
    m, todo = state.manifest, 0
    with m.transaction() as db:
        for seq, key, given in m.scanned():
            try:
                st = os.stat(key)
            except OSError:
                st = None
            entry = m.entry(key)
            if st is not None and entry is not None and _finished(state, entry, st, db):
                state.summary.skipped += 1
                continue
            output = entry.output if entry is not None and entry.output else _output_name(m, key, given)
            m.queue(db, key, given, output, st.st_size if st else -1, st.st_mtime_ns if st else -1)
            m.set_todo(db, seq)
            todo += 1
    return todo


def _finished(state: _Run, entry: Any, st: os.stat_result, db: Any) -> bool:
    if entry.status != "ok" or entry.pipeline != state.fingerprint or not entry.output:
        return False
    if not (state.out / "docs" / entry.output).exists():
        return False
    if (entry.size, entry.mtime_ns) == (st.st_size, st.st_mtime_ns):
        return True
    try:
        same = file_sha256(entry.path) == entry.sha256
    except OSError:
        return False
    if same:
        state.manifest.touch(db, entry.path, st.st_size, st.st_mtime_ns)
    return same


def _output_name(m: Manifest, key: str, given: str) -> str:
    stem = Path(given).stem
    name = f"{stem}.json"
    n = 0
    while m.output_taken(name):
        n += 1
        tag = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
        name = f"{stem}-{tag}.json" if n == 1 else f"{stem}-{tag}-{n}.json"
    return name


def _jobs(state: _Run) -> Iterator[Job]:
    for _seq, key, given in state.manifest.scanned(todo=True):
        entry = state.manifest.entry(key)
        assert entry is not None and entry.output
        yield Job(key, given, state.out / "docs" / entry.output)


def _process(state: _Run, process: Processor, workers: int, limits: Limits, engine: Engine) -> str | None:
    """Run the queued documents; commit each as it finishes. Returns the reason if the run had to stop."""

    def on_message(job: Job, message: dict[str, Any]) -> None:
        text = f"{message['stage']} {message['done']}/{message['total']} requests, {message['calls']} calls"
        state.note(Event("stage", path=job.path, message=text))

    task = partial(work, process, state.dataset.tmp)
    done = 0
    outcomes = engine.outcomes(task, _jobs(state), workers, limits, on_message)
    try:
        for outcome in outcomes:
            w: Work | None = outcome.value
            if w is not None and w.status == "fatal":
                return w.error or "fatal error"
            done += 1
            _commit(state, outcome, w)
            status = "failed" if w is None else w.status
            message = (outcome.error or "") if w is None else (w.line if w.status == "ok" else w.error or "")
            state.note(Event("document", done, 0, outcome.job.path, status, message))
    finally:
        outcomes.close()  # stops the workers, also on Ctrl-C or a fatal error
    return None


def _commit(state: _Run, outcome: Outcome, w: Work | None) -> None:
    """Commit one document: rows appended (one write per file), then its manifest row, then into the batch."""
    job, s = outcome.job, state.summary
    if w is None or w.status == "failed":
        error = redact(outcome.error or (w.error if w else None) or "failed")
        done = Done(job.key, w.sha256 if w else None, "failed", error, job.output.name, outcome.started,
                    outcome.seconds, {}, {}, {})  # fmt: skip
        state.manifest.finish(done, state.fingerprint, {})
        job.output.unlink(missing_ok=True)
        s.failed += 1
        s.errors[job.path] = error
        return
    ranges, lengths = state.dataset.append(w.lines)
    done = Done(job.key, w.sha256, w.status, w.error, job.output.name, outcome.started, outcome.seconds, w.llm,
                w.counts, ranges, w.page)  # fmt: skip
    result = state.manifest.finish(done, state.fingerprint, lengths)
    state.dataset.add(result, tables={kind: from_ipc(data) for kind, data in w.tables.items()})
    s.processed += 1
    s.llm.update(
        {k: v for k, v in w.llm.items() if not k.startswith("server_")}
    )  # usage of this run (settings are not summed); a rerun that skips or hits the cache shows 0 calls
    if w.status == "partial":
        s.partial += 1


def _finish(state: _Run, t0: float, write_tables: bool, engine: Engine) -> None:
    """Tables and review site (when the dataset changed), then the summary."""
    m, s = state.manifest, state.summary
    changed = not m.tables_current()
    if write_tables:
        state.dataset.build()
    else:
        state.dataset.flush()
    for path, _status, error in m.with_status("failed"):
        s.errors.setdefault(path, str(error))
    s.partial_documents = {path: str(error) for path, _s, error in m.with_status("partial")}
    s.ignored_files = dict(m.ignored())
    for (counts,) in m.finished("counts"):
        c = json.loads(counts or "{}")
        s.facts += int(c.get("facts", 0))
        s.findings.update(c.get("findings", {}))
        s.placeholders.update(c.get("placeholders", {}))
    review = state.out / "review" / "index.html"
    if write_tables and (changed or not review.exists()):
        s.run["review_documents"] = _review(state)
    s.run.update(
        {
            "seconds": round(time.monotonic() - t0, 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "worker_peak_rss_mb": engine.worker_peak_rss_mb(),
        }
    )
    write_text(state.out / "summary.json", json.dumps(s.as_dict(), ensure_ascii=False, indent=1), state.dataset.tmp)


def _review(state: _Run) -> int:
    """Bring the review site up to date (it streams the document JSONs; the pages the workers wrote are kept)."""
    return build_site(state.out, errors=state.summary.errors, fresh=partial(_written_page, state.manifest)).documents


def _written_page(manifest: Manifest, stem: str) -> tuple[str, list[Any]] | None:
    """(code version, state entry) of the review page a worker wrote for `docs/<stem>.json`, if one did."""
    page = manifest.page(f"{stem}.json")
    if page is None:
        return None
    version, entry = json.loads(page)
    return str(version), entry
