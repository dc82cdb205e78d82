"""The whole pipeline: golden HTML, determinism, and a failed build that changes nothing."""

import shutil

import pytest

from conftest import FIXTURES, tree_bytes
from karpwiki.build import build
from karpwiki.config import Config, packaged_theme
from karpwiki.write import MARKER

GOOD = FIXTURES / "good"


def test_good_wiki_matches_golden_html(tmp_path, update_golden):
    """Every page, source, data file and copied file equals its golden copy; the theme's own
    static files are the theme's (the code stylesheets depend on the Pygments version)."""
    out = tmp_path / "build"
    report = build(Config(wiki=GOOD / "wiki", out=out))
    assert report.written and report.findings == []
    theme_static = packaged_theme() / "static"
    for name in [p.name for p in theme_static.iterdir()] + ["pygments-light.css", "pygments-dark.css"]:
        theme_file = theme_static / name
        if theme_file.exists():
            assert (out / "static" / name).read_bytes() == theme_file.read_bytes()
        (out / "static" / name).unlink()
    (out / MARKER).unlink()  # its record names the karpwiki code, which changes under the golden
    if update_golden:
        shutil.rmtree(GOOD / "golden", ignore_errors=True)
        shutil.copytree(out, GOOD / "golden")
    built, golden = tree_bytes(out), tree_bytes(GOOD / "golden")
    assert sorted(built) == sorted(golden)
    for path in golden:
        assert built[path] == golden[path], f"{path} differs from its golden copy (pytest --update-golden to accept)"


def test_output_is_byte_for_byte_deterministic(tmp_path):
    build(Config(wiki=GOOD / "wiki", out=tmp_path / "one"))
    build(Config(wiki=GOOD / "wiki", out=tmp_path / "two"))
    assert tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "two")


def test_a_build_with_errors_writes_nothing(make_wiki, tmp_path):
    wiki = make_wiki({"index.md": "[a](a.md)", "a.md": "# A\n[h](index.md)"})
    out = tmp_path / "build"
    assert build(Config(wiki=wiki, out=out)).written
    before = tree_bytes(out)
    (wiki / "a.md").write_text("# A\n[broken](nowhere.md)\n")
    report = build(Config(wiki=wiki, out=out))
    assert not report.written
    assert [f.rule for f in report.findings] == ["missing-page"]
    assert tree_bytes(out) == before


@pytest.mark.parametrize("strict, written", [(False, True), (True, False)])
def test_warnings_block_only_strict_builds(make_wiki, tmp_path, strict, written):
    wiki = make_wiki({"index.md": "# Hub", "orphan.md": "# O"})
    assert build(Config(wiki=wiki, out=tmp_path / "b"), strict=strict).written is written
