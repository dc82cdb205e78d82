"""Parsing and rendering across processes gives the same findings and bytes as one process."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, tree_bytes
from karpwiki.build import build, check
from karpwiki.config import Config
from karpwiki import workers as workers_module
from karpwiki.workers import PAGES_PER_WORKER, ShardedWiki, worker_count

GENERATOR = Path(__file__).resolve().parents[2] / "shared" / "bench" / "gen_corpus.py"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    wiki = tmp_path_factory.mktemp("generated") / "wiki"
    subprocess.run([sys.executable, str(GENERATOR), str(wiki), "240", "--seed", "5"], check=True, capture_output=True)
    (wiki / "broken.md").write_text("# Broken\n\n[gone](gone.md) [anchor](index.md#nope)\n")
    return wiki


@pytest.mark.parametrize("workers, chunk", [(2, workers_module.CHUNK_FILES), (3, 7)])
def test_site_is_byte_identical_with_any_number_of_workers(generated, tmp_path, monkeypatch, workers, chunk):
    """However many workers, and however many chunks each takes its share in."""
    monkeypatch.setattr(workers_module, "CHUNK_FILES", chunk)
    clean = tmp_path / "clean"
    shutil.copytree(generated, clean)
    (clean / "broken.md").unlink()
    # The fixture wiki has assets, a hub and comments; the generated one has 240 pages.
    for wiki, name in ((FIXTURES / "good" / "wiki", "fixture"), (clean, "generated")):
        one = build(Config(wiki=wiki, out=tmp_path / f"{name}-1", workers=1))
        many = build(Config(wiki=wiki, out=tmp_path / f"{name}-{workers}", workers=workers))
        assert one.written and many.written and one.findings == many.findings
        assert tree_bytes(tmp_path / f"{name}-1") == tree_bytes(tmp_path / f"{name}-{workers}")


def test_findings_are_the_same_with_any_number_of_workers(generated):
    one = check(Config(wiki=generated, workers=1))
    many = check(Config(wiki=generated, workers=3))
    assert one.findings == many.findings and one.pages == many.pages == 241
    assert [f.rule for f in one.findings if f.file == "broken.md"] == ["orphan-page", "missing-page", "missing-page"]  # no index.md


def test_pages_reach_the_parent_without_their_html_and_text(generated):
    """Workers keep what only they need (bodies, sources); the parent gets every page's sections."""
    with ShardedWiki(generated, workers=2) as shards:
        wiki = shards.load()
    assert len(wiki.pages) == 241 and not any(page.body or page.source or page.published for page in wiki.pages)
    assert all(page.sections for page in wiki.pages)
    with ShardedWiki(generated, workers=1) as shards:
        alone = shards.load()
    assert all(page.body and page.published for page in alone.pages)


def test_worker_count_follows_cores_and_wiki_size():
    assert worker_count(10, None) == 1
    assert worker_count(PAGES_PER_WORKER * 64, None) >= 1
    assert worker_count(5, 3) == 3
