"""A page's tokens → its body HTML, every link rewritten through the graph's one resolver.

Renders the loader's tokens and never re-parses. Wiki text is untrusted: raw HTML is text,
unsafe URLs never become links, comments vanish.
"""

from __future__ import annotations

from urllib.parse import quote

from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from .. import graph as g
from ..graph import WikiGraph, output_path, relative_url
from ..markdown import COMMENT_CLOSE, COMMENT_OPEN, make_parser
from ..model import Page


class BodyRenderer:
    """One markdown-it renderer and its options, shared by every page of a build."""

    def __init__(self, graph: WikiGraph):
        self.graph = graph
        self.renderer = _PageRenderer()
        self.options = make_parser().options

    def render(self, page: Page) -> str:
        env = {"page": page, "targets": self.graph.targets[page.path], "open_links": []}
        return self.renderer.render(list(page.tokens), self.options, env) if page.tokens else ""


def page_url(from_output: str, to_page: str) -> str:
    """The href from one output file to a page's HTML."""
    return quote(relative_url(from_output, output_path(to_page)))


def site_url(base_url: str, output: str) -> str:
    """An output file's URL for programs: under the base URL when there is one, else from the site root."""
    return base_url + quote(output)


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
        # A no-break space keeps the "#" on the line of the heading's last word.
        return (
            f'&nbsp;<a class="permalink" href="#{quote(anchor)}" aria-label="Permalink to this section">#</a>'
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
        return page_url(output_path(page.path), target.path) + fragment
    if target.kind == g.FILE:
        return quote(relative_url(output_path(page.path), target.path)) + fragment
    return written


def _highlight(code: str, language: str) -> str:
    try:
        lexer = get_lexer_by_name(language) if language else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return f'<div class="highlight"><pre><code>{escapeHtml(code)}</code></pre></div>\n'
    return highlight(code, lexer, HtmlFormatter(wrapcode=True))
