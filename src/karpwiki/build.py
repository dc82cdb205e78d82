"""The whole pipeline, top to bottom: load → graph → check → render → write."""

from __future__ import annotations

from dataclasses import dataclass

from .check import check_wiki
from .config import Config
from .graph import WikiGraph
from .load import load_wiki
from .model import ERROR, Finding
from .render import load_theme, render_site
from .write import write_site


@dataclass(frozen=True)
class Report:
    pages: int
    findings: list[Finding]
    written: bool = False


def blocks(findings: list[Finding], strict: bool) -> bool:
    """Errors always stop a build; with --strict, warnings do too."""
    return any(f.severity == ERROR or strict for f in findings)


def check(config: Config) -> Report:
    graph = WikiGraph(load_wiki(config.wiki))
    return Report(len(graph.pages), check_wiki(graph))


def build(config: Config, strict: bool = False) -> Report:
    theme = load_theme(config.templates)  # a broken theme stops us before any work
    graph = WikiGraph(load_wiki(config.wiki))
    findings = check_wiki(graph)
    if blocks(findings, strict):
        return Report(len(graph.pages), findings)  # nothing written: the old site stays
    write_site(render_site(graph, theme), config.wiki, config.out)
    return Report(len(graph.pages), findings, written=True)
