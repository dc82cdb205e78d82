"""The one parser setup and the one slug function."""

import pytest

from karpwiki.markdown import make_parser, plain_text, slugify, unique_ids


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
