"""JSON Schemas of the output contract and of the golden files, written by `make schemas`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from schemas.document import DocumentResult
from schemas.golden import GoldenFacts, GoldenFindings, GoldenIndicators, GoldenMeta, GoldenPlaceholders


def document_schema() -> dict[str, Any]:
    """JSON Schema of the per-document JSON."""
    return DocumentResult.model_json_schema()


def golden_schema() -> dict[str, Any]:
    """JSON Schema of the golden file kinds (facts, placeholders, findings, indicators)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "budget-extract golden files",
        "oneOf": [
            GoldenFacts.model_json_schema(),
            GoldenPlaceholders.model_json_schema(),
            GoldenFindings.model_json_schema(),
            GoldenIndicators.model_json_schema(),
            GoldenMeta.model_json_schema(),
        ],
    }


def main(root: str = ".") -> None:
    """Write both schemas under `root`."""
    base = Path(root)
    (base / "schemas" / "document.schema.json").write_text(
        json.dumps(document_schema(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (base / "goldens" / "golden.schema.json").write_text(
        json.dumps(golden_schema(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
