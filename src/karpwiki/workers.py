"""A wiki → parsed, rendered and written on every core. Forked loaders each read a share of
the files and render their pages' bodies as they parse; once the parent has the one graph and
the checker's verdict, forked renderers each write a share of the pages into the staging
folder while the parent writes the files every page shares.

Pickling between processes costs more than most of the work, so little crosses: a loader
sends its pages without their HTML and published text, which it spills to an unnamed temporary
file instead (one per share, made before the fork, gone with the last process that holds it);
renderers are forked after the check, so they inherit the graph instead of receiving it, read
their pages' HTML back from the spill, and answer with the sizes of what they wrote. Same wiki,
same bytes, however many workers; one worker means no second process.
"""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import os
import tempfile
import traceback
from pathlib import Path
from typing import BinaryIO

from .cache import without_gc
from .errors import KarpwikiError
from .graph import WikiGraph
from .load import load_paths, merge_wikis, wiki_paths, without_text
from .model import Site, Wiki
from .progress import REFRESH_SECONDS, SILENT, Progress
from .render import Theme, refuse_overwrites, render_site
from .write import write_files

PAGES_PER_WORKER = 100  # below this a second process costs more than it saves
CHUNK_FILES = 500  # what a worker holds in full at once: its memory stays flat as the wiki grows
Spilled = dict[str, tuple[int, int, int]]  # page path → offset, body bytes, published bytes


def worker_count(pages: int, requested: int | None) -> int:
    """`requested` workers, or one per available core while each gets enough pages."""
    if requested:
        return max(1, requested)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, pages // PAGES_PER_WORKER))


class ShardedWiki:
    """Use as a context manager: `load()` the wiki, then `write_into(staging, graph, ...)` its site."""

    def __init__(self, root: Path, workers: int | None = None, bodies: bool = True, progress: Progress = SILENT):
        self.root = root
        self.bodies = bodies  # False for a check: no page HTML is rendered
        self.progress = progress
        self.paths = wiki_paths(root)
        count = worker_count(sum(path.endswith(".md") for path in self.paths), workers)
        self.shards = [self.paths[index::count] for index in range(count)] if count > 1 else []
        self.spills: list[BinaryIO] = []
        self.spilled: list[Spilled] = []

    def __enter__(self) -> ShardedWiki:
        self.spills = [tempfile.TemporaryFile() for _ in self.shards] if self.bodies else []
        return self

    def __exit__(self, *exc) -> None:
        for spill in self.spills:
            spill.close()

    def load(self) -> Wiki:
        """The whole wiki; pages read by loaders come without their HTML and published text."""
        self.progress.stage("reading files", len(self.paths))
        if not self.shards:
            wiki = load_paths(self.root, self.paths, self.bodies, self.progress)
        else:
            jobs = [(self.root, shard, self.spills[n] if self.spills else None, self.bodies, self.progress)
                    for n, shard in enumerate(self.shards)]
            with _Started(_load_share, jobs) as loaders:
                replies = loaders.replies(self.progress)
            self.spilled = [spilled for _, spilled in replies]
            wiki = merge_wikis([wiki for wiki, _ in replies])
        self.progress.finish(f" ({max(len(self.shards), 1)} process{'es' if self.shards else ''})")
        return wiki

    def write_into(self, staging: Path, graph: WikiGraph, theme: Theme, base_url: str) -> dict[str, int]:
        """Render every file of the site into the staging folder; their sizes by output path."""
        self.progress.stage("writing pages", len(graph.pages))
        if not self.shards:
            written = write_files(staging, render_site(graph, theme, base_url, progress=self.progress), self.root)
            self.progress.finish()
            return written
        graph.incoming  # worked out once here, so that every renderer inherits it
        jobs = [(graph, theme, base_url, self.root, staging, spill, spilled, self.progress)
                for spill, spilled in zip(self.spills, self.spilled)]
        with _Started(_write_share, jobs) as renderers:
            shared = render_site(graph, theme, base_url, pages=set())
            replies = renderers.replies(self.progress)
        self.progress.finish()
        written = {path: size for sizes, _ in replies for path, size in sizes.items()}
        copies = sorted({path for _, linked in replies for path in linked} - written.keys())
        refuse_overwrites(shared.files, written, copies)
        written.update(write_files(staging, Site(shared.files, tuple(copies)), self.root))
        return dict(sorted(written.items()))


def _load_share(root: Path, shard: list[str], spill: BinaryIO | None, bodies: bool, progress: Progress):
    """A loader: read a share of the wiki a chunk at a time, spilling each chunk's HTML and
    published text at once, so that it never holds more than a chunk of them."""
    parts, spilled, offset = [], {}, 0
    for start in range(0, len(shard), CHUNK_FILES):
        wiki = load_paths(root, shard[start : start + CHUNK_FILES], bodies, progress)
        if spill is not None:
            for page in wiki.pages:
                body, published = page.body.encode("utf-8"), page.published.encode("utf-8")
                spill.write(body + published)
                spilled[page.path] = (offset, len(body), len(published))
                offset += len(body) + len(published)
        parts.append(without_text(wiki))
    if spill is not None:
        spill.flush()
    return merge_wikis(parts), spilled


def _write_share(
    graph: WikiGraph, theme: Theme, base_url: str, root: Path, staging: Path, spill: BinaryIO, spilled: Spilled,
    progress: Progress,
):
    """A renderer: a chunk of its pages at a time, their HTML back from the spill into the
    inherited graph, rendered, written, and dropped again."""
    descriptor, sizes, copies = spill.fileno(), {}, set()
    paths = list(spilled)
    for start in range(0, len(paths), CHUNK_FILES):
        chunk = paths[start : start + CHUNK_FILES]
        bare = {path: graph.pages[path] for path in chunk}
        for path in chunk:
            offset, body_size, published_size = spilled[path]
            data = os.pread(descriptor, body_size + published_size, offset)
            graph.pages[path] = dataclasses.replace(
                bare[path], body=data[:body_size].decode("utf-8"), published=data[body_size:].decode("utf-8")
            )
        site = render_site(graph, theme, base_url, pages=set(chunk), shared=False, progress=progress)
        sizes.update(write_files(staging, Site(site.files, ()), root))
        copies.update(site.copies)
        graph.pages.update(bare)
    return sizes, sorted(copies)


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
