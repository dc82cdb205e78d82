"""WikiGraph → the wiki's two orders: pages grouped as the hub groups them, and the reading guide.

Pure; the groups feed the hub index, the sidebar, the graph view and llms.txt, so all four agree.
"""

from __future__ import annotations

from .. import graph as g
from ..graph import WikiGraph
from ..model import Page

INDEX_PAGE = "index.md"
GROUP_TITLES = {"": "Concepts", "repos": "Repos"}


def site_title(graph: WikiGraph) -> str:
    hub = graph.pages.get(INDEX_PAGE)
    return hub.title if hub else "Wiki"


def page_groups(graph: WikiGraph) -> list[tuple[str, list[Page]]]:
    """Pages grouped as the hub groups them: concepts at the root, repos, then other folders."""
    grouped: dict[str, list[Page]] = {}
    for page in graph.pages.values():
        if page.path == INDEX_PAGE:
            continue
        folder = page.path.split("/", 1)[0] if "/" in page.path else ""
        grouped.setdefault(folder, []).append(page)
    ordered = sorted(grouped, key=lambda folder: (folder not in GROUP_TITLES, folder != "", folder))
    return [
        (
            GROUP_TITLES.get(folder, folder),
            sorted(grouped[folder], key=lambda p: (p.order is None, p.order or 0, p.title.lower(), p.path)),
        )
        for folder in ordered
    ]


def reading_order(graph: WikiGraph) -> tuple[str, ...]:
    """The pages the hub's first ordered list links to, in the order it lists them.

    That list is the hub's reading guide; writers reorder it in markdown, so no page name
    lives in code. Each page counts once, at its first mention; the hub itself is skipped.
    """
    hub = graph.pages.get(INDEX_PAGE)
    if hub is None:
        return ()
    targets = graph.targets[INDEX_PAGE]
    for links in hub.ordered_lists:
        order: list[str] = []
        for index in links:
            target = targets[index]
            if target.kind == g.PAGE and target.path != INDEX_PAGE and target.path not in order:
                order.append(target.path)
        if order:
            return tuple(order)
    return ()
