"""Process one document end to end: ingest → clean → segment → meta → placeholders → rules → checker.

`process_file` is the per-document function every runner (sequential, process pool, Ray) calls. It is pure with
respect to its inputs and options, so its result can be cached by input hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.clean import CleanText, clean
from pipeline.ingest import RawDocument, read_document
from pipeline.meta import detect_meta, section_unit
from pipeline.segment import Section, Segmented, segment
from pipeline.stages import Stage, check_stages, extract_stages
from schemas.document import DocumentResult, SectionInfo, Source


@dataclass(frozen=True)
class Parsed:
    """A document after the deterministic front half of the pipeline."""

    raw: RawDocument
    clean: CleanText
    seg: Segmented


def parse(raw: RawDocument) -> Parsed:
    """Clean and segment decoded text."""
    ct = clean(raw.text)
    return Parsed(raw, ct, segment(ct))


def process_file(path: str | Path, llm: Stage | None = None) -> DocumentResult:
    """Run the pipeline on one file (raises `InputError` for unusable input); `llm` adds the LLM stage."""
    return process_raw(read_document(path), llm=llm)


def process_raw(raw: RawDocument, llm: Stage | None = None) -> DocumentResult:
    """Run the pipeline on an already decoded document: extraction, the optional LLM stage, then checks."""
    parsed = parse(raw)
    result = DocumentResult(
        source=Source(
            path=raw.path,
            sha256=raw.sha256,
            chars=len(raw.text),
            format=raw.format,
            encoding=raw.encoding,
            pages=raw.pages,
        ),
        meta=detect_meta(parsed.clean.text, parsed.seg, parsed.clean.raw_span),
        artifacts=dict(parsed.clean.artifacts),
        sections=section_infos(parsed),
        layout=raw.layout,
        warnings=list(raw.warnings),
    )
    for stage in [*extract_stages(), *([llm] if llm is not None else [])]:
        stage(parsed, result)
    early = list(result.findings)  # e.g. llm.disagreement: kept even when a checker replaces the findings list
    for stage in check_stages():
        stage(parsed, result)
    result.findings = [*early, *(f for f in result.findings if f not in early)]
    return result


def section_infos(parsed: Parsed) -> list[SectionInfo]:
    """The heading tree in output form, spans in raw coordinates."""
    ct, sections = parsed.clean, parsed.seg.sections
    infos = []
    for n, s in enumerate(sections):
        parent = sections[s.parent].id if s.parent is not None else None
        infos.append(
            SectionInfo(
                id=s.id,
                title=s.title,
                heading=s.heading,
                kind=s.kind,
                depth=s.depth,
                parent=parent,
                span=ct.raw_span(s.start, _trim_end(ct, s)),
                unit=section_unit(ct.text, parsed.seg, n),
                blocks=[b.kind for b in s.blocks],
            )
        )
    return infos


def _trim_end(ct: CleanText, s: Section) -> int:
    end = s.end
    while end > s.start and ct.text[end - 1].isspace():
        end -= 1
    return end
