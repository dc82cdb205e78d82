"""Findings → the text a person, a program, GitHub Actions or a SARIF dashboard reads. No I/O."""

from __future__ import annotations

import json
import posixpath
from urllib.parse import quote

from . import __version__
from .model import ERROR, WARNING, Finding

FORMATS = ("text", "json", "github", "sarif")

RULES = {
    "missing-page": "A relative link or image names no file of the wiki.",
    "missing-anchor": "A #fragment names no heading of the target page.",
    "case-mismatch": "A link differs from an existing file only in letter case.",
    "outside-wiki": "A link or symlink leads outside the wiki folder.",
    "absolute-link": "A link starts with '/', which breaks when the site is served from a sub-path.",
    "unsafe-url": "A javascript:, vbscript: or data: link target.",
    "bad-front-matter": "The YAML front matter cannot be used.",
    "bad-encoding": "The file is not UTF-8.",
    "unreadable-file": "The page cannot be read.",
    "file-clash": "Two files differ only in case, or would be written to the same output path.",
    "orphan-page": "No other page links to this page.",
    "unclosed-comment": "An HTML comment is never closed and hides the rest of the page.",
    "empty-link": "A link has no target.",
    "too-deep": "Lists or quotes nest so deep that the rest of the page would be lost.",
}


def format_findings(findings: list[Finding], pages: int, wiki_shown: str, style: str, summary: bool = True) -> str:
    """All findings in one of FORMATS; files are shown joined to the wiki path the user typed."""
    if style == "json":
        return json.dumps({"pages": pages, "findings": [f.__dict__ for f in findings]}, indent=2) + "\n"
    if style == "sarif":
        return json.dumps(_sarif(findings, wiki_shown), indent=2) + "\n"
    line = _github_line if style == "github" else _text_line
    lines = [line(f, _shown_path(wiki_shown, f)) for f in findings]
    if style == "text" and summary:
        errors = sum(f.severity == ERROR for f in findings)
        warnings = sum(f.severity == WARNING for f in findings)
        lines.append(f"{_count(pages, 'page')} checked: {_count(errors, 'error')}, {_count(warnings, 'warning')}")
    return "".join(f"{text}\n" for text in lines)


def _shown_path(wiki_shown: str, finding: Finding) -> str:
    return posixpath.normpath(posixpath.join(wiki_shown, finding.file))


def _text_line(finding: Finding, path: str) -> str:
    where = path + (f":{finding.line}" if finding.line else "") + (f":{finding.column}" if finding.line and finding.column else "")
    return f"{where}: {finding.severity}: {finding.rule}: {finding.message}"


def _github_line(finding: Finding, path: str) -> str:
    """A GitHub Actions workflow command, escaped as the runner expects."""

    def escape_property(value: str) -> str:
        return escape_message(value).replace(":", "%3A").replace(",", "%2C")

    def escape_message(value: str) -> str:
        return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    properties = [f"file={escape_property(path)}"]
    if finding.line:
        properties.append(f"line={finding.line}")
    if finding.line and finding.column:
        properties.append(f"col={finding.column}")
    properties.append(f"title={escape_property(finding.rule)}")
    return f"::{finding.severity} {','.join(properties)}::{escape_message(finding.message)}"


def _sarif(findings: list[Finding], wiki_shown: str) -> dict:
    """One SARIF 2.1.0 run; file URIs are relative to where karpwiki ran (the repository root in CI)."""
    rule_ids = sorted(RULES)
    results = []
    for finding in findings:
        location: dict = {"artifactLocation": {"uri": quote(_shown_path(wiki_shown, finding))}}
        if finding.line:
            location["region"] = {"startLine": finding.line}
            if finding.column:
                location["region"]["startColumn"] = finding.column
        results.append({
            "ruleId": finding.rule,
            "ruleIndex": rule_ids.index(finding.rule),
            "level": "error" if finding.severity == ERROR else "warning",
            "message": {"text": finding.message},
            "locations": [{"physicalLocation": location}],
        })
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "karpwiki",
                "version": __version__,
                "rules": [{"id": rule, "shortDescription": {"text": RULES[rule]}} for rule in rule_ids],
            }},
            "results": results,
        }],
    }


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
