"""The pipeline's error hierarchy: one root, a few precise subclasses.

Library code raises these; only the CLI turns them into exit codes and one-line messages.
"""

from __future__ import annotations


class PipelineError(Exception):
    """Root of every error the pipeline raises on purpose."""


class InputError(PipelineError):
    """A document cannot be used: unreadable, encrypted, corrupt, empty or of an unknown type."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class ConfigError(PipelineError):
    """The run is misconfigured (missing key, bad option, missing optional dependency)."""


class LLMError(PipelineError):
    """An LLM call failed for good after its retries; carries how many attempts were made."""

    def __init__(self, message: str, attempts: int = 0, tokens_in: int = 0, tokens_out: int = 0) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.tokens_in = tokens_in
        self.tokens_out = tokens_out
