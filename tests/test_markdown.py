"""The one parser setup and the one slug function."""

import pytest

from karpwiki import dispatch
from karpwiki.markdown import PLAIN_CODE, PLAIN_EMPHASIS, PLAIN_LINK, make_parser, plain_text, slugify, unique_ids


@pytest.mark.parametrize(
    "heading, anchor",
    [
        ("The causal mask", "the-causal-mask"),
        ("What's new in GPT-2?", "whats-new-in-gpt-2"),
        ("LayerNorm vs. RMSNorm", "layernorm-vs-rmsnorm"),
        ("Café & “quotes”", "café--quotes"),
        ("snake_case stays", "snake_case-stays"),
        ("Rocket 🚀 launch", "rocket--launch"),
        ("  two  spaces", "--two--spaces"),
        ("C++ (and C)", "c-and-c"),
    ],
)
def test_slugify_follows_github(heading, anchor):
    assert slugify(heading) == anchor


def test_repeated_headings_get_numbered_like_github():
    assert unique_ids(["Example", "Example", "Example", "Example 1"]) == [
        "example", "example-1", "example-2", "example-1-1",
    ]


@pytest.mark.parametrize("gap", ["\n", "\n\n"])
def test_block_comment_hides_links_even_across_blank_lines(gap):
    tokens = make_parser().parse(f"<!--\n[a](a.md)\n\n[b](b.md)\n-->{gap}after [c](c.md)\n")
    assert tokens[0].type == "html_comment" and tokens[0].map == [0, 5]
    links = [c.attrGet("href") for t in tokens for c in t.children or () if c.type == "link_open"]
    assert links == ["c.md"]


def test_inline_comment_is_a_token_and_its_links_are_not_links():
    (inline,) = [t for t in make_parser().parse("a <!-- [x](x.md) --> b [y](y.md)") if t.type == "inline"]
    assert [c.type for c in inline.children] == ["text", "html_comment", "text", "link_open", "text", "link_close"]


def test_unclosed_inline_comment_and_other_html_stay_text():
    (inline,) = [t for t in make_parser().parse("text <!-- never closed <b>bold</b>") if t.type == "inline"]
    assert {c.type for c in inline.children} == {"text"}


def test_unclosed_block_comment_hides_the_rest_and_says_so():
    tokens = make_parser().parse("<!-- draft\n\n[a](a.md)\n")
    assert [t.type for t in tokens] == ["html_comment"]
    assert tokens[0].meta["unclosed"] is True


def test_comment_inside_code_span_is_code():
    (inline,) = [t for t in make_parser().parse("`<!-- x -->`") if t.type == "inline"]
    assert [c.type for c in inline.children] == ["code_inline"]


def test_javascript_links_are_kept_as_links_for_the_checker():
    (inline,) = [t for t in make_parser().parse("[x](javascript:alert(1))") if t.type == "inline"]
    assert inline.children[0].type == "link_open"


def test_plain_text_is_what_a_reader_sees():
    (inline,) = [t for t in make_parser().parse("# The `Value` *class*") if t.type == "inline"]
    assert plain_text(inline) == "The Value class"


# Each plain rule, the pattern it makes tokens for, and documents where markdown-it's own rules
# decide otherwise than a careless pattern would: each character a pattern refuses, markers
# whose pairing depends on their neighbours.
PLAIN_RULES = {
    "plain_link": (PLAIN_LINK, [
        "[*a*](b.md)", "[_a_](b.md)", "[`a`](b.md)", "[<http://a.b>](c.md)", "[~~a~~](b.md)", "[a&amp;](b.md)",
        "[a\\]](b.md)", "[a\nb](c.md)", "[![i](j.png)](b.md)", "[a](b&amp;c.md)", "[a](b\\_c.md)", "[a](<b c.md>)",
        "[a](<b.md>)", "[a](b>c.md)", "[a](b<c.md)", "[a](b(c).md)", "[a](b.md \"t\")", "[a]( b.md)", "[a](b.md\n)",
        "[a](b\tc.md)", "[a](b\x7fc.md)", "[a](b\x01c.md)", "[a](b.md) [c d](e.md#f) [g](h.md)(i)", "[x](y.md)[z](w.md)",
    ]),
    "plain_emphasis": (PLAIN_EMPHASIS, [
        "*a**b*", "*x y\\ a*b*", "a*b*", "*a b* c*", "**a*", "***a***", "*a*b", "\\**a*", "(*a*)", "*a*.",
        "*x **a** y*", "**a** b**", "**a**b**", "*é*", "*1*", "*a_b*", "*a `b` c*", "*a [b](c.md) d*", "*a <b> c*",
        "*a &amp; b*", "*a ~~b~~ c*", "*a\nb*", "*a\\*b*", "*a ![b](c.png) d*", "_*a*_", "*_a_*", "* a*", "*a *",
        "*.a*", "*a.*", "x*a*", "\u00a0*a*", "«*a*»", "*a*b*c*", "**a** **b**", "[*a*](b.md)", "*a*]",
        "*a _b_ c*", "*a \\# b*", "*a <http://b.c> d*", "*a <!-- b --> c*", "*a [b] c*\n\n[b]: d.md",
    ]),
    "plain_code": (PLAIN_CODE, [
        "`a``b`", "``a``", "` a `", "`  `", "` `", "` a`", "`a\nb`", "` a\n`", "[`a`](b.md)", "[a `b](c.md)` d]",
        "`a` `b`", "\\`a`", "`a", "a`", "```a```", "`a``", "`<!-- a -->`", "`*a*`",
    ]),
}


@pytest.mark.parametrize("rule", PLAIN_RULES)
def test_a_plain_rule_gets_the_tokens_of_markdown_its_own_rules(rule, random_markdown):
    pattern, edges = PLAIN_RULES[rule]
    fast, stock = make_parser(), make_parser()
    stock.inline.ruler.disable(rule)
    dispatch.install(stock)
    documents = [*random_markdown(3000, seed=11), *edges]
    assert sum(pattern.search(document) is not None for document in documents) > 300
    for document in documents:
        assert fast.parse(document) == stock.parse(document), repr(document)
