"""The whole pipeline, top to bottom: load → graph → check → render → write."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import cache, history
from .check import caused_by_change, check_wiki
from .config import Config
from .graph import WikiGraph
from .load import parse_page
from .markdown import make_parser
from .model import ERROR, Change, Finding
from .progress import SILENT, Progress
from .render import load_theme
from .workers import ShardedWiki
from .write import MARKER, publish, staging_folder


@dataclass(frozen=True)
class Report:
    pages: int
    findings: list[Finding]
    written: bool = False
    unchanged: bool = False  # nothing changed since the last run: its result was reused


def blocks(findings: list[Finding], strict: bool) -> bool:
    """Errors always stop a build; with --strict, warnings do too."""
    return any(f.severity == ERROR or strict for f in findings)


def check(config: Config, changed_since: str | None = None, progress: Progress = SILENT) -> Report:
    change = history.changes_since(config.wiki, changed_since) if changed_since else None
    digest, record_path = cache.input_digest(config, "check"), cache.check_record_path(config)
    previous = cache.read_record(record_path)
    if previous and previous.digest == digest and change is None:
        return Report(previous.pages, previous.findings, unchanged=True)
    with ShardedWiki(config.wiki, config.workers, bodies=False, progress=progress) as shards:
        graph = WikiGraph(shards.load())
    findings = _findings(graph, config, progress)
    _save(record_path, cache.Record(digest, len(graph.pages), findings, {}))
    if change is not None:
        findings = caused_by_change(findings, graph, change, _old_link_targets(graph, change))
    return Report(len(graph.pages), findings)


def build(config: Config, strict: bool = False, progress: Progress = SILENT) -> Report:
    theme = load_theme(config.templates)  # a broken theme stops us before any work
    digest = cache.input_digest(config, "build")
    previous = cache.read_record(config.out / MARKER)
    if previous and previous.digest == digest and cache.outputs_intact(config.out, previous):
        if not blocks(previous.findings, strict):
            return Report(previous.pages, previous.findings, unchanged=True)
    with ShardedWiki(config.wiki, config.workers, progress=progress) as shards:  # parse, render, write on every core
        graph = WikiGraph(shards.load())
        findings = _findings(graph, config, progress)
        if blocks(findings, strict):
            return Report(len(graph.pages), findings)  # nothing written: the old site stays
        with staging_folder(config.wiki, config.out) as staging:
            outputs = shards.write_into(staging, graph, theme, config.base_url)
            publish(staging, config.out, cache.Record(digest, len(graph.pages), findings, outputs).to_json())
    return Report(len(graph.pages), findings, written=True)


def _save(path: Path, record: cache.Record) -> None:
    """Keep a check's record for next time; a cache folder we cannot write only costs speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(record.to_json(), encoding="utf-8")
    except OSError:
        pass


def _findings(graph: WikiGraph, config: Config, progress: Progress) -> list[Finding]:
    """Check the graph; only when a page is missing, ask git history where it went."""
    progress.stage("checking links", sum(len(page.links) for page in graph.pages.values()))
    findings = check_wiki(graph)
    if any(f.rule == "missing-page" for f in findings):
        findings = check_wiki(graph, history.renames(config.wiki))
    progress.finish()
    return findings


def _old_link_targets(graph: WikiGraph, change: Change) -> set[str]:
    """The paths the changed or removed pages linked to at the ref, to spot new orphans."""
    parser = make_parser()
    targets = set()
    for path, text in change.old_text.items():
        old_page, _ = parse_page(parser, path, text)
        targets.update(graph.resolve(old_page, link.href).path for link in old_page.links)
    return targets
