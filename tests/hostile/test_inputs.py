"""Hostile wikis, each tiny: a clear finding or a clean build, never a traceback, bounded time
and memory, and no unsafe byte in anything written."""

from __future__ import annotations

import os
import resource
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import karpwiki_executable
from hostile.safety import unsafe_markup
from karpwiki.config import packaged_theme
from karpwiki.graph import WikiGraph
from karpwiki.load import load_wiki
from karpwiki.render import load_theme, render_site
from karpwiki.write import write_site

SECONDS = 120  # per command; every case here finishes in a few seconds
MEMORY = 2 * 1024**3  # address space per command
HUB = "# Hub\n\n[page](page.md)\n"


@dataclass
class Case:
    files: dict[str, str | bytes]
    build_exit: int  # 0: builds; 1: a finding stops it
    expect: list[str] = field(default_factory=list)  # substrings of the check output
    setup: object = None  # callable(wiki) for symlinks, FIFOs
    outputs: list[str] = field(default_factory=list)  # files the build must write


def symlink(name, target):
    return lambda wiki: os.symlink(target(wiki), wiki / name)


UNSAFE_LINKS = "\n".join([
    "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](jav&#x61;script:alert(1))",
    "[d](&#106;&#97;vascript:alert(1)) [e](java&#9;script:alert(1)) [f](%6Aavascript:alert(1))",
    "[g](data:text/html;base64,PHNjcmlwdD4=) [h](vbscript:msgbox(1)) [i](DATA:text/html,x)",
    "![j](javascript:alert(1)) ![k](data:image/svg+xml,<svg/onload=alert(1)>)",
    "<javascript:alert(1)> <vbscript:x> [l][ref] ![m][img]",
    "",
    "[ref]: javascript:alert(2)",
    "[img]: data:image/svg+xml;base64,PHN2Zz4=",
])

CASES = {
    # YAML
    "alias-bomb": Case({"index.md": "---\na: &a [x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n---\n# B\n"}, 1,
                       ["index.md:3: error: bad-front-matter: YAML error: aliases are not allowed"]),
    "python-object-tag": Case({"index.md": "---\ntitle: !!python/object/apply:os.system [touch pwned]\n---\n"}, 1,
                              ["index.md:2: error: bad-front-matter: YAML error: could not determine a constructor"]),
    "not-a-mapping": Case({"index.md": "---\njust a string\n---\n# x\n"}, 1, ["index.md:2: error: bad-front-matter"]),
    "megabyte-value": Case({"index.md": "---\ndescription: " + "x" * 1_000_000 + "\n---\n# Big\n"}, 0),
    "duplicate-keys": Case({"index.md": "---\ntitle: One\ntitle: Two\n---\n# x\n"}, 1,
                           ["index.md:3: error: bad-front-matter: YAML error: duplicate key 'title'"]),
    "script-in-title": Case({"index.md": "---\ntitle: '\"><script>alert(1)</script>'\ndescription: '<img src=x onerror=alert(1)>'\n"
                             "tags: ['<b>x</b>', '\"><svg onload=alert(1)>']\n---\n" + HUB, "page.md": "# P\n"}, 0),
    # Encodings
    "invalid-utf8": Case({"index.md": HUB, "page.md": b"# P\n\ncaf\xe9\n"}, 1, ["page.md:3: error: bad-encoding"]),
    "byte-order-mark": Case({"index.md": "\ufeff---\ntitle: BOM\n---\n" + HUB, "page.md": "\ufeff# P\n"}, 0),
    "crlf-lines": Case({"index.md": HUB.replace("\n", "\r\n") + "\r\n\r\n[x](gone.md)\r\n", "page.md": "# P\r\n"}, 1,
                       ["index.md:6:5: error: missing-page"]),
    "lone-cr-lines": Case({"index.md": HUB.replace("\n", "\r") + "\r\r[x](gone.md)\r", "page.md": "# P\r"}, 1,
                          ["index.md:6:5: error: missing-page"]),
    "nul-bytes": Case({"index.md": HUB + "nul\x00here <\x00script>\n", "page.md": "# P\x00\n"}, 0),
    # Shape
    "ten-megabyte-line": Case({"index.md": HUB + "word " * 2_000_000 + "\n", "page.md": "# P\n"}, 0),
    "deep-nesting": Case({"index.md": HUB + "\n" + "- " * 10_000 + "deep list\n\n" + "> " * 10_000 + "deep quote\n",
                          "page.md": "# P\n"}, 1, ["index.md:5:1: error: too-deep"]),
    "deep-but-fine": Case({"index.md": HUB + "\n" + "- " * 40 + "deep list\n\n" + "> " * 40 + "deep quote\n\nafter\n",
                           "page.md": "# P\n"}, 0),
    "deep-inline": Case({"index.md": HUB + "*" * 5000 + "x" + "*" * 5000 + " " + "[" * 5000 + "y" + "]" * 5000 + "\n",
                         "page.md": "# P\n"}, 0),
    "hundred-thousand-links": Case({"index.md": "# Hub\n\n" + " ".join(f"[l{i}](page.md#p)" for i in range(100_000)) + "\n",
                                    "page.md": "# P\n\n## P\n"}, 0),
    "empty-file": Case({"index.md": HUB, "page.md": ""}, 0, outputs=["page.html"]),
    "only-front-matter": Case({"index.md": HUB, "page.md": "---\ntitle: Just matter\n---\n"}, 0, outputs=["page.html"]),
    # Markup
    "raw-html": Case({"index.md": HUB + "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
                      "<iframe src=\"https://evil.example\"></iframe> <a href=\"javascript:x\">a</a>\n\n"
                      "<div onclick=alert(1)>\n*md*\n</div>\n", "page.md": "# P\n"}, 0),
    "unsafe-urls": Case({"index.md": HUB + UNSAFE_LINKS + "\n", "page.md": "# P\n"}, 1,
                        ["index.md:4:5: error: unsafe-url: 'javascript:'", "index.md:6:5: error: unsafe-url: 'data:'",
                         "index.md:6:45: error: unsafe-url: 'vbscript:'", "index.md:11:8: error: unsafe-url", "15 errors"]),
    # Files
    "symlink-outside": Case({"index.md": HUB, "page.md": "# P\n"}, 1, ["leak.md: error: outside-wiki"],
                            setup=symlink("leak.md", lambda wiki: "/etc/passwd")),
    "symlink-loop": Case({"index.md": HUB, "page.md": "# P\n"}, 1, ["loop-a.md: error: unreadable-file: symlink loop"],
                         setup=lambda wiki: (os.symlink("loop-b.md", wiki / "loop-a.md"), os.symlink("loop-a.md", wiki / "loop-b.md"))),
    "case-twins": Case({"index.md": HUB + "[A](Attention.md) [a](attention.md)\n", "page.md": "# P\n",
                        "Attention.md": "# A\n", "attention.md": "# a\n"}, 1, ["error: file-clash"]),
    "odd-names": Case({"index.md": "# Hub\n\n[kv](<kv cache.md>) [n](naïve.md) [j](日本語.md)\n", "kv cache.md": "# KV\n",
                       "naïve.md": "# Naïve\n", "日本語.md": "# 日本語\n"}, 0, outputs=["kv cache.html", "naïve.html", "日本語.html"]),
    "same-output": Case({"index.md": HUB + "[x](x.md)\n", "page.md": "# P\n", "x.md": "# X\n", "x.html": "<p>hand made</p>"}, 1,
                        ["x.md: error: file-clash"]),
    "fifo-page": Case({"index.md": HUB, "page.md": "# P\n"}, 1, ["pipe.md: error: unreadable-file"],
                      setup=lambda wiki: os.mkfifo(wiki / "pipe.md")),
}


def bounded(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    return subprocess.run([karpwiki_executable(), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=SECONDS, preexec_fn=limit)


@pytest.fixture
def hostile_wiki(request, make_wiki):
    case = CASES[request.param]
    wiki = make_wiki(case.files)
    if case.setup:
        case.setup(wiki)
    return case, wiki


@pytest.mark.parametrize("hostile_wiki", sorted(CASES), indirect=True)
def test_hostile_wiki(hostile_wiki, tmp_path):
    case, wiki = hostile_wiki
    check = bounded(["check", "wiki"], tmp_path)
    build = bounded(["build", "wiki", "--out", "site"], tmp_path)
    for result in (check, build):
        assert "Traceback" not in result.stderr + result.stdout
        assert result.returncode in (0, 1), result.stderr
    assert build.returncode == case.build_exit, build.stderr[-2000:]
    for expected in case.expect:
        assert expected in check.stdout, check.stdout[-2000:]
    site = tmp_path / "site"
    if case.build_exit == 0:
        assert unsafe_markup(site) == []
        assert all(not p.is_symlink() and p.resolve().is_relative_to(site.resolve()) for p in site.rglob("*"))
        assert not any(b"\x00" in p.read_bytes() for p in site.rglob("*") if p.is_file())
        for output in case.outputs:
            assert (site / output).is_file()
    else:
        assert not site.exists()
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("name", ["unsafe-urls", "raw-html", "script-in-title"])
def test_hostile_markup_is_inert_even_when_rendered_despite_findings(name, make_wiki, tmp_path):
    """The renderer is safe on its own: it does not rely on the checker stopping the build."""
    graph = WikiGraph(load_wiki(make_wiki(CASES[name].files)))
    write_site(render_site(graph, load_theme(packaged_theme())), graph_root := tmp_path / "wiki", tmp_path / "site")
    assert graph_root.exists() and unsafe_markup(tmp_path / "site") == []


def test_the_safety_scanner_itself_catches_live_markup(tmp_path):
    (tmp_path / "a.html").write_text('<p><img src=x onerror="alert(1)"><a href=" JaVa&#x53;cript:x">x</a></p>'
                                      '<script>alert(1)</script><iframe src=x></iframe><script src="https://cdn.example/x.js"></script>')
    (tmp_path / "search-data.js").write_text('window.d = "</script><script>alert(1)//";')
    assert unsafe_markup(tmp_path) == [
        "a.html: <img onerror=...>", "a.html: <a href=' JaVaScript:x'>", "a.html: <script src=None>",
        "a.html: inline script: 'alert(1)'", "a.html: <iframe>", "a.html: <script src='https://cdn.example/x.js'>",
        "search-data.js: raw </script", "search-data.js: raw <script",
    ]
