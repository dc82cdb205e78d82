"""Git-aware checking: --changed-since against a full check, and rename hints, in real repos."""

import json
import os
import subprocess

import pytest

from conftest import run_karpwiki
from karpwiki import history
from karpwiki.errors import UsageError

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.invalid",
}


def git(repo, *args):
    return subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, check=True, capture_output=True, text=True).stdout


def commit(repo, message):
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "project"
    wiki = root / "wiki"
    (wiki / "repos").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    files = {
        "index.md": "# Hub\n\n[a](a.md) [b](b.md) [r](repos/r.md)\n",
        "a.md": "# A\n\nSee [b's section](b.md#section) and [c](c.md).\n",
        "b.md": "# B\n\n## Section\n\nText.\n",
        "c.md": "# C\n\n[a](a.md)\n",
        "repos/r.md": "# R\n\n[b](../b.md)\n",
        "notes.md": "# Notes\n\n[missing from the start](never.md) [hub](index.md)\n",
    }
    for path, text in files.items():
        (wiki / path).write_text(text)
    (root / "README.md").write_text("not part of the wiki\n")
    commit(root, "start")
    return root


def full_check(wiki):
    result = run_karpwiki("check", wiki, "--format", "json")
    return json.loads(result.stdout)["findings"]


def changed_check(wiki, ref):
    result = run_karpwiki("check", wiki, "--format", "json", "--changed-since", ref)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)["findings"]


def keys(findings):
    return {(f["file"], f["line"], f["column"], f["rule"]) for f in findings}


def edit(wiki, path, old, new):
    target = wiki / path
    target.write_text(target.read_text().replace(old, new))


STEPS = [
    ("edit: a new broken link", lambda w, r: edit(w, "a.md", "Text", "Text") or (w / "a.md").write_text((w / "a.md").read_text() + "\n[oops](opps.md)\n"),
     {("a.md", "missing-page")}),
    ("rename b.md to beta.md", lambda w, r: git(r, "mv", "wiki/b.md", "wiki/beta.md"),
     {("index.md", "missing-page"), ("a.md", "missing-page"), ("repos/r.md", "missing-page")}),
    ("delete c.md", lambda w, r: git(r, "rm", "-q", "wiki/c.md"), {("a.md", "missing-page")}),
    ("heading rename in beta.md", lambda w, r: edit(w, "beta.md", "## Section", "## Part") or edit(w, "a.md", "b.md#section", "beta.md#section"),
     {("a.md", "missing-anchor")}),
    ("index stops linking a.md", lambda w, r: edit(w, "index.md", "[a](a.md) ", ""), {("a.md", "orphan-page")}),
    ("untracked new page with a broken link", lambda w, r: (w / "new.md").write_text("[x](nowhere.md)\n"), {("new.md", "missing-page")}),
]


def test_changed_since_reports_everything_the_change_caused_and_nothing_else(repo):
    """At each scripted commit: findings new to the full check ⊆ --changed-since ⊆ full check."""
    wiki = repo / "wiki"
    previous_ref, previous_full = git(repo, "rev-parse", "HEAD").strip(), keys(full_check(wiki))
    for description, step, expected in STEPS:
        step(wiki, repo)
        full = keys(full_check(wiki))
        changed = keys(changed_check(wiki, previous_ref))
        assert full - previous_full <= changed, f"{description}: missed {full - previous_full - changed}"
        assert changed <= full, description
        assert expected <= {(file, rule) for file, _, _, rule in changed}, description
        assert ("notes.md", 3, 25, "missing-page") not in changed, f"{description}: reported an old, unrelated finding"
        previous_ref, previous_full = commit(repo, description), full


def test_nothing_changed_means_nothing_reported(repo):
    assert changed_check(repo / "wiki", "HEAD") == []


def test_missing_page_that_was_renamed_says_where_it_went(repo):
    wiki = repo / "wiki"
    git(repo, "mv", "wiki/b.md", "wiki/repos/beta.md")
    rename = commit(repo, "move b")[:7]
    messages = {(f["file"], f["message"]) for f in full_check(wiki)}
    assert ("index.md", f"'b.md' does not exist; it was renamed to 'repos/beta.md' in {rename}") in messages
    assert ("repos/r.md", f"'../b.md' does not exist; it was renamed to 'beta.md' in {rename}") in messages


def test_renames_follow_chains_and_ignore_files_outside_the_wiki(repo):
    git(repo, "mv", "wiki/b.md", "wiki/b2.md")
    commit(repo, "one")
    git(repo, "mv", "wiki/b2.md", "wiki/b3.md")
    git(repo, "mv", "README.md", "README.txt")
    commit(repo, "two")
    moved = history.renames(repo / "wiki")
    assert {old: r.new_path for old, r in moved.items()} == {"b.md": "b3.md", "b2.md": "b3.md"}


def test_outside_git_there_are_no_renames_and_changed_since_is_a_usage_error(make_wiki):
    wiki = make_wiki({"index.md": "[x](x.md)"})
    assert history.renames(wiki) == {}
    with pytest.raises(UsageError, match="not inside a git repository"):
        history.changes_since(wiki, "HEAD")
    result = run_karpwiki("check", wiki, "--changed-since", "HEAD")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_unknown_ref_is_a_usage_error(repo):
    result = run_karpwiki("check", repo / "wiki", "--changed-since", "no-such-branch")
    assert result.returncode == 2
    assert result.stderr.strip() == "karpwiki: unknown git ref: no-such-branch"
