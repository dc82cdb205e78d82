"""Work done in every process → one line on a terminal that rewrites itself (count, rate).

Quiet unless a person is watching: nothing when stderr is piped, under CI, or with --quiet.
--verbose adds one line per stage with its time, wherever the output goes. Workers count
into one shared counter (made before they fork); only the parent prints.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from typing import TextIO

REFRESH_SECONDS = 0.2


class Progress:
    def __init__(self, stream: TextIO | None = None, live: bool = False, verbose: bool = False):
        self.stream = stream or sys.stderr
        self.live = live  # rewrite a progress line (a terminal)
        self.verbose = verbose  # a line per stage with its time
        # Made before any worker forks (some fork before the first stage), emptied by each stage.
        self.counter = multiprocessing.get_context("fork").Value("q", 0) if live else None
        self.stage_name, self.total, self.started, self.shown = "", 0, 0.0, 0.0

    @classmethod
    def for_terminal(cls, quiet: bool, verbose: bool) -> Progress:
        """Live only on a terminal outside CI; --quiet silences even --verbose."""
        watched = sys.stderr.isatty() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"
        return cls(sys.stderr, live=watched and not quiet, verbose=verbose and not quiet)

    def stage(self, name: str, total: int) -> None:
        """Start counting `total` things done, such as "reading files" or "writing pages"."""
        self.stage_name, self.total = name, total
        self.started = self.shown = time.perf_counter()
        if self.counter is not None:
            self.counter.value = 0

    def step(self) -> None:
        """One page done, in whichever process did it."""
        if self.counter is None:
            return
        with self.counter.get_lock():
            self.counter.value += 1
        if multiprocessing.parent_process() is None:
            self.show()

    def show(self, force: bool = False) -> None:
        """Redraw the line if it is due; the parent calls this while it waits for workers."""
        now = time.perf_counter()
        if self.counter is None or (now - self.shown < REFRESH_SECONDS and not force):
            return
        self.shown = now
        done = self.counter.value
        rate = done / max(now - self.started, 1e-9)
        self.stream.write(f"\r{self.stage_name} {done:,}/{self.total:,} ({rate:,.0f}/s)\033[K")
        self.stream.flush()

    def finish(self, note: str = "") -> None:
        """End the stage: draw its last count (workers may finish between two redraws), clear
        the live line; with --verbose, say what it took."""
        if self.live:
            self.show(force=True)
            self.stream.write("\r\033[K")
        if self.verbose:
            took = time.perf_counter() - self.started
            self.stream.write(f"{self.stage_name}: {self.total:,} in {took:.2f} s{note}\n")
        self.stream.flush()

    def say(self, line: str) -> None:
        if self.verbose:
            self.stream.write(line + "\n")
            self.stream.flush()


SILENT = Progress()
