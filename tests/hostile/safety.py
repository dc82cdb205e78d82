"""What "no unsafe byte in the output" means, checked over a built site folder."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from karpwiki.graph import unsafe_scheme

THEME_SCRIPT = re.compile(r"^(\.\./)*static/[a-z-]+\.js$")
FORBIDDEN_TAGS = {"iframe", "object", "embed", "frame", "frameset", "base", "applet", "form", "svg", "math"}
SAFE_STYLE = re.compile(r"^text-align:(left|right|center)$")


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        self.in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.problems.append(f"inline script: {data[:60]!r}")

    def _check(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        if tag == "meta" and any(name == "http-equiv" for name, _ in attrs):
            self.problems.append("<meta http-equiv>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction", "xlink:href", "poster") and unsafe_scheme(value):
                self.problems.append(f"<{tag} {name}={value[:40]!r}>")
            if name == "style" and not SAFE_STYLE.match(value.replace(" ", "")):
                self.problems.append(f"<{tag} style={value!r}>")
        if tag == "script" and not THEME_SCRIPT.match(dict(attrs).get("src") or ""):
            self.problems.append(f"<script src={dict(attrs).get('src')!r}>")


def unsafe_markup(site: Path) -> list[str]:
    """Every place in the site's HTML and data scripts where page text became live markup."""
    problems = []
    for path in sorted(site.rglob("*")):
        if path.suffix == ".html":
            scanner = _Scanner()
            scanner.feed(path.read_text(encoding="utf-8"))
            problems += [f"{path.relative_to(site)}: {p}" for p in scanner.problems]
        elif path.name.endswith("-data.js"):
            text = path.read_text(encoding="utf-8")
            for needle in ("</script", "<!--", "<script"):
                if needle in text.lower():
                    problems.append(f"{path.relative_to(site)}: raw {needle}")
    return problems
