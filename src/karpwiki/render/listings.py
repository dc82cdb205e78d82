"""WikiGraph → lists of every page for programs: llms.txt, and sitemap.xml under a base URL. Pure."""

from __future__ import annotations

import re
from html import escape

from ..graph import WikiGraph, output_path
from ..model import Page
from .markup import site_url
from .nav import INDEX_PAGE, site_title

WHITESPACE = re.compile(r"\s+")


def llms_txt(graph: WikiGraph, groups: list[tuple[str, list[Page]]], base_url: str) -> dict[str, bytes]:
    """The llmstxt.org format: title, summary, then each group's pages linked to their markdown."""
    hub = graph.pages.get(INDEX_PAGE)
    lines = [f"# {_one_line(site_title(graph))}", ""]
    if hub and hub.description:
        lines += [f"> {_one_line(hub.description)}", ""]
    lines += ["Every page's markdown source is published beside its HTML; the links below point at the markdown.", ""]
    sections = ([("Start here", [hub])] if hub else []) + groups
    for title, pages in sections:
        lines += [f"## {_one_line(title)}", ""]
        lines += [_entry(page, base_url) for page in pages]
        lines.append("")
    return {"llms.txt": "\n".join(lines).encode("utf-8")}


def sitemap_xml(graph: WikiGraph, base_url: str) -> dict[str, bytes]:
    """Every page's absolute URL; nothing without a base URL, since a sitemap needs absolute ones."""
    if not base_url:
        return {}
    urls = "".join(
        f"  <url><loc>{escape(site_url(base_url, output_path(path)), quote=False)}</loc></url>\n" for path in sorted(graph.pages)
    )
    return {"sitemap.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}</urlset>\n"
    ).encode("utf-8")}


def _entry(page: Page, base_url: str) -> str:
    title = _one_line(page.title).replace("[", "\\[").replace("]", "\\]")
    description = f": {_one_line(page.description)}" if page.description else ""
    return f"- [{title}]({site_url(base_url, page.path)}){description}"


def _one_line(text: str) -> str:
    return WHITESPACE.sub(" ", text).strip()
