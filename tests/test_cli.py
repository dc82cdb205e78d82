"""The installed `karpwiki` command, end to end: outputs, exit codes, never a traceback."""

import json
import shutil
import subprocess
import sys

import pytest

from conftest import FIXTURES, run_karpwiki
from karpwiki.config import packaged_theme

FIXTURE_NAMES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.txt").exists())


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_wiki_findings_match_expected(name):
    """Each fixture wiki has one kind of defect; expected.txt is the exact output and exit code."""
    result = run_karpwiki("check", ".", cwd=FIXTURES / name / "wiki")
    assert result.stdout + f"rc={result.returncode}\n" == (FIXTURES / name / "expected.txt").read_text()
    assert "Traceback" not in result.stderr


def test_paths_are_shown_as_typed_from_the_current_folder(make_wiki, tmp_path):
    make_wiki({"index.md": "# Hub\n\n[x](repos/x.md)\n"})
    result = run_karpwiki("check", "wiki", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "wiki/index.md:3:5: error: missing-page: 'repos/x.md' does not exist"


def test_json_format(make_wiki):
    wiki = make_wiki({"index.md": "[x](x.md)", "orphan.md": "# O"})
    result = run_karpwiki("check", wiki, "--format", "json")
    assert result.returncode == 1
    assert json.loads(result.stdout) == {
        "pages": 2,
        "findings": [
            {"file": "index.md", "line": 1, "column": 5, "severity": "error", "rule": "missing-page", "message": "'x.md' does not exist"},
            {"file": "orphan.md", "line": 1, "column": 1, "severity": "warning", "rule": "orphan-page", "message": "no other page links here"},
        ],
    }


def test_github_format_is_workflow_commands(make_wiki, tmp_path):
    make_wiki({"index.md": "[x](x,1.md)", "orphan.md": "# O"})
    result = run_karpwiki("check", "wiki", "--format", "github", cwd=tmp_path)
    assert result.stdout.splitlines() == [
        "::error file=wiki/index.md,line=1,col=5,title=missing-page::'x,1.md' does not exist",
        "::warning file=wiki/orphan.md,line=1,col=1,title=orphan-page::no other page links here",
    ]


def test_strict_turns_warnings_into_failure(make_wiki):
    wiki = make_wiki({"index.md": "# Hub", "orphan.md": "# O"})
    assert run_karpwiki("check", wiki).returncode == 0
    assert run_karpwiki("check", wiki, "--strict").returncode == 1


@pytest.mark.parametrize(
    "args",
    [("check", "no-such-dir"), ("check", "--format", "xml"), ("build", "--bogus"), ("frobnicate",), ()],
)
def test_unusable_invocations_exit_2_without_traceback(args, tmp_path):
    result = run_karpwiki(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.strip()


def test_build_from_any_folder_uses_the_packaged_theme(make_wiki, tmp_path):
    wiki = make_wiki({"index.md": "# Hub\n\n[a](a.md)", "a.md": "# A\n"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_karpwiki("build", wiki, "--out", "site", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "built 2 pages into site\n"
    assert (elsewhere / "site" / "a.html").exists() and (elsewhere / "site" / "static" / "style.css").exists()


def test_failed_build_exits_1_and_keeps_the_old_site(make_wiki, tmp_path):
    wiki = make_wiki({"index.md": "[a](a.md)", "a.md": "# A"})
    assert run_karpwiki("build", wiki, "--out", tmp_path / "out").returncode == 0
    old = (tmp_path / "out" / "index.html").read_bytes()
    (wiki / "index.md").write_text("[a](a.md) [b](b.md)")
    result = run_karpwiki("build", wiki, "--out", tmp_path / "out")
    assert result.returncode == 1
    assert "index.md:1:15: error: missing-page" in result.stderr and "was not changed" in result.stderr
    assert (tmp_path / "out" / "index.html").read_bytes() == old


def test_refusing_to_overwrite_is_one_line(make_wiki, tmp_path):
    wiki = make_wiki({"index.md": "# Hub"})
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    result = run_karpwiki("build", wiki, "--out", tmp_path / "mine")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"


def test_template_syntax_error_is_reported_with_its_line(make_wiki, tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(packaged_theme(), theme)
    (theme / "page.html").write_text('{% extends "base.html" %}\n{% block main %}\n{{ content }\n{% endblock %}\n')
    wiki = make_wiki({"index.md": "[a](a.md)", "a.md": "# A"})
    result = run_karpwiki("build", wiki, "--templates", theme, "--out", tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr.startswith(f"karpwiki: {theme / 'page.html'}:3: template syntax error: unexpected '}}'")
    assert "Traceback" not in result.stderr


def test_python_dash_m_runs_the_same_command(make_wiki):
    wiki = make_wiki({"index.md": "[x](x.md)"})
    result = subprocess.run([sys.executable, "-m", "karpwiki", "check", str(wiki)], capture_output=True, text=True)
    assert result.returncode == 1 and "missing-page" in result.stdout


def test_base_url_adds_a_sitemap(make_wiki, tmp_path):
    wiki = make_wiki({"index.md": "[a](a.md)", "a.md": "# A"})
    assert run_karpwiki("build", wiki, "--out", tmp_path / "plain").returncode == 0
    assert not (tmp_path / "plain" / "sitemap.xml").exists()
    assert run_karpwiki("build", wiki, "--out", tmp_path / "site", "--base-url", "https://example.org/wiki").returncode == 0
    sitemap = (tmp_path / "site" / "sitemap.xml").read_text()
    assert "<loc>https://example.org/wiki/a.html</loc>" in sitemap
