"""A page's tokens → its body HTML with a slot for every link's URL; slots + targets → final HTML.

The loader renders each body while it still has the page's tokens (they take many times the
memory of the HTML, and a large wiki cannot keep them all until the graph exists). Only the
graph knows where a relative link goes, so each link's URL is left as a slot that the renderer
fills through the graph's one resolver: the site links exactly what the checker checked.
Whether a link is live at all (unsafe) or external depends on its URL alone and is decided
here by the same function the resolver uses. Wiki text is untrusted: raw HTML is text, unsafe
URLs never become links, comments vanish.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from urllib.parse import quote

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from .. import graph as g
from ..graph import output_path, relative_url
from ..markdown import COMMENT_CLOSE, COMMENT_OPEN
from ..model import Link, Page
from .lexing import quick_lexer

# A link's URL in a body before the graph resolves it: NUL never survives the loader in page
# text, so it cannot be forged by a page.
SLOT = "\x00{}\x00"
SLOT_PATTERN = re.compile("\x00([0-9]+)\x00")
CODE_FORMATTER = HtmlFormatter(wrapcode=True)
NONE_HIGHLIGHTED: Mapping[str, str] = MappingProxyType({})  # no code block's HTML known beforehand
CODE_OPEN, CODE_CLOSE = '<div class="highlight"><pre>', "</pre></div>\n"  # around every code block


def body_html(parser: MarkdownIt, tokens: list, links: tuple[Link, ...],
              highlighted: Mapping[str, str] = NONE_HIGHLIGHTED) -> tuple[str, tuple[str, ...]]:
    """The page's HTML with a slot where each safe link's URL goes (see fill_links), and the
    code_key of each code block in it, in order. A block whose key `highlighted` holds (from
    the live site, see code_blocks) takes that HTML as it is: making a lexer costs as much as
    the rest of an edit build."""
    env = {"links": links, "open_links": [], "code": [], "highlighted": highlighted}
    return (_RENDERER.render(tokens, parser.options, env) if tokens else ""), tuple(env["code"])


def code_key(language: str, code: str) -> str:
    """Names a code block by what decides its HTML."""
    return hashlib.blake2b(f"{language}\0{code}".encode(), digest_size=16).hexdigest()


def code_blocks(html: str) -> list[str]:
    """The HTML of each code block of a page, in order, as _highlight wrote it. Code is
    escaped, so the closing tags cannot occur inside a block, nor the opening one in text."""
    blocks, position = [], 0
    while (start := html.find(CODE_OPEN, position)) >= 0:
        end = html.find(CODE_CLOSE, start)
        if end < 0:
            break
        position = end + len(CODE_CLOSE)
        blocks.append(html[start:position])
    return blocks


def link_urls(page: Page, targets: tuple[g.Target, ...]) -> tuple[str, ...]:
    """The URL each link of the page gets on the site, HTML-escaped; none for an unsafe link,
    which has no slot."""
    return tuple(
        "" if target.kind == g.UNSAFE else escapeHtml(_href(page, target, link.href))
        for link, target in zip(page.links, targets)
    )


def fill_links(body: str, urls: tuple[str, ...]) -> str:
    """The body with every slot replaced by its link's URL (link_urls)."""
    return SLOT_PATTERN.sub(lambda match: urls[int(match[1])], body)


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
        index = token.meta["link"]
        kind = g.scheme_kind(env["links"][index].href)
        env["open_links"].append(kind != g.UNSAFE)
        if kind == g.UNSAFE:
            return '<span class="unsafe-link">'
        attributes = f' href="{SLOT.format(index)}"'
        if token.attrGet("title"):
            attributes += f' title="{escapeHtml(token.attrGet("title"))}"'
        if kind == g.EXTERNAL:
            attributes += ' class="external"'
        return f"<a{attributes}>"

    def link_close(self, tokens, idx, options, env):
        return "</a>" if env["open_links"].pop() else "</span>"

    def image(self, tokens, idx, options, env):
        token = tokens[idx]
        index = token.meta["link"]
        alt = escapeHtml(self.renderInlineAsText(token.children or [], options, env))
        if g.scheme_kind(env["links"][index].href) == g.UNSAFE:
            return f'<span class="unsafe-link">{alt}</span>'
        title = f' title="{escapeHtml(token.attrGet("title"))}"' if token.attrGet("title") else ""
        return f'<img src="{SLOT.format(index)}" alt="{alt}"{title} loading="lazy">'

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
        return _known_or_highlighted(token.content, language, env)

    def code_block(self, tokens, idx, options, env):
        return _known_or_highlighted(tokens[idx].content, "", env)

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


def _known_or_highlighted(code: str, language: str, env: dict) -> str:
    key = code_key(language, code)
    env["code"].append(key)
    known = env["highlighted"].get(key)
    return _highlight(code, language) if known is None else known


def _highlight(code: str, language: str) -> str:
    lexer = _lexer(language)
    if lexer is None:
        return f'{CODE_OPEN}<code>{escapeHtml(code)}</code>{CODE_CLOSE}'
    return highlight(code, lexer, CODE_FORMATTER)


@lru_cache(maxsize=256)
def _lexer(language: str):
    """One lexer per language for the whole run: making one costs as much as highlighting a line."""
    try:
        return quick_lexer(get_lexer_by_name(language)) if language else None
    except ClassNotFound:
        return None


_RENDERER = _PageRenderer()
