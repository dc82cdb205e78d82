"""A wiki → parsed and rendered on every core. Forked workers each read a share of the files
and keep their pages' tokens; the parent keeps the one graph and the checker.

Tokens are costlier to send between processes than to make, so they never travel: a worker
sends its pages without tokens (everything the graph, the checker and other pages need),
later receives the whole wiki the same way, and renders its own pages' HTML. The parent does
the first share itself and the files every page shares. Same wiki, same bytes, however many
workers.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import traceback
from pathlib import Path

from .errors import KarpwikiError
from .graph import WikiGraph
from .load import load_paths, merge_wikis, wiki_paths
from .model import Site, Wiki
from .render import Theme, load_theme, refuse_overwrites, render_site

PAGES_PER_WORKER = 100  # below this a second process costs more than it saves


def worker_count(pages: int, requested: int | None) -> int:
    """`requested` workers, or one per available core while each gets enough pages."""
    if requested:
        return max(1, requested)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, pages // PAGES_PER_WORKER))


class ShardedWiki:
    """Use as a context manager: `load()` the wiki, then `render(graph, ...)` its site."""

    def __init__(self, root: Path, workers: int | None = None, keep_tokens: bool = True):
        self.root = root
        self.keep_tokens = keep_tokens  # False for a check: workers then drop tokens as they go
        paths = wiki_paths(root)
        count = worker_count(sum(path.endswith(".md") for path in paths), workers)
        self.shards = [paths[index::count] for index in range(count)]
        self.children: list[tuple[multiprocessing.Process, object]] = []
        self.own: Wiki | None = None

    def __enter__(self) -> ShardedWiki:
        context = multiprocessing.get_context("fork")
        for shard in self.shards[1:]:
            parent_end, child_end = context.Pipe()
            process = context.Process(target=_worker, args=(self.root, shard, child_end, self.keep_tokens), daemon=True)
            process.start()
            child_end.close()
            self.children.append((process, parent_end))
        return self

    def __exit__(self, *exc) -> None:
        for process, connection in self.children:
            connection.close()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()

    def load(self) -> Wiki:
        """The whole wiki; this process's share keeps its tokens (for render) unless told not
        to, the others' pages have none."""
        self.own = load_paths(self.root, self.shards[0], self.keep_tokens)
        return merge_wikis([self.own, *(_receive(connection) for _, connection in self.children)])

    def render(self, graph: WikiGraph, theme: Theme, templates: Path, base_url: str) -> Site:
        """Every file of the site; each worker renders the pages it read."""
        compact = _without_tokens(graph.wiki)
        for _, connection in self.children:
            connection.send((compact, templates, base_url))
        own_pages = {page.path for page in self.own.pages}
        shared = render_site(graph, theme, base_url, pages=set())
        sites = [render_site(graph, theme, base_url, pages=own_pages, shared=False)]
        sites += [_receive(connection) for _, connection in self.children]
        pages = {path: data for site in sites for path, data in site.files.items()}
        copies = sorted({path for site in sites for path in site.copies} - pages.keys())
        refuse_overwrites(shared.files, pages, copies)
        return Site(dict(sorted({**shared.files, **pages}.items())), tuple(copies))


def _without_tokens(wiki: Wiki) -> Wiki:
    return dataclasses.replace(wiki, pages=tuple(dataclasses.replace(page, tokens=()) for page in wiki.pages))


def _receive(connection):
    try:
        kind, value = connection.recv()
    except EOFError:
        raise KarpwikiError("a build worker process died") from None
    if kind == "failed":
        raise KarpwikiError(f"a build worker failed: {value}")
    return value


def _worker(root: Path, shard: list[str], connection, keep_tokens: bool) -> None:
    """Read a share of the wiki, send it without tokens, then render those pages on request."""
    try:
        mine = load_paths(root, shard, keep_tokens)
        connection.send(("ok", _without_tokens(mine)))
        compact, templates, base_url = connection.recv()
        full = {page.path: page for page in mine.pages}
        wiki = dataclasses.replace(compact, pages=tuple(full.get(page.path, page) for page in compact.pages))
        site = render_site(WikiGraph(wiki), load_theme(templates), base_url, pages=set(full), shared=False)
        connection.send(("ok", site))
    except EOFError:
        pass  # the parent stopped after loading (a check, or a build with errors)
    except BaseException:
        connection.send(("failed", traceback.format_exc(limit=3).strip().splitlines()[-1]))
    finally:
        connection.close()
        os._exit(0)
