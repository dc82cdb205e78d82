"""Wiki → WikiGraph: pages by path, the one link resolver, outgoing links and backlinks. Pure.

Everything that asks "where does this link go?" (checker, renderer) asks `resolve`, so a
link the checker passes is exactly a link the site gets right.
"""

from __future__ import annotations

import difflib
import html
import pickle
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import unquote

from .model import Compact, Link, Page, Wiki

UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")
# Browsers ignore ASCII whitespace and control characters inside a URL scheme.
IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")

# What a link resolves to; the checker reports every kind but PAGE, FILE and EXTERNAL.
PAGE, FILE, EXTERNAL = "page", "file", "external"
UNSAFE, EMPTY, ABSOLUTE, OUTSIDE, CASE, MISSING = "unsafe", "empty", "absolute", "outside", "case", "missing"


@dataclass(frozen=True, slots=True)
class Target(Compact):
    kind: str
    path: str = ""  # wiki-relative POSIX path of the target (PAGE, FILE, CASE; asked-for path for MISSING)
    fragment: str = ""  # decoded "#fragment" without the "#"; "" when absent
    suggestion: str = ""  # an existing path, written relative to the linking page


class Targets(Mapping[str, tuple[Target, ...]]):
    """Every page's links resolved, by page path. A state (see cache) keeps each page's as
    bytes, a pickle of plain tuples, which stay packed until first asked for: an edit build
    of a large wiki looks at a few pages' targets, and unpickling a hundred thousand Target
    objects would cost more than the build. The files each packed page links to are kept
    apart (`linked`): every build copies those."""

    def __init__(self, entries: dict[str, tuple[Target, ...] | bytes], linked: dict[str, tuple[str, ...]] | None = None,
                 opened: dict[str, tuple[Target, ...]] | None = None):
        self._entries = entries  # resolved targets, or packed ones
        self._linked = linked or {}  # packed pages that link to files → those files
        self._opened = {} if opened is None else opened  # packed entries unpacked, by path

    def __getitem__(self, path: str) -> tuple[Target, ...]:
        entry = self._entries[path]
        if not isinstance(entry, bytes):
            return entry
        opened = self._opened.get(path)
        if opened is None:
            opened = self._opened[path] = tuple(Target(*fields) for fields in pickle.loads(entry))
        return opened

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __or__(self, changes: dict[str, tuple[Target, ...]]) -> Targets:
        """These targets with some pages' replaced; the packed ones stay packed."""
        linked = {path: files for path, files in self._linked.items() if path not in changes}
        return Targets({**self._entries, **changes}, linked, self._opened)

    def linked_files(self) -> set[str]:
        """The files (not pages) some page links to, which the site copies."""
        found = {file for files in self._linked.values() for file in files}
        for entry in self._entries.values():
            if not isinstance(entry, bytes):
                found.update(target.path for target in entry if target.kind == FILE)
        return found

    def packed(self) -> tuple[dict[str, bytes], dict[str, tuple[str, ...]]]:
        """(entries, linked) for a state: what came packed is the very same bytes, so that a
        state's difference from its base is found by identity."""
        entries, linked = {}, dict(self._linked)
        for path, entry in self._entries.items():
            if not isinstance(entry, bytes):
                entries[path] = pickle.dumps(tuple(target.values() for target in entry), pickle.HIGHEST_PROTOCOL)
                files = tuple(target.path for target in entry if target.kind == FILE)
                if files:
                    linked[path] = files
            else:
                entries[path] = entry
        return entries, linked


def output_path(page_path: str) -> str:
    """The one place that turns `x.md` into `x.html`."""
    return page_path[: -len(".md")] + ".html" if page_path.endswith(".md") else page_path


def relative_url(from_page: str, to_path: str) -> str:
    """A URL from one page's output to another output path (both normalised, as the resolver
    gives them), relative so the site works anywhere: posixpath.relpath's answer, worked out
    from the two paths alone (relpath asks the system for the working folder twice a call)."""
    here = [part for part in posixpath.dirname(from_page).split("/") if part]
    if not here:
        return to_path
    there = [part for part in to_path.split("/") if part]
    shared = len(posixpath.commonprefix([here, there]))
    return "/".join([".."] * (len(here) - shared) + there[shared:]) or "."


def unsafe_scheme(href: str) -> str:
    """"javascript:", "vbscript:" or "data:" if a browser would read href so, in any case,
    encoding or spacing; "" for every other URL. Most hrefs of a wiki are paths: with no
    colon, plain, percent-encoded or as an entity, they cannot spell a scheme."""
    if ":" not in href and "%" not in href and "&" not in href:
        return ""
    cleaned = unquote(href)
    for _ in range(3):  # entity encodings may be nested; three layers is plenty
        cleaned = html.unescape(cleaned)
    cleaned = IGNORED_IN_SCHEME.sub("", cleaned).lower()
    return next((scheme for scheme in UNSAFE_SCHEMES if cleaned.startswith(scheme)), "")


def scheme_kind(href: str) -> str:
    """UNSAFE or EXTERNAL when the URL alone decides what a link is; "" for a path of the wiki
    (or a fragment), which only the wiki's files can resolve."""
    if unsafe_scheme(href):
        return UNSAFE
    if SCHEME.match(href) or href.startswith("//"):
        return EXTERNAL
    return ""


class WikiGraph:
    """Pages by path, and who links to whom, with the one resolver."""

    def __init__(self, wiki: Wiki, previous: WikiGraph | None = None):
        self.wiki = wiki
        self.pages: dict[str, Page] = {page.path: page for page in wiki.pages}
        # An unchanged page's targets can be taken from a previous graph that resolves alike.
        self._reusable = previous if previous is not None and self.resolves_like(previous) else None

    @cached_property
    def _by_lower(self) -> dict[str, list[str]]:
        """The files by lower-case path: only links to no file need them (CASE, MISSING)."""
        found: dict[str, list[str]] = defaultdict(list)
        for path in sorted(self.wiki.files):
            found[path.lower()].append(path)
        return found

    @cached_property
    def _by_name(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = defaultdict(list)
        for path in sorted(self.wiki.files):
            found[posixpath.basename(path)].append(path)
        return found

    def resolves_like(self, other: WikiGraph) -> bool:
        """Links resolve against the wiki's files and which of them are pages: while both are
        the same, every unchanged page's links go where they went in `other`."""
        return other.wiki.files == self.wiki.files and other.pages.keys() == self.pages.keys()

    def resolve(self, page: Page, href: str) -> Target:
        """Where a link written on `page` goes, judged against the files of the wiki."""
        kind = scheme_kind(href)
        if kind:
            return Target(kind)
        path_part, _, fragment = href.partition("#")
        path_part = path_part.partition("?")[0]
        fragment = unquote(fragment)
        if not path_part:
            if not fragment and "#" not in href:
                return Target(EMPTY)
            return Target(PAGE, page.path, fragment)
        if path_part.startswith("/"):
            return Target(ABSOLUTE, unquote(path_part))
        wanted = posixpath.normpath(posixpath.join(posixpath.dirname(page.path), unquote(path_part)))
        if wanted == ".." or wanted.startswith("../"):
            return Target(OUTSIDE, wanted)
        if wanted in self.wiki.files:
            return Target(PAGE if wanted in self.pages else FILE, wanted, fragment)
        same_but_case = self._by_lower.get(wanted.lower())
        if same_but_case:
            return Target(CASE, same_but_case[0], fragment, relative_url(page.path, same_but_case[0]))
        return Target(MISSING, wanted, fragment, self._closest_path(page, wanted))

    def _closest_path(self, page: Page, wanted: str) -> str:
        """An existing file the writer probably meant: same name elsewhere, or a near spelling."""
        stem = wanted[: -len(".html")] + ".md" if wanted.endswith(".html") else wanted
        candidates = self._by_name.get(posixpath.basename(stem), [])
        if stem in self.wiki.files:
            candidates = [stem]
        if not candidates:
            near = difflib.get_close_matches(stem, self._by_lower.keys(), n=1, cutoff=0.75)
            candidates = self._by_lower[near[0]] if near else []
        return relative_url(page.path, candidates[0]) if candidates else ""

    @cached_property
    def targets(self) -> Targets:
        """Every page's links resolved, in the order of page.links. A link resolves the same
        from every page of a folder (but for a bare "#fragment"), so each (folder, href) is
        resolved once. From a previous graph that resolves alike, the unchanged pages' are
        taken as they are."""
        reuse, known = self._reusable, {}

        def resolved(page: Page, href: str) -> Target:
            key = (posixpath.dirname(page.path) if href.partition("#")[0].partition("?")[0] else page.path, href)
            target = known.get(key)
            if target is None:
                target = known[key] = self.resolve(page, href)
            return target

        if reuse is None:
            return Targets({path: tuple(resolved(page, link.href) for link in page.links) for path, page in self.pages.items()})
        return reuse.targets | {
            path: tuple(resolved(page, link.href) for link in page.links)
            for path, page in self.pages.items() if reuse.pages[path] is not page
        }

    @cached_property
    def incoming(self) -> dict[str, frozenset[str]]:
        """For every path any link names (existing or not), the other pages naming it. From a
        previous graph that has worked its out, only the edited pages' links are gone through."""
        reuse = self._reusable
        if reuse is not None and "incoming" in reuse.__dict__:
            return self._incoming_after_edits(reuse)
        sources: dict[str, set[str]] = defaultdict(set)
        for path, targets in self.targets.items():
            for name in {target.path for target in targets}:  # a page names the same path many times
                if name and name != path:
                    sources[name].add(path)
        return {path: frozenset(names) for path, names in sources.items()}

    def _incoming_after_edits(self, before: WikiGraph) -> dict[str, frozenset[str]]:
        incoming = dict(before.incoming)
        for path, page in self.pages.items():
            if before.pages[path] is page:
                continue
            old, new = ({t.path for t in graph.targets[path]} - {"", path} for graph in (before, self))
            for name in old - new:
                incoming[name] = incoming[name] - {path}
                if not incoming[name]:
                    del incoming[name]
            for name in new - old:
                incoming[name] = incoming.get(name, frozenset()) | {path}
        return incoming

    def backlinks(self, path: str) -> tuple[str, ...]:
        """The other pages that link to a page, sorted by path."""
        return tuple(sorted(self.incoming.get(path, ())))

    def neighbours(self, paths: set[str]) -> set[str]:
        """Pages that link to any of `paths`, or that those paths (as pages) link to."""
        found: set[str] = set()
        for path in paths:
            found |= self.incoming.get(path, frozenset())
            if path in self.pages:
                found |= {t.path for t in self.targets[path] if t.kind == PAGE}
        return found

    def links_with_targets(self, page: Page) -> zip[tuple[Link, Target]]:
        return zip(page.links, self.targets[page.path])
