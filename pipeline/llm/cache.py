"""SQLite cache of LLM answers keyed by (model, prompt version, schema version, chunk-text hash).

A rerun of the same input finds every answer here and makes zero calls. Safe for several processes at once
(WAL journal, busy timeout); answers are stored as the JSON of the validated schema object, and a request whose
answer did not fit the output limit as `SPLIT`, so that a rerun asks its halves (cached too) without calling.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ConfigError


def default_cache_path() -> Path:
    """`$BUDGET_EXTRACT_CACHE`, else the user cache folder (`$XDG_CACHE_HOME` or ~/.cache)/budget-extract."""
    env = os.environ.get("BUDGET_EXTRACT_CACHE")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "budget-extract" / "llm-cache.sqlite"


SPLIT = "split"  # the stored answer of a request that was cut at the output limit and split


@dataclass(frozen=True)
class CacheKey:
    """The four things an answer depends on."""

    model: str
    prompt: str
    schema: str
    chunk: str

    @property
    def digest(self) -> str:
        """One hex key for the row."""
        return hashlib.sha256("\x00".join([self.model, self.prompt, self.schema, self.chunk]).encode()).hexdigest()


@dataclass(frozen=True)
class Cached:
    """A stored answer and what it cost when it was made."""

    answer: str
    tokens_in: int
    tokens_out: int


class AnswerCache:
    """Get and put answers; opens its connection lazily so the object can be pickled to worker processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None

    def __getstate__(self) -> dict[str, object]:
        return {"path": self.path, "_conn": None}

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            for attempt in range(50):
                try:
                    self._conn = self._open()
                    break
                except sqlite3.OperationalError as e:  # another process is switching the journal mode right now
                    if "locked" not in str(e) or attempt == 49:
                        raise ConfigError(f"cannot open the LLM cache {self.path}: {e}; pass --cache PATH") from e
                    time.sleep(0.1)
                except (OSError, sqlite3.Error) as e:
                    raise ConfigError(f"cannot open the LLM cache {self.path}: {e}; pass --cache PATH") from e
        assert self._conn is not None
        return self._conn

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, model TEXT, prompt TEXT, schema TEXT,"
                " chunk TEXT, answer TEXT, tokens_in INTEGER, tokens_out INTEGER, created REAL)"
            )
            conn.commit()
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    def get(self, key: CacheKey) -> Cached | None:
        """The stored answer for a key, or None."""
        row = (
            self._db()
            .execute("SELECT answer, tokens_in, tokens_out FROM answers WHERE key = ?", (key.digest,))
            .fetchone()
        )
        return Cached(row[0], row[1], row[2]) if row else None

    def put(self, key: CacheKey, answer: str, tokens_in: int, tokens_out: int) -> None:
        """Store (or replace) an answer."""
        db = self._db()
        db.execute(
            "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (key.digest, key.model, key.prompt, key.schema, key.chunk, answer, tokens_in, tokens_out, time.time()),
        )
        db.commit()

    def close(self) -> None:
        """Close the connection (it reopens on next use)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
