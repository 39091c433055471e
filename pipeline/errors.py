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
    """An LLM call failed for good after its retries; carries how many attempts were made.

    `fatal` errors (a refused API key) make every later call fail too: the LLM stage lets them through and the
    run stops instead of sending the remaining documents.
    """

    fatal = False

    def __init__(self, message: str, attempts: int = 0, tokens_in: int = 0, tokens_out: int = 0) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.tokens_in = tokens_in
        self.tokens_out = tokens_out


class EndpointRefused(LLMError):
    """The endpoint refused our credentials (401/403): no later call can succeed, so the run stops."""

    fatal = True


class EndpointUnavailable(LLMError):
    """The endpoint could not be reached repeatedly: the circuit breaker is open, calls fail fast for a while."""


class ManifestError(PipelineError):
    """The run manifest of an output folder cannot be read or written."""


class OutputLocked(PipelineError):
    """Another run is writing to the same output folder."""
