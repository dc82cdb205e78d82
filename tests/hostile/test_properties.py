"""Property-based: random markdown and link targets never crash the pipeline, never write
outside the output folder, and never turn page text into live markup."""

from __future__ import annotations

import posixpath
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile.safety import unsafe_markup
from karpwiki.check import check_wiki
from karpwiki.config import packaged_theme
from karpwiki.graph import WikiGraph
from karpwiki.load import load_wiki
from karpwiki.render import load_theme, render_site
from karpwiki.write import write_site

THEME = load_theme(packaged_theme())
PIECES = [
    "[", "]", "(", ")", "<", ">", "!", "#", "## ", "*", "_", "`", "```", "\n", "\n\n", "- ", "1. ", "> ", "|", "|---|\n",
    "---\n", ": ", "&#106;", "&amp;", "javascript:", "JaVaScRiPt:", "data:", "vbscript:", "<script>", "</script>",
    "<img src=x onerror=alert(1)>", "<!--", "-->", "../", "%2e%2e/", "/", "\\", "x.md", "a.md", "repos/b.md",
    "#frag", "#a", " ", "\t", "\r", "\x00", "'", '"', "{{", "}}", "{%", "é", "日本", "\u2028", "[x]: ", "    ",
]
markdown_text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=60).map("".join)
link_target = st.one_of(
    st.sampled_from(["a.md", "repos/b.md", "../a.md", "/etc/passwd", "index.md#x", "#top", "x y.md", "%2e%2e/%2e%2e/x.md"]),
    st.text(min_size=1, max_size=20),
)
page_text = st.builds(
    lambda body, targets: body + "".join(f"\n[l]({t})" for t in targets) + "".join(f"\n![i](<{t}>)" for t in targets),
    markdown_text,
    st.lists(link_target, max_size=4),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=page_text, a=page_text, b=page_text)
def test_random_wikis_build_safely(index, a, b):
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        wiki = root / "wiki"
        (wiki / "repos").mkdir(parents=True)
        for path, text in (("index.md", index), ("a.md", a), ("repos/b.md", b)):
            (wiki / path).write_text(text, encoding="utf-8", errors="surrogatepass")
        graph = WikiGraph(load_wiki(wiki))
        check_wiki(graph)
        site = render_site(graph, THEME)
        for path in [*site.files, *site.copies]:
            assert not path.startswith("/") and posixpath.normpath(path) == path and not path.startswith("..")
        write_site(site, wiki, root / "out")
        assert sorted(p.name for p in root.iterdir()) == ["out", "wiki"]
        assert unsafe_markup(root / "out") == []
