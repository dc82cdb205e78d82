"""WikiGraph + theme → every HTML page: body, table of contents, backlinks with the sentence
around each link, the reading guide's previous and next; the hub index; the 404 page.

Pure but for the theme's templates. Each page's HTML holds only what is about that page: the
sidebar and the graph come from the one shared wiki-data.js.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from urllib.parse import quote

from markupsafe import Markup

from .. import graph as g
from ..graph import WikiGraph, output_path
from ..model import Page
from ..progress import SILENT, Progress
from .markup import fill_links, link_urls, page_url
from .nav import INDEX_PAGE, reading_order, site_title
from .theme import Theme, render_template

INDEX_OUTPUT, NOT_FOUND_OUTPUT = "index.html", "404.html"
TOC_LEVELS = (2, 3)
ALL_FACTS = frozenset({"theme", "listing", "links", "text"})  # what the shared files show (render_site)


@dataclass(frozen=True)
class PageView:
    """A page as its HTML shows it, but for its body: the template's values and each link's
    URL, worked out from the graph, in plain strings, tuples and dicts. A renderer in another
    process gets these instead of the graph (workers): they cost little to send, and it then
    touches none of the graph."""

    path: str
    values: dict  # what the page's template shows of it and of the pages around it
    urls: tuple[str, ...]  # each link's URL on the site, HTML-escaped, by link index
    files: tuple[str, ...]  # the wiki files it links to, which the site copies
    body: str = ""  # Page.body, with a slot for each URL
    published: str = ""  # Page.published, the page's markdown source on the site


def page_views(graph: WikiGraph, chosen: list[str]) -> list[PageView]:
    """The views of the chosen pages, in that order."""
    title, guide = site_title(graph), reading_order(graph)
    places = {path: position for position, path in enumerate(guide)}
    views = []
    for path in chosen:
        page, here, targets = graph.pages[path], output_path(path), graph.targets[path]
        values = {
            **_base_context(title, here, page.title),
            "description": page.description,
            "tags": list(page.tags),
            "source": quote(posixpath.basename(path)),
            "toc": _toc(page),
            "backlinks": _backlinks(graph, page, here),
            **_guide_links(graph, guide, places.get(path), here),
        }
        files = tuple(target.path for target in targets if target.kind == g.FILE)
        views.append(PageView(path, values, link_urls(page, targets), files, page.body, page.published))
    return views


def render_pages(theme: Theme, views: list[PageView], groups: list[tuple[str, list[Page]]],
                 progress: Progress = SILENT) -> dict[str, bytes]:
    """{output path: HTML} for the viewed pages; `groups` (nav.page_groups) only matter to the hub."""
    files: dict[str, bytes] = {}
    for view in views:
        here = output_path(view.path)
        context = {**view.values, "content": Markup(fill_links(view.body, view.urls))}
        if view.path == INDEX_PAGE:
            files[here] = render_template(theme, "index.html", {**context, "groups": _group_links(groups, here)})
        else:
            files[here] = render_template(theme, "page.html", {**context, "graph_view": "page"})
        progress.step()
    return files


def render_generated_index(graph: WikiGraph, theme: Theme, groups: list[tuple[str, list[Page]]]) -> dict[str, bytes]:
    """A wiki without index.md still gets an index.html: the grouped list of its pages."""
    if INDEX_PAGE in graph.pages:
        return {}
    title = site_title(graph)
    context = {**_base_context(title, INDEX_OUTPUT, title), "groups": _group_links(groups, INDEX_OUTPUT)}
    return {INDEX_OUTPUT: render_template(theme, "index.html", context)}


def render_not_found(graph: WikiGraph, theme: Theme, base_url: str) -> dict[str, bytes]:
    """404.html. A server shows it at any depth, where only a base URL makes its links work."""
    context = {**_base_context(site_title(graph), NOT_FOUND_OUTPUT, "Page not found"), "root": base_url}
    return {NOT_FOUND_OUTPUT: render_template(theme, "404.html", context)}


def _base_context(wiki_title: str, here: str, title: str) -> dict:
    """Every name the templates use, so a page that lacks one of them shows it empty."""
    return {
        "site_title": wiki_title,
        "title": title,
        "here": quote(here),
        "root": "../" * here.count("/"),
        "description": "",
        "tags": [],
        "content": Markup(""),
        "source": "",
        "toc": [],
        "backlinks": [],
        "previous": None,
        "next": None,
        "guide": None,
        "graph_view": "all",
    }


def _toc(page: Page) -> list[dict]:
    entries = [
        {"href": f"#{quote(heading.id)}", "text": heading.text, "level": heading.level}
        for heading in page.headings
        if heading.level in TOC_LEVELS
    ]
    return entries if len(entries) > 1 else []


def _backlinks(graph: WikiGraph, page: Page, here: str) -> list[dict]:
    """Each linking page with the sentence around its first link here (None for an image)."""
    links = []
    for source in graph.backlinks(page.path):
        first = next(
            index for index, target in enumerate(graph.targets[source])
            if target.kind == g.PAGE and target.path == page.path
        )
        context = graph.pages[source].link_contexts[first]
        links.append({
            "url": page_url(here, source),
            "title": graph.pages[source].title,
            "context": None if context is None else {"before": context.before, "link": context.link, "after": context.after},
        })
    return links


def _guide_links(graph: WikiGraph, guide: tuple[str, ...], position: int | None, here: str) -> dict:
    """For a page the hub's reading guide lists: its previous and next page, and its place."""
    if position is None:
        return {}

    def link(index: int) -> dict | None:
        if not 0 <= index < len(guide):
            return None
        return {"url": page_url(here, guide[index]), "title": graph.pages[guide[index]].title}

    return {
        "previous": link(position - 1),
        "next": link(position + 1),
        "guide": {"position": position + 1, "length": len(guide), "url": page_url(here, INDEX_PAGE)},
    }


def _group_links(groups: list[tuple[str, list[Page]]], here: str) -> list[dict]:
    return [
        {
            "title": title,
            "pages": [{"url": page_url(here, p.path), "title": p.title, "description": p.description} for p in pages],
        }
        for title, pages in groups
    ]


def affected_pages(before: WikiGraph, after: WikiGraph, changed: set[str]) -> set[str]:
    """Pages of `after` whose HTML may differ from `before`'s once `changed` paths were edited,
    added or removed: what each page shows of other pages decides.

    A page shows its own text and whether its links resolve; the pages it links to show its
    title and the sentence around each link (Linked from); its guide neighbours show its
    title; the hub index shows every title and description. The sidebar and the graph are not
    in any page: they come from wiki-data.js. So an edit that keeps a page's title, links and
    link sentences re-renders that page alone.
    """
    if site_title(before) != site_title(after):
        return set(after.pages)
    affected = set(changed)
    old_guide, new_guide = reading_order(before), reading_order(after)
    if old_guide != new_guide:
        affected |= set(old_guide) | set(new_guide) | {INDEX_PAGE}
    for path in changed:
        old, new = before.pages.get(path), after.pages.get(path)
        if old is None or new is None:  # added or removed: links to it now resolve, or no longer
            affected |= before.neighbours({path}) | after.neighbours({path}) | {INDEX_PAGE}
            continue
        old_shown, new_shown = _shown_elsewhere(before, old), _shown_elsewhere(after, new)
        if old_shown != new_shown:  # the pages it links to, then or now, list it in Linked from
            affected |= {target for target, _ in old_shown[1] + new_shown[1]}
        if (old.title, old.description, old.order) != (new.title, new.description, new.order):
            affected.add(INDEX_PAGE)
            if path in new_guide:
                number = new_guide.index(path)
                affected |= set(new_guide[max(number - 1, 0) : number + 2])
    return affected & set(after.pages)


def changed_facts(before: WikiGraph, after: WikiGraph, changed: set[str]) -> frozenset[str]:
    """Which facts of pages the files every page shares may show differently once `changed`
    paths were edited: any added or removed page changes them all; a file that is no page
    (an image) is in none of them. An edited page counts as edited text: a build keeps no
    page's sections for the next (rewriting its lines of the text files is cheap)."""
    if before.pages.keys() != after.pages.keys():
        return ALL_FACTS - {"theme"}
    facts = set()
    for path in changed & after.pages.keys():
        old, new = before.pages[path], after.pages[path]
        if (old.title, old.description, old.tags, old.order) != (new.title, new.description, new.tags, new.order):
            facts.add("listing")
        facts.add("text")
        if _page_links(before, path) != _page_links(after, path):
            facts.add("links")
    return frozenset(facts)


def _page_links(graph: WikiGraph, path: str) -> list[tuple[str, str]]:
    return [(target.path, target.fragment) for target in graph.targets[path] if target.kind == g.PAGE]


def _shown_elsewhere(graph: WikiGraph, page: Page) -> tuple:
    """What other pages' HTML shows of this page: its title, and each of its page links with
    the sentence around it (in the target's Linked from)."""
    links = tuple(
        (target.path, page.link_contexts[index])
        for index, target in enumerate(graph.targets[page.path])
        if target.kind == g.PAGE
    )
    return page.title, links
