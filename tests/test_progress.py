"""Progress: a live line on a terminal only; --verbose stage lines; --quiet prints findings alone."""

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import karpwiki_executable, run_karpwiki
from karpwiki.build import build
from karpwiki.config import Config
from karpwiki.progress import Progress

GENERATOR = Path(__file__).resolve().parents[2] / "shared" / "bench" / "gen_corpus.py"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    wiki = tmp_path_factory.mktemp("generated") / "wiki"
    subprocess.run([sys.executable, str(GENERATOR), str(wiki), "240", "--seed", "3"], check=True, capture_output=True)
    return wiki


@pytest.mark.parametrize("workers", [1, 2])
def test_live_line_counts_every_file_and_page_across_processes(generated, tmp_path, monkeypatch, workers):
    monkeypatch.setattr("karpwiki.progress.REFRESH_SECONDS", 0.0)
    monkeypatch.setattr("karpwiki.workers.REFRESH_SECONDS", 0.001)
    stream = io.StringIO()
    report = build(Config(wiki=generated, out=tmp_path / "site", workers=workers), progress=Progress(stream, live=True))
    assert report.written
    frames = [frame.replace("\033[K", "") for frame in stream.getvalue().split("\r") if frame.strip("\033[K")]
    reading = [frame for frame in frames if frame.startswith("reading files ")]
    writing = [frame for frame in frames if frame.startswith("writing pages ")]
    assert reading and writing
    assert reading[-1].startswith("reading files 240/240 (") and writing[-1].startswith("writing pages 240/240 (")
    assert stream.getvalue().endswith("\r\033[K")  # the line is cleared, not left behind


def test_a_terminal_sees_progress_and_a_pipe_does_not(generated, tmp_path):
    command = [karpwiki_executable(), "build", str(generated), "--out", str(tmp_path / "a")]
    piped = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "CI": ""})
    assert piped.returncode == 0 and piped.stderr == "" and "\r" not in piped.stdout

    leader, follower = pty.openpty()
    terminal = subprocess.run([*command[:-1], str(tmp_path / "b")], stdout=subprocess.PIPE, stderr=follower,
                              env={**os.environ, "CI": "", "TERM": "xterm"})
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert terminal.returncode == 0
    assert b"\rreading files " in seen and b"/240 (" in seen

    in_ci = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "CI": "true"})
    assert in_ci.stderr == ""


def test_verbose_names_each_stage_with_its_time(make_wiki, tmp_path):
    wiki = make_wiki({"index.md": "# Hub\n\n[a](a.md)\n", "a.md": "# A\n\n[hub](index.md)\n"})
    result = run_karpwiki("build", str(wiki), "--out", str(tmp_path / "site"), "--verbose")
    assert result.returncode == 0
    stages = [line.split(":")[0] for line in result.stderr.splitlines()]
    assert stages == ["reading files", "checking links", "writing pages"]
    assert "reading files: 2 in " in result.stderr and " s (1 process)" in result.stderr


def test_quiet_prints_findings_alone(make_wiki, tmp_path):
    clean = make_wiki({"index.md": "# Hub\n\n[a](a.md)\n", "a.md": "# A\n\n[hub](index.md)\n"}, name="clean")
    result = run_karpwiki("build", str(clean), "--out", str(tmp_path / "site"), "--quiet")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert run_karpwiki("check", str(clean), "-q").stdout == ""

    broken = make_wiki({"index.md": "# Hub\n\n[x](x.md)\n"}, name="broken")
    result = run_karpwiki("check", str(broken), "--quiet")
    assert result.returncode == 1
    assert result.stdout == f"{broken.as_posix()}/index.md:3:5: error: missing-page: 'x.md' does not exist\n"
    assert run_karpwiki("check", str(broken), "-q", "-v").returncode == 2  # one or the other
