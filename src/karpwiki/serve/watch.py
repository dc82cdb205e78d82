"""File-system events → debounced sets of real changes, for the wiki and the theme folders.

Editors save through temp files, swap files and renames; those names are dropped here, and a
burst of events becomes one rebuild once the folder has been quiet for a moment.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

QUIET_SECONDS = 0.02  # how long the folders must stay still before we rebuild
IDLE_SECONDS = 0.3  # how long after a rebuild the writer counts as paused
LONGEST_WAIT_SECONDS = 0.5  # a steady stream of events still gets a rebuild this often
NOISE_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload", ".kate-swp")


def is_editor_noise(name: str) -> bool:
    """Names editors and tools write beside the real file (vim, emacs, JetBrains, Kate, ...)."""
    return (
        name.startswith((".", "#", "~$"))
        or name.endswith(NOISE_SUFFIXES)
        or name == "4913"  # vim's probe file
        or name.endswith("___jb_tmp___")
        or name.endswith("___jb_old___")
    )


class Watcher:
    """Calls `on_change(wiki_paths, theme_changed)` after each quiet burst of real changes, and
    `on_idle()` once the folders stay still for a while after one."""

    def __init__(self, wiki: Path, theme: Path, on_change: Callable[[set[str], bool], None], on_idle: Callable[[], None]):
        self.wiki, self.theme = wiki.resolve(), theme.resolve()
        self.on_change, self.on_idle = on_change, on_idle
        self.changed: set[str] = set()
        self.theme_changed = False
        self.arrived = threading.Condition()
        self.stopped = False
        self.observer = Observer()
        handler = _Collector(self)
        self.observer.schedule(handler, str(self.wiki), recursive=True)
        if not self.theme.is_relative_to(self.wiki):
            self.observer.schedule(handler, str(self.theme), recursive=True)
        self.thread = threading.Thread(target=self._debounce, name="karpwiki-rebuild", daemon=True)

    def start(self) -> None:
        self.observer.start()
        self.thread.start()

    def stop(self) -> None:
        with self.arrived:
            self.stopped = True
            self.arrived.notify_all()
        self.observer.stop()
        self.observer.join(timeout=5)
        self.thread.join(timeout=5)

    def note(self, path: str) -> None:
        """One event's path; keep it if it is a real file of the wiki or the theme."""
        where = Path(path)
        if is_editor_noise(where.name):
            return
        with self.arrived:
            if where.is_relative_to(self.theme):
                self.theme_changed = True
            elif where.is_relative_to(self.wiki):
                relative = where.relative_to(self.wiki).as_posix()
                if any(part.startswith(".") for part in relative.split("/")) or relative == ".":
                    return
                self.changed.add(relative)
            else:
                return
            self.arrived.notify_all()

    def _debounce(self) -> None:
        idle_due = False
        while True:
            with self.arrived:
                arrived = self.arrived.wait_for(self._pending, IDLE_SECONDS if idle_due else None)
                if self.stopped:
                    return
                if arrived:
                    deadline = time.monotonic() + LONGEST_WAIT_SECONDS
                    while time.monotonic() < deadline and self.arrived.wait(QUIET_SECONDS):
                        pass  # another event arrived: wait for quiet again
                    changed, theme_changed = self.changed, self.theme_changed
                    self.changed, self.theme_changed = set(), False
            if arrived:
                self.on_change(changed, theme_changed)
            else:
                self.on_idle()
            idle_due = arrived

    def _pending(self) -> bool:
        return bool(self.stopped or self.changed or self.theme_changed)


class _Collector(FileSystemEventHandler):
    def __init__(self, watcher: Watcher):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.is_directory and event.event_type == "modified":
            return  # a folder's own timestamp; the files inside report themselves
        for path in (event.src_path, getattr(event, "dest_path", "")):
            if path:
                self.watcher.note(path if isinstance(path, str) else path.decode())
