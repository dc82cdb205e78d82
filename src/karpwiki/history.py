"""Git history → values the checker can use: what changed since a ref, where pages were renamed.

The only module that runs git. It reads the repository, never writes it, and turns every git
failure into a UsageError naming the ref or folder.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from .errors import UsageError
from .model import Change, Rename


def _git(wiki: Path, *args: str) -> str:
    try:
        result = subprocess.run(["git", "-C", str(wiki), *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed") from None
    if result.returncode != 0:
        raise UsageError(f"git {args[0]} failed: {result.stderr.strip().splitlines()[-1] if result.stderr.strip() else 'error'}")
    return result.stdout


def _wiki_prefix(wiki: Path) -> str:
    """The wiki folder's path inside its repository, "" when it is the repository's root."""
    try:
        prefix = _git(wiki, "rev-parse", "--show-prefix").strip()
    except UsageError:
        raise UsageError(f"{wiki} is not inside a git repository") from None
    return prefix


def _inside(prefix: str, repo_path: str) -> str | None:
    if prefix and not repo_path.startswith(prefix):
        return None
    return repo_path[len(prefix):]


def changes_since(wiki: Path, ref: str) -> Change:
    """What the working tree changed in the wiki since `ref`, with the old text of changed pages."""
    prefix = _wiki_prefix(wiki)
    try:
        _git(wiki, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except UsageError:
        raise UsageError(f"unknown git ref: {ref}") from None
    changed: set[str] = set()
    removed: set[str] = set()
    fields = _git(wiki, "diff", "--name-status", "-M", "-z", ref, "--", ".").split("\0")
    position = 0
    while position < len(fields) - 1:
        status = fields[position]
        if status.startswith(("R", "C")):
            old, new = fields[position + 1], fields[position + 2]
            position += 3
            if status.startswith("R"):
                removed.add(old)
            changed.add(new)
        else:
            path = fields[position + 1]
            position += 2
            (removed if status.startswith("D") else changed).add(path)
    untracked = _git(wiki, "ls-files", "--others", "--exclude-standard", "-z", "--full-name", "--", ".")
    changed.update(path for path in untracked.split("\0") if path)
    old_text = {}
    for repo_path in sorted(removed | changed):
        if repo_path.endswith(".md"):
            shown = subprocess.run(
                ["git", "-C", str(wiki), "show", f"{ref}:{repo_path}"], capture_output=True, check=False
            )
            if shown.returncode == 0:
                old_text[repo_path] = shown.stdout.decode("utf-8", errors="replace")

    def relative(paths):
        return frozenset(p for p in (_inside(prefix, path) for path in paths) if p)

    return Change(
        ref,
        relative(changed),
        relative(removed),
        {rel: text for path, text in old_text.items() if (rel := _inside(prefix, path))},
    )


def renames(wiki: Path) -> dict[str, Rename]:
    """Every page path the history renamed, to where it lives now (following chains of renames).

    A wiki outside git, or a repository without commits, simply has no renames.
    """
    try:
        prefix = _wiki_prefix(wiki)
        log = _git(wiki, "log", "-M", "--diff-filter=R", "--name-status", "--format=commit %h", "--", ".")
    except UsageError:
        return {}
    moved: dict[str, Rename] = {}
    commit = ""
    for line in log.splitlines():  # newest first
        if line.startswith("commit "):
            commit = line.split()[1]
        elif line.startswith("R"):
            _, old, new = line.split("\t")
            old_rel, new_rel = _inside(prefix, old), _inside(prefix, new)
            if old_rel and new_rel and old_rel not in moved:
                later = moved.get(new_rel)
                moved[old_rel] = Rename(later.new_path if later else new_rel, commit)
    return moved
