"""A run's inputs → one digest, and the record a run leaves behind, so that building or
checking an unchanged wiki again costs one read of its files instead of a whole build.

Never stale: the digest covers every wiki file's path and bytes, the theme's files, the
settings that change the output, the versions of karpwiki's own code and of the libraries
that shape its HTML. Any difference means a full run. Reads only inside the wiki and the
theme (a symlink that leads out counts by its target's name, never by its bytes).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from . import __version__
from .config import Config
from .load import wiki_paths
from .model import Finding

LIBRARIES = ("markdown-it-py", "jinja2", "pygments", "pyyaml", "mdurl", "markupsafe")
PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Record:
    digest: str
    pages: int
    findings: list[Finding]
    outputs: dict[str, int]  # output path → size in bytes, to notice a site edited by hand

    def to_json(self) -> str:
        return json.dumps({
            "digest": self.digest, "pages": self.pages,
            "findings": [f.__dict__ for f in self.findings], "outputs": self.outputs,
        }, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Record | None:
        """None for anything but a well-formed record: a damaged record only costs a full run."""
        try:
            data = json.loads(text)
            return cls(str(data["digest"]), int(data["pages"]), [Finding(**f) for f in data["findings"]],
                       {str(k): int(v) for k, v in data["outputs"].items()})
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def input_digest(config: Config, purpose: str) -> str:
    """One hash of everything that decides what `purpose` ("check" or "build") produces."""
    digest = hashlib.blake2b(digest_size=20)
    settings = [purpose, __version__, config.base_url, *(f"{name}={version(name)}" for name in LIBRARIES)]
    digest.update("\0".join(settings).encode())
    _add_folder(digest, PACKAGE, sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")))
    if purpose == "build":
        theme = config.templates
        _add_folder(digest, theme, sorted(p.relative_to(theme).as_posix() for p in theme.rglob("*") if p.is_file()))
    _add_folder(digest, config.wiki, wiki_paths(config.wiki))
    return digest.hexdigest()


def _add_folder(digest, root: Path, paths: list[str]) -> None:
    real_root = root.resolve()
    for relative in paths:
        path = root / relative
        digest.update(b"\0path\0" + relative.encode("utf-8", "surrogateescape"))
        try:
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                target = path.resolve()
                digest.update(b"\0link\0" + os.fsencode(str(target)))
                if not target.is_relative_to(real_root):
                    continue
            if path.is_file():
                digest.update(b"\0data\0" + path.read_bytes())
        except (OSError, RuntimeError) as error:  # loops, FIFOs, vanishing files
            digest.update(f"\0unreadable\0{type(error).__name__}".encode())


def read_record(path: Path) -> Record | None:
    try:
        return Record.from_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def outputs_intact(out: Path, record: Record) -> bool:
    """Every file the record lists is still there with its size (a cheap stat each)."""
    try:
        return all((out / path).stat().st_size == size for path, size in record.outputs.items())
    except OSError:
        return False


def check_record_path(config: Config) -> Path:
    """Where `karpwiki check` keeps its record for this wiki (the user's cache folder)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "karpwiki"
    name = hashlib.blake2b(str(config.wiki.resolve()).encode(), digest_size=10).hexdigest()
    return base / f"check-{name}.json"
