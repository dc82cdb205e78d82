"""A page's tokens → the plain text other pages and the site's data show of it: its sections
(search, previews), the sentence around each link (Linked from), its markdown without comments.

The loader calls this once per page, right after parsing, so nothing downstream needs the
tokens except the page's own body HTML. Reads tokens through the one plain_text; never parses.
"""

from __future__ import annotations

import bisect
import re

from markdown_it.token import Token

from .markdown import plain_text
from .model import Heading, LinkContext, Section

# A sentence ends at . ! or ? (and any closing quote or bracket) followed by whitespace.
SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+")
CELL_SEPARATOR = " · "  # joins the cells of a table row, which is one link's context
CONTEXT_CHARACTERS = 140  # at most this much text on each side of a link


def sections(tokens: list[Token], page_headings: tuple[Heading, ...]) -> tuple[Section, ...]:
    """The page cut at every heading, in order; text before the first heading is kept if any."""
    found: list[Section] = []
    headings = iter(page_headings)
    anchor, heading, blocks, opening = "", "", [], ""
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            if anchor or blocks:
                found.append(Section(anchor, heading, opening, "\n".join(blocks)))
            current = next(headings)
            anchor, heading, blocks, opening = current.id, current.text, [], ""
        elif token.type == "inline" and tokens[index - 1].type != "heading_open" and (text := plain_text(token)):
            if not opening and tokens[index - 1].type == "paragraph_open":
                opening = text
            blocks.append(text)
        elif token.type in ("fence", "code_block"):
            blocks.append(token.content.rstrip("\n"))
    if anchor or blocks:
        found.append(Section(anchor, heading, opening, "\n".join(blocks)))
    return tuple(found)


def link_contexts(tokens: list[Token], link_count: int) -> tuple[LinkContext | None, ...]:
    """The sentence around each link, in the order of page.links (None for an image); a table
    row is one sentence."""
    contexts: dict[int, LinkContext] = {}
    row: list[Token] | None = None
    for token in tokens:
        if token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            contexts.update(_around_links(row))
            row = None
        elif token.type == "inline":
            if row is None:
                contexts.update(_around_links([token]))
            else:
                row.append(token)
    return tuple(contexts.get(index) for index in range(link_count))


def clip(text: str, limit: int, keep_end: bool = False) -> str:
    """At most `limit` characters, cut at a word boundary and marked with an ellipsis."""
    if len(text) <= limit:
        return text
    if keep_end:
        cut = text[-limit:]
        return "…" + (cut.split(" ", 1)[1] if " " in cut else cut)
    cut = text[:limit]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(",;:") + "…"


def _around_links(inlines: list[Token]) -> dict[int, LinkContext]:
    if not any(child.type == "link_open" for inline in inlines for child in inline.children or ()):
        return {}  # most blocks link nowhere, and their plain text is all this would cost
    text, spans = "", {}
    for inline in inlines:
        if text:
            text += CELL_SEPARATOR
        children = inline.children or []
        cut, opened = 0, None
        for index, child in enumerate(children):
            if child.type not in ("link_open", "link_close"):
                continue
            text += _plain(children[cut:index])
            cut = index + 1
            if child.type == "link_open":
                opened = (child.meta["link"], len(text))
            elif opened is not None:  # links do not nest, so a close ends the last open
                spans[opened[0]] = (opened[1], len(text))
                opened = None
        text += _plain(children[cut:])
    boundaries = _Boundaries(text)
    return {link: boundaries.sentence(start, end) for link, (start, end) in spans.items()}


def _plain(children: list[Token]) -> str:
    return plain_text(Token("inline", "", 0, children=children))


class _Boundaries:
    """The sentence ends of one text, found once, so a paragraph with many links stays linear."""

    def __init__(self, text: str):
        self.text = text
        found = [(match.start(), match.end()) for match in SENTENCE_END.finditer(text)]
        self.starts = [first for first, _ in found]
        self.ends = [last for _, last in found]

    def sentence(self, start: int, end: int) -> LinkContext:
        """The sentence around text[start:end], clipped on each side."""
        text = self.text
        before_index = bisect.bisect_right(self.ends, start) - 1
        begin = self.ends[before_index] if before_index >= 0 else 0
        after_index = bisect.bisect_left(self.starts, end)
        stop = self.ends[after_index] if after_index < len(self.starts) else len(text)
        # A sentence may start or end at a cell's edge; the separator then belongs to neither side.
        before = clip(text[begin:start].lstrip(" ·"), CONTEXT_CHARACTERS, keep_end=True)
        after = clip(text[end:stop].rstrip(" ·"), CONTEXT_CHARACTERS)
        return LinkContext(before, text[start:end], after)


def without_comments(source: str, tokens: list[Token]) -> str:
    """The page's markdown as published beside its HTML: HTML comments (hidden drafts) removed,
    exactly where the parser found them, so comment-like text inside code stays."""
    lines = source.split("\n")
    for token in tokens:
        if token.type == "html_comment" and token.map:
            first, last = token.map[0], token.map[1] - 1
            tail = lines[last].split("-->", 1)[1] if "-->" in lines[last] else ""
            lines[first : last + 1] = [""] * (last - first) + [tail.strip()]
        elif token.type == "inline" and token.map and any(c.type == "html_comment" for c in token.children or ()):
            block = "\n".join(lines[token.map[0] : token.map[1]])
            for comment in (c for c in token.children if c.type == "html_comment"):
                block = block.replace(comment.content, "", 1)
            lines[token.map[0] : token.map[1]] = block.split("\n")
    return "\n".join(lines)


def ordered_list_links(tokens: list[Token]) -> tuple[tuple[int, ...], ...]:
    """For each top-level ordered list, the links inside it (indices into page.links), in order.

    The hub's first such list with page links is the wiki's reading guide."""
    lists: list[tuple[int, ...]] = []
    current: list[int] = []
    depth = 0  # > 0 inside a top-level ordered list (nested lists count as inside)
    for token in tokens:
        if token.type == "ordered_list_open":
            depth += 1
        elif token.type == "ordered_list_close":
            depth -= 1
            if depth == 0:
                lists.append(tuple(current))
                current = []
        elif depth and token.type == "inline":
            current.extend(child.meta["link"] for child in token.children or () if child.type == "link_open")
    return tuple(lists)
