"""The one MarkdownIt configuration and the one slug function; text in, tokens and ids out.

Raw HTML stays off, so tags reach the renderer as text and are escaped. HTML comments are
the exception: writers hide drafts in them, so two small rules turn a comment into an
`html_comment` token (never parsed for links, dropped by the renderer) instead of text.

Parsing is most of a cold build. Three "plain" rules go ahead of markdown-it's rules for links,
emphasis and code spans: each makes at once, for the simple form most of a wiki's text takes,
the tokens markdown-it's rule would end with, and leaves every other form to it. Tests hold
them to markdown-it's own tokens; karpwiki.dispatch then speeds up the rule loops themselves.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.helpers import parseLinkLabel
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from . import dispatch

# Deeper than this, markdown-it stops parsing and silently drops the rest of the page; the
# loader reports a page that reaches it (CommonMark's preset allows only 20: ten nested lists).
MAX_NESTING = 100
COMMENT_OPEN = "<!--"
COMMENT_CLOSE = "-->"
# An inline link whose label is plain text and whose destination a bare URL, as most of a
# wiki's links are: its tokens are plain to make. Every other link is markdown-it's; each
# character refused here would make its tokens differ (tests/test_markdown.py).
PLAIN_LINK = re.compile(r"\[([^\[\]\\`>*_&~\n]+)\]\(([^\s()<\\&\x00-\x1f\x7f]+)\)")
# `*text*` or `**text**` around plain text that starts and ends a word: when the stars before
# it follow a space, a punctuation mark or nothing, they can open no emphasis but this one and
# close none, so markdown-it's delimiter matching would pair exactly these stars.
PLAIN_EMPHASIS = re.compile(r"(\*\*?)([^\W_](?:[^*_\\`\]>&~\n]*[^\W_])?)\1(?!\*)")
# `code` between single backticks: its closer is the first backtick after it, as markdown-it finds.
PLAIN_CODE = re.compile(r"`([^`]+)`")


def slugify(text: str) -> str:
    """GitHub's heading id: lowercase, drop punctuation and symbols, each space to a hyphen."""
    kept = (
        ch
        for ch in text.lower()
        if ch in " -_" or unicodedata.category(ch)[0] in "LMN"
    )
    return "".join(kept).replace(" ", "-")


def unique_ids(texts: Iterable[str]) -> list[str]:
    """Slug each heading text, suffixing repeats with -1, -2 as GitHub does."""
    seen: dict[str, int] = {}
    ids = []
    for text in texts:
        base = slug = slugify(text)
        while slug in seen:
            seen[base] += 1
            slug = f"{base}-{seen[base]}"
        seen[slug] = 0
        ids.append(slug)
    return ids


def _comment_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    pos = state.bMarks[start] + state.tShift[start]
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    if not state.src.startswith(COMMENT_OPEN, pos):
        return False
    if silent:
        return True
    line = start
    # A comment block runs to the end of the line holding the first "-->", across blank lines.
    search_from = pos + 2
    while line < end:
        if state.src.find(COMMENT_CLOSE, search_from, state.eMarks[line]) >= 0:
            break
        line += 1
        if line < end:
            search_from = state.bMarks[line]
    last = min(line, end - 1)
    token = state.push("html_comment", "", 0)
    token.block = True
    token.meta["unclosed"] = line >= end
    token.map = [start, last + 1]
    token.content = state.getLines(start, last + 1, state.blkIndent, True)
    state.line = last + 1
    return True


def _comment_inline(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith(COMMENT_OPEN, state.pos):
        return False
    close = state.src.find(COMMENT_CLOSE, state.pos + 2, state.posMax)
    if close < 0:
        return False
    if not silent:
        token = state.push("html_comment", "", 0)
        token.content = state.src[state.pos : close + len(COMMENT_CLOSE)]
    state.pos = close + len(COMMENT_CLOSE)
    return True


def _plain_link(state: StateInline, silent: bool) -> bool:
    """The tokens markdown-it's link rule makes of a PLAIN_LINK, a tenth of the work."""
    match = PLAIN_LINK.match(state.src, state.pos, state.posMax)
    if match is None:
        return False
    if not silent:
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": state.md.normalizeLink(match[2])}
        token.meta["offset"] = match.start(2)
        state.append_pending(match[1])  # the label's one text token
        state.push("link_close", "a", -1)
    state.pos = match.end()
    return True


def _plain_code(state: StateInline, silent: bool) -> bool:
    """markdown-it's code span for a PLAIN_CODE whose closer is a single backtick."""
    match = PLAIN_CODE.match(state.src, state.pos, state.posMax)
    if match is None or state.src.startswith("`", match.end()):
        return False
    if not silent:
        token = state.push("code_inline", "code", 0)
        token.markup = "`"
        content = match[1].replace("\n", " ")
        if content[0] == " " and content[-1] == " " and content.strip(" "):
            content = content[1:-1]  # one space off each side, unless it is all spaces
        token.content = content
    state.pos = match.end()
    return True


def _plain_emphasis(state: StateInline, silent: bool) -> bool:
    """The tokens markdown-it's emphasis rules end with for a PLAIN_EMPHASIS, made at once."""
    if silent:
        return False  # as markdown-it's emphasis rule: a star skipped in silence is one character
    start = state.pos
    before = state.src[start - 1] if start > 0 else " "
    if not (isWhiteSpace(ord(before)) or isMdAsciiPunct(ord(before)) or isPunctChar(before)):
        return False
    match = PLAIN_EMPHASIS.match(state.src, start, state.posMax)
    if match is None:
        return False
    marker, tag = match[1], "strong" if len(match[1]) == 2 else "em"
    if tag == "strong":
        state.push("text", "", 0)  # markdown-it keeps each run's first star as an empty text
    state.push(f"{tag}_open", tag, 1).markup = marker
    state.append_pending(match[2])
    state.push(f"{tag}_close", tag, -1).markup = marker
    if tag == "strong":
        state.push("text", "", 0)
    state.pos = match.end()
    return True


def _inline_destination(state: StateInline, start: int) -> int | None:
    """Offset in state.src where an inline link's destination starts; None for references."""
    label_start = start + 1 if state.src.startswith("!", start) else start
    label_end = parseLinkLabel(state, label_start, False)
    pos = label_end + 1
    if label_end < 0 or pos >= len(state.src) or state.src[pos] != "(":
        return None
    pos += 1
    while pos < len(state.src) and state.src[pos] in " \t\n":
        pos += 1
    if state.src.startswith("<", pos):
        pos += 1
    return pos


def _recording_destination(
    rule: Callable[[StateInline, bool], bool],
    destination: Callable[[StateInline, int], int | None],
) -> Callable[[StateInline, bool], bool]:
    """Wrap a link rule so the token it makes remembers where its destination was written.

    markdown-it's inline tokens carry no position; the loader turns this offset into a
    source line and column.
    """

    def rule_with_position(state: StateInline, silent: bool) -> bool:
        start, first_new = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        if not silent:
            for token in state.tokens[first_new:]:
                if token.type in ("link_open", "image"):
                    token.meta["offset"] = destination(state, start)
                    break
        return True

    return rule_with_position


def make_parser() -> MarkdownIt:
    """CommonMark plus tables and strikethrough, every link kept so the checker can judge it."""
    md = MarkdownIt("commonmark", {"html": False, "store_labels": True, "maxNesting": MAX_NESTING})
    md.enable(["table", "strikethrough"])
    # markdown-it silently turns `javascript:` links into text; we keep them as links so the
    # checker can report them, and the renderer never emits them as live URLs.
    md.validateLink = lambda url: True
    # A wiki writes the same few thousand URLs over and over; normalizing one is a tenth of a link's parse.
    md.normalizeLink = lru_cache(maxsize=8192)(md.normalizeLink)
    md.block.ruler.before(
        "paragraph", "html_comment", _comment_block, {"alt": ["paragraph", "reference", "blockquote"]}
    )
    md.inline.ruler.before("autolink", "html_comment", _comment_inline)
    for name, destination in (
        ("link", _inline_destination),
        ("image", _inline_destination),
        ("autolink", lambda state, start: start + 1),
    ):
        rule = md.inline.ruler.__rules__[md.inline.ruler.__find__(name)].fn
        md.inline.ruler.at(name, _recording_destination(rule, destination))
    md.inline.ruler.before("link", "plain_link", _plain_link)
    md.inline.ruler.before("emphasis", "plain_emphasis", _plain_emphasis)
    md.inline.ruler.before("backticks", "plain_code", _plain_code)
    dispatch.install(md)  # last: it tables the rules as they stand now
    return md


def plain_text(inline: Token) -> str:
    """The visible text of an inline token, as a browser's textContent would give it."""
    parts = []
    for child in inline.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)
