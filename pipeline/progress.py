"""The command line's progress display for `run` (the runner itself only calls a callback with `Event`s).

On a terminal: a bar on stderr with documents done / to do, rate and ETA, and what the LLM stage is doing inside
the current document (`llm 3/15 requests, 4 calls`), so the first minutes with the embedded model are visibly busy.
With `--quiet`, or when stderr is not a terminal (a log file, CI): no bar, one line every N documents and one at
the end. Failed and partial documents and the files of input folders that are not documents get one line each,
always.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tqdm import tqdm

if TYPE_CHECKING:
    from pipeline.runner import Event

tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked from this one


class Display:
    """`with Display(quiet, every) as show: run(..., progress=show)`."""

    def __init__(self, quiet: bool = False, every: int = 100, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.every = every
        self.use_bar = not quiet and self.stream.isatty()
        self.bar: tqdm[None] | None = None
        self.total = self.done = 0
        self.t0 = time.monotonic()

    def __enter__(self) -> Display:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        elif self.total and self.done % self.every:
            self._line()

    def __call__(self, event: Event) -> None:
        """Show one event of the run."""
        if event.kind == "start":
            self._start(event)
        elif event.kind == "document":
            self._document(event)
        elif event.kind == "stage" and self.bar is not None:
            self.bar.set_postfix_str(f"{Path(event.path).name}: {event.message}", refresh=True)
        elif event.kind == "ignored":
            self.write(f"budget-extract: {event.path}: ignored, {event.message}")

    def write(self, line: str) -> None:
        """One line above the bar (or just a line)."""
        if self.bar is not None:
            self.bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)

    def _start(self, event: Event) -> None:
        self.total, self.t0 = event.total, time.monotonic()
        if event.skipped:
            self.write(f"budget-extract: {event.skipped} documents unchanged since they were processed: skipped")
        if self.use_bar and event.total:
            self.bar = tqdm(total=event.total, unit="doc", desc="documents", file=self.stream, dynamic_ncols=True)

    def _document(self, event: Event) -> None:
        if event.status == "failed":
            self.write(f"budget-extract: {event.path}: {event.message}")
        elif event.status == "partial":
            self.write(f"budget-extract: {event.path}: partial, rules facts kept: {event.message}")
        if not event.done:  # an unusable path named on the command line: not one of the documents to do
            return
        self.done = event.done
        if self.bar is not None:
            self.bar.update(1)
        elif self.done % self.every == 0:
            self._line()

    def _line(self) -> None:
        elapsed = max(time.monotonic() - self.t0, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0.0
        self.write(
            f"budget-extract: [{self.done}/{self.total}] documents, {rate:.1f}/s, "
            f"elapsed {_clock(elapsed)}, ETA {_clock(left)}"
        )


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
