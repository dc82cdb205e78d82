"""The one resolver: every kind of link target, judged against the wiki's files."""

import posixpath
import random

import pytest

from karpwiki import graph as g
from karpwiki.graph import WikiGraph, output_path, relative_url, unsafe_scheme
from karpwiki.load import load_wiki


@pytest.fixture
def wiki_graph(make_wiki):
    return WikiGraph(load_wiki(make_wiki({
        "index.md": "[a](attention.md) [r](repos/nanoGPT.md) [self](index.md)",
        "attention.md": "# Attention\n",
        "kv cache.md": "# KV\n",
        "repos/nanoGPT.md": "[a](../attention.md)",
        "img/d.png": b"png",
    })))


@pytest.mark.parametrize(
    "source, href, expected",
    [
        ("index.md", "attention.md", g.Target(g.PAGE, "attention.md")),
        ("index.md", "attention.md#x", g.Target(g.PAGE, "attention.md", "x")),
        ("index.md", "#local", g.Target(g.PAGE, "index.md", "local")),
        ("index.md", "kv%20cache.md", g.Target(g.PAGE, "kv cache.md")),
        ("index.md", "img/d.png", g.Target(g.FILE, "img/d.png")),
        ("index.md", "attention.md?x=1", g.Target(g.PAGE, "attention.md")),
        ("repos/nanoGPT.md", "../attention.md", g.Target(g.PAGE, "attention.md")),
        ("repos/nanoGPT.md", "attention.md", g.Target(g.MISSING, "repos/attention.md", "", "../attention.md")),
        ("index.md", "Attention.md", g.Target(g.CASE, "attention.md", "", "attention.md")),
        ("index.md", "atention.md", g.Target(g.MISSING, "atention.md", "", "attention.md")),
        ("index.md", "attention.html", g.Target(g.MISSING, "attention.html", "", "attention.md")),
        ("index.md", "../../etc/passwd.md", g.Target(g.OUTSIDE, "../../etc/passwd.md")),
        ("index.md", "/attention.md", g.Target(g.ABSOLUTE, "/attention.md")),
        ("index.md", "", g.Target(g.EMPTY)),
        ("index.md", "https://example.com/a.md", g.Target(g.EXTERNAL)),
        ("index.md", "mailto:a@b.c", g.Target(g.EXTERNAL)),
        ("index.md", "//cdn.example.com/x.js", g.Target(g.EXTERNAL)),
        ("index.md", "JavaScript:alert(1)", g.Target(g.UNSAFE)),
    ],
)
def test_resolve(wiki_graph, source, href, expected):
    assert wiki_graph.resolve(wiki_graph.pages[source], href) == expected


@pytest.mark.parametrize(
    "href, scheme",
    [
        ("javascript:x", "javascript:"),
        ("JaVaScRiPt:x", "javascript:"),
        ("java%09script:x", "javascript:"),
        ("%20javascript:x", "javascript:"),
        ("&#x6A;avascript:x", "javascript:"),
        ("jav&amp;#x61;script:x", "javascript:"),
        ("javascript&#58;x", "javascript:"),  # no colon as such: only decoding finds the scheme
        ("javascript&colon;x", "javascript:"),
        ("javascript%3Ax", "javascript:"),
        ("VBScript:x", "vbscript:"),
        ("data:text/html,x", "data:"),
        ("https://javascript.example", ""),
        ("notes/javascript:x.md", ""),
    ],
)
def test_unsafe_scheme_sees_through_case_spacing_and_entities(href, scheme):
    assert unsafe_scheme(href) == scheme


def test_backlinks_exclude_self_links(wiki_graph):
    assert wiki_graph.backlinks("attention.md") == ("index.md", "repos/nanoGPT.md")
    assert wiki_graph.backlinks("index.md") == ()


def test_output_path():
    assert [output_path(p) for p in ("index.md", "repos/x.md", "img/a.png")] == ["index.html", "repos/x.html", "img/a.png"]


def test_incoming_after_edits_equals_incoming_worked_out_afresh(make_wiki):
    """A graph made from a previous one takes its incoming links and goes through the edited
    pages' links alone: links added, dropped, kept, to a missing page, to a file."""
    from karpwiki.load import reload_wiki

    root = make_wiki({
        "index.md": "[a](a.md) [b](b.md)",
        "a.md": "[b](b.md) [c](c.md) [img](d.png)",
        "b.md": "[a](a.md)",
        "c.md": "# C\n",
        "d.png": b"png",
    })
    before = WikiGraph(load_wiki(root))
    assert before.incoming["c.md"] == {"a.md"}
    (root / "a.md").write_text("[b](b.md) [index](index.md) [gone](gone.md) [b again](b.md#x)")
    (root / "b.md").write_text("no links now")
    wiki = reload_wiki(before.wiki, root, {"a.md", "b.md"})
    after = WikiGraph(wiki, previous=before)
    assert after._reusable is before  # the incremental path is the one under test
    assert after.incoming == WikiGraph(wiki).incoming
    assert "c.md" not in after.incoming and after.incoming["gone.md"] == {"a.md"}
    assert after.backlinks("a.md") == ("index.md",)


def test_a_link_is_resolved_once_per_folder_but_a_bare_fragment_once_per_page(make_wiki):
    graph = WikiGraph(load_wiki(make_wiki({
        "a.md": "[c](c.md) [top](#top) [gone](gone.md)",
        "b.md": "[c](c.md) [top](#top) [gone](gone.md)",
        "c.md": "# C\n",
        "repos/r.md": "[c](../c.md) [gone](gone.md)",
    })))
    a, b, r = graph.targets["a.md"], graph.targets["b.md"], graph.targets["repos/r.md"]
    assert a[0] is b[0] and a[2] is b[2]  # one object: the state pickles it once
    assert (a[1], b[1]) == (g.Target(g.PAGE, "a.md", "top"), g.Target(g.PAGE, "b.md", "top"))
    assert r[0] == a[0] and (r[1].kind, r[1].path, a[2].path) == (g.MISSING, "repos/gone.md", "gone.md")


def test_relative_urls_are_what_relpath_gives_between_wiki_paths():
    chooser, parts = random.Random(5), ["a", "b", "repos", "x.md", "y.html", "é", "c d"]
    for _ in range(5000):
        page, target = ("/".join(chooser.choice(parts) for _ in range(chooser.randint(1, 4))) for _ in range(2))
        folder = posixpath.dirname(page)
        assert relative_url(page, target) == (posixpath.relpath(target, folder) if folder else target), (page, target)
