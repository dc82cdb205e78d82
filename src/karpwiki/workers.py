"""A wiki → parsed, rendered and written on every core. The parent is one of the workers and
forks the others: loaders, each of which reads a share of the files and renders its pages'
bodies as it parses; and renderers, forked before anything is read, which write pages from
what the parent sends them once it has the one graph and the checker's verdict. The parent
makes the files every page shares, then takes chunks of pages from the other end of the
queue the renderers take theirs from, so that all end together however uneven the pages.

Pickling between processes costs more than most of the work, and the parent holds all it
receives, so little crosses: a loader sends its pages without their HTML, published text and
sections, and spills to an unnamed temporary file instead (one per share, made before the
forks, gone with the last process that holds it) the HTML, the published text and the page's
lines of the search and preview data, which are made of its sections. A renderer gets, for
each page of its chunk, a render.PageView without the HTML and text, which it reads back
from the spill, and answers with the sizes of what it wrote; the parent splices the search
and preview data from the spills' lines without reading them. A renderer forked after the
graph was built would copy the memory it touches, most of the graph: the refcounts it writes
are spread over all of it. Same wiki, same bytes, however many workers; one worker means no
second process.
"""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import os
import pickle
import tempfile
import threading
import traceback
from collections import deque
from collections.abc import Callable
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import BinaryIO

from .cache import without_gc
from .errors import KarpwikiError
from .graph import WikiGraph
from .load import load_paths, merge_wikis, wiki_paths, without_text
from .model import Site, Span, Wiki
from .progress import REFRESH_SECONDS, SILENT, Progress
from .render import (PAGED_DATA, PageView, Theme, page_outputs, page_views, paged_entries, refuse_overwrites, render_site,
                     render_views)
from .render.nav import INDEX_PAGE, page_groups
from .write import write_files

PAGES_PER_WORKER = 100  # below this a second process costs more than it saves
CHUNK_FILES = 200  # what a loader holds in full at once: its memory stays flat as the wiki grows
TASK_PAGES = 50  # what a renderer is sent at once: few enough that all processes end together
Spilled = dict[str, tuple[int, ...]]  # page path → offset; bytes of body, published text, each paged entry
# A chunk of pages to render: staging folder, the share whose spill has their HTML and
# published text, their views without those, and where in the spill each one's are.
Task = tuple[str, int, list[PageView], list[tuple[int, int, int]]]


def worker_count(pages: int, requested: int | None) -> int:
    """`requested` workers, or one per available core while each gets enough pages."""
    if requested:
        return max(1, requested)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, pages // PAGES_PER_WORKER))


class ShardedWiki:
    """Use as a context manager: `load()` the wiki, then `write_into(staging, graph, base_url)`
    its site. Without a theme (a check), no page HTML is rendered."""

    def __init__(self, root: Path, workers: int | None = None, theme: Theme | None = None, progress: Progress = SILENT):
        self.root = root
        self.theme = theme
        self.bodies = theme is not None
        self.progress = progress
        self.paths = wiki_paths(root)
        count = worker_count(sum(path.endswith(".md") for path in self.paths), workers)
        self.shards = [self.paths[index::count] for index in range(count)] if count > 1 else []
        self.spills: list[BinaryIO] = []
        self.spilled: list[Spilled] = []
        self.tasks: _Tasks | None = None  # to the renderers, which a build forks on entering
        self.renderers: _Started | None = None
        self.exits = ExitStack()

    def __enter__(self) -> ShardedWiki:
        if self.bodies and self.shards:
            self.spills = [self.exits.enter_context(tempfile.TemporaryFile()) for _ in self.shards]
            self.tasks = _Tasks()
            job = (self.tasks, self.theme, self.root, self.spills, self.progress)
            self.renderers = self.exits.enter_context(_Started(_render_tasks, [job] * (len(self.shards) - 1)))
            self.exits.callback(self.tasks.close)  # renderers never sent their tasks stop at the end of the pipe
            self.tasks.reader.close()
        return self

    def __exit__(self, *exc) -> None:
        self.exits.close()

    def load(self) -> Wiki:
        """The whole wiki; pages read by loaders come without their HTML, published text and sections."""
        self.progress.stage("reading files", len(self.paths))
        if not self.shards:
            wiki = load_paths(self.root, self.paths, self.bodies, self.progress)
        else:
            jobs = [(self.root, shard, self.spills[n] if self.spills else None, self.bodies, self.progress)
                    for n, shard in enumerate(self.shards)]
            with _Started(_load_share, jobs[1:]) as loaders:
                replies = [_load_share(*jobs[0]), *loaders.replies(self.progress)]
            self.spilled = [spilled for _, spilled in replies]
            wiki = merge_wikis([wiki for wiki, _ in replies])
        self.progress.finish(f" ({max(len(self.shards), 1)} process{'es' if self.shards else ''})")
        return wiki

    def write_into(self, staging: Path, graph: WikiGraph, base_url: str,
                   meanwhile: Callable[[], object] = lambda: None) -> dict[str, int]:
        """Render every file of the site into the staging folder; their sizes by output path.
        The parent calls `meanwhile` once it has written the shared files, while renderers render."""
        self.progress.stage("writing pages", len(graph.pages))
        if not self.shards:
            written = write_files(staging, render_site(graph, self.theme, base_url, progress=self.progress), self.root)
            meanwhile()
            self.progress.finish()
            return written
        graph.incoming  # worked out here, not by two threads at once
        makers = deque(
            self._task(staging, graph, n, share[start : start + TASK_PAGES])
            for n, share in enumerate([path for path in spilled if path != INDEX_PAGE] for spilled in self.spilled)
            for start in range(0, len(share), TASK_PAGES)
        )
        with _Feeder(self.tasks, makers, len(self.renderers.running)) as feeder:
            written = self._write_shared(staging, graph, base_url)
            meanwhile()
            hub = [self._task(staging, graph, n, [INDEX_PAGE]) for n, spilled in enumerate(self.spilled) if INDEX_PAGE in spilled]
            own = [_render_task(self.theme, self.root, self.spills, make(), page_groups(graph), self.progress) for make in hub]
            while (make := feeder.take_last()) is not None:
                own.append(_render_task(self.theme, self.root, self.spills, make(), progress=self.progress))
        for sizes in [*own, *self.renderers.replies(self.progress)]:
            written.update(sizes)
        self.progress.finish()
        copies = sorted(graph.targets.linked_files() - written.keys())
        written.update(write_files(staging, Site({}, tuple(copies)), self.root))
        return dict(sorted(written.items()))

    def _write_shared(self, staging: Path, graph: WikiGraph, base_url: str) -> dict[str, int]:
        """The files every page shares, written at once rather than held (the link graph alone
        is megabytes), once it is sure no page's file or linked file will be one of them."""
        shared = render_site(graph, self.theme, base_url, pages=set(), kept=self._spilled_entries())
        refuse_overwrites(shared.files, page_outputs(graph.pages), graph.targets.linked_files())
        return write_files(staging, shared, self.root)

    def _task(self, staging: Path, graph: WikiGraph, share: int, paths: list[str]) -> Callable[[], Task]:
        """A Task, made when it is called: the feeder thread makes the renderers' while the parent renders."""
        def make() -> Task:
            locations = [self.spilled[share][path][:3] for path in paths]
            return os.fspath(staging), share, page_views(graph, paths), locations
        return make

    def _spilled_entries(self) -> dict[str, dict[str, Span]]:
        """Where the loaders' spills hold each page's entry of each PAGED_DATA file."""
        kept: dict[str, dict[str, Span]] = {name: {} for name in PAGED_DATA}
        for spill, spilled in zip(self.spills, self.spilled):
            descriptor = spill.fileno()
            for path, (offset, body_size, published_size, *entry_sizes) in spilled.items():
                start = offset + body_size + published_size
                for name, size in zip(PAGED_DATA, entry_sizes):
                    kept[name][path] = Span(start, start + size, descriptor)
                    start += size
        return kept


def _load_share(root: Path, shard: list[str], spill: BinaryIO | None, bodies: bool, progress: Progress):
    """A loader: read a share of the wiki a chunk at a time, spilling each chunk's HTML,
    published text and paged entries at once, so that it never holds more than a chunk of them."""
    parts, spilled, offset = [], {}, 0
    for start in range(0, len(shard), CHUNK_FILES):
        wiki = load_paths(root, shard[start : start + CHUNK_FILES], bodies, progress)
        if spill is not None:
            for page in wiki.pages:
                spilt = (page.body.encode("utf-8"), page.published.encode("utf-8"), *paged_entries(page))
                spill.write(b"".join(spilt))
                spilled[page.path] = (offset, *map(len, spilt))
                offset += sum(map(len, spilt))
        parts.append(without_text(wiki))
        # What is kept is no garbage: out of the collector's reach, its later collections walk
        # only the next chunk's objects instead of every page read so far (5% of the loading).
        gc.collect()
        gc.freeze()
    if spill is not None:
        spill.flush()
    return merge_wikis(parts), spilled


def _render_tasks(tasks: _Tasks, theme: Theme, root: Path, spills: list[BinaryIO], progress: Progress):
    """A renderer: the next task not taken yet, until the parent says there are no more."""
    tasks.writer.close()  # so that the parent's end closing is the end of the pipe
    sizes = {}
    while (task := tasks.get()) is not None:
        sizes.update(_render_task(theme, root, spills, task, progress=progress))
    return sizes


def _render_task(theme: Theme, root: Path, spills: list[BinaryIO], task: Task, groups=(), progress: Progress = SILENT):
    """A chunk's pages, their HTML and text read back from their loader's spill, rendered and
    written; the sizes of what was written. The parent copies the wiki files they link to."""
    staging, share, views, locations = task
    descriptor, filled = spills[share].fileno(), []
    for view, (offset, body_size, published_size) in zip(views, locations):
        data = os.pread(descriptor, body_size + published_size, offset)
        filled.append(dataclasses.replace(view, body=data[:body_size].decode("utf-8"), published=data[body_size:].decode("utf-8")))
    return write_files(Path(staging), Site(render_views(theme, filled, groups, progress).files, ()), root)


class _Tasks:
    """A pipe of Tasks that renderers take in turn, each whole: one reads at a time."""

    def __init__(self):
        context = multiprocessing.get_context("fork")
        self.reader, self.writer = context.Pipe(duplex=False)
        self.lock = context.Lock()

    def put(self, task: Task | None) -> None:
        self.writer.send_bytes(pickle.dumps(task, pickle.HIGHEST_PROTOCOL))

    def get(self) -> Task | None:
        with self.lock:
            data = self.reader.recv_bytes()
        return pickle.loads(data)

    def close(self) -> None:
        self.writer.close()


class _Feeder:
    """A thread of the parent that makes the renderers' tasks and sends them, from the front of
    the chunks, while the parent takes chunks from the back for itself; then one None for each
    renderer. Sending waits while the pipe is full, so the parent takes what is not sent yet.
    Leaving the with block waits for the thread; left early, it sends nothing more."""

    def __init__(self, tasks: _Tasks, makers: deque, renderers: int):
        self.tasks, self.makers, self.renderers, self.failure = tasks, makers, renderers, None
        self.thread = threading.Thread(target=self._send, daemon=True)

    def __enter__(self) -> _Feeder:
        self.thread.start()
        return self

    def __exit__(self, kind, error, trace) -> None:
        self.makers.clear()
        self.thread.join()
        if kind is None and self.failure is not None:
            raise self.failure

    def take_last(self) -> Callable[[], Task] | None:
        """What makes the last chunk's Task, if any chunk is left."""
        try:
            return self.makers.pop()
        except IndexError:
            return None

    def _send(self) -> None:
        try:
            while True:
                try:
                    make = self.makers.popleft()
                except IndexError:
                    break
                self.tasks.put(make())
        except BrokenPipeError:
            return  # every renderer is gone: the parent hears why from their replies
        except BaseException as error:  # a renderer's task is lost: the build must fail
            self.failure = error
            self.makers.clear()
        with suppress(BrokenPipeError):
            for _ in range(self.renderers):
                self.tasks.put(None)


class _Started:
    """Forked processes, one per job, each sending back function(*job) once."""

    def __init__(self, function, jobs: list[tuple]):
        # Every object so far out of the collector's reach: a child's collections would touch
        # them all, and each page of memory they touch is copied into the child.
        gc.freeze()
        context = multiprocessing.get_context("fork")
        self.running = []
        for job in jobs:
            parent_end, child_end = context.Pipe(duplex=False)
            process = context.Process(target=_reply, args=(child_end, function, job), daemon=True)
            process.start()
            child_end.close()
            self.running.append((process, parent_end))

    def __enter__(self) -> _Started:
        return self

    def __exit__(self, *exc) -> None:
        for process, connection in self.running:
            connection.close()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()

    def replies(self, progress: Progress) -> list:
        """Each process's answer, in order; the progress line moves while they work."""
        answers = []
        for _, connection in self.running:
            while not connection.poll(REFRESH_SECONDS):
                progress.show()
            answers.append(_receive(connection))
        return answers


def _receive(connection):
    try:
        with without_gc():
            kind, value = connection.recv()
    except EOFError:
        raise KarpwikiError("a build worker process died") from None
    if kind == "failed":
        raise KarpwikiError(f"a build worker failed: {value}")
    return value


def _reply(connection, function, job: tuple) -> None:
    try:
        connection.send(("ok", function(*job)))
    except BaseException:
        connection.send(("failed", traceback.format_exc(limit=3).strip().splitlines()[-1]))
    finally:
        connection.close()
        os._exit(0)
