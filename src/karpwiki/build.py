"""The whole pipeline, top to bottom: load → graph → check → render → write."""

from __future__ import annotations

import mmap
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from . import cache, history
from .check import Earlier, caused_by_change, check_wiki, pages_to_judge
from .config import Config
from .graph import WikiGraph, output_path
from .load import load_paths, parse_page, reload_wiki
from .markdown import make_parser
from .model import ERROR, Change, Finding, Page, Site, Span
from .progress import SILENT, Progress
from .render import PAGED_DATA, affected_pages, changed_facts, code_blocks, load_theme, page_spans, render_site
from .workers import ShardedWiki
from .write import MARKER, link_files, publish, staging_folder, write_files


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
    inputs, record_path = cache.read_inputs(config, "check"), cache.check_record_path(config)
    previous = cache.read_record(record_path)
    if previous and previous.digest == inputs.digest and change is None:
        return Report(previous.pages, previous.findings, unchanged=True)
    state = cache.read_state(cache.state_path(config, "check"), inputs.settings) if previous else None
    if state and state.digest == previous.digest:
        before, graph, changed = _graph_after_edits(config, inputs, state, bodies=False)
        findings = _findings(graph, config, progress, _earlier(before, graph, changed, previous))
        base = state.base
    else:
        with ShardedWiki(config.wiki, config.workers, progress=progress) as shards:
            graph = WikiGraph(shards.load())
        findings = _findings(graph, config, progress)
        base = None
    _save(record_path, cache.Record(inputs.digest, len(graph.pages), findings, {}))
    _save_state(config, "check", inputs, graph, base)
    if change is not None:
        findings = caused_by_change(findings, graph, change, _old_link_targets(graph, change))
    return Report(len(graph.pages), findings)


def build(config: Config, strict: bool = False, progress: Progress = SILENT) -> Report:
    theme = load_theme(config.templates)  # a broken theme stops us before any work
    inputs = cache.read_inputs(config, "build")
    previous = cache.read_record(config.out / MARKER)
    live = cache.live_inodes(config.out, previous) if previous is not None else None
    intact = live is not None
    if intact and previous.digest == inputs.digest and not blocks(previous.findings, strict):
        return Report(previous.pages, previous.findings, unchanged=True)
    state = cache.read_state(cache.state_path(config, "build"), inputs.settings) if intact else None
    if state and state.digest == previous.digest:
        report = _build_changes(config, strict, progress, theme, inputs, previous, state, live)
        if report:
            return report
    with ShardedWiki(config.wiki, config.workers, theme, progress) as shards:  # parse, render, write on every core
        graph = WikiGraph(shards.load())
        findings = _findings(graph, config, progress)
        if blocks(findings, strict):
            return Report(len(graph.pages), findings)  # nothing written: the old site stays
        with staging_folder(config.wiki, config.out, keep=True) as staging:
            # The parent keeps what the next build starts from while the renderers render: a
            # state saved for a site that then fails to publish matches no record, so it is unused.
            keep_state = partial(_save_state, config, "build", inputs, graph, None)
            outputs = shards.write_into(staging, graph, config.base_url, meanwhile=keep_state)
            _publish(staging, config, inputs, graph, findings, outputs)
            # The old site left in staging (if any) becomes links to the new one: the first
            # edit build after this one then links only what it changes, like every later one.
            staging.mkdir(exist_ok=True)
            link_files(staging, config.out, list(outputs))
    return Report(len(graph.pages), findings, written=True)


def _build_changes(config: Config, strict: bool, progress: Progress, theme, inputs: cache.Inputs,
                   previous: cache.Record, state: cache.BuildState, live: dict[str, int]) -> Report | None:
    """The site in `out` was built with these settings: read again only the wiki files that
    changed since, render the pages whose HTML shows them (render.affected_pages), and carry
    every other file of the site over as it is. None when the old site cannot serve."""
    before, graph, changed = _graph_after_edits(config, inputs, state, bodies=True)
    findings = _findings(graph, config, progress, _earlier(before, graph, changed, previous))
    if blocks(findings, strict):
        return Report(len(graph.pages), findings)
    pages = affected_pages(before, graph, changed)
    again = sorted(pages - changed)  # unchanged, but rendered again
    shown_again = load_paths(config.wiki, again, highlighted=_highlighted(config.out, [before.pages[path] for path in again])).pages
    graph.pages.update((page.path, page) for page in shown_again)
    facts = changed_facts(before, graph, changed)
    entries = _kept_entries(config.out, before, changed) if facts & {"listing", "text"} else {}
    if entries is None:
        return None
    site = render_site(graph, theme, config.base_url, pages=pages, facts=facts, kept=entries)
    kept = _carried_over(before, graph, previous, site)
    if kept is None:
        return None
    progress.say(f"changed files: {len(changed)}; pages rendered again: {len(pages)} of {len(graph.pages)}")
    with staging_folder(config.wiki, config.out, reuse=True) as staging:
        link_files(staging, config.out, kept, live)  # each the size it had: live_inodes said so
        outputs = {**{path: previous.outputs[path] for path in kept}, **write_files(staging, site, config.wiki, config.out)}
        _publish(staging, config, inputs, graph, findings, outputs)
        _save_state(config, "build", inputs, graph, state.base)
    return Report(len(graph.pages), findings, written=True)


def _graph_after_edits(config: Config, inputs: cache.Inputs, state: cache.BuildState,
                       bodies: bool) -> tuple[WikiGraph, WikiGraph, set[str]]:
    """The last run's graph, the graph of the wiki now (only the files whose digest changed
    are read again), and those files."""
    changed = {path for path in inputs.files.keys() | state.files.keys() if inputs.files.get(path) != state.files.get(path)}
    before = WikiGraph(state.wiki)
    before.targets, before.incoming = state.targets, state.incoming  # as the last run resolved them
    highlighted = _highlighted(config.out, [before.pages[path] for path in changed if path in before.pages]) if bodies else {}
    return before, WikiGraph(reload_wiki(state.wiki, config.wiki, changed, bodies, highlighted), previous=before), changed


def _highlighted(out: Path, pages: list[Page]) -> dict[str, str]:
    """The HTML of these pages' code blocks as the live site shows them, by code key: a page
    read again takes its unchanged blocks from there instead of highlighting them (making
    a lexer costs as much as the rest of an edit build). Nothing from a page whose HTML has
    not one block for each key the state holds."""
    known = {}
    for page in pages:
        if page.code:
            try:
                blocks = code_blocks((out / output_path(page.path)).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                continue
            if len(blocks) == len(page.code):
                known.update(zip(page.code, blocks))
    return known


def _kept_entries(out: Path, before: WikiGraph, changed: set[str]) -> dict[str, dict[str, Span]] | None:
    """Where the live site's search and preview data hold the lines of the pages not read
    again (the state has no sections to encode them from); None if a file has not one line
    per page. Mapped, not read: the writer copies those ranges from the file itself."""
    order, kept = sorted(before.pages), {}
    for path in PAGED_DATA:
        try:
            with open(out / path, "rb") as stream:
                spans = page_spans(mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ))
        except (OSError, ValueError):  # ValueError: an empty file or no paged script
            return None
        if len(spans) != len(order):
            return None
        kept[path] = {page: span for page, span in zip(order, spans) if page not in changed}
    return kept


def _carried_over(before: WikiGraph, graph: WikiGraph, previous: cache.Record, site: Site) -> list[str] | None:
    """The files of the old site the new one keeps: every page's HTML and source, every linked
    file and every shared file, but for those just rendered; None if the old site lacks one."""
    linked = graph.targets.linked_files()
    old_html = {output_path(path) for path in before.pages}
    new_html = old_html if graph.pages.keys() == before.pages.keys() else {output_path(path) for path in graph.pages}
    old_shared = previous.outputs.keys() - old_html - before.wiki.files
    wanted = new_html | set(graph.pages) | linked | old_shared
    wanted -= site.files.keys() | set(site.copies)
    return sorted(wanted) if wanted <= previous.outputs.keys() else None


def _publish(staging: Path, config: Config, inputs: cache.Inputs, graph: WikiGraph, findings: list[Finding],
             outputs: dict[str, int]) -> None:
    """Swap the staged site in, with the record the next build compares its inputs to."""
    record = cache.Record(inputs.digest, len(graph.pages), findings, dict(sorted(outputs.items())))
    publish(staging, config.out, record.to_json())


def _save_state(config: Config, purpose: str, inputs: cache.Inputs, graph: WikiGraph, base: cache.StateBase | None) -> None:
    """Keep what the next run of `purpose` can start from: as a difference from `base`, the
    state this run started from, when there is one."""
    state = cache.BuildState(inputs.settings, inputs.files, inputs.digest, graph.wiki, graph.targets, graph.incoming)
    cache.save_state(config, purpose, state, base)


def _save(path: Path, record: cache.Record) -> None:
    """Keep a check's record for next time; a cache folder we cannot write only costs speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(record.to_json(), encoding="utf-8")
    except OSError:
        pass


def _findings(graph: WikiGraph, config: Config, progress: Progress, earlier: Earlier | None = None) -> list[Finding]:
    """Check the graph; only when a link newly judged finds a page missing, ask git history
    where it went (the findings taken from `earlier` have asked already)."""
    judged = graph.pages.keys() if earlier is None else pages_to_judge(graph, earlier.changed)
    progress.stage("checking links", sum(len(graph.pages[path].links) for path in judged))
    findings = check_wiki(graph, earlier=earlier)
    if any(f.rule == "missing-page" and f.file in judged for f in findings):
        findings = check_wiki(graph, history.renames(config.wiki), earlier)
    progress.finish()
    return findings


def _earlier(before: WikiGraph, graph: WikiGraph, changed: set[str], previous: cache.Record) -> Earlier | None:
    """What the checker may take from the last run: its findings, while the wiki's files and
    pages are the same (an edit, not an addition, removal or rename)."""
    return Earlier(previous.findings, frozenset(changed)) if graph.resolves_like(before) else None


def _old_link_targets(graph: WikiGraph, change: Change) -> set[str]:
    """The paths the changed or removed pages linked to at the ref, to spot new orphans."""
    parser = make_parser()
    targets = set()
    for path, text in change.old_text.items():
        old_page, _ = parse_page(parser, path, text)
        targets.update(graph.resolve(old_page, link.href).path for link in old_page.links)
    return targets
