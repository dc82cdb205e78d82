"""Changed files → the preview site kept current: reload them, re-check, re-render what they affect.

Runs the same stages as `karpwiki build` (load → graph → check → render → write), but keeps
the last wiki and graph so an edit costs the edited page and the pages that show it. A
rebuild with errors writes nothing: the last good pages stay up and the findings are shown.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..check import Earlier, check_wiki
from ..config import Config
from ..errors import KarpwikiError
from ..formats import format_findings
from ..graph import WikiGraph, output_path
from ..load import load_wiki, reload_wiki
from ..model import ERROR, Finding, Site, Wiki
from ..render import affected_pages, load_theme, render_site
from ..write import update_site


@dataclass
class Announcement:
    """What open pages are told after a rebuild."""

    version: int
    changed: list[str] = field(default_factory=list)  # "/x.html" URLs whose bytes changed ("*": all)
    findings: list[str] = field(default_factory=list)  # "file:line:col rule message"
    problem: str = ""  # a stopping error, such as a template syntax error


class Preview:
    """The served folder and what it was built from; safe to rebuild from the watcher's thread."""

    def __init__(self, config: Config, site_dir: Path):
        self.config = config
        self.site_dir = site_dir
        self.lock = threading.Lock()
        self.news = threading.Condition()
        self.state = Announcement(version=0)
        self.wiki: Wiki | None = None
        self.written: WikiGraph | None = None  # the graph whose pages are on disk
        self.graph: WikiGraph | None = None  # the latest graph, whose resolved links an edit reuses
        self.findings: list[Finding] = []  # the latest graph's, which an edit's check starts from
        self.pending: set[str] = set()  # changed since the pages on disk were written
        self.on_disk: dict[str, int] = {}  # output path → hash of the bytes written there
        self.shared_stale = False  # pages were rewritten but the shared data files not yet
        self.theme = None

    def build_everything(self) -> str:
        """First build, and the rebuild after a template change: every page. Returns a report."""
        with self.lock:
            started = time.perf_counter()
            try:
                self.theme = load_theme(self.config.templates)
            except KarpwikiError as error:
                return self._announce([], [], str(error))
            self.wiki = self.wiki or load_wiki(self.config.wiki)
            graph = self.graph = WikiGraph(self.wiki)
            findings = self.findings = check_wiki(graph)
            # The very first build renders even with errors, so there is a page to show them on.
            if self.written is not None and _has_errors(findings):
                return self._announce([], findings, "")
            return self._write(graph, set(graph.pages), findings, started, everything=True)

    def rebuild(self, changed: set[str]) -> str:
        """Wiki files (relative paths) were added, edited or removed; returns a report line."""
        with self.lock:
            started = time.perf_counter()
            previous = self.wiki
            self.wiki = reload_wiki(previous, self.config.wiki, changed)
            if _same_content(previous, self.wiki, changed) and not self.state.problem:
                return ""  # an editor's save that changed nothing
            before, graph = self.graph, WikiGraph(self.wiki, previous=self.graph)
            earlier = None
            if before is not None and graph.resolves_like(before):
                edited = frozenset(path for path, page in graph.pages.items() if before.pages[path] is not page)
                earlier = Earlier(self.findings, edited)
            self.graph, findings = graph, check_wiki(graph, earlier=earlier)
            self.findings = findings
            self.pending |= changed
            if _has_errors(findings):
                return self._announce([], findings, "")
            pages = affected_pages(self.written, graph, self.pending) if self.written else set(graph.pages)
            return self._write(graph, pages, findings, started, everything=False)

    def _write(self, graph: WikiGraph, pages: set[str], findings: list[Finding], started: float, everything: bool) -> str:
        """Write the affected pages and announce them; after an edit the shared files wait for
        refresh_shared, so the reload does not wait for them."""
        try:
            site = render_site(graph, self.theme, pages=None if everything else pages, shared=everything)
        except KarpwikiError as error:
            return self._announce([], findings, str(error))
        changed = self._update(site, self._gone(graph))
        self.written, self.pending = graph, set()
        took = (time.perf_counter() - started) * 1000
        report = f"rebuilt {len(pages)} of {len(graph.pages)} pages in {took:.0f} ms"
        self.shared_stale = not everything
        return self._announce(["*"] if everything else changed, findings, "", report)

    def refresh_shared(self) -> None:
        """Bring the files every page shares (search and preview data, graph, listings) up to
        date; called once the writer pauses, so a burst of saves is not slowed by them."""
        with self.lock:
            if self.shared_stale and self.written is not None:
                self._update(render_site(self.written, self.theme, pages=set()), set())
                self.shared_stale = False

    def _gone(self, graph: WikiGraph) -> set[str]:
        """Outputs of removed pages (HTML and published source) and files no page links to now."""
        if self.written is None:
            return set()
        removed = {p for p in self.written.pages if p not in graph.pages}
        linked = graph.targets.linked_files()
        copied = {path for path in self.on_disk if path in self.written.wiki.files and path not in self.written.pages}
        return {output_path(p) for p in removed} | removed | (copied - linked)

    def _update(self, site, gone: set[str]) -> list[str]:
        """Write the files whose bytes differ from what is on disk; their URLs, for the news."""
        fresh = {path: data for path, data in site.files.items() if self.on_disk.get(path) != hash(data)}
        update_site(Site(fresh, site.copies), self.config.wiki, self.site_dir, gone)
        self.on_disk.update((path, hash(data)) for path, data in fresh.items())
        self.on_disk.update((path, 0) for path in site.copies)
        for path in gone:
            self.on_disk.pop(path, None)
        return sorted(f"/{path}" for path in set(fresh) | set(site.copies) | gone)

    def _announce(self, changed: list[str], findings: list[Finding], problem: str, report: str = "") -> str:
        lines = format_findings(findings, 0, self.config.wiki.as_posix(), "text", summary=False).splitlines()
        with self.news:
            self.state = Announcement(self.state.version + 1, changed, lines, problem)
            self.news.notify_all()
        if problem:
            return f"karpwiki: {problem}"
        if _has_errors(findings):
            return "\n".join(lines + ["the last good pages stay up until these are fixed"])
        return "\n".join(lines + ([report] if report else []))

    def wait_for_news(self, seen: int, timeout: float) -> Announcement:
        """Block until a rebuild newer than `seen` is announced, or the timeout passes."""
        with self.news:
            self.news.wait_for(lambda: self.state.version > seen, timeout)
            return self.state


def _has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)


def _same_content(before: Wiki, after: Wiki, changed: set[str]) -> bool:
    """True when the changed paths read back exactly as before (editors save without edits)."""
    if before.files != after.files or before.findings != after.findings:
        return False
    old = {p.path: p.source for p in before.pages if p.path in changed}
    new = {p.path: p.source for p in after.pages if p.path in changed}
    return old == new and not (changed - old.keys() - new.keys())
