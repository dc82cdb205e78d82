"""Unchanged inputs reuse the last result; any change, or a damaged record, means a new run."""

from __future__ import annotations

import os
import shutil

import pytest

from conftest import run_karpwiki, tree_bytes
from karpwiki import cache
from karpwiki.build import build, check
from karpwiki.config import Config, packaged_theme
from karpwiki.write import MARKER


@pytest.fixture
def wiki(make_wiki):
    return make_wiki({"index.md": "# Hub\n\n[a](a.md) ![d](img/d.svg)\n", "a.md": "# A\n\n[hub](index.md)\n",
                      "orphan.md": "# Orphan\n", "img/d.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})


def test_a_second_build_of_an_unchanged_wiki_is_skipped(wiki, tmp_path):
    out = tmp_path / "site"
    first = run_karpwiki("build", wiki, "--out", out)
    assert first.returncode == 0 and "orphan-page" in first.stderr
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    again = run_karpwiki("build", wiki, "--out", out)
    assert again.returncode == 0 and again.stdout == f"nothing changed since the last build; {out} is up to date\n"
    assert "orphan-page" in again.stderr  # the warnings are still reported
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == stamps


@pytest.mark.parametrize("change", ["page", "asset", "template", "output deleted", "output edited", "base url",
                                    "record truncated", "record garbage"])
def test_any_change_means_a_new_build_equal_to_a_cold_one(wiki, tmp_path, change):
    theme = tmp_path / "theme"
    shutil.copytree(packaged_theme(), theme)
    out = tmp_path / "site"
    config = Config(wiki=wiki, out=out, templates=theme)
    assert build(config).written
    if change == "page":
        (wiki / "a.md").write_text("# A, edited\n\n[hub](index.md)\n")
    elif change == "asset":
        (wiki / "img" / "d.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg' width='2'/>")
    elif change == "template":
        (theme / "page.html").write_text((theme / "page.html").read_text() + "\n")
    elif change == "output deleted":
        (out / "a.html").unlink()
    elif change == "output edited":
        (out / "a.html").write_text("defaced")
    elif change == "base url":
        config = Config(wiki=wiki, out=out, templates=theme, base_url="https://example.org/")
    elif change == "record truncated":
        (out / MARKER).write_text((out / MARKER).read_text()[:40])
    elif change == "record garbage":
        (out / MARKER).write_bytes(b"\xff\xfe not json")
    report = build(config)
    assert report.written and not report.unchanged
    fresh = tmp_path / "fresh"
    build(Config(wiki=wiki, out=fresh, templates=theme, base_url=config.base_url))
    assert tree_bytes(out) == tree_bytes(fresh)


def test_strict_after_a_lenient_build_still_fails_on_warnings(wiki, tmp_path):
    out = tmp_path / "site"
    assert build(Config(wiki=wiki, out=out)).written
    report = build(Config(wiki=wiki, out=out), strict=True)
    assert not report.written and not report.unchanged and [f.rule for f in report.findings] == ["orphan-page"]


def test_check_reuses_its_record_until_something_changes(wiki):
    config = Config(wiki=wiki)
    first = check(config)
    assert not first.unchanged and [f.rule for f in first.findings] == ["orphan-page"]
    second = check(config)
    assert second.unchanged and second.findings == first.findings and second.pages == 3
    (wiki / "a.md").write_text("# A\n\n[gone](gone.md)\n")
    third = check(config)
    assert not third.unchanged and {f.rule for f in third.findings} == {"orphan-page", "missing-page"}
    cache.check_record_path(config).write_text("{broken")
    assert not check(config).unchanged


def test_symlinks_out_of_the_wiki_are_never_read_for_the_digest(wiki, tmp_path, monkeypatch):
    secret = tmp_path / "secret.md"
    secret.write_text("one")
    (wiki / "leak.md").symlink_to(secret)
    read = []
    original = type(secret).read_bytes

    def spy(path):
        read.append(path)
        return original(path)

    monkeypatch.setattr(type(secret), "read_bytes", spy)
    cache.read_inputs(Config(wiki=wiki), "check")
    assert secret not in read and wiki / "leak.md" not in read


def digests_read(monkeypatch, wiki) -> list[str]:
    """The names of the wiki's files whose bytes cache._digest reads from now on."""
    read = []
    original = cache._digest

    def counting(path, real_root, *info):
        if path.is_relative_to(wiki):
            read.append(path.name)
        return original(path, real_root, *info)

    monkeypatch.setattr(cache, "_digest", counting)
    return read


def test_a_warm_run_stats_unchanged_files_instead_of_reading_them(wiki, monkeypatch):
    monkeypatch.setattr(cache, "RACY_SECONDS", 0)  # the files were written just now: trust them at once
    config = Config(wiki=wiki)
    first = cache.read_inputs(config, "check")
    read = digests_read(monkeypatch, wiki)
    assert cache.read_inputs(config, "check") == first and read == []
    page = wiki / "a.md"
    stamp = page.stat()
    page.write_text(page.read_text().replace("hub", "HUB"))  # same size; its times set back below
    os.utime(page, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    again = cache.read_inputs(config, "check")
    assert read == ["a.md"]  # the status-change time moved, which nothing sets back
    assert again.files["a.md"] != first.files["a.md"] and again.digest != first.digest


def test_files_changed_within_the_racy_window_are_read_again(wiki, monkeypatch):
    """A file changed within RACY_SECONDS of a run could change again within one timestamp
    tick, unseen by its stat: its digest is not taken on trust."""
    config = Config(wiki=wiki)
    cache.read_inputs(config, "check")
    read = digests_read(monkeypatch, wiki)
    cache.read_inputs(config, "check")
    assert sorted(read) == ["a.md", "d.svg", "index.md", "orphan.md"]


def test_library_versions_are_asked_again_when_a_package_is_installed_or_upgraded(tmp_path, monkeypatch):
    """The versions are kept under the modification times of sys.path's folders: upgrading
    a library (its dist-info folder renamed) changes its folder, so the settings change."""
    packages = tmp_path / "site-packages"
    (packages / "fakelib-1.0.dist-info").mkdir(parents=True)
    (packages / "fakelib-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: fakelib\nVersion: 1.0\n")
    monkeypatch.syspath_prepend(str(packages))
    monkeypatch.setattr(cache, "LIBRARIES", ("fakelib",))
    assert cache._library_versions() == ["fakelib=1.0"]
    assert cache._library_versions() == ["fakelib=1.0"]  # from the cache folder this time
    upgraded = packages / "fakelib-2.0.dist-info"
    (packages / "fakelib-1.0.dist-info").rename(upgraded)
    (upgraded / "METADATA").write_text("Metadata-Version: 2.1\nName: fakelib\nVersion: 2.0\n")
    os.utime(packages, ns=(os.stat(packages).st_atime_ns, os.stat(packages).st_mtime_ns + 10**9))  # a coarse clock
    assert cache._library_versions() == ["fakelib=2.0"]


def test_the_cache_files_of_folders_gone_are_removed_and_the_others_kept(wiki, tmp_path):
    """The next run that writes a whole state removes what folders deleted since left in the
    cache folder; an unnamed file is removed once it is older than UNUSED_DAYS."""
    top = tmp_path / "cache" / "karpwiki"  # conftest points XDG_CACHE_HOME at tmp_path / "cache"
    kept_out, gone_out = tmp_path / "kept", tmp_path / "gone"
    for out in (kept_out, gone_out):
        assert build(Config(wiki=wiki, out=out)).written
    check(Config(wiki=wiki))
    assert (top / f"build-{cache._name_of(gone_out)}.pickle").exists()
    assert (top / f"folder-{cache._name_of(gone_out)}.txt").read_text() == str(gone_out.resolve())
    old, recent = top / "build-0123456789abcdef0123.pickle", top / ".check-00112233445566778899.pickle.4242"
    for path in (old, recent):
        path.write_bytes(b"left by an older karpwiki, or a killed write")
    month_ago = os.stat(old).st_mtime - (cache.UNUSED_DAYS + 1) * 86400
    os.utime(old, (month_ago, month_ago))

    def files_of(folder):
        return {path.name for path in top.iterdir() if cache._name_of(folder) in path.name}
    kept_files, wiki_files = files_of(kept_out), files_of(wiki)
    assert len(kept_files) == 2 and len(wiki_files) >= 3  # state and note; check record and state, note
    shutil.rmtree(gone_out)
    new_out = tmp_path / "new"
    assert build(Config(wiki=wiki, out=new_out)).written  # a first build: a whole state
    assert not files_of(gone_out) and not old.exists() and recent.exists()
    assert files_of(kept_out) == kept_files and files_of(wiki) == wiki_files and len(files_of(new_out)) == 2
    assert build(Config(wiki=wiki, out=kept_out)).unchanged  # a folder still there keeps its state
