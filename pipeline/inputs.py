"""The inputs of a run: files and folders expanded into documents, checked before anything opens them.

Each path is `stat`-ed first, so a FIFO is never opened (opening one blocks until a writer comes), a looping or
dangling symbolic link is a reason, not a traceback, and only regular files reach the readers. Folders are walked
recursively in name order (symbolic links to folders are followed once each; the run's own output folder is left
out). A document is keyed by its resolved path, so `in/a.txt` and `/abs/in/a.txt` are one input.

What the walk finds that is not a document — FIFOs, sockets, dangling links, link loops, files of unsupported
types (.doc, .wps …) — is reported to `ignore` with its reason. An unusable path named on the command line is a
failed input (`fail`), since the user asked for it.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

from pipeline.ingest import SUPPORTED_SUFFIXES

Found = Callable[[str, str], None]  # (resolved path, path as given or found)
Reason = Callable[[str, str], None]  # (path, reason)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _stat(path: str) -> tuple[os.stat_result | None, str | None]:
    """The file's status (following links), or why there is none."""
    try:
        return os.stat(path), None
    except OSError as e:
        if e.errno == errno.ELOOP:
            return None, "symbolic link loop"
        if e.errno == errno.ENOENT:
            return None, "broken symbolic link" if os.path.islink(path) else "file not found"
        return None, f"cannot read: {e.strerror or e}"


def scan(inputs: list[str], out: Path, found: Found, ignore: Reason, fail: Reason) -> None:
    """Report every document of the inputs to `found`, every non-document of their folders to `ignore`."""
    skip = os.path.realpath(out)
    seen_dirs: set[tuple[int, int]] = set()
    for item in inputs:
        st, problem = _stat(item)
        if st is None:
            fail(item, str(problem))
        elif stat.S_ISDIR(st.st_mode):
            _walk(item, st, skip, seen_dirs, found, ignore)
        elif stat.S_ISREG(st.st_mode):
            found(os.path.realpath(item), item)
        else:
            fail(item, f"{_kind(st.st_mode)}, not a document")


def _walk(folder: str, st: os.stat_result, skip: str, seen: set[tuple[int, int]], found: Found, ignore: Reason) -> None:
    if (st.st_dev, st.st_ino) in seen or os.path.realpath(folder) == skip:
        return
    seen.add((st.st_dev, st.st_ino))
    try:
        names = sorted(os.listdir(folder))
    except OSError as e:
        ignore(folder, f"cannot list the folder: {e.strerror or e}")
        return
    for name in names:
        path = os.path.join(folder, name)
        entry, problem = _stat(path)
        if entry is None:
            ignore(path, str(problem))
        elif stat.S_ISDIR(entry.st_mode):
            _walk(path, entry, skip, seen, found, ignore)
        elif not stat.S_ISREG(entry.st_mode):
            ignore(path, _kind(entry.st_mode))
        elif Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
            found(os.path.realpath(path), path)
        else:
            suffix = Path(name).suffix.lower() or "(no suffix)"
            ignore(path, f"unsupported file type {suffix}")
