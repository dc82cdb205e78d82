"""Loader: front matter, titles, headings, and the exact line:column of every link."""

import re
import os

import pytest

from karpwiki.load import load_wiki
from karpwiki.model import ERROR, WARNING


def only_page(make_wiki, text, name="page.md"):
    wiki = load_wiki(make_wiki({name: text}))
    return wiki.pages[0], wiki.findings


def test_front_matter_fields_and_title_fallbacks(make_wiki):
    wiki = load_wiki(make_wiki({
        "a.md": "---\ntitle: Given\ndescription: Said once.\ntags: [x, y]\norder: 2\n---\n# Heading\n",
        "b.md": "Intro\n\n# From the H1\n",
        "c-stem.md": "No heading at all.\n",
    }))
    a, b, c = wiki.pages
    assert (a.title, a.description, a.tags, a.order) == ("Given", "Said once.", ("x", "y"), 2)
    assert b.title == "From the H1"
    assert c.title == "c-stem"


LINK_POSITIONS = [
    ("[t](x.md)", (1, 5)),
    ("---\ntitle: T\n---\n\nText [t](x.md)", (5, 10)),
    ("one\ntwo\nthree [t](x.md)", (3, 11)),
    ("[t](<x y.md>)", (1, 6)),
    ("[t](x%20y.md)", (1, 5)),
    ("![alt](x.png)", (1, 8)),
    ("- item\n  - nested [t](x.md)", (2, 16)),
    ("> quote\n> more [t](x.md)", (2, 12)),
    ("*emph [t](x.md)*", (1, 11)),
    ("| a | b |\n|---|---|\n| [t](x.md) | [t](x.md) |", (3, 7)),
    ("[t][r]\n\n[r]: x.md", (3, 6)),
    ("[t][r]\n\n[r]:\n   x.md", (4, 4)),
    ("<https://example.com>", (1, 2)),
    ("## Head [t](x.md) ##", (1, 13)),
    ("[t](\n  x.md)", (2, 3)),
]


@pytest.mark.parametrize("text, position", LINK_POSITIONS)
def test_link_positions_are_lines_and_columns_of_the_file(make_wiki, text, position):
    page, _ = only_page(make_wiki, text)
    assert (page.links[0].line, page.links[0].column) == position


def test_second_identical_table_cell_gets_its_own_column(make_wiki):
    page, _ = only_page(make_wiki, "| a | b |\n|---|---|\n| [t](x.md) | [t](x.md) |")
    assert [(link.line, link.column) for link in page.links] == [(3, 7), (3, 19)]


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_line_numbers_survive_crlf_and_lone_cr(make_wiki, newline):
    text = newline.join(["---", "title: T", "---", "", "# T", "", "see [x](x.md)"])
    page, _ = only_page(make_wiki, text)
    assert (page.links[0].line, page.links[0].column) == (7, 9)
    assert page.title == "T"


def test_byte_order_mark_is_not_content(make_wiki):
    page, findings = only_page(make_wiki, "\ufeff---\ntitle: BOM\n---\n# Body\n")
    assert page.title == "BOM" and findings == ()


def test_heading_ids_in_the_body_are_the_checked_ids(make_wiki):
    page, _ = only_page(make_wiki, "# A\n\n## Same\n\n## Same\n")
    assert [h.id for h in page.headings] == ["a", "same", "same-1"]
    assert [h.line for h in page.headings] == [1, 3, 5]
    assert re.findall(r'<h[12] id="([^"]*)"', page.body) == ["a", "same", "same-1"]


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("---\ntitle: [oops\n---\n", 2, "YAML error"),
        ("---\n- a\n- b\n---\n", 2, "must be a mapping"),
        ("---\ntitle: never closed\n\n# Body\n", 1, "never closed"),
        ("---\nbase: &a [x]\ntitle: *a\n---\n", 3, "aliases are not allowed"),
        ("---\ntitle: !!python/object:os.system x\n---\n", 2, "YAML error"),
        ("---\ntitle: {a: 1}\n---\n", 2, "'title' must be text"),
        ("---\norder: soon\n---\n", 2, "'order' must be a number"),
    ],
)
def test_bad_front_matter_is_a_finding_with_the_yaml_line(make_wiki, text, line, message):
    _, findings = only_page(make_wiki, text)
    (finding,) = findings
    assert (finding.rule, finding.severity, finding.line) == ("bad-front-matter", ERROR, line)
    assert message in finding.message


def test_non_utf8_page_is_a_finding_naming_the_line(make_wiki):
    wiki = load_wiki(make_wiki({"ok.md": "# ok\n", "bad.md": b"# Bad\n\nna\xefve\n"}))
    assert [p.path for p in wiki.pages] == ["ok.md"]
    (finding,) = wiki.findings
    assert (finding.file, finding.line, finding.rule) == ("bad.md", 3, "bad-encoding")


def test_unclosed_block_comment_is_a_warning(make_wiki):
    _, findings = only_page(make_wiki, "# T\n\n<!-- draft\n\nrest")
    (finding,) = findings
    assert (finding.line, finding.severity, finding.rule) == (3, WARNING, "unclosed-comment")


def test_symlink_out_of_the_wiki_is_not_read(make_wiki, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\n")
    root = make_wiki({"index.md": "# Hub\n"})
    os.symlink(secret, root / "leak.md")
    os.symlink(root / "index.md", root / "alias.md")
    wiki = load_wiki(root)
    assert [p.path for p in wiki.pages] == ["alias.md", "index.md"]
    assert [(f.file, f.rule) for f in wiki.findings] == [("leak.md", "outside-wiki")]


def test_broken_symlink_page_is_unreadable(make_wiki):
    root = make_wiki({"index.md": "# Hub\n"})
    os.symlink(root / "nowhere.md", root / "dangling.md")
    (finding,) = load_wiki(root).findings
    assert (finding.file, finding.rule) == ("dangling.md", "unreadable-file")


def test_hidden_folders_and_non_markdown_files(make_wiki):
    wiki = load_wiki(make_wiki({"index.md": "# Hub\n", ".git/x.md": "# no\n", "img/a.png": b"\x89PNG"}))
    assert [p.path for p in wiki.pages] == ["index.md"]
    assert wiki.files == {"index.md", "img/a.png"}
