"""Wiki folder → Wiki: read each page once, split front matter, parse, collect headings and links.

The only stage that reads the wiki. It never follows a symlink out of the wiki and turns
every unreadable input into a Finding, so later stages see values, not files.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import os
import posixpath
import re
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import NamedTuple

import yaml
from markdown_it.token import Token

from .errors import UsageError
from .markdown import MAX_NESTING, make_parser, plain_text, unique_ids
from .model import ERROR, WARNING, Finding, Heading, Link, Page, Wiki
from .progress import SILENT, Progress
from .render.markup import NONE_HIGHLIGHTED, body_html
from .text import link_contexts, ordered_list_links, sections, without_comments

FRONT_MATTER_FENCE = "---"
FRONT_MATTER_END = ("---", "...")
# A reference definition's destination: after "[label]:" and any spaces, perhaps one newline.
REFERENCE_DESTINATION = re.compile(r"\[(?:\\.|[^\\\]])*\]:[ \t]*(?:\n[ \t>]*)?<?")


class FrontMatterError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def load_wiki(root: Path) -> Wiki:
    """Read every page and list every file under root; problems become findings."""
    return load_paths(root, wiki_paths(root))


def wiki_paths(root: Path) -> list[str]:
    """Every file of the wiki (POSIX, relative to root), sorted; hidden folders skipped."""
    if not root.is_dir():
        raise UsageError(f"no such wiki directory: {root}")
    return list(_walk(root))


def load_paths(root: Path, paths: list[str], bodies: bool = True, progress: Progress = SILENT,
               highlighted: Mapping[str, str] = NONE_HIGHLIGHTED) -> Wiki:
    """The part of the wiki made of these files: parallel loaders each read a share.

    Without `bodies`, no page's HTML is rendered (a check needs none, and highlighting code is
    much of a build's time); code blocks found in `highlighted` are not highlighted again
    (see render.markup.body_html)."""
    parser, real_root = make_parser(), root.resolve()
    entries = []
    for path in paths:
        entries.append(_load_entry(parser, root, real_root, path, bodies, highlighted))
        progress.step()
    return _assemble(entries)


def without_text(wiki: Wiki) -> Wiki:
    """The wiki without each page's HTML, source, published text and sections: what a loader
    hands the parent process, which has what it needs of them from the loader's spill
    (workers.ShardedWiki)."""
    bare = {"body": "", "source": "", "published": "", "sections": ()}
    return dataclasses.replace(wiki, pages=tuple(dataclasses.replace(page, **bare) for page in wiki.pages))


def merge_wikis(parts: list[Wiki]) -> Wiki:
    """One wiki from the parts that load_paths read."""
    return Wiki(
        tuple(sorted((page for part in parts for page in part.pages), key=lambda page: page.path)),
        frozenset().union(*(part.files for part in parts)),
        tuple(sorted((finding for part in parts for finding in part.findings), key=lambda f: f.file)),
    )


def reload_wiki(previous: Wiki, root: Path, changed: set[str], bodies: bool = True,
                highlighted: Mapping[str, str] = NONE_HIGHLIGHTED) -> Wiki:
    """The wiki after some files (wiki-relative paths) were added, edited or removed.

    Only the changed files are read again; everything else is carried over, so a preview
    rebuild costs one page, not the whole wiki. `highlighted` as for load_paths.
    """
    parser, real_root = make_parser(), root.resolve()
    changed = _expand_folders(previous, root, changed)
    findings_of: dict[str, list[Finding]] = {}
    for finding in previous.findings:
        findings_of.setdefault(finding.file, []).append(finding)
    kept = [
        _Entry(path, path in previous.files, page, tuple(findings_of.get(path, ())))
        for path, page in _entries_by_path(previous).items()
        if path not in changed
    ]
    fresh = [_load_entry(parser, root, real_root, path, bodies, highlighted) for path in sorted(changed) if not _hidden(path)]
    return _assemble(kept + fresh)


def _expand_folders(previous: Wiki, root: Path, changed: set[str]) -> set[str]:
    """A folder that appeared, vanished or moved stands for every file it holds, then or now."""
    expanded = set()
    known = _entries_by_path(previous)
    for path in changed:
        inside = [p for p in known if p.startswith(path.rstrip("/") + "/")]
        if (root / path).is_dir():
            inside += [f"{path.rstrip('/')}/{p}" for p in _walk(root / path)]
        expanded.update(inside or [path])
    return expanded


class _Entry(NamedTuple):
    path: str
    is_file: bool  # a readable file, linkable from pages
    page: Page | None
    findings: tuple[Finding, ...]


def _entries_by_path(wiki: Wiki) -> dict[str, Page | None]:
    pages = {page.path: page for page in wiki.pages}
    paths = set(wiki.files) | {f.file for f in wiki.findings}
    return {path: pages.get(path) for path in sorted(paths)}


def _assemble(entries: list[_Entry]) -> Wiki:
    entries.sort(key=lambda entry: entry.path)
    return Wiki(
        tuple(entry.page for entry in entries if entry.page is not None),
        frozenset(entry.path for entry in entries if entry.is_file),
        tuple(finding for entry in entries for finding in entry.findings),
    )


def _load_entry(parser, root: Path, real_root: Path, relative: str, render_body: bool = True,
                highlighted: Mapping[str, str] = NONE_HIGHLIGHTED) -> _Entry:
    """One path of the wiki: whether pages may link to it, its page if it is one, its problems."""
    path = root / relative
    # Only the entry itself can be a symlink: the walk enters no linked folder.
    if path.is_symlink():
        try:
            real = path.resolve()
        except (RuntimeError, OSError):  # a symlink loop
            return _Entry(relative, False, None, (Finding(relative, 0, 0, ERROR, "unreadable-file", "symlink loop; not read"),))
        if not real.is_relative_to(real_root):
            finding = Finding(relative, 0, 0, ERROR, "outside-wiki", "symlink points outside the wiki; not read")
            return _Entry(relative, False, None, (finding,))
    if not path.is_file():
        gone = not path.is_symlink() and not path.exists()
        if path.suffix == ".md" and not gone:
            return _Entry(relative, False, None, (Finding(relative, 0, 0, ERROR, "unreadable-file", "not a readable file"),))
        return _Entry(relative, False, None, ())
    if path.suffix != ".md":
        return _Entry(relative, True, None, ())
    page, findings = _load_page(parser, path, relative, render_body, highlighted)
    return _Entry(relative, True, page, tuple(findings))


def _hidden(relative: str) -> bool:
    return any(part.startswith(".") for part in relative.split("/"))


def _walk(root: Path):
    """Every non-hidden entry below root as a POSIX path relative to it, in sorted order;
    directory symlinks are not entered. Strings, not Paths: a wiki of 10,000 pages is walked
    on every run, and Path objects cost more than the walk itself."""
    top = os.fspath(root)
    for directory, subdirs, names in os.walk(top):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        folder = os.path.relpath(directory, top).replace(os.sep, "/")
        prefix = "" if folder == "." else folder + "/"
        for name in sorted(names):
            if not name.startswith("."):
                yield prefix + name


def _load_page(parser, path: Path, relative: str, render_body: bool,
               highlighted: Mapping[str, str]) -> tuple[Page | None, list[Finding]]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        return None, [Finding(relative, 0, 0, ERROR, "unreadable-file", f"cannot read: {error.strerror}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        return None, [
            Finding(relative, line, 0, ERROR, "bad-encoding", f"not UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start})")
        ]
    return parse_page(parser, relative, text, render_body, highlighted)


def parse_page(parser, relative: str, text: str, render_body: bool = False,
               highlighted: Mapping[str, str] = NONE_HIGHLIGHTED) -> tuple[Page, list[Finding]]:
    """One page from its text: front matter, headings, links and, with `render_body`, what only
    the site shows of it (its HTML, published text, sections, link contexts and ordered lists),
    from one parse; problems as findings."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")
    findings = []
    try:
        meta, body_start = split_front_matter(text)
    except FrontMatterError as error:
        findings.append(Finding(relative, error.line, 0, ERROR, "bad-front-matter", error.message))
        meta, body_start = {}, _front_matter_end(text)
    lines = text.split("\n")
    # Blank lines stand in for the front matter, so token maps are lines of the real file.
    markdown = "\n" * body_start + "\n".join(lines[body_start:])
    env: dict = {}
    tokens = parser.parse(markdown, env)
    findings.extend(
        Finding(relative, token.map[0] + 1, 1, WARNING, "unclosed-comment", "'<!--' is never closed; the rest of the page is hidden")
        for token in tokens
        if token.type == "html_comment" and token.meta.get("unclosed")
    )
    too_deep = next((t for t in tokens if t.level >= MAX_NESTING - 1 and t.map), None)
    if too_deep is not None:
        findings.append(Finding(relative, too_deep.map[0] + 1, 1, ERROR, "too-deep",
                                f"nesting deeper than {MAX_NESTING // 2} lists or quotes; the rest of the page would be lost"))
    headings = _collect_headings(tokens)
    links = _collect_links(tokens, lines, env)
    if render_body:
        body, code = body_html(parser, tokens, links, highlighted)
        shown = {
            "body": body, "code": code, "sections": sections(tokens, headings), "published": without_comments(text, tokens),
            "link_contexts": link_contexts(tokens, len(links)), "ordered_lists": ordered_list_links(tokens),
        }
    else:
        shown = {}
    stem = posixpath.splitext(posixpath.basename(relative))[0]
    title = meta.get("title") or next((h.text for h in headings if h.level == 1), None) or stem
    page = Page(
        path=relative,
        title=str(title),
        description=str(meta.get("description") or ""),
        tags=tuple(str(tag) for tag in meta.get("tags") or ()),
        order=meta.get("order"),
        headings=headings,
        links=links,
        source=text,
        **shown,
    )
    return page, findings


def _front_matter_end(text: str) -> int:
    """Line index after a (possibly broken) front matter block, for parsing the rest."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != FRONT_MATTER_FENCE:
        return 0
    for index in range(1, len(lines)):
        if lines[index].rstrip() in FRONT_MATTER_END:
            return index + 1
    return 0


def split_front_matter(text: str) -> tuple[dict, int]:
    """Parse optional YAML front matter; return it and the index of the first body line."""
    end = _front_matter_end(text)
    lines = text.split("\n")
    if end == 0:
        if lines[0].rstrip() == FRONT_MATTER_FENCE:
            raise FrontMatterError(1, "front matter opened with '---' is never closed")
        return {}, 0
    block = "\n".join(lines[1 : end - 1])
    try:
        meta = _parse_yaml(block) if block.strip() else {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 2 if mark else 1
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise FrontMatterError(line, f"YAML error: {problem}") from None
    if not isinstance(meta, dict):
        raise FrontMatterError(2, f"front matter must be a mapping of keys to values, not {type(meta).__name__}")
    for key in ("title", "description"):
        if key in meta and not isinstance(meta[key], (str, int, float)):
            raise FrontMatterError(_key_line(lines, key, end), f"'{key}' must be text")
    tags = meta.get("tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, (str, int, float)) for t in tags)):
        raise FrontMatterError(_key_line(lines, "tags", end), "'tags' must be a list of words")
    order = meta.get("order")
    if order is not None and (isinstance(order, bool) or not isinstance(order, (int, float))):
        raise FrontMatterError(_key_line(lines, "order", end), "'order' must be a number")
    return meta, end


def _key_line(lines: list[str], key: str, end: int) -> int:
    return next((i + 1 for i in range(1, end) if lines[i].startswith(f"{key}:")), 1)


def _parse_yaml(block: str):
    """libyaml where it is installed (ten times faster), with our rules; the pure-Python loader
    wherever an alias could be and for anything libyaml refuses, so every message is its."""
    if _FastLoader is not None and "&" not in block and "*" not in block:
        try:
            return yaml.load(block, Loader=_FastLoader)
        except yaml.YAMLError:
            pass
    return yaml.load(block, Loader=_NoAliasLoader)


class _NoDuplicateKeys:
    """YAML would keep the last of two equal keys silently; front matter refuses them."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                continue  # SafeLoader reports unhashable keys itself
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _NoAliasLoader(_NoDuplicateKeys, yaml.SafeLoader):
    """SafeLoader without anchors and aliases (front matter needs none, and they allow bombs)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases are not allowed in front matter", event.start_mark)
        return super().compose_node(parent, index)


_FastLoader = type("_FastLoader", (_NoDuplicateKeys, yaml.CSafeLoader), {}) if yaml.__with_libyaml__ else None


def _collect_headings(tokens: list[Token]) -> tuple[Heading, ...]:
    """Read headings and stamp their ids on the tokens, so HTML ids equal checked anchors."""
    opens = [(i, t) for i, t in enumerate(tokens) if t.type == "heading_open"]
    texts = [plain_text(tokens[i + 1]) for i, _ in opens]
    headings = []
    for (index, token), text, anchor in zip(opens, texts, unique_ids(texts)):
        token.attrSet("id", anchor)
        headings.append(Heading(int(token.tag[1]), text, anchor, token.map[0] + 1))
    return tuple(headings)


def _collect_links(tokens: list[Token], lines: list[str], env: dict) -> tuple[Link, ...]:
    links: list[Link] = []
    row_cursor: dict[int, int] = {}  # table row line → column after the last cell seen
    for position, block in enumerate(tokens):
        if block.type != "inline":
            continue
        in_cell = position > 0 and tokens[position - 1].type in ("th_open", "td_open")
        cell_start = None
        if in_cell:
            row = lines[block.map[0]] if block.map[0] < len(lines) else ""
            found = row.find(block.content, row_cursor.get(block.map[0], 0))
            cell_start = max(found, 0)
            row_cursor[block.map[0]] = cell_start + len(block.content)
        if not block.children:
            continue
        positions = None
        children = block.children
        for index, token in enumerate(children):
            if token.type not in ("link_open", "image"):
                continue
            is_image = token.type == "image"
            href = token.attrGet("src" if is_image else "href") or ""
            offset = token.meta.get("offset")
            if offset is None:
                line, column = _reference_position(token.meta.get("label"), lines, env)
            else:
                positions = positions or _BlockPositions(block, lines, cell_start)
                line, column = positions.at(offset)
            text = token.content if is_image else _link_text(children, index)
            token.meta["link"] = len(links)
            links.append(Link(str(href), line, column, text, is_image))
    return tuple(links)


def _link_text(children: list[Token], open_index: int) -> str:
    parts = []
    for index in range(open_index + 1, len(children)):
        token = children[index]
        if token.type == "link_close":
            break
        parts.append(token.content)
    return "".join(parts)


class _BlockPositions:
    """Maps offsets in one inline token's content to (line, column) of the file.

    Built once per block, so a paragraph with many links costs one pass, not one per link.
    """

    def __init__(self, block: Token, lines: list[str], cell_start: int | None):
        content_lines = block.content.split("\n")
        self.first_line = block.map[0]
        self.offsets = list(itertools.accumulate((len(text) + 1 for text in content_lines[:-1]), initial=0))
        self.columns = [
            _content_column(lines[index] if index < len(lines) else "", text, cell_start)
            for index, text in enumerate(content_lines, start=self.first_line)
        ]

    def at(self, offset: int) -> tuple[int, int]:
        row = bisect.bisect_right(self.offsets, offset) - 1
        return self.first_line + row + 1, self.columns[row] + (offset - self.offsets[row]) + 1


def _content_column(source: str, fragment: str, cell_start: int | None) -> int:
    """Where a content line starts in its source line (0-based).

    Content lines are source lines minus container markers and indentation; a table cell
    is a piece of its row, found left to right.
    """
    if cell_start is not None:
        return cell_start
    stripped, source_end = fragment.rstrip(), source.rstrip()
    if source_end.endswith(stripped):
        return len(source_end) - len(stripped)
    return max(source.find(fragment.strip()) - (len(fragment) - len(fragment.lstrip())), 0)


def _reference_position(label: str | None, lines: list[str], env: dict) -> tuple[int, int]:
    """A reference-style link is reported where its definition writes the destination."""
    reference = env.get("references", {}).get(label or "")
    if not reference:
        return 1, 0
    first, last = reference["map"]
    text = "\n".join(lines[first:last])
    match = REFERENCE_DESTINATION.search(text)
    if not match:
        return first + 1, 1
    row = text.count("\n", 0, match.end())
    column = match.end() - (text.rfind("\n", 0, match.end()) + 1)
    return first + row + 1, column + 1
