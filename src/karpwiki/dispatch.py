"""markdown-it's two rule loops, trying only the rules that can start at the character in hand.

At every position of a paragraph markdown-it calls each inline rule in turn until one matches,
and at every block each block rule; almost all of them look at one character and give up. That
loop was a tenth of the parse. These loops ask a table, made once from the parser's final
rules, which rules may start at this character: the same rules, in the same order, so the
tokens are the same (tests/test_dispatch.py holds them to markdown-it's own loops). A parser
with a rule this module does not know keeps markdown-it's loops.
"""

from __future__ import annotations

from functools import partial

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

# The characters each inline rule's match can start with. "text" is the one that matches
# anywhere else: it takes every character up to the next of the inline terminators.
INLINE_STARTS = {
    "newline": "\n", "escape": "\\", "backticks": "`", "plain_code": "`", "strikethrough": "~",
    "emphasis": "_*", "plain_emphasis": "*", "link": "[", "plain_link": "[", "image": "!",
    "autolink": "<", "html_inline": "<", "html_comment": "<", "entity": "&",
}
INLINE_ANYWHERE = {"text"}
# The first character of a block's line that each block rule's match can start with, for lines
# indented less than a code block (so "code" starts at none); "table" and "lheading" look at
# the next line, and "paragraph" takes what none of the others does.
BLOCK_STARTS = {
    "code": "", "fence": "`~", "blockquote": ">", "hr": "*-_", "list": "*-+0123456789", "reference": "[",
    "html_block": "<", "heading": "#", "html_comment": "<",
}
BLOCK_ANYWHERE = {"table", "lheading", "paragraph"}
CODE_INDENT = 4  # a line indented this much more than its block is code, whatever it starts with


def install(md: MarkdownIt) -> None:
    """Give the parser the dispatching loops, if markdown-it's rules are the ones we know."""
    inline = _table(md.inline.ruler, INLINE_STARTS, INLINE_ANYWHERE, md.inline.terminator_re.fullmatch)
    if inline is not None:
        md.inline.tokenize = partial(_tokenize_inline, *inline)
        md.inline.skipToken = partial(_skip_inline, *inline)
    block = _table(md.block.ruler, BLOCK_STARTS, BLOCK_ANYWHERE)
    if block is not None:
        md.block.tokenize = partial(_tokenize_block, *block, md.block.ruler.getRules(""))


def _table(ruler, starts: dict[str, str], anywhere: set[str], ends_text=lambda ch: False):
    """{character: the active rules that may match there, in order} and the rules for any other
    character; None when an active rule is not in `starts` or `anywhere`. The "anywhere" rules
    are left out where `ends_text(character)`: the inline text rule cannot start at a terminator."""
    active = [rule for rule in ruler.__rules__ if rule.enabled]
    if any(rule.name not in starts and rule.name not in anywhere for rule in active):
        return None
    characters = {ch for rule in active for ch in starts.get(rule.name, "")}
    table = {
        ch: [rule.fn for rule in active
             if ch in starts.get(rule.name, "") or (rule.name in anywhere and not ends_text(ch))]
        for ch in characters
    }
    return table, [rule.fn for rule in active if rule.name in anywhere]


def _tokenize_inline(table, others, state: StateInline) -> None:
    """ParserInline.tokenize with the rules looked up by character."""
    end, src = state.posMax, state.src
    max_nesting = state.md.options["maxNesting"]
    rules_at = table.get
    while state.pos < end:
        pos = state.pos
        matched = False
        if state.level < max_nesting:
            for rule in rules_at(src[pos], others):
                if rule(state, False):
                    if state.pos <= pos:
                        raise RuntimeError("inline rule didn't increment state.pos")
                    matched = True
                    break
        if matched:
            if state.pos >= end:
                break
            continue
        state.append_pending(src[pos])
        state.pos += 1
    if state.pending:
        state.pushPending()


def _skip_inline(table, others, state: StateInline) -> None:
    """ParserInline.skipToken (the silent pass link labels are measured with), by character."""
    pos, cache = state.pos, state.cache
    if pos in cache:
        state.pos = cache[pos]
        return
    matched = False
    if state.level < state.md.options["maxNesting"]:
        for rule in table.get(state.src[pos], others):
            state.level += 1
            matched = rule(state, True)
            state.level -= 1
            if matched:
                if state.pos <= pos:
                    raise RuntimeError("inline rule didn't increment state.pos")
                break
    else:
        state.pos = state.posMax  # too deep: markdown-it skips to the end of the paragraph
    if not matched:
        state.pos += 1
    cache[pos] = state.pos


def _tokenize_block(table, others, every_rule, state: StateBlock, start_line: int, end_line: int) -> None:
    """ParserBlock.tokenize with the rules looked up by the first character of the line."""
    line = start_line
    max_nesting = state.md.options.maxNesting
    src, rules_at = state.src, table.get
    has_empty_lines = False
    while line < end_line:
        state.line = line = state.skipEmptyLines(line)
        if line >= end_line or state.sCount[line] < state.blkIndent:
            break
        if state.level >= max_nesting:
            state.line = end_line
            break
        if state.sCount[line] - state.blkIndent >= CODE_INDENT:
            rules = every_rule
        else:
            rules = rules_at(src[state.bMarks[line] + state.tShift[line]], others)
        for rule in rules:
            if rule(state, line, end_line, False):
                if state.line <= line:
                    raise RuntimeError("block rule didn't increment state.line")
                break
        else:
            raise RuntimeError("none of the block rules matched")
        state.tight = not has_empty_lines
        line = state.line
        # a paragraph may take the blank line after it in nested lists
        if (line - 1) < end_line and state.isEmpty(line - 1):
            has_empty_lines = True
        if line < end_line and state.isEmpty(line):
            has_empty_lines = True
            line += 1
            state.line = line
