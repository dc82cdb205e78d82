"""Values → the bytes of a build-time data file: `*-data.js` scripts and `*.json` documents.

Data scripts are how the browser gets build-time data from file:// (where fetch is refused).
Wiki text inside them is untrusted, so "<", ">" and "&" are written as \\u escapes: a title
such as `</script>` or `<!--` stays a string whatever page or parser reads the file.
"""

from __future__ import annotations

import json
from typing import Any

from ..model import Span, Spliced

DATA_DIR = "static"
SEPARATOR = b",\n"  # between the entries of a paged script
# json.dumps with options makes a new encoder at every call, which costs more than encoding a small entry.
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_READABLE = json.JSONEncoder(ensure_ascii=False).encode
# U+2028 and U+2029 end a line in JavaScript before ES2019; escaped, older parsers agree too.
# str.replace, one character at a time, is many times faster than str.translate on megabytes.
_HTML_SAFE = (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def data_script(name: str, global_name: str, value: Any) -> dict[str, bytes]:
    """{static/NAME-data.js: a script setting window.GLOBAL_NAME to value}. Callers build
    their dicts in a fixed order, so the bytes are the same for the same wiki."""
    return {data_path(name): f"window.{global_name} = {_encode(value)};\n".encode("utf-8")}


def paged_script(name: str, global_name: str, opening: str, entries: list[bytes | Span],
                 closing: str) -> dict[str, bytes | Spliced]:
    """A data script whose value is `opening`, the entries (each one page's, from page_entry),
    `closing`, one entry a line. An entry made elsewhere comes as a Span: the line of a page
    an edit build did not read again, in the live site's file (page_spans), or a loader's
    entry in its spill. Then the script is Spliced, runs of adjacent lines of one file one
    Span, and only new lines are bytes."""
    head, tail = f"window.{global_name} = {opening}\n".encode(), f"{closing};\n".encode()
    parts: list[bytes | Span] = [head]
    for number, entry in enumerate(entries):
        last = parts[-1]
        if (isinstance(entry, Span) and isinstance(last, Span) and last.source == entry.source
                and last.end + len(SEPARATOR) == entry.start):
            parts[-1] = Span(last.start, entry.end, last.source)  # the next line of that file: the separator comes along
            continue
        if number:
            parts.append(SEPARATOR)
        parts.append(entry)
    parts.extend((b"\n", tail) if entries else (tail,))
    if any(isinstance(part, Span) for part in parts):
        return {data_path(name): Spliced(tuple(parts))}
    return {data_path(name): b"".join(parts)}


def page_entry(value: Any) -> bytes:
    """One page's entry of a paged script: JSON on one line (the encoder escapes newlines)."""
    return _encode(value).encode("utf-8")


def page_spans(script) -> list[Span]:
    """Where each entry of a paged script (bytes, or a file mapped into memory) lies in it, in
    order, as Spans of the live site's file; [] for a script with none. No entry holds a
    newline, so every newline between the first and the last ends a separator, and a search
    for one byte (memchr) is several times faster than one for ",\n". ValueError for a file
    that is no paged script."""
    position, end = script.find(b"\n") + 1, script.rfind(b"\n", 0, len(script) - 1)
    if position == 0 or end < 0:
        raise ValueError("not a paged data script")
    spans = []
    while position < end:
        stop = script.find(b"\n", position, end)
        if stop < 0:
            stop = end
        elif script[stop - 1 : stop + 1] != SEPARATOR:
            raise ValueError("not a paged data script")
        else:
            stop -= 1
        spans.append(Span(position, stop))
        position = stop + len(SEPARATOR)
    return spans


def data_path(name: str) -> str:
    return f"{DATA_DIR}/{name}-data.js"


def _encode(value: Any) -> str:
    encoded = _COMPACT(value)
    for character, escape in _HTML_SAFE:
        encoded = encoded.replace(character, escape)
    return encoded


def json_document(lists: dict[str, list]) -> bytes:
    """A JSON object of lists for programs, one entry a line: readable and diffable, and
    written by the C encoder (an indented dump runs in pure Python, ten times slower)."""
    parts = []
    for key, entries in lists.items():
        lines = ",\n".join(f"    {_READABLE(entry)}" for entry in entries)
        parts.append(f"  {json.dumps(key)}: [\n{lines}\n  ]" if entries else f"  {json.dumps(key)}: []")
    return ("{\n" + ",\n".join(parts) + "\n}\n").encode("utf-8")
