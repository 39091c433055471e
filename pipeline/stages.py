"""The stages run after parsing, in order: extraction, then the optional LLM stage, then checks.

Each stage takes the parsed document and fills the result. Stage modules register themselves here (one line
each) so that `pipeline.document` does not need to know them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.document import Parsed
    from schemas.document import DocumentResult

Stage = Callable[["Parsed", "DocumentResult"], None]


def extract_stages() -> list[Stage]:
    """Deterministic extraction: placeholders, rules."""
    from pipeline import placeholders, rules

    stages: list[Stage] = [placeholders.stage, rules.stage]
    return stages


def check_stages() -> list[Stage]:
    """Checks that run on the merged facts: the arithmetic checker."""
    from pipeline import checker

    stages: list[Stage] = [checker.stage]
    return stages
