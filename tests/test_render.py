"""Renderer: links rewritten through the resolver, untrusted text never live markup."""

import re

import pytest
from pygments.styles import get_style_by_name

from karpwiki.config import packaged_theme
from karpwiki.errors import KarpwikiError
from karpwiki.graph import WikiGraph
from karpwiki.load import load_wiki
from karpwiki.render import affected_pages, load_theme, render_site
from karpwiki.render.theme import DARK_STYLE, LIGHT_STYLE


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
    article = page[page.index("<article"):page.index("</article>")]
    assert re.findall(r'<h2 id="([^"]+)">', article) == ["twice", "twice-1"]
    assert 'href="#twice-1"' in article


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


def test_backlinks_show_titles_and_the_sentence_around_the_link(make_wiki, theme):
    files = site_of(make_wiki, {
        "index.md": "---\ntitle: The Hub\n---\nFirst sentence. Then [a](a.md) is read, with care! Last one.",
        "b.md": "| Row | Page |\n|---|---|\n| Mixing | [the a page](a.md) |\n\n[hub](index.md)",
        "a.md": "# A",
    }, theme)
    page = files["a.html"].decode()
    assert '<li><a href="index.html">The Hub</a><p>Then <mark>a</mark> is read, with care!</p></li>' in page
    assert '<li><a href="b.html">b</a><p>Mixing · <mark>the a page</mark></p></li>' in page


def test_referenced_files_are_copied_and_unreferenced_are_not(make_wiki, theme):
    graph = WikiGraph(load_wiki(make_wiki({"a.md": "![d](img/d.png)", "img/d.png": b"png", "img/unused.png": b"x"})))
    assert render_site(graph, theme).copies == ("img/d.png",)


def test_table_of_contents_lists_the_sections_by_their_checked_ids(make_wiki, theme):
    page = site_of(make_wiki, {"a.md": "# A\n## One\n### Deeper\n## Café & co\n#### Too deep"}, theme)["a.html"].decode()
    start = page.index('<nav class="toc"')
    toc = page[start:page.index("</nav>", start)]
    assert re.findall(r'<li class="toc-(\d)"><a href="([^"]+)">([^<]+)</a>', toc) == [
        ("2", "#one", "One"), ("3", "#deeper", "Deeper"), ("2", "#caf%C3%A9--co", "Café &amp; co"),
    ]
    single = site_of(make_wiki, {"b.md": "# B\n## Only one"}, theme)["b.html"].decode()
    assert 'class="toc"' not in single  # one heading needs no table of contents


GUIDED = {
    "index.md": "# Hub\n\nIntro [o](other.md).\n\n## Reading guide\n\n1. [zeta](zeta.md) first\n"
                "2. [repo](repos/r.md) and [alpha](alpha.md)\n3. [zeta again](zeta.md) [hub](index.md)\n\n"
                "Only the first ordered list is the guide:\n\n1. [other](other.md)\n",
    "alpha.md": "# Alpha", "zeta.md": "# Zeta", "other.md": "# Other", "repos/r.md": "# Repo",
}


def test_previous_and_next_follow_the_hubs_reading_guide(make_wiki, theme):
    files = site_of(make_wiki, GUIDED, theme)
    zeta, repo, alpha = (files[name].decode() for name in ("zeta.html", "repos/r.html", "alpha.html"))
    assert 'rel="prev"' not in zeta and '<a class="guide-next" rel="next" href="repos/r.html">' in zeta
    assert '<a class="guide-previous" rel="prev" href="../zeta.html">' in repo
    assert '<a class="guide-next" rel="next" href="../alpha.html">' in repo
    assert "page 2 of 3" in repo  # zeta counts once; the hub is not a step
    assert 'rel="prev" href="repos/r.html"' in alpha and 'rel="next"' not in alpha
    assert 'class="guide"' not in files["index.html"].decode() + files["other.html"].decode()


def test_pages_outside_the_guide_and_wikis_without_one_have_no_pager(make_wiki, theme):
    files = site_of(make_wiki, {"index.md": "# Hub\n\n- [a](a.md)\n", "a.md": "# A"}, theme)
    assert 'rel="next"' not in files["a.html"].decode() and 'rel="prev"' not in files["a.html"].decode()


def test_each_page_carries_only_its_own_navigation(make_wiki, theme):
    """The sidebar lives in one shared data file: a page's HTML does not grow with the wiki."""

    def leaf_size(count: int) -> int:
        pages = {f"p{i:04}.md": f"# Page {i}\n\n[next](p{(i + 1) % count:04}.md)\n" for i in range(count)}
        wiki = make_wiki(pages, name=f"wiki{count}")
        return len(render_site(WikiGraph(load_wiki(wiki)), theme).files["p0001.html"])

    assert leaf_size(10) == leaf_size(400)


def test_only_the_chosen_pages_are_rendered(make_wiki, theme):
    graph = WikiGraph(load_wiki(make_wiki({"index.md": "[a](a.md) [b](b.md)", "a.md": "# A", "b.md": "# B"})))
    files = render_site(graph, theme, pages={"a.md"}).files
    assert "a.html" in files and "a.md" in files and "b.html" not in files and "index.html" not in files
    assert "static/search-data.js" in files  # shared data always follows the whole wiki


def test_affected_pages_are_those_that_show_the_change(make_wiki, theme):
    wiki = make_wiki({**GUIDED, "lone.md": "# Lone\n\n[hub](index.md)\n"})
    graph = WikiGraph(load_wiki(wiki))

    def edit(path, text):
        nonlocal graph
        (wiki / path).write_text(text)
        before, graph = graph, WikiGraph(load_wiki(wiki))
        return affected_pages(before, graph, {path})

    # Body text only: no other page shows it.
    assert edit("alpha.md", "# Alpha\n\nNew words.\n") == {"alpha.md"}
    # A new title: the hub index, the guide neighbour (repos/r.md) show it.
    assert edit("alpha.md", "# Alpha, renamed\n\nNew words.\n") == {"alpha.md", "index.md", "repos/r.md"}
    # A new link: other.md now lists zeta under Linked from, with the sentence.
    assert edit("zeta.md", "# Zeta\n\nSee [other](other.md).\n") == {"zeta.md", "other.md"}
    # A changed sentence around that link changes other.md's Linked from again.
    assert edit("zeta.md", "# Zeta\n\nRead [other](other.md) next.\n") == {"zeta.md", "other.md"}
    # A new page: pages whose links to it now resolve, and the index.
    assert edit("new.md", "# New\n\n[lone](lone.md)\n") >= {"new.md", "index.md", "lone.md"}
    (wiki / "index.md").write_text("# New hub title\n")  # in every page's header
    before, graph = graph, WikiGraph(load_wiki(wiki))
    assert affected_pages(before, graph, {"index.md"}) == set(graph.pages)


def test_a_wiki_file_where_karpwiki_writes_its_own_is_refused(make_wiki, theme):
    with pytest.raises(KarpwikiError, match="404.html is a file karpwiki writes itself"):
        site_of(make_wiki, {"index.md": "[x](404.md)", "404.md": "# Not found, the HTTP status"}, theme)


@pytest.mark.parametrize("style", [LIGHT_STYLE, DARK_STYLE])
def test_code_colours_pass_wcag_aa_on_their_background(style):
    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    definition = get_style_by_name(style)
    background = luminance(definition.background_color)
    for token, look in definition:
        # Whitespace is invisible, Error is drawn as a red box, Generic is diff and console output.
        if look["color"] and not str(token).startswith(("Token.Text.Whitespace", "Token.Error", "Token.Generic")):
            light, dark = sorted([luminance("#" + look["color"]), background], reverse=True)
            assert (light + 0.05) / (dark + 0.05) >= 4.5, f"{style}: {token} #{look['color']}"


def test_published_markdown_drops_comment_drafts_but_not_code(make_wiki, theme):
    text = "# A\n\nKept <!-- draft one --> text.\n\n<!--\nsecret draft\n\n-->\n\n`<!-- in code -->`\n\n```\n<!-- fenced -->\n```\n"
    source = site_of(make_wiki, {"a.md": text}, theme)["a.md"].decode()
    assert "draft" not in source
    assert "Kept  text." in source and "`<!-- in code -->`" in source and "<!-- fenced -->" in source
    assert source.count("\n") == text.count("\n")  # line numbers still match the wiki's file
