"""The dispatching rule loops give exactly the tokens of markdown-it's own loops."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from karpwiki import dispatch
from karpwiki.markdown import MAX_NESTING, make_parser

ROOT = Path(__file__).resolve().parent.parent


def stock_parser() -> MarkdownIt:
    """make_parser() with markdown-it's own loops put back."""
    parser = make_parser()
    for part in (parser.inline, parser.block):
        for loop in ("tokenize", "skipToken"):
            vars(part).pop(loop, None)
    return parser


def test_the_wiki_parser_uses_the_dispatching_loops():
    parser = make_parser()
    assert isinstance(parser.inline.tokenize, partial)
    assert isinstance(parser.inline.skipToken, partial)
    assert isinstance(parser.block.tokenize, partial)
    assert "tokenize" not in vars(stock_parser().inline)


def test_random_documents_give_the_same_tokens(random_markdown):
    fast, stock = make_parser(), stock_parser()
    for document in random_markdown(3000, seed=7):
        assert fast.parse(document) == stock.parse(document), repr(document)


@pytest.mark.parametrize("document", [
    "[" * (MAX_NESTING + 5) + "x" + "](y)" * (MAX_NESTING + 5),
    "> " * (MAX_NESTING + 5) + "deep",
    "".join("  " * depth + "- item\n" for depth in range(MAX_NESTING)),
    "*" * 500 + "x" + "*" * 499,
    "    code\n  - list\n\n        more code\n",
])
def test_deep_and_degenerate_documents_give_the_same_tokens(document):
    assert make_parser().parse(document) == stock_parser().parse(document)


def test_every_page_of_the_wiki_and_the_fixtures_gives_the_same_tokens():
    fast, stock = make_parser(), stock_parser()
    pages = sorted([*(ROOT / "wiki").rglob("*.md"), *(ROOT / "tests").rglob("*.md")])
    assert len(pages) > 50
    for page in pages:
        text = page.read_text(encoding="utf-8", errors="replace")
        assert fast.parse(text) == stock.parse(text), page


def test_a_parser_with_a_rule_it_does_not_know_keeps_markdown_its_inline_loop():
    parser = MarkdownIt("commonmark")
    parser.inline.ruler.push("mention", lambda state, silent: False)
    dispatch.install(parser)
    assert "tokenize" not in vars(parser.inline)
    assert isinstance(parser.block.tokenize, partial)  # the block rules are all known
