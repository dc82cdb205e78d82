"""Renderer: links rewritten through the resolver, untrusted text never live markup."""

import re

import pytest

from karpwiki.config import packaged_theme
from karpwiki.graph import WikiGraph
from karpwiki.load import load_wiki
from karpwiki.render import load_theme, render_site


@pytest.fixture(scope="module")
def theme():
    return load_theme(packaged_theme())


def site_of(make_wiki, files, theme):
    return render_site(WikiGraph(load_wiki(make_wiki(files))), theme).files


def test_links_point_at_html_pages_relatively(make_wiki, theme):
    files = site_of(make_wiki, {
        "index.md": "[a](attention.md#the-mask) [r](repos/nanoGPT.md) [kv](<kv cache.md>)",
        "attention.md": "## The mask",
        "kv cache.md": "# KV",
        "repos/nanoGPT.md": "[a](../attention.md) [self](#top) [ext](https://example.com/x.md)",
    }, theme)
    index = files["index.html"].decode()
    assert 'href="attention.html#the-mask"' in index
    assert 'href="repos/nanoGPT.html"' in index
    assert 'href="kv%20cache.html"' in index
    repo = files["repos/nanoGPT.html"].decode()
    assert 'href="../attention.html"' in repo and 'href="../static/style.css"' in repo
    assert 'href="#top"' in repo and 'href="https://example.com/x.md"' in repo


def test_heading_ids_and_permalinks_match_the_checked_anchors(make_wiki, theme):
    page = site_of(make_wiki, {"a.md": "# A\n## Twice\n## Twice"}, theme)["a.html"].decode()
    assert re.findall(r'<h2 id="([^"]+)">', page) == ["twice", "twice-1"]
    assert 'href="#twice-1"' in page


HOSTILE = """---
title: '"><script>alert(1)</script>'
description: '<img src=x onerror=alert(2)>'
tags: ['<b>tag</b>']
---

Raw <script>alert(3)</script> and <img src=x onerror=alert(4)> and <iframe src="x"></iframe>.

[js](javascript:alert(5)) [ent](jav&#x61;script:alert(6)) <javascript:alert(7)>
![img](data:image/svg+xml,x) [vb](VBScript:x)

<!-- <script>alert(8)</script> [hidden](secret.md) -->

<div onclick="alert(9)">block html</div>
"""


def test_untrusted_markup_never_reaches_the_html_live(make_wiki, theme):
    html = site_of(make_wiki, {"evil.md": HOSTILE}, theme)["evil.html"].decode()
    assert "<script>" not in html and "<img src=x" not in html and "<iframe" not in html
    assert "<div onclick" not in html and "<b>tag" not in html
    assert not re.search(r'(href|src)="\s*(javascript|vbscript|data):', html, re.I)
    assert "alert(8)" not in html and "secret.md" not in html  # comments are dropped entirely
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html
    assert '<span class="unsafe-link">js</span>' in html


def test_block_comment_drops_only_the_comment(make_wiki, theme):
    html = site_of(make_wiki, {"a.md": "<!-- draft --> kept <b>\n\nnext"}, theme)["a.html"].decode()
    assert "draft" not in html
    assert "<p>kept &lt;b&gt;</p>" in html and "<p>next</p>" in html


def test_code_is_highlighted_and_unknown_languages_are_plain(make_wiki, theme):
    html = site_of(make_wiki, {"a.md": "```python\nx = 1\n```\n\n```nolang\n<x>\n```\n\n    indented <y>\n"}, theme)["a.html"].decode()
    assert '<span class="n">x</span>' in html
    assert "<code>&lt;x&gt;\n</code>" in html and "indented &lt;y&gt;" in html


def test_index_groups_concepts_and_repos_even_without_a_hub(make_wiki, theme):
    files = site_of(make_wiki, {
        "b.md": "---\ntitle: Beta\norder: 1\n---\n", "a.md": "# Alpha", "repos/r.md": "# Repo", "notes/n.md": "# Note",
    }, theme)
    index = files["index.html"].decode()
    groups = re.findall(r"<h3>([^<]+)</h3>", index)
    assert groups == ["Concepts", "Repos", "notes"]
    assert index.index("Beta") < index.index("Alpha")  # `order` comes before titles
    assert 'href="repos/r.html"' in index


def test_backlinks_show_titles(make_wiki, theme):
    files = site_of(make_wiki, {"index.md": "---\ntitle: The Hub\n---\n[a](a.md)", "a.md": "# A"}, theme)
    assert '<li><a href="index.html">The Hub</a></li>' in files["a.html"].decode()


def test_referenced_files_are_copied_and_unreferenced_are_not(make_wiki, theme):
    graph = WikiGraph(load_wiki(make_wiki({"a.md": "![d](img/d.png)", "img/d.png": b"png", "img/unused.png": b"x"})))
    assert render_site(graph, theme).copies == ("img/d.png",)
