"""Parsing and rendering across processes gives the same findings and bytes as one process."""

import multiprocessing
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, tree_bytes
from karpwiki.build import build, check
from karpwiki.config import Config
from karpwiki.errors import KarpwikiError
from karpwiki.graph import WikiGraph
from karpwiki.load import load_wiki
from karpwiki.render import PAGED_DATA, load_theme, page_spans, previews, render_site, search
from karpwiki import workers as workers_module
from karpwiki.workers import PAGES_PER_WORKER, ShardedWiki, worker_count

GENERATOR = Path(__file__).resolve().parents[2] / "shared" / "bench" / "gen_corpus.py"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    wiki = tmp_path_factory.mktemp("generated") / "wiki"
    subprocess.run([sys.executable, str(GENERATOR), str(wiki), "240", "--seed", "5"], check=True, capture_output=True)
    (wiki / "broken.md").write_text("# Broken\n\n[gone](gone.md) [anchor](index.md#nope)\n")
    return wiki


@pytest.mark.parametrize("workers, chunk, task", [(2, workers_module.CHUNK_FILES, workers_module.TASK_PAGES), (3, 7, 3)])
def test_site_is_byte_identical_with_any_number_of_workers(generated, tmp_path, monkeypatch, workers, chunk, task):
    """However many workers, in however many chunks they load and tasks they render."""
    monkeypatch.setattr(workers_module, "CHUNK_FILES", chunk)
    monkeypatch.setattr(workers_module, "TASK_PAGES", task)
    clean = tmp_path / "clean"
    shutil.copytree(generated, clean)
    (clean / "broken.md").unlink()
    # The fixture wiki has assets, a hub and comments; the generated one has 240 pages.
    for wiki, name in ((FIXTURES / "good" / "wiki", "fixture"), (clean, "generated")):
        one = build(Config(wiki=wiki, out=tmp_path / f"{name}-1", workers=1))
        many = build(Config(wiki=wiki, out=tmp_path / f"{name}-{workers}", workers=workers))
        assert one.written and many.written and one.findings == many.findings
        assert tree_bytes(tmp_path / f"{name}-1") == tree_bytes(tmp_path / f"{name}-{workers}")


def test_the_parent_is_one_of_the_workers(generated, tmp_path, monkeypatch):
    """N workers are the parent and N - 1 forked processes, to load and to render; the
    renderers are forked before anything is read, so that they hold none of the graph."""
    forked, start = [], workers_module._Started.__init__
    monkeypatch.setattr(workers_module._Started, "__init__",
                        lambda self, function, jobs: forked.append((function.__name__, len(jobs))) or start(self, function, jobs))
    clean = tmp_path / "clean"
    shutil.copytree(generated, clean)
    (clean / "broken.md").unlink()
    assert build(Config(wiki=clean, out=tmp_path / "site", workers=3)).written
    assert forked == [("_render_tasks", 2), ("_load_share", 2)]


def test_a_failing_renderer_fails_the_build_and_leaves_no_process(generated, tmp_path, monkeypatch):
    original = workers_module.render_views

    def fail_in_a_renderer(*args, **kwargs):
        if multiprocessing.parent_process() is not None:
            raise ValueError("a renderer broke")
        return original(*args, **kwargs)

    monkeypatch.setattr(workers_module, "render_views", fail_in_a_renderer)
    clean = tmp_path / "clean"
    shutil.copytree(generated, clean)
    (clean / "broken.md").unlink()
    with pytest.raises(KarpwikiError, match="a build worker failed: ValueError: a renderer broke"):
        build(Config(wiki=clean, out=tmp_path / "site", workers=2))
    assert not (tmp_path / "site").exists() and multiprocessing.active_children() == []


@pytest.mark.parametrize("clash, files", [
    ("404.html", {"404.md": "# Not found\n"}),
    ("static/style.css", {"linker.md": "# Linker\n\n[css](static/style.css)\n", "static/style.css": "a {}"}),
])
def test_a_wiki_file_where_a_parallel_build_writes_its_own_is_refused(generated, tmp_path, clash, files):
    """The files every page shares are written before the pages, once no page can clash with them."""
    clean = tmp_path / "clean"
    shutil.copytree(generated, clean)
    (clean / "broken.md").unlink()
    for name, text in files.items():
        (clean / name).parent.mkdir(exist_ok=True)
        (clean / name).write_text(text)
    with pytest.raises(KarpwikiError, match=f"{clash} is a file karpwiki writes itself"):
        build(Config(wiki=clean, out=tmp_path / "site", workers=2))
    assert not (tmp_path / "site").exists()


def test_a_blocked_build_stops_the_renderers_it_forked(generated, tmp_path, monkeypatch):
    """They are forked before the check; with nothing to render they end by themselves at
    the end of their pipe (exit code 0), instead of being killed."""
    started, start = [], workers_module._Started.__init__
    monkeypatch.setattr(workers_module._Started, "__init__",
                        lambda self, function, jobs: start(self, function, jobs) or started.append(self))
    report = build(Config(wiki=generated, out=tmp_path / "site", workers=3))
    assert not report.written and any(finding.rule == "missing-page" for finding in report.findings)
    renderers = [process for process, _ in started[0].running]
    assert len(renderers) == 2 and [process.exitcode for process in renderers] == [0, 0]
    assert multiprocessing.active_children() == []


def test_renderers_get_plain_data_and_none_of_the_graph(generated, tmp_path, monkeypatch):
    """What crosses to a renderer is strings, numbers and containers of them: quick to
    unpickle, and no page, link or resolved target it would hold a copy of."""
    sent, put = [], workers_module._Tasks.put
    monkeypatch.setattr(workers_module._Tasks, "put", lambda self, task: sent.append(task) or put(self, task))
    clean = tmp_path / "clean"
    shutil.copytree(generated, clean)
    (clean / "broken.md").unlink()
    assert build(Config(wiki=clean, out=tmp_path / "site", workers=2)).written

    def plain(value) -> bool:
        if isinstance(value, (tuple, list)):
            return all(map(plain, value))
        if isinstance(value, dict):
            return all(isinstance(key, str) and plain(item) for key, item in value.items())
        if isinstance(value, workers_module.PageView):
            return plain(list(vars(value).values()))
        return value is None or isinstance(value, (str, int))

    tasks = [task for task in sent if task is not None]
    assert tasks and sent[-1] is None and all(map(plain, tasks))
    assert any(view.values["backlinks"] and view.urls for task in tasks for view in task[2])
    assert all(not view.body and not view.published for task in tasks for view in task[2])  # read from the spills


def test_findings_are_the_same_with_any_number_of_workers(generated):
    one = check(Config(wiki=generated, workers=1))
    many = check(Config(wiki=generated, workers=3))
    assert one.findings == many.findings and one.pages == many.pages == 241
    assert [f.rule for f in one.findings if f.file == "broken.md"] == ["orphan-page", "missing-page", "missing-page"]  # no index.md


def test_pages_reach_the_parent_without_their_html_text_or_sections(generated, tmp_path, monkeypatch):
    """Workers keep what only they need (bodies, sources, sections); the parent splices the
    search and preview data from their spills, and a spy on the encoders shows it encodes
    no page's entries itself."""
    config = Config(wiki=generated, out=tmp_path / "site", workers=2)
    with ShardedWiki(generated, workers=2, theme=load_theme(config.templates)) as shards:
        wiki = shards.load()
        assert len(wiki.pages) == 241
        assert not any(page.body or page.source or page.published or page.sections for page in wiki.pages)
        graph = WikiGraph(wiki)
        encoded = []
        for module, name in ((search, "search_entry"), (previews, "preview_entry")):
            original = getattr(module, name)
            monkeypatch.setattr(module, name, lambda page, original=original: encoded.append(page.path) or original(page))
        (tmp_path / "staging").mkdir()
        shards.write_into(tmp_path / "staging", graph, "")
    assert encoded == []
    spliced = tree_bytes(tmp_path / "staging")
    alone = render_site(WikiGraph(load_wiki(generated)), load_theme(config.templates)).files
    for path in PAGED_DATA:
        assert spliced[path] == alone[path] and len(page_spans(alone[path])) == len(graph.pages)
    with ShardedWiki(generated, workers=1, theme=load_theme(config.templates)) as shards:
        alone = shards.load()
    assert all(page.body and page.published and page.sections for page in alone.pages)


def test_worker_count_follows_cores_and_wiki_size():
    assert worker_count(10, None) == 1
    assert worker_count(PAGES_PER_WORKER * 64, None) >= 1
    assert worker_count(5, 3) == 3
