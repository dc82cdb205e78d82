"""Every page's sections → search-data.js, the index the offline search box reads. Pure.

A script, not a fetched file, so search works from file://; the search box loads it on first
use. One entry per page, a line each, holding its sections, so a result can open the section
that matched and an edit build rewrites only the edited pages' lines.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..graph import WikiGraph, output_path
from ..model import Page, Span, Spliced
from .data import page_entry, paged_script
from .markup import site_url

SEARCH_DATA = "search"


def search_data(graph: WikiGraph, kept: Mapping[str, Span]) -> dict[str, bytes | Spliced]:
    """`kept`: where the entries of pages whose text is as the last build left it lie in the
    live site's file, by path (see data.paged_script)."""
    entries = [kept[path] if path in kept else search_entry(page) for path, page in sorted(graph.pages.items())]
    return paged_script(SEARCH_DATA, "KW_SEARCH", '{"pages":[', entries, "]}")


def search_entry(page: Page) -> bytes:
    """[page URL, title, [[section id, heading, text], ...]]."""
    sections = [[section.id, section.heading, section.text] for section in page.sections]
    return page_entry([site_url("", output_path(page.path)), page.title, sections])
