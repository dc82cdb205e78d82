"""Paths a command works on, with defaults relative to where it runs. No reading or writing."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path


def packaged_theme() -> Path:
    """The `templates/` folder shipped inside the installed package."""
    return Path(str(files("karpwiki.templates")))


@dataclass(frozen=True)
class Config:
    wiki: Path = Path("wiki")
    out: Path = Path("build")
    templates: Path = field(default_factory=packaged_theme)
    workers: int | None = None  # processes for parsing and rendering; None: one per core, as the wiki's size warrants
    base_url: str = ""  # where the site is served, e.g. "https://example.org/wiki/"; "" when unknown
