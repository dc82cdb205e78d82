"""WikiGraph + theme → Site: every file of the built site by path. Pure but for load_theme.

For readers: the pages, their markdown sources, the theme's code and the build-time data the
browser reads (search, previews, the link graph). For programs: graph.json, llms.txt and,
under a base URL, sitemap.xml. Same graph, same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .. import graph as g
from ..errors import KarpwikiError
from ..graph import WikiGraph
from ..model import Page, Site, Span, Spliced
from ..progress import SILENT, Progress
from .graph_view import graph_json, wiki_data
from .listings import llms_txt, sitemap_xml
from .nav import INDEX_PAGE, page_groups
from .page import (ALL_FACTS, PageView, affected_pages, changed_facts, page_views, render_generated_index, render_not_found,
                   render_pages)
from .data import data_path, page_spans
from .markup import code_blocks
from .previews import PREVIEW_DATA, preview_data, preview_entry
from .search import SEARCH_DATA, search_data, search_entry
from .theme import Theme, load_theme, static_files

__all__ = ["PAGED_DATA", "PageView", "Theme", "affected_pages", "changed_facts", "code_blocks", "load_theme", "page_spans",
           "page_outputs", "page_views", "paged_entries", "refuse_overwrites", "render_site", "render_views"]

# The shared files made of one entry per page, in path order (see data.paged_script).
PAGED_DATA = (data_path(SEARCH_DATA), data_path(PREVIEW_DATA))


def paged_entries(page: Page) -> tuple[bytes, bytes]:
    """The page's entry of each PAGED_DATA file, in that order: a loader spills them, so
    that the parent, which writes those files, need not receive the page's sections."""
    return search_entry(page), preview_entry(page)


def render_site(
    graph: WikiGraph, theme: Theme, base_url: str = "", pages: set[str] | None = None, shared: bool = True,
    progress: Progress = SILENT, facts: frozenset[str] = ALL_FACTS, kept: Mapping[str, Mapping[str, Span]] | None = None,
) -> Site:
    """Every output file of the site, by path. `base_url`, if given, is where the site is served.

    With `pages` (see affected_pages), only those pages' HTML and sources and the files they
    link to; with `shared=False`, without the files every page shares (data, listings, theme),
    so the preview server can show an edited page before it refreshes those; with `facts`
    (see changed_facts), only the shared files that show those facts of pages; with `kept`,
    the entries of PAGED_DATA files made elsewhere, as Spans by file and page path: of the
    live site, for the pages an edit build did not read again, or of the loaders' spills.
    Either way this process does not have those pages' sections.
    """
    base_url = base_url.rstrip("/") + "/" if base_url else ""
    chosen = set(graph.pages) if pages is None else set(pages) & set(graph.pages)
    groups = page_groups(graph) if shared or INDEX_PAGE in chosen else []  # sorting every page costs a chunk of pages dear
    viewed = render_views(theme, page_views(graph, sorted(chosen)), groups, progress)
    generated = _shared_files(graph, theme, base_url, groups, facts, kept or {}) if shared else {}
    refuse_overwrites(generated, viewed.files, viewed.copies)
    files = {**generated, **viewed.files}
    return Site(dict(sorted(files.items())), tuple(copy for copy in viewed.copies if copy not in files))


def render_views(theme: Theme, views: list[PageView], groups: Sequence[tuple[str, list[Page]]] = (),
                 progress: Progress = SILENT) -> Site:
    """The viewed pages' HTML and markdown sources, and the wiki files they link to: a
    renderer process, which has no graph, makes its pages' files with this alone."""
    html = render_pages(theme, views, groups, progress)
    sources = {view.path: view.published.encode("utf-8") for view in views}
    return Site({**html, **sources}, tuple(sorted({path for view in views for path in view.files})))


def page_outputs(paths: Iterable[str]) -> set[str]:
    """The files render_views makes of these pages: each one's HTML and its markdown source."""
    return {name for path in paths for name in (g.output_path(path), path)}


def _shared_files(graph: WikiGraph, theme: Theme, base_url: str, groups, facts: frozenset[str],
                  kept: Mapping[str, Mapping[str, Span]]) -> dict[str, bytes | Spliced]:
    """Each shared file with the facts it shows: "theme" (its own files), "listing" (every
    page's path, title, description, tags and order), "links" (page-to-page links), "text"."""
    makers = [
        ({"theme"}, lambda: static_files(theme)),
        ({"listing"}, lambda: render_not_found(graph, theme, base_url)),
        ({"listing"}, lambda: render_generated_index(graph, theme, groups)),
        ({"listing", "links"}, lambda: wiki_data(graph, groups)),
        ({"listing", "text"}, lambda: search_data(graph, kept.get(PAGED_DATA[0], {}))),
        ({"listing", "text"}, lambda: preview_data(graph, kept.get(PAGED_DATA[1], {}))),
        ({"listing", "links"}, lambda: graph_json(graph, base_url)),
        ({"listing"}, lambda: llms_txt(graph, groups, base_url)),
        ({"listing"}, lambda: sitemap_xml(graph, base_url)),
    ]
    return {path: data for shows, make in makers if shows & facts for path, data in make().items()}


def refuse_overwrites(generated: Mapping[str, object], pages: Iterable[str], copies: Iterable[str]) -> None:
    """A wiki file where the site writes its own (a page 404.md, a linked static/style.css):
    `pages` are the output paths of pages (HTML and source), `copies` the wiki files copied."""
    clash = sorted(generated.keys() & (set(pages) | set(copies)))
    if clash:
        raise KarpwikiError(f"{clash[0]} is a file karpwiki writes itself; rename the wiki file that would become it")
