"""A Pygments lexer → the same lexer, finding the same tokens several times faster.

A RegexLexer finds each token by trying its state's rules in order until one matches: about
40 regexes per token in Python code, most of which cannot match the character they start at.
Highlighting was a third of a cold build. Here each state keeps, for every ASCII character,
only the rules whose regex may begin a match with that character (read from the regex's own
parse, and erring toward keeping a rule), still in their order. The first rule that matches
is therefore the one Pygments would have found, and the tokens are Pygments' own. Lexers that
replace Pygments' loop with their own are left as they are.
"""

from __future__ import annotations

import re
from functools import lru_cache, partial

from pygments.lexer import Lexer, RegexLexer
from pygments.token import Error, Whitespace, _TokenType

try:
    from re import _constants as sre, _parser as sre_parse
except ImportError:  # Python 3.10
    import sre_constants as sre
    import sre_parse

ASCII = frozenset(map(chr, range(128)))
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)
_REPEATS = tuple(getattr(sre, name) for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(sre, name))
_ATOMIC = getattr(sre, "ATOMIC_GROUP", None)


def quick_lexer(lexer: Lexer) -> Lexer:
    """The lexer itself, its tokens found through per-character rule tables when it runs
    Pygments' own RegexLexer loop."""
    if type(lexer).get_tokens_unprocessed is RegexLexer.get_tokens_unprocessed:
        lexer.get_tokens_unprocessed = partial(_tokens, lexer, _rule_tables(type(lexer)))
    return lexer


class _Tables(dict):
    """Per state, made when a text first enters it: {ASCII character: the rules to try}."""

    def __init__(self, tokendefs: dict):
        super().__init__()
        self.tokendefs = tokendefs

    def __missing__(self, state: str) -> dict[str, tuple]:
        table = self[state] = _table(self.tokendefs[state])
        return table


@lru_cache(maxsize=None)
def _rule_tables(lexer_class: type) -> _Tables:
    return _Tables(lexer_class._tokens)


def _table(rules: list) -> dict[str, tuple]:
    firsts = [_first_characters(rexmatch.__self__) for rexmatch, _, _ in rules]
    return {char: tuple(rule for rule, (chars, may_be_empty) in zip(rules, firsts) if may_be_empty or char in chars)
            for char in ASCII}


def _tokens(lexer: RegexLexer, tables: _Tables, text: str, stack=("root",)):
    """RegexLexer.get_tokens_unprocessed, trying only the rules the table keeps for the
    character at hand (all of them past the end or at a character beyond ASCII)."""
    tokendefs = lexer._tokens
    pos = 0
    statestack = list(stack)
    statetokens = tokendefs[statestack[-1]]
    table = tables[statestack[-1]]
    while True:
        for rexmatch, action, new_state in table.get(text[pos:pos + 1], statetokens):
            m = rexmatch(text, pos)
            if not m:
                continue
            if action is not None:
                if type(action) is _TokenType:
                    yield pos, action, m.group()
                else:
                    yield from action(lexer, m)
            pos = m.end()
            if new_state is not None:
                if isinstance(new_state, tuple):
                    for state in new_state:
                        if state == "#pop":
                            if len(statestack) > 1:
                                statestack.pop()
                        elif state == "#push":
                            statestack.append(statestack[-1])
                        else:
                            statestack.append(state)
                elif isinstance(new_state, int):
                    # pop, but keep at least one state on the stack, as Pygments does
                    if abs(new_state) >= len(statestack):
                        del statestack[1:]
                    else:
                        del statestack[new_state:]
                elif new_state == "#push":
                    statestack.append(statestack[-1])
                else:
                    raise ValueError(f"wrong state def: {new_state!r}")
                statetokens = tokendefs[statestack[-1]]
                table = tables[statestack[-1]]
            break
        else:
            if pos >= len(text):
                return
            if text[pos] == "\n":
                # at the end of a line no rule matched: back to root, as Pygments does
                statestack = ["root"]
                statetokens = tokendefs["root"]
                table = tables["root"]
                yield pos, Whitespace, "\n"
            else:
                yield pos, Error, text[pos]
            pos += 1


@lru_cache(maxsize=4096)
def _first_characters(pattern) -> tuple[frozenset[str], bool]:
    """The ASCII characters a match of `pattern` may start with, and whether it may be empty.
    Anything this does not know keeps the rule for every character."""
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:
        return ASCII, True
    return _first_of_sequence(parsed, bool(parsed.state.flags & sre.SRE_FLAG_IGNORECASE))


def _first_of_sequence(items, ignore_case: bool) -> tuple[frozenset[str], bool]:
    found: set[str] = set()
    for op, argument in items:
        chars, may_be_empty = _first_of_item(op, argument, ignore_case)
        found |= chars
        if not may_be_empty:
            return frozenset(found), False
    return frozenset(found), True


def _first_of_item(op, argument, ignore_case: bool) -> tuple[frozenset[str], bool]:
    if op is sre.LITERAL:
        if argument >= 128:
            # under IGNORECASE a few characters beyond ASCII match ASCII letters (K, ſ)
            return (ASCII if ignore_case else frozenset()), False
        return _cased({chr(argument)}, ignore_case), False
    if op is sre.IN:
        return _first_of_set(argument, ignore_case), False
    if op is sre.NOT_LITERAL:
        return (ASCII - _cased({chr(argument)}, ignore_case) if argument < 128 else ASCII), False
    if op is sre.ANY:
        return ASCII, False
    if op in _ZERO_WIDTH:
        return frozenset(), True
    if op is sre.SUBPATTERN:
        _, add_flags, remove_flags, items = argument
        scoped = (ignore_case or bool(add_flags & sre.SRE_FLAG_IGNORECASE)) and not remove_flags & sre.SRE_FLAG_IGNORECASE
        return _first_of_sequence(items, scoped)
    if op is _ATOMIC:
        return _first_of_sequence(argument, ignore_case)
    if op is sre.BRANCH:
        found, may_be_empty = set(), False
        for items in argument[1]:
            chars, empty = _first_of_sequence(items, ignore_case)
            found |= chars
            may_be_empty = may_be_empty or empty
        return frozenset(found), may_be_empty
    if op in _REPEATS:
        least, _, items = argument
        chars, empty = _first_of_sequence(items, ignore_case)
        return chars, empty or least == 0
    return ASCII, True


def _first_of_set(items, ignore_case: bool) -> frozenset[str]:
    chars: set[str] = set()
    negated = False
    for op, argument in items:
        if op is sre.NEGATE:
            negated = True
        elif op is sre.LITERAL and (argument < 128 or not ignore_case):
            if argument < 128:
                chars.add(chr(argument))
        elif op is sre.RANGE and (argument[1] < 128 or not ignore_case):
            chars.update(map(chr, range(argument[0], min(argument[1], 127) + 1)))
        elif op is sre.CATEGORY and argument in _CATEGORIES:
            chars |= _CATEGORIES[argument]
        else:
            return ASCII
    chars = _cased(chars, ignore_case)
    return ASCII - chars if negated else frozenset(chars)


def _cased(chars: set[str], ignore_case: bool) -> frozenset[str]:
    return frozenset(chars | {char.swapcase() for char in chars}) if ignore_case else frozenset(chars)


def _category(code: str) -> frozenset[str]:
    """The ASCII members of a class escape such as \\w, in Unicode mode (a superset of ASCII
    mode's, so a rule is never dropped for a character it matches)."""
    return frozenset(char for char in ASCII if re.match(code, char))


_CATEGORIES = {sre.CATEGORY_DIGIT: _category(r"\d"), sre.CATEGORY_NOT_DIGIT: _category(r"\D"),
               sre.CATEGORY_SPACE: _category(r"\s"), sre.CATEGORY_NOT_SPACE: _category(r"\S"),
               sre.CATEGORY_WORD: _category(r"\w"), sre.CATEGORY_NOT_WORD: _category(r"\W")}
