"""A build after edits reads only the changed files, renders only the pages that show them,
carries every other file over, and writes exactly the site a cold build writes; a check
after edits reads only the changed files and finds what a fresh check finds."""

from __future__ import annotations

import os
import pickle

import pytest

from conftest import tree_bytes
from karpwiki import cache
from karpwiki import build as build_module
from karpwiki import load as load_module
from karpwiki.build import build, check
from karpwiki.config import Config
from karpwiki.graph import Targets, WikiGraph
from karpwiki.render import markup
from karpwiki.write import MARKER

HUB = "# Hub\n\nRead in this order:\n\n1. [Alpha](a.md)\n2. [Beta](b.md)\n3. [Gamma](g.md)\n"
PAGES = {
    "index.md": HUB,
    "a.md": "# Alpha\n\nAlpha links to [beta](b.md) and shows ![a diagram](img/d.svg).\n\n## Details\n\nMore text.\n\n"
            "```python\nprint('alpha')\n```\n\n    an indented block\n",
    "b.md": "# Beta\n\nBeta goes back to [alpha](a.md#details).\n",
    "g.md": "# Gamma\n\nGamma cites [beta](b.md).\n",
    "img/d.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
}


def edit_text(wiki):
    (wiki / "a.md").write_text(PAGES["a.md"] + "\nOne more paragraph, nowhere near a link.\n")


def retitle(wiki):
    (wiki / "b.md").write_text("# Beta, renamed\n\nBeta goes back to [alpha](a.md#details).\n")


def add_page(wiki):
    (wiki / "c.md").write_text("# Cee\n\nBack to [gamma](g.md).\n")
    (wiki / "g.md").write_text("# Gamma\n\nGamma cites [beta](b.md) and [cee](c.md).\n")


def remove_page(wiki):
    (wiki / "c.md").unlink()
    (wiki / "g.md").write_text(PAGES["g.md"])


def change_asset(wiki):
    (wiki / "img" / "d.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg' width='3'/>")


def unlink_asset(wiki):
    (wiki / "a.md").write_text("# Alpha\n\nAlpha links to [beta](b.md).\n\n## Details\n\nMore text.\n")


def reorder_guide(wiki):
    (wiki / "index.md").write_text(HUB.replace("1. [Alpha](a.md)\n2. [Beta](b.md)", "1. [Beta](b.md)\n2. [Alpha](a.md)"))


EDITS = [edit_text, retitle, add_page, remove_page, change_asset, unlink_asset, reorder_guide]


@pytest.fixture
def wiki(make_wiki):
    return make_wiki(PAGES)


def inodes(out):
    return {p.relative_to(out).as_posix(): p.stat().st_ino for p in out.rglob("*") if p.is_file()}


def base_token(wiki, out):
    config = Config(wiki=wiki, out=out)
    return cache.read_state(cache.state_path(config, "build"), cache.read_inputs(config, "build").settings).base.token


@pytest.mark.parametrize("saved", ["as a delta", "whole"])
def test_every_edit_gives_the_bytes_of_a_cold_build(wiki, tmp_path, monkeypatch, saved):
    """Each edit build starts from the state the last one saved: its base with the delta of
    every edit since (the default for a few pages), or a base written whole each time."""
    if saved == "whole":
        monkeypatch.setattr(cache, "DELTA_PAGES", -1)  # even an edit of no page
        monkeypatch.setattr(cache, "DELTA_SHARE", -1)
    out = tmp_path / "site"
    assert build(Config(wiki=wiki, out=out)).written
    base = cache.state_path(Config(wiki=wiki, out=out), "build")
    for number, edit in enumerate(EDITS):
        written_before = base_token(wiki, out)
        edit(wiki)
        report = build(Config(wiki=wiki, out=out))
        assert report.written, edit.__name__
        assert (base_token(wiki, out) == written_before) == (saved == "as a delta"), edit.__name__
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / f"cold-cache-{number}"))
        cold = tmp_path / f"cold-{number}"
        assert build(Config(wiki=wiki, out=cold)).written
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        assert tree_bytes(out) == tree_bytes(cold), edit.__name__
    assert not (out / "img" / "d.svg").exists()  # no page links it any more


def test_a_text_edit_renders_that_page_alone(wiki, tmp_path):
    out = tmp_path / "site"
    build(Config(wiki=wiki, out=out))
    before = inodes(out)
    edit_text(wiki)
    assert build(Config(wiki=wiki, out=out)).written
    after = inodes(out)
    rewritten = {path for path in after if after[path] != before.get(path)}
    # the page, its source and the image it shows; the two data files that hold page text; the record
    assert rewritten == {"a.html", "a.md", "img/d.svg", "static/search-data.js", "static/preview-data.js", MARKER}


def test_a_retitle_renders_the_pages_that_show_the_title(wiki, tmp_path):
    out = tmp_path / "site"
    build(Config(wiki=wiki, out=out))
    before = inodes(out)
    retitle(wiki)
    build(Config(wiki=wiki, out=out))
    after = inodes(out)
    rewritten = {path for path in after if after[path] != before.get(path) and path.endswith(".html")}
    # b itself; a (Linked from b, and b's guide neighbour); g (b's guide neighbour); the hub
    assert rewritten == {"b.html", "a.html", "g.html", "index.html", "404.html"}


def test_an_edit_with_errors_leaves_the_site_and_the_next_fix_builds(wiki, tmp_path):
    out = tmp_path / "site"
    build(Config(wiki=wiki, out=out))
    site = tree_bytes(out)
    (wiki / "b.md").write_text("# Beta\n\n[gone](gone.md)\n")
    report = build(Config(wiki=wiki, out=out))
    assert not report.written and [f.rule for f in report.findings] == ["missing-page"]
    assert tree_bytes(out) == site
    (wiki / "b.md").write_text("# Beta\n\nBack to [alpha](a.md).\n")
    assert build(Config(wiki=wiki, out=out)).written
    assert b"Back to" in (out / "b.html").read_bytes()


def test_a_state_saved_for_a_site_never_published_is_not_built_on(wiki, tmp_path, monkeypatch):
    """A full build keeps the next build's state while it renders, before its site is
    published; if publishing then fails, the next build must not take that state for the
    live site's."""
    out = tmp_path / "site"
    assert build(Config(wiki=wiki, out=out)).written
    edit_text(wiki)

    def disk_full(*args):
        raise OSError("no space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(cache, "read_state", lambda path, settings: None)  # so this one builds in full
        patched.setattr(build_module, "publish", disk_full)
        with pytest.raises(OSError):
            build(Config(wiki=wiki, out=out))
    retitle(wiki)
    assert build(Config(wiki=wiki, out=out)).written
    cold = tmp_path / "cold"
    build(Config(wiki=wiki, out=cold))
    assert tree_bytes(out) == tree_bytes(cold)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other site", "older karpwiki"])
def test_a_damaged_or_foreign_state_means_a_full_build(wiki, tmp_path, damage):
    out = tmp_path / "site"
    config = Config(wiki=wiki, out=out)
    build(config)
    path = cache.state_path(config, "build")
    if damage == "garbage":
        path.write_bytes(b"\x80\x05not a pickle")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "other site":  # the state of another build of this folder, whose record is not the one in the site
        (out / MARKER).write_text((out / MARKER).read_text().replace('"digest":"', '"digest":"0'))
    else:  # saved by other code: a field this code reads is missing
        stored = pickle.loads(path.read_bytes())
        older = object.__new__(type(stored))
        older.__dict__.update({key: value for key, value in vars(stored).items() if key != "incoming"}, settings="older")
        path.write_bytes(pickle.dumps(older))
    before = inodes(out)
    edit_text(wiki)
    assert build(config).written
    after = inodes(out)
    assert all(after[path] != before[path] for path in after if path in before)  # every file written anew


def break_links(wiki):
    (wiki / "g.md").write_text("# Gamma\n\nGamma cites [beta](b.md#nowhere) and [gone](gone.md).\n")


def rename_heading(wiki):
    """b.md, unchanged, links to a.md#details: that link breaks."""
    (wiki / "a.md").write_text(PAGES["a.md"].replace("## Details", "## Particulars"))


def edit_text_again(wiki):
    """Neither b's nor g's broken links are touched: their findings must stay."""
    (wiki / "a.md").write_text(PAGES["a.md"].replace("## Details", "## Particulars") + "\nMore words.\n")


def restore_heading(wiki):
    (wiki / "a.md").write_text(PAGES["a.md"])


CHECK_EDITS = [*EDITS, break_links, rename_heading, edit_text_again, restore_heading]


def test_a_check_after_edits_finds_what_a_fresh_check_finds(wiki, tmp_path, monkeypatch):
    config = Config(wiki=wiki)
    check(config)
    seen = set()
    for number, edit in enumerate(CHECK_EDITS):
        edit(wiki)
        again = check(config)
        assert not again.unchanged
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / f"fresh-{number}"))
        fresh = check(config)
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        assert (again.pages, again.findings) == (fresh.pages, fresh.findings), edit.__name__
        seen |= {(f.file, f.rule) for f in again.findings}
    assert {("b.md", "missing-anchor"), ("g.md", "missing-anchor"), ("g.md", "missing-page")} <= seen
    assert {(f.file, f.rule) for f in again.findings} == {("g.md", "missing-anchor"), ("g.md", "missing-page")}


def test_a_check_after_a_text_edit_judges_the_page_and_those_linking_to_it(wiki, monkeypatch):
    config = Config(wiki=wiki)
    break_links(wiki)
    first = check(config)
    judged = []
    real = WikiGraph.links_with_targets
    monkeypatch.setattr(WikiGraph, "links_with_targets", lambda self, page: judged.append(page.path) or real(self, page))
    edit_text(wiki)
    again = check(config)
    assert sorted(judged) == ["a.md", "b.md", "index.md"]  # a and the pages linking to it; not g.md
    assert again.findings == first.findings


def test_a_check_after_an_edit_reads_only_the_changed_file(wiki, monkeypatch):
    config = Config(wiki=wiki)
    check(config)
    edit_text(wiki)
    read = []
    real_load_entry = load_module._load_entry
    monkeypatch.setattr(load_module, "_load_entry", lambda *args: read.append(args[3]) or real_load_entry(*args))
    assert not check(config).unchanged
    assert read == ["a.md"]


def test_an_edit_build_unpacks_only_the_pages_it_looks_into(wiki, tmp_path, monkeypatch):
    """The state's pages keep their links and headings pickled until asked for, and so do
    their targets: a text edit of a.md looks into a.md (its old links, for what other pages
    show of it) and the hub (the reading guide), and checks b.md and the hub, which link to
    a.md. The image a.md links to is still copied, though nobody opened g.md's targets."""
    out = tmp_path / "site"
    build(Config(wiki=wiki, out=out))
    unpacked, opened = set(), set()
    real = cache.StoredPage._unpacked
    monkeypatch.setattr(cache.StoredPage, "_unpacked", lambda page: unpacked.add(page.path) or real(page))
    real_targets = Targets.__getitem__

    def targets_of(targets, path):
        if isinstance(targets._entries[path], bytes):
            opened.add(path)
        return real_targets(targets, path)

    monkeypatch.setattr(Targets, "__getitem__", targets_of)
    edit_text(wiki)
    assert build(Config(wiki=wiki, out=out)).written
    assert unpacked == {"a.md", "b.md", "index.md"}
    assert opened == {"a.md", "b.md", "index.md"}
    assert (out / "img" / "d.svg").is_file()


def test_an_edit_build_takes_unchanged_code_blocks_from_the_live_page(wiki, tmp_path, monkeypatch):
    """A text edit of a.md highlights none of its code again; an edit of one block highlights
    that block alone. Both give a cold build's bytes."""
    out = tmp_path / "site"
    build(Config(wiki=wiki, out=out))
    highlighted = []
    real = markup._highlight
    monkeypatch.setattr(markup, "_highlight", lambda code, language: highlighted.append(code) or real(code, language))
    edit_text(wiki)
    assert build(Config(wiki=wiki, out=out)).written
    assert highlighted == []
    assert tree_bytes(out) == cold_site(wiki, tmp_path, monkeypatch, "cold-text")
    (wiki / "a.md").write_text((wiki / "a.md").read_text().replace("print('alpha')", "print('alpha', 2)"))
    highlighted.clear()  # the cold build highlighted everything
    assert build(Config(wiki=wiki, out=out)).written
    assert highlighted == ["print('alpha', 2)\n"]
    assert tree_bytes(out) == cold_site(wiki, tmp_path, monkeypatch, "cold-code")


def cold_site(wiki, tmp_path, monkeypatch, name):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / f"cache-{name}"))
    assert build(Config(wiki=wiki, out=tmp_path / name)).written
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tree_bytes(tmp_path / name)


def test_edit_builds_keep_the_old_side_and_link_only_what_changed(wiki, tmp_path, monkeypatch):
    out = tmp_path / "site"
    build(Config(wiki=wiki, out=out))
    previous = tmp_path / ".site.previous"
    live = {path: inode for path, inode in inodes(out).items() if path != MARKER}
    assert inodes(previous) == {**live, ".gitignore": (previous / ".gitignore").stat().st_ino}
    assert (previous / ".gitignore").read_text() == "*\n"  # git status does not list it
    linked = []
    real_link = os.link
    monkeypatch.setattr(os, "link", lambda source, target: linked.append(source) or real_link(source, target))
    edit_text(wiki)
    build(Config(wiki=wiki, out=out))
    assert linked == []  # a full build leaves links to its site there: the first edit keeps them
    (wiki / "g.md").write_text(PAGES["g.md"] + "\nAn edit of another page.\n")
    assert build(Config(wiki=wiki, out=out)).written
    # the old side was the site before the first edit: what that edit rewrote, and this one
    # keeps, is linked; the rest of the old side already is the live site's files
    assert sorted(os.path.relpath(source, out) for source in linked) == ["a.html", "a.md", "img/d.svg"]
    assert tree_bytes(out) == cold_site(wiki, tmp_path, monkeypatch, "cold")
    assert not (out / ".gitignore").exists()


def test_whatever_is_in_the_kept_old_side_the_next_site_is_a_cold_builds(wiki, tmp_path, monkeypatch):
    out, outside = tmp_path / "site", tmp_path / "outside.txt"
    outside.write_text("not karpwiki's")
    build(Config(wiki=wiki, out=out))
    edit_text(wiki)
    build(Config(wiki=wiki, out=out))
    previous = tmp_path / ".site.previous"
    (previous / "b.html").unlink()
    (previous / "b.html").write_text("a file that is not the live one")  # another inode
    (previous / "junk.txt").write_text("left by someone")
    (previous / "g.html").unlink()
    (previous / "g.html").mkdir()  # a folder where a page goes
    (previous / "g.html" / "deep.txt").write_text("x")
    (previous / "static" / "theme.js").unlink(missing_ok=True)
    (previous / "static" / "theme.js").symlink_to(outside)
    (previous / "extra").mkdir()
    (previous / "extra" / "link").symlink_to(tmp_path)
    (wiki / "a.md").write_text(PAGES["a.md"] + "\nAnother edit: b.html and g.html are carried over.\n")
    assert build(Config(wiki=wiki, out=out)).written
    assert tree_bytes(out) == cold_site(wiki, tmp_path, monkeypatch, "cold")
    assert outside.read_text() == "not karpwiki's" and (tmp_path / "site").is_dir()


def test_a_check_after_an_edit_keeps_the_clashes_of_the_same_files(make_wiki, tmp_path, monkeypatch):
    wiki = make_wiki({**PAGES, "B.md": "# Big B\n\n[alpha](a.md)\n"})
    config = Config(wiki=wiki)
    assert "file-clash" in {f.rule for f in check(config).findings}
    edit_text(wiki)
    again = check(config)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "fresh"))
    assert again.findings == check(config).findings and "file-clash" in {f.rule for f in again.findings}
