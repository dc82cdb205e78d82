"""Quick lexers: Pygments' own tokens, from only the rules that can start at each character."""

import re
from pathlib import Path

import pytest
from pygments.lexer import RegexLexer
from pygments.lexers import get_lexer_by_name

from karpwiki.render.lexing import ASCII, _first_characters, _table, quick_lexer

ROOT = Path(__file__).resolve().parents[1]
TRICKY = (
    "ſ K İ ünï 😀 \u2028 kelvin K s S \t\x0c\x1c\n  /* c */ // x\n# y\n\"str\\n\" 'c' r'\\d' "
    "f\"{x!r:>{w}}\" b'\\x00' 0x1F 1e-3 1_000j <a href=\"x\">t</a> {{ x }} {% y %} $var ${v:-d} "
    "@dec ~! '''open\n\"\"\"open\n`tick` \\\n"
)
LANGUAGES = ("python", "pycon", "bash", "sh", "console", "c", "cpp", "cuda", "javascript", "typescript",
             "json", "yaml", "toml", "ini", "make", "cmake", "diff", "html", "css", "jinja", "rust", "go",
             "java", "ruby", "perl", "lua", "sql", "markdown", "rst", "dockerfile", "text")


def samples() -> list[str]:
    """Real code of every kind the wiki shows, our own source and templates, and odd input."""
    code = []
    for page in sorted((ROOT / "wiki").rglob("*.md")):
        code += re.findall(r"```[a-z]*\n(.*?)```", page.read_text(), re.S)
    sources = [path.read_text() for path in sorted((ROOT / "src").rglob("*.py"))[:6]]
    themes = [path.read_text() for path in sorted((ROOT / "templates").rglob("*.*")) if path.suffix in (".html", ".css", ".js")]
    assert code and sources and themes
    return ["\n".join(code), *sources, *themes, "".join(map(chr, range(1, 128))) * 2, TRICKY, ""]


SAMPLES = samples()


@pytest.mark.parametrize("language", LANGUAGES)
def test_tokens_are_pygments_own(language):
    quick, plain = quick_lexer(get_lexer_by_name(language)), get_lexer_by_name(language)
    for text in SAMPLES:
        assert list(quick.get_tokens(text)) == list(plain.get_tokens(text))


@pytest.mark.parametrize("language", ("python", "bash", "cpp", "yaml"))
def test_no_rule_is_dropped_where_it_matches(language):
    """Stronger than equal tokens: in every state, at every position of the samples, each rule
    that matches there is among the rules kept for that character."""
    tokendefs = type(get_lexer_by_name(language))._tokens
    text = "\n".join(SAMPLES[:3])[:20000] + TRICKY
    ascii_positions = [pos for pos, char in enumerate(text) if char in ASCII]
    for state, rules in tokendefs.items():
        table = _table(rules)
        for index, (rexmatch, _, _) in enumerate(rules):
            for pos in ascii_positions:
                if rexmatch(text, pos):
                    assert rules[index] in table[text[pos]], (state, rexmatch.__self__.pattern, text[pos])


def test_tables_keep_few_rules_and_keep_their_order():
    rules = type(get_lexer_by_name("python"))._tokens["root"]
    table = _table(rules)
    assert max(len(kept) for kept in table.values()) < len(rules) / 3
    for kept in table.values():
        remaining = iter(rules)
        assert all(any(rule is later for later in remaining) for rule in kept)  # a subsequence


@pytest.mark.parametrize("pattern, starts, empty", [
    (r"abc", "a", False),
    (r"a*b", "ab", False),
    (r"(?:x|)y", "xy", False),
    (r"(?=q)\w+", "".join(c for c in ASCII if c.isalnum()) + "_", False),  # a lookahead is read past
    (r"\b", "", True),
    (r"[0-9a-c]+", "0123456789abc", False),
    (r"[^a]", "".join(ASCII - {"a"}), False),
    (r"(?i)[^ab]", "".join(ASCII - set("abAB")), False),
    (r"(?i)k", "kK", False),
])
def test_first_characters(pattern, starts, empty):
    chars, may_be_empty = _first_characters(re.compile(pattern))
    assert may_be_empty is empty
    if not empty:
        assert "".join(sorted(chars)) == "".join(sorted(starts))


@pytest.mark.parametrize("pattern, text", [
    ("(?i)\u212a", "k"),  # KELVIN SIGN matches k when case is ignored
    ("(?i)[\u0100-\u017f]", "s"),  # so does LATIN SMALL LETTER LONG S for s
    ("(?i)[^\u017f]", "x"),
    ("(?i)[^\u212a]", "x"),
    (r"\s", "\x1c"),  # Unicode \s takes the ASCII file separator
    (r"(a)\1", "a"),
])
def test_first_characters_keep_what_case_folding_and_classes_match(pattern, text):
    compiled = re.compile(pattern)
    chars, may_be_empty = _first_characters(compiled)
    assert compiled.match(text) or compiled.match(text * 2)
    assert may_be_empty or text in chars


def test_lexers_with_their_own_loop_are_left_alone():
    plain = get_lexer_by_name("pycon")
    assert type(plain).get_tokens_unprocessed is not RegexLexer.get_tokens_unprocessed
    assert "get_tokens_unprocessed" not in vars(quick_lexer(plain))
    assert "get_tokens_unprocessed" in vars(quick_lexer(get_lexer_by_name("python")))
