#!/usr/bin/env python3
"""The Python floor: what any Python wiki builder pays before doing anything of its own.

Each page is read, its front matter parsed, its markdown rendered by markdown-it-py with
Pygments highlighting the fenced code, and the HTML put through one Jinja template; one
process, no link graph, no checking, no navigation, search or backlinks. karpwiki does all
of that and more, so a karpwiki build near this floor has little left to win in Python.
It is a peer of bench/build_bench.py, run from there.

    .venv/bin/python bench/python_floor.py WIKI OUT
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml
from jinja2 import Environment
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

PAGE_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main>{{ body | safe }}</main></body></html>
"""
# The C loader when PyYAML has it: a floor should not be slowed by a pure-Python parser.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FORMATTER = HtmlFormatter(nowrap=True)


def highlight_code(code: str, language: str, attributes: str) -> str:
    try:
        lexer = get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    return highlight(code, lexer, FORMATTER)


def split_front_matter(text: str) -> tuple[dict, str]:
    if text.startswith("---\n"):
        block, separator, body = text[4:].partition("\n---\n")
        if separator:
            return yaml.load(block, Loader=YAML_LOADER) or {}, body
    return {}, text


def build_floor(wiki: Path, out: Path) -> int:
    """Render every page of wiki into out (x.md → x.html); returns the number of pages."""
    markdown = MarkdownIt("commonmark", {"highlight": highlight_code}).enable("table")
    template = Environment(autoescape=True).from_string(PAGE_TEMPLATE)
    pages = sorted(wiki.rglob("*.md"))
    for source in pages:
        meta, body = split_front_matter(source.read_text(encoding="utf-8"))
        target = out / source.relative_to(wiki).with_suffix(".html")
        target.parent.mkdir(parents=True, exist_ok=True)
        html = template.render(title=meta.get("title", source.stem), body=markdown.render(body))
        target.write_text(html, encoding="utf-8")
    return len(pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("wiki", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    print(f"rendered {build_floor(args.wiki, args.out)} pages into {args.out}")


if __name__ == "__main__":
    main()
