"""Every page's sections → search-data.js, the index the offline search box reads. Pure.

A script, not a fetched file, so search works from file://; the search box loads it on first
use. One entry per section, so a result can open the section that matched.
"""

from __future__ import annotations

from ..graph import WikiGraph, output_path
from .data import data_script
from .markup import site_url


def search_data(graph: WikiGraph) -> dict[str, bytes]:
    pages, entries = [], []
    for number, (path, page) in enumerate(sorted(graph.pages.items())):
        pages.append([site_url("", output_path(path)), page.title])
        entries.extend([number, section.id, section.heading, section.text] for section in page.sections)
    return data_script("search", "KW_SEARCH", {"pages": pages, "sections": entries})
