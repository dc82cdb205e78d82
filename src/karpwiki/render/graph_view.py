"""WikiGraph → the link graph as data: wiki-data.js for the browser, graph.json for programs. Pure.

wiki-data.js holds the pages in sidebar order with their group, and the links between them
as index pairs: one shared file from which each page draws its sidebar and its graph, so no
page carries a list of all the others (N pages, not N² bytes).
"""

from __future__ import annotations

from .. import graph as g
from ..graph import WikiGraph, output_path
from ..model import Page
from .data import data_script, json_document
from .markup import site_url


def wiki_data(graph: WikiGraph, groups: list[tuple[str, list[Page]]]) -> dict[str, bytes]:
    """Pages as [url, title, group number]; links as sorted [i, j] pairs, i < j, no self-links."""
    numbered = [(page, number) for number, (_, pages) in enumerate(groups) for page in pages]
    index = {page.path: i for i, (page, _) in enumerate(numbered)}
    pairs = {
        (min(index[source], index[target.path]), max(index[source], index[target.path]))
        for source, targets in graph.targets.items()
        if source in index
        for target in targets
        if target.kind == g.PAGE and target.path in index and target.path != source
    }
    return data_script("wiki", "KW_WIKI", {
        "groups": [title for title, _ in groups],
        "pages": [[site_url("", output_path(page.path)), page.title, number] for page, number in numbered],
        "links": [list(pair) for pair in sorted(pairs)],
    })


def graph_json(graph: WikiGraph, base_url: str) -> dict[str, bytes]:
    """Every page and every distinct page-to-page link (source, target, fragment)."""
    pages = [
        {
            "path": path,
            "url": site_url(base_url, output_path(path)),
            "title": page.title,
            "description": page.description,
            "tags": list(page.tags),
        }
        for path, page in sorted(graph.pages.items())
    ]
    links = sorted(
        {(source, target.path, target.fragment) for source, targets in graph.targets.items() for target in targets if target.kind == g.PAGE}
    )
    return {"graph.json": json_document({
        "pages": pages,
        "links": [{"source": source, "target": target, "fragment": fragment} for source, target, fragment in links],
    })}
