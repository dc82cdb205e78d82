"""Writer: all or nothing, never over someone else's folder, one build at a time."""

import os
import tempfile

import pytest

from karpwiki import write
from karpwiki.errors import BuildBusy, UsageError
from karpwiki.model import Site, Span, Spliced
from karpwiki.write import MARKER, write_site


@pytest.fixture
def wiki(tmp_path):
    root = tmp_path / "wiki"
    (root / "img").mkdir(parents=True)
    (root / "img" / "a.png").write_bytes(b"png")
    return root


def test_writes_files_copies_and_marker(wiki, tmp_path):
    out = tmp_path / "build"
    write_site(Site({"index.html": b"<p>1</p>", "repos/x.html": b"x"}, ("img/a.png",)), wiki, out)
    assert (out / "index.html").read_bytes() == b"<p>1</p>"
    assert (out / "repos" / "x.html").read_bytes() == b"x"
    assert (out / "img" / "a.png").read_bytes() == b"png"
    assert (out / MARKER).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "wiki"]  # no staging left


def test_second_build_replaces_the_first_entirely(wiki, tmp_path):
    out = tmp_path / "build"
    write_site(Site({"old.html": b"old"}, ()), wiki, out)
    write_site(Site({"new.html": b"new"}, ()), wiki, out)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "new.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "wiki"]


def test_failure_while_staging_leaves_the_old_site(wiki, tmp_path, monkeypatch):
    out = tmp_path / "build"
    write_site(Site({"index.html": b"old"}, ()), wiki, out)

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(write, "write_files", fail)
    with pytest.raises(OSError):
        write_site(Site({"index.html": b"new"}, ()), wiki, out)
    assert (out / "index.html").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "wiki"]


def test_refuses_to_replace_a_folder_karpwiki_did_not_build(wiki, tmp_path):
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    with pytest.raises(UsageError, match="not built by karpwiki"):
        write_site(Site({"index.html": b"x"}, ()), wiki, precious)
    assert (precious / "thesis.tex").read_text() == "years of work"


@pytest.mark.parametrize("relation", ["same", "inside", "parent"])
def test_refuses_an_output_folder_overlapping_the_wiki(wiki, relation):
    out = {"same": wiki, "inside": wiki / "build", "parent": wiki.parent}[relation]
    with pytest.raises(UsageError, match="overlaps the wiki"):
        write_site(Site({"index.html": b"x"}, ()), wiki, out)


def test_a_second_concurrent_build_refuses(wiki, tmp_path):
    out = tmp_path / "build"
    with write._exclusive_lock(out.absolute()):
        with pytest.raises(BuildBusy, match="another karpwiki build"):
            write_site(Site({"index.html": b"x"}, ()), wiki, out)
    write_site(Site({"index.html": b"x"}, ()), wiki, out)  # the lock is released afterwards
    assert (out / "index.html").exists()


def test_swap_without_renameat2_still_replaces(wiki, tmp_path, monkeypatch):
    out = tmp_path / "build"
    write_site(Site({"a.html": b"a"}, ()), wiki, out)
    monkeypatch.setattr(write, "_rename_exchange", lambda first, second: False)
    write_site(Site({"b.html": b"b"}, ()), wiki, out)
    assert sorted(os.listdir(out)) == [MARKER, "b.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "wiki"]


@pytest.mark.parametrize("kernel_copy", ["copy_file_range", "no copy_file_range"])
def test_a_spliced_file_takes_its_spans_from_the_live_file_and_open_spills(wiki, tmp_path, monkeypatch, kernel_copy):
    live, staging = tmp_path / "live", tmp_path / "staging"
    (live / "static").mkdir(parents=True)
    old = b"head\n" + b"x" * 3_000_000 + b",\nold line,\n" + b"y" * 5_000_000 + b"\ntail\n"
    (live / "static" / "data.js").write_bytes(old)
    middle = old.index(b"old line")
    if kernel_copy == "no copy_file_range":
        def refuse(*args):
            raise OSError(18, "Invalid cross-device link")  # EXDEV: read and write instead
        monkeypatch.setattr(os, "copy_file_range", refuse)
    with tempfile.TemporaryFile() as spill:  # a loader's spill, open but nameless
        spill.write(b"spilt line")
        spill.flush()
        parts = (b"head\n", Span(5, middle), b"new line", Span(0, 5, spill.fileno()), Span(middle + 8, len(old)))
        staging.mkdir()
        sizes = write.write_files(staging, Site({"static/data.js": Spliced(parts)}, ()), wiki, live)
    expected = old.replace(b"old line", b"new linespilt")
    assert (staging / "static" / "data.js").read_bytes() == expected and sizes == {"static/data.js": len(expected)}
    assert (live / "static" / "data.js").read_bytes() == old
