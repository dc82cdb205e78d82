"""The whole pipeline, top to bottom: load → graph → check → render → write."""

from __future__ import annotations

from dataclasses import dataclass

from . import history
from .check import caused_by_change, check_wiki
from .config import Config
from .graph import WikiGraph
from .load import parse_page
from .markdown import make_parser
from .model import ERROR, Change, Finding
from .render import load_theme
from .workers import ShardedWiki
from .write import write_site


@dataclass(frozen=True)
class Report:
    pages: int
    findings: list[Finding]
    written: bool = False


def blocks(findings: list[Finding], strict: bool) -> bool:
    """Errors always stop a build; with --strict, warnings do too."""
    return any(f.severity == ERROR or strict for f in findings)


def check(config: Config, changed_since: str | None = None) -> Report:
    with ShardedWiki(config.wiki, config.workers) as shards:
        graph = WikiGraph(shards.load())
    findings = _findings(graph, config)
    if changed_since:
        change = history.changes_since(config.wiki, changed_since)
        findings = caused_by_change(findings, graph, change, _old_link_targets(graph, change))
    return Report(len(graph.pages), findings)


def build(config: Config, strict: bool = False) -> Report:
    theme = load_theme(config.templates)  # a broken theme stops us before any work
    with ShardedWiki(config.wiki, config.workers) as shards:  # parse and render on every core
        graph = WikiGraph(shards.load())
        findings = _findings(graph, config)
        if blocks(findings, strict):
            return Report(len(graph.pages), findings)  # nothing written: the old site stays
        site = shards.render(graph, theme, config.templates, config.base_url)
    write_site(site, config.wiki, config.out)
    return Report(len(graph.pages), findings, written=True)


def _findings(graph: WikiGraph, config: Config) -> list[Finding]:
    """Check the graph; only when a page is missing, ask git history where it went."""
    findings = check_wiki(graph)
    if any(f.rule == "missing-page" for f in findings):
        findings = check_wiki(graph, history.renames(config.wiki))
    return findings


def _old_link_targets(graph: WikiGraph, change: Change) -> set[str]:
    """The paths the changed or removed pages linked to at the ref, to spot new orphans."""
    parser = make_parser()
    targets = set()
    for path, text in change.old_text.items():
        old_page, _ = parse_page(parser, path, text)
        targets.update(graph.resolve(old_page, link.href).path for link in old_page.links)
    return targets
