"""What a document page quotes from: the input's raw text while the file is unchanged, and the page of a position.

The raw text is read again from `source.path` only when the file's bytes still hash to `source.sha256` (checked
before the file is parsed, so a changed PDF is not read for nothing) and the decoded text has the recorded length;
otherwise spans would point into a different text, and the page falls back to each item's clean-text snippet.
Reads are cached by path, size, modification time and hash: many documents made from one input (a rebuilt
archive, a benchmark) read it once.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from functools import lru_cache
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.ingest import last_decoded, read_document
from schemas.document import DocumentResult, Span
from schemas.layout import Layout


def raw_text(doc: DocumentResult) -> str | None:
    """The input's raw decoded text if the file is still there with the same hash and length; else None."""
    try:
        st = Path(doc.source.path).stat()
    except OSError:
        return None
    text = _read(doc.source.path, st.st_size, st.st_mtime_ns, doc.source.sha256)
    return text if text is not None and len(text) == doc.source.chars else None


@lru_cache(maxsize=16)
def _read(path: str, size: int, mtime_ns: int, sha256: str) -> str | None:
    try:
        data = Path(path).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            return None
        known = last_decoded(path, sha256)  # the pipeline has just decoded these bytes (a run's worker)
        return known if known is not None else read_document(path).text
    except (PipelineError, OSError):
        return None


class Pages:
    """Page numbers of raw positions, from the layout's page spans (or, without them, its tables' pages)."""

    def __init__(self, layout: Layout | None) -> None:
        """Index the layout's page spans; a document without pages has no page numbers."""
        self._pages: list[tuple[int, int, int]] = []
        self._gaps_belong = True  # page spans tile the text; table spans do not
        if layout is not None and layout.pages:
            self._pages = sorted((p.span[0], p.span[1], p.page) for p in layout.pages)
        elif layout is not None:
            self._pages = sorted((t.span[0], t.span[1], t.page) for t in layout.tables if t.page is not None)
            self._gaps_belong = False
        self._starts = [p[0] for p in self._pages]

    def __bool__(self) -> bool:
        """True when the document has page numbers at all."""
        return bool(self._pages)

    def of(self, pos: int) -> int | None:
        """The page whose span contains raw position `pos`; a position between two pages belongs to the first."""
        i = bisect_right(self._starts, pos) - 1
        if i < 0:
            return None
        _, end, page = self._pages[i]
        return page if pos < end or self._gaps_belong else None

    def label(self, spans: list[Span]) -> str:
        """`第3页` or `第3、9页` for the pages of the spans' starts; empty without page numbers."""
        if not self._pages:
            return ""
        pages = sorted({p for s in spans if (p := self.of(s[0])) is not None})
        return f"第{'、'.join(map(str, pages))}页" if pages else ""
