"""What readers produce: `Read` from one reader, `RawDocument` for the rest of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.layout import Layout


@dataclass
class Read:
    """What a reader made of a file."""

    text: str
    format: str
    encoding: str | None = None
    pages: int | None = None
    layout: Layout | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RawDocument:
    """A decoded input file."""

    path: str
    text: str
    sha256: str
    format: str
    encoding: str | None = None
    pages: int | None = None
    layout: Layout | None = None
    warnings: tuple[str, ...] = ()
