"""WikiGraph → findings: broken pages and anchors, escapes, case slips, unsafe URLs, orphans. Pure."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import unquote

from . import graph as g
from .graph import WikiGraph, output_path, relative_url
from .model import ERROR, WARNING, Change, Finding, Link, Page, Rename

HUB = "index.md"
FOUND = (g.FILE, g.EXTERNAL)  # targets that always pass
CLASH = "file-clash"  # depends on the wiki's file names alone
# What _judge_link finds: a page's link findings depend on nothing but its links, the files of
# the wiki, and the headings of the pages it links to.
LINK_RULES = frozenset({"unsafe-url", "empty-link", "absolute-link", "outside-wiki", "case-mismatch", "missing-page", "missing-anchor"})


@dataclass(frozen=True)
class Earlier:
    """The findings of the last check, and the paths changed since, when the wiki still has the
    same files and pages (WikiGraph.resolves_like): then only the changed pages, and the pages
    linking to a changed path, can find anything new in their links."""

    findings: list[Finding]
    changed: frozenset[str]


def check_wiki(graph: WikiGraph, renames: Mapping[str, Rename] | None = None, earlier: Earlier | None = None) -> list[Finding]:
    """All findings of the wiki, load problems included, sorted by file, line and column.

    `renames` (from git history) turns "does not exist" into "was renamed to". With `earlier`,
    the link findings of the pages an edit cannot affect are taken from the last check.
    """
    findings = list(graph.wiki.findings)
    judged = graph.pages.keys() if earlier is None else pages_to_judge(graph, earlier.changed)
    if earlier is None:
        findings.extend(_clashing_files(graph))
    else:  # the same files: the same clashes
        findings.extend(f for f in earlier.findings if f.rule == CLASH or (f.rule in LINK_RULES and f.file not in judged))
    anchors: dict[str, set[str]] = {}
    for path in judged:
        page = graph.pages[path]
        for link, target in graph.links_with_targets(page):
            if target.kind in FOUND:
                continue  # most links: nothing to judge, and judging costs a call each
            if target.kind == g.PAGE:
                if not target.fragment:
                    continue
                ids = anchors.get(target.path)
                if ids is None:
                    ids = anchors[target.path] = {heading.id for heading in graph.pages[target.path].headings}
                if target.fragment in ids:
                    continue
            finding = _judge_link(graph, page, link, target, renames or {})
            if finding:
                findings.append(finding)
    findings.extend(_orphans(graph))
    return sorted(set(findings))


def pages_to_judge(graph: WikiGraph, changed: frozenset[str]) -> set[str]:
    """The pages whose links may judge differently after `changed` paths were edited: those
    pages, and every page that links to one of them (its headings may have changed)."""
    judged = {path for path in changed if path in graph.pages}
    for path in changed:
        judged |= graph.incoming.get(path, frozenset())
    return judged


def caused_by_change(findings: list[Finding], graph: WikiGraph, change: Change, old_targets: set[str]) -> list[Finding]:
    """The findings a change is answerable for: all of those in the files it changed, plus,
    anywhere, broken links into files it changed or removed, and pages it left orphaned.

    `old_targets` are the paths that the changed or removed pages linked to before the change.
    Whole-file findings (encoding, clashes) are always kept: they are rare and serious.
    """
    touched = change.changed | change.removed
    into_touched = {
        (page.path, link.line, link.column)
        for page in graph.pages.values()
        for link, target in graph.links_with_targets(page)
        if target.path in touched
    }
    return [
        f for f in findings
        if f.file in touched
        or f.line == 0
        or (f.file, f.line, f.column) in into_touched
        or (f.rule == "orphan-page" and f.file in old_targets)
    ]


def _judge_link(
    graph: WikiGraph, page: Page, link: Link, target: g.Target, renames: Mapping[str, Rename]
) -> Finding | None:
    shown = unquote(link.href.partition("#")[0]) or link.href

    def finding(rule: str, message: str, severity: str = ERROR) -> Finding:
        return Finding(page.path, link.line, link.column, severity, rule, message)

    if target.kind == g.UNSAFE:
        scheme = g.unsafe_scheme(link.href)
        return finding("unsafe-url", f"'{scheme}' URLs are not allowed; the link would run code or embed content")
    if target.kind == g.EMPTY:
        return finding("empty-link", "link has no target", WARNING)
    if target.kind == g.ABSOLUTE:
        return finding("absolute-link", f"'{shown}' is an absolute path; write it relative to this page so the site works from any folder")
    if target.kind == g.OUTSIDE:
        return finding("outside-wiki", f"'{shown}' leads outside the wiki directory")
    if target.kind == g.CASE:
        return finding(
            "case-mismatch",
            f"'{shown}' differs only in letter case from '{target.suggestion}'; it breaks on Linux and on the published site",
        )
    if target.kind == g.MISSING:
        hint = f"; did you mean '{target.suggestion}'?" if target.suggestion else ""
        moved = renames.get(target.path)
        if moved and moved.new_path in graph.wiki.files:
            hint = f"; it was renamed to '{relative_url(page.path, moved.new_path)}' in {moved.commit}"
        return finding("missing-page", f"'{shown}' does not exist{hint}")
    if target.kind == g.PAGE and target.fragment:
        ids = [heading.id for heading in graph.pages[target.path].headings]
        if target.fragment not in ids:
            where = "this page" if target.path == page.path else f"'{target.path}'"
            close = difflib.get_close_matches(target.fragment, ids, n=1, cutoff=0.5)
            hint = f"; did you mean '#{close[0]}'?" if close else ""
            return finding("missing-anchor", f"{where} has no heading with id '#{target.fragment}'{hint}")
    return None


def _orphans(graph: WikiGraph) -> list[Finding]:
    return [
        Finding(path, 1, 1, WARNING, "orphan-page", "no other page links here")
        for path in graph.pages
        if path != HUB and not graph.incoming.get(path)
    ]


def _clashing_files(graph: WikiGraph) -> list[Finding]:
    """Files that differ only in case, or that would be written to the same output path."""
    by_output: dict[str, list[str]] = defaultdict(list)
    for path in graph.wiki.files:
        by_output[output_path(path).lower()].append(path)
    findings = []
    for paths in by_output.values():
        if len(paths) > 1:
            first, *others = sorted(paths)
            for other in others:
                findings.append(
                    Finding(other, 0, 0, ERROR, CLASH, f"'{other}' and '{first}' would share an output file (or differ only in case)")
                )
    return findings
