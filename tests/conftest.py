"""Shared test tools: tiny wikis on disk, the installed command, free ports, golden updates."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "wikis"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files from the current output")
    parser.addoption("--update-screenshots", action="store_true", help="retake docs/screenshots/ from the real wiki")


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture
def make_wiki(tmp_path):
    """make_wiki({"index.md": "...", "repos/x.md": "..."}) → path of a fresh wiki folder."""

    def make(files: dict[str, str | bytes], name: str = "wiki") -> Path:
        root = tmp_path / name
        root.mkdir(parents=True, exist_ok=True)
        for relative, content in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", newline="")
        return root

    return make


def karpwiki_executable() -> str:
    """The installed console script beside this interpreter (or on PATH)."""
    beside = Path(sys.executable).parent / "karpwiki"
    found = str(beside) if beside.exists() else shutil.which("karpwiki")
    assert found, "the karpwiki command is not installed; run `pip install .` first"
    return found


def run_karpwiki(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "KARPWIKI_DEBUG"}
    return subprocess.run(
        [karpwiki_executable(), *map(str, args)],
        cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under root by POSIX relative path, for byte-for-byte comparisons."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
