"""What the renderer writes besides pages: browser data files, graph.json, llms.txt, sitemap.xml,
markdown sources, 404.html, and the theme's code budget."""

import json
import re

import pytest

from karpwiki.config import packaged_theme
from karpwiki.graph import WikiGraph
from karpwiki.load import load_wiki
from karpwiki.model import Span, Spliced, Wiki
from karpwiki.render import load_theme, page_spans, render_site

WIKI = {
    "index.md": "---\ntitle: Hub\ndescription: The map.\n---\n# Hub\n\nRead [attention](attention.md) and "
                "[the code](repos/nano.md#train).\n",
    "attention.md": "---\ntitle: Attention\ndescription: How tokens mix.\ntags: [arch]\n---\n# Attention\n\n"
                    "Tokens look back. See [nano](repos/nano.md).\n\n## The mask\n\nA triangle of ones.\n\n"
                    "```python\nmask = tril(ones)\n```\n",
    "repos/nano.md": "# nano\n\nThe repo. Back to [attention](../attention.md#the-mask) and [hub](../index.md).\n\n"
                     "## Train\n\nRun it.\n",
}


@pytest.fixture(scope="module")
def theme():
    return load_theme(packaged_theme())


def files_of(make_wiki, theme, files=WIKI, base_url=""):
    return render_site(WikiGraph(load_wiki(make_wiki(files))), theme, base_url).files


def data(files, name):
    """The value a static/NAME-data.js script assigns, as the browser would read it."""
    text = files[f"static/{name}-data.js"].decode()
    match = re.fullmatch(r"window\.KW_[A-Z]+ = (.*);\n", text, re.S)
    assert match, text[:80]
    return json.loads(match.group(1))


def test_untrusted_text_in_data_scripts_cannot_end_the_script(make_wiki, theme):
    title = "</script><script>alert(1)</script> & <!--"
    files = files_of(make_wiki, theme, {"a.md": f"---\ntitle: '{title}'\n---\n# x\n\n{title} \u2028 text\n"})
    for name in ("wiki", "search", "preview"):
        raw = files[f"static/{name}-data.js"].decode()
        assert not set("<>&\u2028") & set(raw), name
    assert data(files, "wiki")["pages"][0][1] == title
    assert data(files, "search")["pages"][0][1] == title


def test_wiki_data_holds_the_sidebar_order_and_the_links_between_pages(make_wiki, theme):
    wiki = data(files_of(make_wiki, theme), "wiki")
    assert wiki["groups"] == ["Concepts", "Repos"]
    assert wiki["pages"] == [["attention.html", "Attention", 0], ["repos/nano.html", "nano", 1]]
    assert wiki["links"] == [[0, 1]]  # the hub is the map's frame, not a node


def test_search_data_has_one_entry_per_section_with_its_text(make_wiki, theme):
    search = data(files_of(make_wiki, theme), "search")
    assert search["pages"][0][:2] == ["attention.html", "Attention"]
    sections = {(title, anchor): text for _, title, rows in search["pages"] for anchor, _, text in rows}
    assert sections[("Attention", "attention")] == "Tokens look back. See nano."
    assert sections[("Attention", "the-mask")] == "A triangle of ones.\nmask = tril(ones)"
    assert sections[("nano", "train")] == "Run it."


def spliced_from(live: bytes, spliced: Spliced) -> bytes:
    """What the writer makes of a Spliced file, its spans taken from `live`."""
    return b"".join(live[part.start : part.end] if isinstance(part, Span) else part for part in spliced.parts)


@pytest.mark.parametrize("name", ["search", "preview"])
def test_paged_data_keeps_one_page_a_line_so_an_edit_build_can_keep_the_others(make_wiki, theme, name):
    """page_spans finds each page's line; lines handed in as kept are ranges of the live file,
    adjacent ones one range; only the pages not kept are encoded."""
    graph = WikiGraph(load_wiki(make_wiki(WIKI)))
    path = f"static/{name}-data.js"
    script = render_site(graph, theme).files[path]
    spans = page_spans(script)
    assert len(spans) == len(graph.pages) and all(b"\n" not in script[span.start : span.end] for span in spans)
    every = render_site(graph, theme, kept={path: dict(zip(sorted(graph.pages), spans))}).files[path]
    assert isinstance(every, Spliced) and sum(isinstance(part, Span) for part in every.parts) == 1
    assert spliced_from(script, every) == script
    first, *others = sorted(graph.pages)
    but_first = render_site(graph, theme, kept={path: dict(zip(others, spans[1:]))}).files[path]
    assert spliced_from(script, but_first) == script
    live = script.replace(b"Tokens", b"Tokenz")  # the ranges are copied from the live file as it is
    assert b"Tokenz" in spliced_from(live, every) and b"Tokenz" not in spliced_from(live, but_first)
    empty = render_site(WikiGraph(Wiki((), frozenset(), ())), theme).files[path]
    assert page_spans(empty) == []
    with pytest.raises(ValueError):  # a line break that is no separator: not one entry a line
        page_spans(script.replace(b",\n", b"\n", 1))


def test_previews_hold_the_opening_paragraph_of_each_page_and_section(make_wiki, theme):
    previews = data(files_of(make_wiki, theme), "preview")
    title, opening, sections = previews["attention.html"]
    assert (title, opening) == ("Attention", "Tokens look back. See nano.")
    assert sections["the-mask"] == ["The mask", "A triangle of ones."]
    assert previews["repos/nano.html"][2]["train"] == ["Train", "Run it."]


def test_previews_are_clipped_at_a_word(make_wiki, theme):
    long = " ".join(["word"] * 200)
    opening = data(files_of(make_wiki, theme, {"a.md": f"# A\n\n{long}\n"}), "preview")["a.html"][1]
    assert len(opening) <= 281 and opening.endswith("word…")


def test_graph_json_lists_every_page_and_link(make_wiki, theme):
    graph = json.loads(files_of(make_wiki, theme, base_url="https://example.org/wiki")["graph.json"])
    assert graph["pages"][0] == {
        "path": "attention.md", "url": "https://example.org/wiki/attention.html",
        "title": "Attention", "description": "How tokens mix.", "tags": ["arch"],
    }
    assert {"source": "repos/nano.md", "target": "attention.md", "fragment": "the-mask"} in graph["links"]
    assert {"source": "index.md", "target": "repos/nano.md", "fragment": "train"} in graph["links"]
    assert len(graph["pages"]) == 3 and len(graph["links"]) == 5


def test_llms_txt_lists_every_page_with_its_description_and_markdown(make_wiki, theme):
    files = files_of(make_wiki, theme)
    assert files["llms.txt"].decode() == (
        "# Hub\n\n> The map.\n\n"
        "Every page's markdown source is published beside its HTML; the links below point at the markdown.\n\n"
        "## Start here\n\n- [Hub](index.md): The map.\n\n"
        "## Concepts\n\n- [Attention](attention.md): How tokens mix.\n\n"
        "## Repos\n\n- [nano](repos/nano.md)\n"
    )
    for path, text in WIKI.items():
        assert files[path] == text.encode()  # the source, beside its HTML


def test_sitemap_only_with_a_base_url(make_wiki, theme):
    assert "sitemap.xml" not in files_of(make_wiki, theme)
    sitemap = files_of(make_wiki, theme, base_url="https://example.org/a&b/")["sitemap.xml"].decode()
    assert re.findall(r"<loc>([^<]+)</loc>", sitemap) == [
        "https://example.org/a&amp;b/attention.html",
        "https://example.org/a&amp;b/index.html",
        "https://example.org/a&amp;b/repos/nano.html",
    ]


def test_the_404_page_links_from_the_base_url_when_there_is_one(make_wiki, theme):
    relative = files_of(make_wiki, theme)["404.html"].decode()
    assert 'href="static/style.css"' in relative and 'href="index.html"' in relative
    absolute = files_of(make_wiki, theme, base_url="https://example.org/wiki")["404.html"].decode()
    assert 'href="https://example.org/wiki/static/style.css"' in absolute
    assert 'href="https://example.org/wiki/index.html#kw-all-pages"' in absolute


def test_the_theme_makes_no_request_outside_the_site_and_stays_small(make_wiki, theme):
    files = files_of(make_wiki, theme)
    code = {path: data for path, data in files.items() if path.endswith((".js", ".css")) and not path.endswith("-data.js")}
    assert sum(len(data) for data in code.values()) < 150_000
    for path, data in code.items():
        text = data.decode()
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//|fetch\(|XMLHttpRequest", text), path
    for path in ("index.html", "attention.html", "404.html"):
        page = files[path].decode()
        assert not re.search(r'<(?:link|script|img)[^>]+(?:href|src)="(?:https?:)?//', page), path
