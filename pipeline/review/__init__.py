"""The review site of a run: `DIR/review/`, static HTML that opens from disk (no server, no network, no CDN).

- `review/index.html`: every document with its issuer, fiscal year, type and counts (facts, errors, warnings,
  placeholders, tables not understood), sortable, filterable and paged in the browser; the index data is split
  into small script files, so it stays usable for 100,000 documents (`pipeline/review/index.py`).
- `review/docs/<stem>.html`: one page per document, findings first, each item in the raw text around it with
  its figures highlighted and its page number (`pipeline/review/document.py`).
- `review/failed.html`: inputs that could not be processed.

`build_site(out)` streams `out/docs/*.json` and keeps the pages of unchanged documents; `write_page(out, stem,
doc)` writes one document's page as a run's worker finishes it (the final `build_site` of the run keeps it);
`write_review(out, results, errors)` renders the documents it is given.
"""

from pipeline.review.document import Links, render_document
from pipeline.review.site import SiteReport, build_site, write_page, write_review

__all__ = ["Links", "SiteReport", "build_site", "render_document", "write_page", "write_review"]
