"""Checker: findings as data, from fixture wikis and small cases."""

from karpwiki.check import check_wiki
from karpwiki.graph import WikiGraph
from karpwiki.load import load_wiki
from karpwiki.model import ERROR, WARNING


def findings_of(make_wiki, files):
    return check_wiki(WikiGraph(load_wiki(make_wiki(files))))


def test_clean_wiki_has_no_findings(make_wiki):
    assert findings_of(make_wiki, {"index.md": "[a](a.md#b)", "a.md": "## B\n\n[home](index.md)"}) == []


def test_hub_is_never_an_orphan_but_other_pages_are(make_wiki):
    findings = findings_of(make_wiki, {"index.md": "# Hub", "lonely.md": "[self](lonely.md) [hub](index.md)"})
    assert [(f.file, f.severity, f.rule) for f in findings] == [("lonely.md", WARNING, "orphan-page")]


def test_missing_anchor_suggests_the_closest_heading(make_wiki):
    (finding,) = findings_of(make_wiki, {"index.md": "[x](a.md#the-casual-mask)", "a.md": "## The causal mask\n[h](index.md)"})
    assert finding.rule == "missing-anchor" and "did you mean '#the-causal-mask'" in finding.message


def test_anchor_into_a_non_page_file_is_not_checked(make_wiki):
    assert findings_of(make_wiki, {"index.md": "[x](notes.txt#anything)", "notes.txt": "plain"}) == []


def test_files_that_clash_on_case_or_output(make_wiki):
    findings = findings_of(make_wiki, {
        "index.md": "[a](attention.md) [b](Attention.md) [c](page.md)",
        "attention.md": "# a", "Attention.md": "# A",
        "page.md": "# P", "page.html": "<p>hand-written</p>",
    })
    clashes = sorted((f.file, f.rule) for f in findings if f.rule == "file-clash")
    assert clashes == [("attention.md", "file-clash"), ("page.md", "file-clash")]


def test_every_problem_is_reported_at_once_and_sorted(make_wiki):
    findings = findings_of(make_wiki, {
        "index.md": "[b](b.md)\n[a](a.md)\n[js](javascript:x)",
        "z.md": "[gone](gone.md)",
    })
    assert [(f.file, f.line, f.rule) for f in findings] == [
        ("index.md", 1, "missing-page"),
        ("index.md", 2, "missing-page"),
        ("index.md", 3, "unsafe-url"),
        ("z.md", 1, "orphan-page"),  # at 1:1, before the link at 1:8
        ("z.md", 1, "missing-page"),
    ]
    assert all(f.severity == ERROR for f in findings if f.rule != "orphan-page")
