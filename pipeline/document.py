"""Process one document end to end: ingest → clean → segment → meta → placeholders → rules → checker.

`process_file` is the per-document function every runner (sequential, process pool, Ray) calls. It is pure with
respect to its inputs and options, so its result can be cached by input hash.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pipeline.clean import CleanText, clean
from pipeline.ingest import RawDocument, read_document
from pipeline.meta import detect_meta, section_unit, unit_lines
from pipeline.rules.labels import book_of, reading
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


Labeller = Callable[[list[str]], Mapping[str, str | None]]


def process_file(
    path: str | Path,
    llm: Stage | None = None,
    overrides: Mapping[str, str | None] | None = None,
    labeller: Labeller | None = None,
) -> DocumentResult:
    """Run the pipeline on one file (raises `InputError` for unusable input); `llm` adds the LLM stage."""
    return process_raw(read_document(path), llm=llm, overrides=overrides, labeller=labeller)


def process_raw(
    raw: RawDocument,
    llm: Stage | None = None,
    overrides: Mapping[str, str | None] | None = None,
    labeller: Labeller | None = None,
) -> DocumentResult:
    """Run the pipeline on an already decoded document: extraction, the optional LLM stage, then checks.

    `overrides` (label key → concept or None) settle labels the user decided (`--lexicon-overrides`);
    `labeller` classifies the labels nobody knows (the LLM's label step); when it settles any, the rules read
    the document a second time with its answers.
    """
    parsed = parse(raw)
    result = _blank(raw, parsed)
    book = book_of(overrides)
    with reading(book):
        for stage in extract_stages():
            stage(parsed, result)
    unknown = book.unknown()
    if labeller is not None and unknown:
        answers = labeller(unknown)
        for key, concept in answers.items():
            book.decide(key, concept, "model")
        if any(concept is not None for concept in answers.values()):
            result = _blank(raw, parsed)
            book = book.fresh()
            with reading(book):
                for stage in extract_stages():
                    stage(parsed, result)
    result.labels = book.uses()
    if llm is not None:
        llm(parsed, result)
    early = list(result.findings)  # e.g. llm.disagreement: kept even when a checker replaces the findings list
    for stage in check_stages():
        stage(parsed, result)
    result.findings = [*early, *(f for f in result.findings if f not in early)]
    return result


def _blank(raw: RawDocument, parsed: Parsed) -> DocumentResult:
    """A document's result before extraction: source, meta, cleaning counts, sections, layout."""
    return DocumentResult(
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


def section_infos(parsed: Parsed) -> list[SectionInfo]:
    """The heading tree in output form, spans in raw coordinates."""
    ct, sections = parsed.clean, parsed.seg.sections
    infos = []
    units = unit_lines(ct.text)
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
                unit=section_unit(ct.text, parsed.seg, n, units),
                blocks=[b.kind for b in s.blocks],
            )
        )
    return infos


def _trim_end(ct: CleanText, s: Section) -> int:
    end = s.end
    while end > s.start and ct.text[end - 1].isspace():
        end -= 1
    return end
