"""Every page's sections → preview-data.js: what hovering a link to a page or section shows. Pure."""

from __future__ import annotations

from ..graph import WikiGraph, output_path
from ..text import clip
from .data import data_script
from .markup import site_url

PREVIEW_CHARACTERS = 280


def preview_data(graph: WikiGraph) -> dict[str, bytes]:
    """{page URL: [title, opening paragraph, {section id: [heading, its opening]}]}."""
    previews = {}
    for path, page in graph.pages.items():
        opening = next((section.opening for section in page.sections if section.opening), page.description)
        previews[site_url("", output_path(path))] = [
            page.title,
            clip(opening, PREVIEW_CHARACTERS),
            {
                section.id: [section.heading, clip(section.opening or section.text, PREVIEW_CHARACTERS)]
                for section in page.sections
                if section.id
            },
        ]
    return data_script("preview", "KW_PREVIEWS", previews)
