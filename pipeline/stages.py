"""The deterministic stages run after parsing, in order. Each takes the parsed document and fills the result."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.document import Parsed
    from schemas.document import DocumentResult

Stage = Callable[["Parsed", "DocumentResult"], None]

DETERMINISTIC: list[Stage] = []
