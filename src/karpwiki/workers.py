"""A wiki → parsed, rendered and written on every core. The parent is one of the workers and
forks the others: each loader reads a share of the files and renders its pages' bodies as it
parses; once the parent has the one graph and the checker's verdict, it forks renderers, and
every process, the parent too once it has made the files every page shares, takes chunks of
pages in turn from a shared counter and writes them into the staging folder, so that all end
together however uneven the pages.

Pickling between processes costs more than most of the work, and the parent holds all it
receives, so little crosses: a loader sends its pages without their HTML, published text and
sections, and spills to an unnamed temporary file instead (one per share, made before the
fork, gone with the last process that holds it) the HTML, the published text and the page's
lines of the search and preview data, which are made of its sections; renderers are forked
after the check, so they inherit the graph instead of receiving it, read their pages' HTML
back from the spills, and answer with the sizes of what they wrote; the parent splices the
search and preview data from the spills' lines without reading them. A forked process
copies the memory it touches, which is most of the graph: the parent working too saves one
such copy. Same wiki, same bytes, however many workers; one worker means no second process.
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
from .model import Site, Span, Wiki
from .progress import REFRESH_SECONDS, SILENT, Progress
from .render import PAGED_DATA, Theme, paged_entries, refuse_overwrites, render_site
from .write import write_files

PAGES_PER_WORKER = 100  # below this a second process costs more than it saves
CHUNK_FILES = 200  # what a worker holds in full at once: its memory stays flat as the wiki grows
Spilled = dict[str, tuple[int, ...]]  # page path → offset; bytes of body, published text, each paged entry


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

    def write_into(self, staging: Path, graph: WikiGraph, theme: Theme, base_url: str) -> dict[str, int]:
        """Render every file of the site into the staging folder; their sizes by output path."""
        self.progress.stage("writing pages", len(graph.pages))
        if not self.shards:
            written = write_files(staging, render_site(graph, theme, base_url, progress=self.progress), self.root)
            self.progress.finish()
            return written
        graph.incoming  # worked out once here, so that every renderer inherits it
        shares = [list(spilled) for spilled in self.spilled]
        chunks = [(n, share[start : start + CHUNK_FILES])
                  for n, share in enumerate(shares) for start in range(0, len(share), CHUNK_FILES)]
        job = (graph, theme, base_url, self.root, staging, self.spills, self.spilled, chunks,
               multiprocessing.get_context("fork").Value("q", 0), self.progress)
        with _Started(_write_chunks, [job] * (len(self.shards) - 1)) as renderers:
            shared = render_site(graph, theme, base_url, pages=set(), kept=self._spilled_entries())
            replies = [_write_chunks(*job), *renderers.replies(self.progress)]
        self.progress.finish()
        written = {path: size for sizes, _ in replies for path, size in sizes.items()}
        copies = sorted({path for _, linked in replies for path in linked} - written.keys())
        refuse_overwrites(shared.files, written, copies)
        written.update(write_files(staging, Site(shared.files, tuple(copies)), self.root))
        return dict(sorted(written.items()))

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
    if spill is not None:
        spill.flush()
    return merge_wikis(parts), spilled


def _write_chunks(
    graph: WikiGraph, theme: Theme, base_url: str, root: Path, staging: Path, spills: list[BinaryIO],
    spilled: list[Spilled], chunks: list[tuple[int, list[str]]], taken, progress: Progress,
):
    """A renderer: the next chunk of pages not taken yet (`taken` counts them out), their HTML
    back from their loader's spill into the graph, rendered, written, and dropped again; until
    none is left."""
    sizes, copies = {}, set()
    while (index := _take(taken)) < len(chunks):
        share, chunk = chunks[index]
        descriptor, bare = spills[share].fileno(), {path: graph.pages[path] for path in chunk}
        for path in chunk:
            offset, body_size, published_size, *_ = spilled[share][path]
            data = os.pread(descriptor, body_size + published_size, offset)
            graph.pages[path] = dataclasses.replace(
                bare[path], body=data[:body_size].decode("utf-8"), published=data[body_size:].decode("utf-8")
            )
        site = render_site(graph, theme, base_url, pages=set(chunk), shared=False, progress=progress)
        sizes.update(write_files(staging, Site(site.files, ()), root))
        copies.update(site.copies)
        graph.pages.update(bare)
    return sizes, sorted(copies)


def _take(counter) -> int:
    """The counter's value, which this process takes: no other sees it again."""
    with counter.get_lock():
        value = counter.value
        counter.value += 1
    return value


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
