"""The vocabulary shared by every stage: pages, headings, links, findings. No I/O here."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import NamedTuple

ERROR = "error"
WARNING = "warning"


class Compact:
    """The base of a slotted value class, of which a wiki has hundreds of thousands (headings,
    links, link sentences, resolved links): without a __dict__ each weighs about 100 bytes
    less, which every forked worker copies again. It pickles as its class and its values,
    as fast as an object with a __dict__ (a slotted dataclass alone pickles 2.5 times slower)."""

    __slots__ = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._getter = staticmethod(operator.attrgetter(*cls.__annotations__))

    def values(self) -> tuple:
        """The fields in order: what pickling and a state keep of it."""
        return self._getter(self)

    def __reduce__(self):
        return type(self), self._getter(self)


@dataclass(frozen=True, slots=True)
class Heading(Compact):
    level: int
    text: str
    id: str  # GitHub-compatible anchor, unique within its page
    line: int  # 1-based source line


@dataclass(frozen=True, slots=True)
class Link(Compact):
    href: str  # destination as markdown-it normalised it (entities decoded, percent-encoded)
    line: int  # 1-based source line where the destination starts
    column: int  # 1-based column where the destination starts
    text: str  # the link's visible text (alt text for images)
    is_image: bool = False


@dataclass(frozen=True)
class Section:
    """A page's text from one heading to the next, for search and previews."""

    id: str  # the heading's id; "" for text before the first heading
    heading: str
    opening: str  # the first paragraph, "" when the section has none
    text: str  # every paragraph, list item, table cell and code block, one per line


@dataclass(frozen=True, slots=True)
class LinkContext(Compact):
    """The sentence a link stands in, cut around the link's own text."""

    before: str
    link: str
    after: str


@dataclass(frozen=True)
class Page:
    path: str  # POSIX path relative to the wiki root, e.g. "repos/nanoGPT.md"
    title: str
    description: str
    tags: tuple[str, ...]
    order: float | None
    headings: tuple[Heading, ...]
    links: tuple[Link, ...]
    # The body's HTML, rendered by the loader from its one parse, with a slot for each link's
    # URL (render.markup.fill_links); "" when the loader was told not to render (a check).
    body: str = field(repr=False, compare=False, default="")
    source: str = field(repr=False, compare=False, default="")
    sections: tuple[Section, ...] = field(repr=False, compare=False, default=())
    link_contexts: tuple[LinkContext | None, ...] = field(repr=False, compare=False, default=())  # by link
    published: str = field(repr=False, compare=False, default="")  # the source without HTML comments
    ordered_lists: tuple[tuple[int, ...], ...] = field(repr=False, compare=False, default=())  # link indices
    code: tuple[str, ...] = field(repr=False, compare=False, default=())  # render.markup.code_key of each block, in order


@dataclass(frozen=True, order=True)
class Finding:
    file: str  # POSIX path relative to the wiki root
    line: int  # 1-based; 0 when the problem concerns the whole file
    column: int  # 1-based; 0 when there is no column
    severity: str
    rule: str
    message: str


@dataclass(frozen=True)
class Wiki:
    """Everything the loader read: pages, the other files pages may link to, and load problems."""

    pages: tuple[Page, ...]
    files: frozenset[str]  # every readable file in the wiki (pages included), POSIX relative
    findings: tuple[Finding, ...]


LIVE = -1  # a Span's source: the file of the same path in the live site


class Span(NamedTuple):
    """Bytes start to end of a file the writer copies inside the kernel: `source`, an open
    file descriptor (a loader's spill), or LIVE."""

    start: int
    end: int
    source: int = LIVE


@dataclass(frozen=True)
class Spliced:
    """An output file made of new bytes and of Spans of other files: an edit build keeps
    nearly all of the tens of megabytes of search data from the live site, a parallel full
    build takes them from the loaders' spills, and neither passes them through memory."""

    parts: tuple[bytes | Span, ...]


@dataclass(frozen=True)
class Site:
    """What the renderer hands the writer: output files by POSIX path, and wiki files to copy."""

    files: dict[str, bytes | Spliced]  # Spliced only when the renderer was handed kept entries
    copies: tuple[str, ...]  # wiki-relative paths copied unchanged to the same output path


@dataclass(frozen=True)
class Change:
    """Files of the wiki that differ between a git ref and the working tree (wiki-relative)."""

    ref: str
    changed: frozenset[str]  # added or modified, including the new side of renames
    removed: frozenset[str]  # deleted, including the old side of renames
    old_text: dict[str, str] = field(default_factory=dict)  # removed or modified page → its text at ref


@dataclass(frozen=True)
class Rename:
    """Where a page the git history renamed lives now."""

    new_path: str  # wiki-relative
    commit: str  # abbreviated hash of the commit that renamed it
