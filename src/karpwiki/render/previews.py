"""Every page's sections → preview-data.js: what hovering a link to a page or section shows. Pure.

One page a line, as in search-data.js, so an edit build rewrites only the edited pages' lines.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..graph import WikiGraph, output_path
from ..model import Page, Span, Spliced
from ..text import clip
from .data import page_entry, paged_script
from .markup import site_url

PREVIEW_CHARACTERS = 280
PREVIEW_DATA = "preview"


def preview_data(graph: WikiGraph, kept: Mapping[str, Span]) -> dict[str, bytes | Spliced]:
    """{page URL: [title, opening paragraph, {section id: [heading, its opening]}]}; `kept` as
    in search_data."""
    entries = [kept[path] if path in kept else preview_entry(page) for path, page in sorted(graph.pages.items())]
    return paged_script(PREVIEW_DATA, "KW_PREVIEWS", "{", entries, "}")


def preview_entry(page: Page) -> bytes:
    opening = next((section.opening for section in page.sections if section.opening), page.description)
    sections = {
        section.id: [section.heading, clip(section.opening or section.text, PREVIEW_CHARACTERS)]
        for section in page.sections
        if section.id
    }
    url = page_entry(site_url("", output_path(page.path)))
    return url + b":" + page_entry([page.title, clip(opening, PREVIEW_CHARACTERS), sections])
