"""Bulk runs: many documents into an output folder, resumable, with a process pool for the CPU stages.

Layout of the output folder (DESIGN §3):
  docs/<stem>.json        one DocumentResult per input
  facts.jsonl, findings.jsonl, placeholders.jsonl   the dataset, one record per line, tagged with the document
  facts.csv, findings.csv, placeholders.csv, *.parquet   the same rows as tables (pipeline/export.py)
  review.html             a self-contained review page (pipeline/review.py)
  manifest.json           input path -> sha256, pipeline fingerprint, status, output file (what makes a rerun
                          skip finished work)
  summary.json            counts for the run
A document is written as soon as it is done, so an interrupted run loses nothing; a rerun skips every document
whose input hash is unchanged and whose output exists.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import InputError, PipelineError
from pipeline.export import write_tables
from pipeline.ingest import SUPPORTED_SUFFIXES
from pipeline.review import write_review
from schemas.document import DocumentResult

Progress = Callable[[int, int, str, str], None]
Processor = Callable[[str], DocumentResult]


@dataclass
class RunSummary:
    """What a run did."""

    documents: int = 0
    processed: int = 0
    skipped: int = 0
    failed: int = 0
    facts: int = 0
    findings: Counter[str] = field(default_factory=Counter)
    placeholders: Counter[str] = field(default_factory=Counter)
    errors: dict[str, str] = field(default_factory=dict)
    llm: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "documents": self.documents,
            "processed": self.processed,
            "skipped": self.skipped,
            "failed": self.failed,
            "facts": self.facts,
            "findings_by_severity": dict(self.findings),
            "placeholders_by_kind": dict(self.placeholders),
            "errors": self.errors,
            "llm": dict(self.llm),
        }


def collect_inputs(inputs: list[str]) -> list[Path]:
    """Expand files and folders (recursively) into the supported input files, sorted, without duplicates."""
    found: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found.extend(q for q in sorted(p.rglob("*")) if q.is_file() and q.suffix.lower() in SUPPORTED_SUFFIXES)
        else:
            found.append(p)
    seen: set[Path] = set()
    unique = []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _output_name(path: Path, digest: str | None, taken: dict[str, str]) -> str:
    name = path.stem
    if taken.get(name, str(path)) != str(path):
        name = f"{path.stem}-{(digest or 'x' * 8)[:8]}"
    taken[name] = str(path)
    return f"{name}.json"


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


def run(
    inputs: list[str],
    out: str | Path,
    process: Processor,
    workers: int = 1,
    progress: Progress | None = None,
    config: str = "",
) -> RunSummary:
    """Process every input into `out`; skip finished documents; keep going past bad input.

    `config` names settings that change results (e.g. the LLM backend and model); it is part of the fingerprint.
    """
    out = Path(out)
    fingerprint = code_fingerprint(config)
    (out / "docs").mkdir(parents=True, exist_ok=True)
    manifest = _load_manifest(out)
    files = collect_inputs(inputs)
    summary = RunSummary(documents=len(files))
    taken = {Path(str(v["output"])).stem: k for k, v in manifest.items() if v.get("output")}
    todo: list[tuple[Path, str | None, str]] = []
    for path in files:
        digest = _sha256(path)
        entry = manifest.get(str(path), {})
        output = entry.get("output") or _output_name(path, digest, taken)
        unchanged = entry.get("sha256") == digest and entry.get("pipeline") == fingerprint
        if digest and unchanged and entry.get("status") == "ok" and (out / "docs" / output).exists():
            summary.skipped += 1
            continue
        todo.append((path, digest, output))
    done = summary.skipped
    for path, digest, output, result, error in _execute(todo, process, workers):
        done += 1
        if error is not None:
            summary.failed += 1
            summary.errors[str(path)] = error
            manifest[str(path)] = {
                "sha256": digest,
                "status": "failed",
                "error": error,
                "output": None,
                "pipeline": fingerprint,
            }
            if progress:
                progress(done, len(files), str(path), f"failed: {error}")
        else:
            assert result is not None
            (out / "docs" / output).write_text(result.model_dump_json(indent=1), encoding="utf-8")
            summary.processed += 1
            summary.llm.update(result.llm)  # this run's usage only: a rerun that skips or hits the cache shows 0 calls
            manifest[str(path)] = {"sha256": digest, "status": "ok", "output": output, "pipeline": fingerprint}
            if progress:
                progress(done, len(files), str(path), _status(result))
        _save_manifest(out, manifest)
    _write_dataset(out, manifest, summary)
    return summary


def _execute(
    todo: list[tuple[Path, str | None, str]], process: Processor, workers: int
) -> Iterator[tuple[Path, str | None, str, DocumentResult | None, str | None]]:
    if workers <= 1 or len(todo) <= 1:
        for path, digest, output in todo:
            result, error = _safe(process, str(path))
            yield path, digest, output, result, error
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_safe, process, str(p)): (p, d, o) for p, d, o in todo}
        for fut in as_completed(futures):
            path, digest, output = futures[fut]
            result, error = fut.result()
            yield path, digest, output, result, error


def _status(result: DocumentResult) -> str:
    """One progress line: what a document yielded."""
    errors = sum(1 for f in result.findings if f.severity == "error")
    return (
        f"{len(result.facts)} facts + {len(result.tables)} table rows + {len(result.indicators)} indicators, "
        f"{len(result.findings)} findings ({errors} errors), {len(result.placeholders)} placeholders"
    )


def _safe(process: Processor, path: str) -> tuple[DocumentResult | None, str | None]:
    try:
        return process(path), None
    except InputError as e:
        return None, e.reason
    except PipelineError as e:
        return None, str(e)


def _load_manifest(out: Path) -> dict[str, dict[str, str | None]]:
    path = out / "manifest.json"
    if not path.exists():
        return {}
    data: dict[str, dict[str, str | None]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _save_manifest(out: Path, manifest: dict[str, dict[str, str | None]]) -> None:
    tmp = out / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, out / "manifest.json")


def load_results(out: Path) -> list[DocumentResult]:
    """Every finished document of an output folder, in manifest order."""
    manifest = _load_manifest(out)
    results = []
    for entry in manifest.values():
        if entry.get("status") == "ok" and entry.get("output"):
            text = (out / "docs" / str(entry["output"])).read_text(encoding="utf-8")
            results.append(DocumentResult.model_validate_json(text))
    return results


def _write_dataset(out: Path, manifest: dict[str, dict[str, str | None]], summary: RunSummary) -> None:
    """Rebuild the dataset files, summary and review page from every finished document (this run's and earlier)."""
    results = load_results(out)
    with (
        (out / "facts.jsonl").open("w", encoding="utf-8") as facts,
        (out / "findings.jsonl").open("w", encoding="utf-8") as findings,
        (out / "placeholders.jsonl").open("w", encoding="utf-8") as placeholders,
    ):
        for r in results:
            tag = {"doc": r.source.path, "sha256": r.source.sha256}
            for f in [*r.facts, *r.tables, *r.indicators]:
                facts.write(json.dumps({**tag, **f.model_dump()}, ensure_ascii=False) + "\n")
                summary.facts += 1
            for g in r.findings:
                findings.write(json.dumps({**tag, **g.model_dump()}, ensure_ascii=False) + "\n")
                summary.findings[g.severity] += 1
            for p in r.placeholders:
                placeholders.write(json.dumps({**tag, **p.model_dump()}, ensure_ascii=False) + "\n")
                summary.placeholders[p.kind] += 1
    for path, entry in manifest.items():
        if entry.get("status") == "failed" and path not in summary.errors:
            summary.errors[path] = str(entry.get("error"))
    (out / "summary.json").write_text(json.dumps(summary.as_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    write_tables(out, results)
    write_review(out, results, summary.errors)
