"""WikiGraph + theme → Site: every page's HTML, the hub index, stylesheets. Pure but for the theme.

Renders the loader's tokens (never re-parses) and rewrites links through the graph's one
resolver. Wiki text is untrusted: raw HTML is text, unsafe URLs never become links, and
Jinja autoescapes everything the templates show.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import jinja2
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from . import graph as g
from .errors import TemplateProblem
from .graph import WikiGraph, output_path, relative_url
from .markdown import COMMENT_CLOSE, COMMENT_OPEN, make_parser
from .model import Page, Site

INDEX_PAGE = "index.md"
INDEX_OUTPUT = "index.html"
STATIC_DIR = "static"
LIGHT_STYLE, DARK_STYLE = "default", "github-dark"
GROUP_TITLES = {"": "Concepts", "repos": "Repos"}


@dataclass(frozen=True)
class Theme:
    templates: jinja2.Environment
    static: dict[str, bytes]  # file name under static/ → bytes


def load_theme(directory: Path) -> Theme:
    """Read the theme folder: Jinja templates plus the files of its static/ folder."""
    if not (directory / "page.html").is_file():
        raise TemplateProblem(f"no page.html in theme folder {directory}")
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(directory)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    static_root = directory / STATIC_DIR
    static = {
        path.relative_to(static_root).as_posix(): path.read_bytes()
        for path in sorted(static_root.rglob("*"))
        if path.is_file()
    } if static_root.is_dir() else {}
    return Theme(environment, static)


def render_site(graph: WikiGraph, theme: Theme) -> Site:
    """Every output file of the site, by path; the same graph always gives the same bytes."""
    renderer = _PageRenderer()
    options = make_parser().options
    hub = graph.pages.get(INDEX_PAGE)
    site_title = hub.title if hub else "Wiki"
    groups = _page_groups(graph)
    files: dict[str, bytes] = {}
    for page in graph.pages.values():
        context = _page_context(graph, renderer, options, page, site_title)
        if page.path == INDEX_PAGE:
            context["groups"] = _group_links(groups, page.path)
            files[INDEX_OUTPUT] = _render_template(theme, "index.html", context)
        else:
            files[output_path(page.path)] = _render_template(theme, "page.html", context)
    if hub is None:
        context = {
            "site_title": site_title, "title": site_title, "description": "", "content": Markup(""),
            "root": "", "backlinks": [], "tags": [], "groups": _group_links(groups, INDEX_OUTPUT),
        }
        files[INDEX_OUTPUT] = _render_template(theme, "index.html", context)
    for name, data in theme.static.items():
        files[f"{STATIC_DIR}/{name}"] = data
    files[f"{STATIC_DIR}/pygments-light.css"] = _pygments_css(LIGHT_STYLE)
    files[f"{STATIC_DIR}/pygments-dark.css"] = _pygments_css(DARK_STYLE)
    copies = sorted(
        {target.path for targets in graph.targets.values() for target in targets if target.kind == g.FILE}
        - set(files)
    )
    return Site(dict(sorted(files.items())), tuple(copies))


def _render_template(theme: Theme, name: str, context: dict) -> bytes:
    try:
        return theme.templates.get_template(name).render(context).encode("utf-8")
    except jinja2.TemplateSyntaxError as error:
        raise TemplateProblem(f"template syntax error: {error.message}", error.filename or name, error.lineno) from None
    except jinja2.TemplateError as error:
        raise TemplateProblem(f"template error: {error}", name) from None


def _page_context(graph: WikiGraph, renderer: _PageRenderer, options, page: Page, site_title: str) -> dict:
    here = output_path(page.path)
    env = {"page": page, "targets": graph.targets[page.path], "open_links": []}
    content = renderer.render(list(page.tokens), options, env) if page.tokens else ""
    return {
        "site_title": site_title,
        "title": page.title,
        "description": page.description,
        "tags": list(page.tags),
        "content": Markup(content),
        "root": _root_prefix(here),
        "backlinks": [
            {"url": _page_url(here, source), "title": graph.pages[source].title}
            for source in graph.backlinks[page.path]
        ],
    }


def _root_prefix(output: str) -> str:
    depth = output.count("/")
    return "../" * depth


def _page_groups(graph: WikiGraph) -> list[tuple[str, list[Page]]]:
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


def _group_links(groups: list[tuple[str, list[Page]]], here: str) -> list[dict]:
    return [
        {
            "title": title,
            "pages": [
                {"url": _page_url(here, p.path), "title": p.title, "description": p.description}
                for p in pages
            ],
        }
        for title, pages in groups
    ]


def _pygments_css(style: str) -> bytes:
    return HtmlFormatter(style=style).get_style_defs(".highlight").encode("utf-8") + b"\n"


class _PageRenderer(RendererHTML):
    """markdown-it's HTML renderer with the wiki's rules for links, headings, code and comments."""

    def link_open(self, tokens, idx, options, env):
        token = tokens[idx]
        page, target = env["page"], env["targets"][token.meta["link"]]
        safe = target.kind != g.UNSAFE
        env["open_links"].append(safe)
        if not safe:
            return '<span class="unsafe-link">'
        attributes = f' href="{escapeHtml(_href(page, target, token.attrGet("href") or ""))}"'
        if token.attrGet("title"):
            attributes += f' title="{escapeHtml(token.attrGet("title"))}"'
        if target.kind == g.EXTERNAL:
            attributes += ' class="external"'
        return f"<a{attributes}>"

    def link_close(self, tokens, idx, options, env):
        return "</a>" if env["open_links"].pop() else "</span>"

    def image(self, tokens, idx, options, env):
        token = tokens[idx]
        page, target = env["page"], env["targets"][token.meta["link"]]
        alt = escapeHtml(self.renderInlineAsText(token.children or [], options, env))
        if target.kind == g.UNSAFE:
            return f'<span class="unsafe-link">{alt}</span>'
        src = escapeHtml(_href(page, target, token.attrGet("src") or ""))
        title = f' title="{escapeHtml(token.attrGet("title"))}"' if token.attrGet("title") else ""
        return f'<img src="{src}" alt="{alt}"{title} loading="lazy">'

    def heading_open(self, tokens, idx, options, env):
        token = tokens[idx]
        return f'<{token.tag} id="{escapeHtml(token.attrGet("id") or "")}">'

    def heading_close(self, tokens, idx, options, env):
        anchor = escapeHtml(tokens[idx - 2].attrGet("id") or "")
        return (
            f' <a class="permalink" href="#{quote(anchor)}" aria-label="Permalink to this section">#</a>'
            f"</{tokens[idx].tag}>\n"
        )

    def fence(self, tokens, idx, options, env):
        token = tokens[idx]
        language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
        return _highlight(token.content, language)

    def code_block(self, tokens, idx, options, env):
        return _highlight(tokens[idx].content, "")

    def table_open(self, tokens, idx, options, env):
        return '<div class="table-wrap"><table>\n'

    def table_close(self, tokens, idx, options, env):
        return "</table></div>\n"

    def html_comment(self, tokens, idx, options, env):
        """Comments vanish; text after the closing `-->` on its line is kept, as text."""
        token = tokens[idx]
        if not token.block:
            return ""
        remainder = _strip_comments(token.content).strip()
        return f"<p>{escapeHtml(remainder)}</p>\n" if remainder else ""


def _strip_comments(text: str) -> str:
    kept, position = [], 0
    while (start := text.find(COMMENT_OPEN, position)) >= 0:
        kept.append(text[position:start])
        end = text.find(COMMENT_CLOSE, start + 2)
        position = len(text) if end < 0 else end + len(COMMENT_CLOSE)
    kept.append(text[position:])
    return "".join(kept)


def _href(page: Page, target: g.Target, written: str) -> str:
    """The URL a link gets on the site: wiki paths become relative output URLs."""
    fragment = f"#{quote(target.fragment)}" if target.fragment else ""
    if target.kind == g.PAGE:
        if target.path == page.path and fragment:
            return fragment
        return _page_url(output_path(page.path), target.path) + fragment
    if target.kind == g.FILE:
        return quote(relative_url(output_path(page.path), target.path)) + fragment
    return written


def _page_url(from_output: str, to_page: str) -> str:
    """The href from one output file to a page's HTML."""
    return quote(relative_url(from_output, output_path(to_page)))


def _highlight(code: str, language: str) -> str:
    try:
        lexer = get_lexer_by_name(language) if language else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return f'<div class="highlight"><pre><code>{escapeHtml(code)}</code></pre></div>\n'
    return highlight(code, lexer, HtmlFormatter(wrapcode=True))
