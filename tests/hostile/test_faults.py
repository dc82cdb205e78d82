"""Interrupted and concurrent builds: the published folder is always a whole site, old or new."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import karpwiki_executable, tree_bytes
from karpwiki.config import packaged_theme
from karpwiki.graph import WikiGraph
from karpwiki.load import load_wiki
from karpwiki.render import load_theme, render_site
from karpwiki.write import write_site

GENERATOR = Path(__file__).resolve().parents[3] / "shared" / "bench" / "gen_corpus.py"
KILL_TRIALS = 24
# Kills land up to this many build times in; a busy host slows the build and moves the swap
# later, so trials go on (to MAX_KILL_TRIALS) until both sides of the swap were hit.
KILL_WINDOW, MAX_KILL_TRIALS = 1.5, 80


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """A 150-page wiki, the site of its first version and of an edited second version."""
    if not GENERATOR.exists():
        pytest.fail(f"{GENERATOR} is missing: the tests need ../shared beside the repository")
    root = tmp_path_factory.mktemp("faults")
    wiki = root / "wiki"
    subprocess.run([sys.executable, str(GENERATOR), str(wiki), "150", "--seed", "3"], check=True, capture_output=True)
    build(wiki, root / "v1")
    for page in sorted(wiki.glob("*.md"))[:40]:
        page.write_text(page.read_text() + "\nSecond version of this page.\n")
    started = time.monotonic()
    build(wiki, root / "v2")
    return wiki, tree_bytes(root / "v1"), tree_bytes(root / "v2"), time.monotonic() - started


def build(wiki: Path, out: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([karpwiki_executable(), "build", str(wiki), "--out", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result


def test_sigkill_at_random_moments_leaves_the_old_site_or_the_new_one(versions, tmp_path):
    wiki, old, new, seconds = versions
    out = tmp_path / "site"
    shutil.copytree(_materialise(old, tmp_path / "seed"), out)
    random.seed(20261125)
    outcomes = {"old": 0, "new": 0}
    for trial in range(MAX_KILL_TRIALS):
        if trial >= KILL_TRIALS and outcomes["old"] and outcomes["new"]:
            break
        process = subprocess.Popen([karpwiki_executable(), "build", str(wiki), "--out", str(out)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(random.uniform(0, seconds * KILL_WINDOW))
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = tree_bytes(out)
        assert now in (old, new), f"trial {trial}: a mix of old and new"
        outcomes["old" if now == old else "new"] += 1
        if now == new:  # go back to the old site so the next kill can catch a swap again
            shutil.rmtree(out)
            shutil.copytree(tmp_path / "seed", out)
    build(wiki, out)  # the next build succeeds and cleans up what the kills left
    assert tree_bytes(out) == new
    # no staging folder is left; the old side of the swap is kept, for the next edit build
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == [".site.previous"]
    assert outcomes["old"] and outcomes["new"], outcomes  # the kills landed on both sides of the swap


def test_sigkill_during_edit_builds_leaves_the_old_site_or_the_new_one(versions, tmp_path):
    """The same for builds that start from the last one and carry its files over as hard
    links: a kill never leaves a mix, and never changes a file of the live site."""
    wiki, _, _, _ = versions
    wiki = shutil.copytree(wiki, tmp_path / "wiki")
    edited = sorted(wiki.glob("*.md"))[:3]
    texts = {page: page.read_text() for page in edited}
    out = tmp_path / "site"
    sites = []
    for version in (0, 1):
        for page in edited:
            page.write_text(texts[page] + ("\nThird version.\n" if version else ""))
        started = time.monotonic()
        build(wiki, out)
        sites.append((tree_bytes(out), time.monotonic() - started))
    random.seed(20261201)
    current, outcomes = 1, {"old": 0, "new": 0}
    for trial in range(MAX_KILL_TRIALS):
        if trial >= KILL_TRIALS // 2 and outcomes["old"] and outcomes["new"]:
            break
        target = 1 - current
        for page in edited:
            page.write_text(texts[page] + ("\nThird version.\n" if target else ""))
        process = subprocess.Popen([karpwiki_executable(), "build", str(wiki), "--out", str(out)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(random.uniform(0, sites[target][1] * KILL_WINDOW))
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = tree_bytes(out)
        assert now in (sites[current][0], sites[target][0]), f"trial {trial}: a mix of old and new"
        outcomes["new" if now == sites[target][0] else "old"] += 1
        current = target if now == sites[target][0] else current
    build(wiki, out)
    assert tree_bytes(out) in (sites[0][0], sites[1][0])
    assert outcomes["old"] and outcomes["new"], outcomes


def _materialise(files: dict[str, bytes], folder: Path) -> Path:
    for relative, data in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
    return folder


def test_two_builds_at_once_never_corrupt_each_other(versions, tmp_path):
    wiki, _, new, _ = versions
    out = tmp_path / "site"
    for _ in range(3):
        first, second = (subprocess.Popen([karpwiki_executable(), "build", str(wiki), "--out", str(out)],
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2))
        results = [(p.wait(), p.stderr.read()) for p in (first, second)]
        for code, stderr in results:
            assert code == 0 or (code == 2 and "another karpwiki build is writing" in stderr), stderr
        assert any(code == 0 for code, _ in results)
        assert tree_bytes(out) == new


def test_a_file_vanishing_before_it_is_copied_leaves_the_old_site(tmp_path):
    wiki = tmp_path / "wiki"
    (wiki / "img").mkdir(parents=True)
    (wiki / "index.md").write_text("# Hub\n\n![d](img/d.png)\n")
    (wiki / "img" / "d.png").write_bytes(b"png")
    out = tmp_path / "site"
    site = render_site(WikiGraph(load_wiki(wiki)), load_theme(packaged_theme()))
    write_site(site, wiki, out)
    before = tree_bytes(out)
    (wiki / "img" / "d.png").unlink()
    with pytest.raises(FileNotFoundError):
        write_site(site, wiki, out)
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "wiki"]


def test_a_vanished_asset_is_a_one_line_error_from_the_command(tmp_path, monkeypatch, capsys):
    """The same through the CLI: exit 2, one line naming the file, the old site intact."""
    from karpwiki import build as build_module
    from karpwiki import workers as workers_module
    from karpwiki.cli import main

    wiki = tmp_path / "wiki"
    (wiki / "img").mkdir(parents=True)
    (wiki / "index.md").write_text("# Hub\n\n![d](img/d.png)\n")
    (wiki / "img" / "d.png").write_bytes(b"png")
    assert main(["build", str(wiki), "--out", str(tmp_path / "site")]) == 0
    real_render = workers_module.render_site

    def render_then_vanish(*args, **kwargs):
        site = real_render(*args, **kwargs)
        (wiki / "img" / "d.png").unlink(missing_ok=True)
        return site

    monkeypatch.setattr(workers_module, "render_site", render_then_vanish)  # a full build
    monkeypatch.setattr(build_module, "render_site", render_then_vanish)  # a build of the changes
    (wiki / "index.md").write_text("# Hub, edited\n\n![d](img/d.png)\n")  # so the build runs
    capsys.readouterr()
    assert main(["build", str(wiki), "--out", str(tmp_path / "site")]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"karpwiki: {wiki / 'img' / 'd.png'}: No such file or directory"]
    assert (tmp_path / "site" / "img" / "d.png").read_bytes() == b"png"
