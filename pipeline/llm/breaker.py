"""A circuit breaker per endpoint: after repeated connection failures, calls fail fast for a while.

Without it an unreachable endpoint costs every request its full retry schedule (about 30 s), for every chunk of
every document. After `threshold` connection failures in a row (no HTTP answer at all: refused, reset, timed
out) the circuit opens: calls raise at once, and the retry policy stops retrying. After `cooldown` seconds one
call is let through as a probe; any HTTP answer closes the circuit again. The state lives in the process, so each
worker process has its own breaker per endpoint.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

THRESHOLD = 3
COOLDOWN = 30.0


@dataclass
class CircuitBreaker:
    """Consecutive connection failures of one endpoint, and since when the circuit is open."""

    threshold: int = THRESHOLD
    cooldown: float = COOLDOWN
    failures: int = 0
    opened_at: float | None = None

    @property
    def is_open(self) -> bool:
        """True while calls should not go out."""
        return self.opened_at is not None and time.monotonic() - self.opened_at < self.cooldown

    def allow(self) -> bool:
        """May a call go out now? After the cool-down one probe may (the circuit then waits for its outcome)."""
        if self.opened_at is None:
            return True
        if time.monotonic() - self.opened_at >= self.cooldown:
            self.opened_at = time.monotonic()  # half-open: this call probes, the others keep failing fast
            return True
        return False

    def record(self, reachable: bool) -> None:
        """Note the outcome of one attempt: any HTTP answer (even an error) means the endpoint is reachable."""
        if reachable:
            self.failures, self.opened_at = 0, None
            return
        self.failures += 1
        if self.failures >= self.threshold:
            self.opened_at = time.monotonic()


_BREAKERS: dict[str, CircuitBreaker] = {}


def breaker_for(endpoint: str) -> CircuitBreaker:
    """The breaker of one endpoint in this process."""
    return _BREAKERS.setdefault(endpoint, CircuitBreaker())


def reset() -> None:
    """Forget every breaker (tests)."""
    _BREAKERS.clear()
