"""Files that appear whole or not at all: write to a uniquely named temp file, then rename it into place.

Temp names carry the process id and a random part, so two writers (a worker and the main process, or two runs
that ignored the lock) never share one; a kill leaves at most a stray `*.tmp` that the next run removes.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def temp_name(target: Path, folder: Path | None = None) -> Path:
    """A fresh temp path for `target`, in `folder` (same file system) or next to it."""
    return (folder or target.parent) / f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:12]}.tmp"


@contextmanager
def atomic_path(target: Path, folder: Path | None = None) -> Iterator[Path]:
    """Yield a temp path to write; on success it replaces `target`, on error it is removed."""
    tmp = temp_name(target, folder)
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, target)


def write_text(target: Path, text: str, folder: Path | None = None) -> None:
    """Write a text file (UTF-8) atomically."""
    with atomic_path(target, folder) as tmp:
        tmp.write_text(text, encoding="utf-8")
