"""Shared test tools: tiny wikis on disk, the installed command, free ports, golden updates."""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "wikis"
# Pieces that start or end every inline and block construct, for random_markdown to mix.
MARKDOWN_PIECES = [
    "word", "two words", " ", "  ", "\n", "\n\n", "\t", "    ", "*", "**", "_", "__", "~~", "~", "`", "``", "```",
    "```python\n", "~~~\n", "[", "]", "](", "(", ")", "[a](a.md)", "[b]: b.md", "![img](i.png)", "<", ">", "> ",
    "<b>", "<!--", "-->", "<http://x.y>", "&amp;", "&#35;", "&", "\\", "\\*", "!", "#", "# ", "## ", "-", "- ",
    "+ ", "1. ", "2) ", "9. ", "30) ", "4", "5", "6", "7", "8", "0", "---", "***", "___", "===", "|",
    "| a | b |\n|---|---|\n", ":", "\"", "'", "é", "→", "\u00a0", "[see x](x.md#part)", "[a b](../repos/y%20z.md)",
    "(x.md)", "[label]", "](x.md)", "](x.md \"title\")", "[é](é.md)", "](<x y.md>)", "](a(b).md)", "[a]: <b c>",
    "*word*", "**two words**", "*a*", "**b**",
]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Each test gets its own cache folder, so no test sees another's check records."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files from the current output")
    parser.addoption("--update-screenshots", action="store_true", help="retake docs/screenshots/ from the real wiki")


@pytest.fixture
def random_markdown():
    """random_markdown(count, seed) → that many documents mixing MARKDOWN_PIECES, the same for a seed."""
    def documents(count: int, seed: int):
        chooser = random.Random(seed)
        for _ in range(count):
            yield "".join(chooser.choice(MARKDOWN_PIECES) for _ in range(chooser.randint(1, 60)))
    return documents


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


class Served:
    """A running `karpwiki serve` and helpers to talk to it."""

    def __init__(self, wiki: Path, tmp: Path, *extra: str):
        self.port = free_port()
        self.tmp = tmp / "tmp"
        self.tmp.mkdir(exist_ok=True)
        env = {**os.environ, "TMPDIR": str(self.tmp), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [karpwiki_executable(), "serve", str(wiki), "--port", str(self.port), *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp,
        )
        self.output: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.wait_for_output("serving ")

    def _read(self):
        for line in self.process.stdout:
            self.output.append(line.rstrip("\n"))

    def wait_for_output(self, text: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [line for line in self.output if text in line]
            if found:
                return found[-1]
            if self.process.poll() is not None and not self.reader.is_alive():
                break
            time.sleep(0.02)
        raise AssertionError(f"no {text!r} in output: {self.output}")

    def request(self, path: str, method: str = "GET") -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body

    def get_text(self, path: str) -> str:
        status, _, body = self.request(path)
        assert status == 200, (path, status)
        return body.decode()

    def wait_until(self, predicate, timeout: float = 10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"condition not met in {timeout}s; output: {self.output[-5:]}")

    def state(self) -> dict:
        """The current announcement, read from the event stream's first message."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(b"GET /__karpwiki/events HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            while b"\ndata: " not in data or not data.endswith(b"\n\n"):
                data += sock.recv(65536)
        return json.loads(data.split(b"\ndata: ", 1)[1].split(b"\n\n", 1)[0])

    def stop(self, sig=signal.SIGINT) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=15)
        self.reader.join(timeout=5)
        return code
