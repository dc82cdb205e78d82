"""The CI files users copy: the workflow's and the pre-commit hook's commands, run for real."""

import os
import shlex
import subprocess
from pathlib import Path

import yaml

from conftest import FIXTURES, karpwiki_executable

ROOT = Path(__file__).parent.parent
WORKFLOW = yaml.safe_load((ROOT / ".github" / "workflows" / "wiki.yml").read_text())


def karpwiki_steps(job: str) -> list[str]:
    return [step["run"] for step in WORKFLOW["jobs"][job]["steps"] if "karpwiki" in step.get("run", "")]


def run_step(command: str, cwd: Path, wiki: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **WORKFLOW["env"], "WIKI_DIR": wiki, "PATH": f"{Path(karpwiki_executable()).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_pull_request_job_annotates_a_broken_wiki_and_fails(tmp_path):
    check, build = karpwiki_steps("check")
    result = run_step(check, FIXTURES / "broken-links", "wiki")
    assert result.returncode == 1
    assert "::error file=wiki/index.md,line=8,col=36,title=missing-page::" in result.stdout
    built = run_step(build, tmp_path, str(FIXTURES / "broken-links" / "wiki"))
    assert built.returncode == 1 and not (tmp_path / WORKFLOW["env"]["SITE_DIR"]).exists()


def test_pull_request_and_publish_jobs_build_a_good_wiki(tmp_path):
    wiki = str(FIXTURES / "good" / "wiki")
    for job in ("check", "publish"):
        for command in karpwiki_steps(job):
            result = run_step(command, tmp_path, wiki)
            assert result.returncode == 0, (job, command, result.stderr)
        assert (tmp_path / WORKFLOW["env"]["SITE_DIR"] / "index.html").exists()


def test_workflow_pins_action_versions_and_uploads_the_built_folder():
    uses = [step["uses"] for job in WORKFLOW["jobs"].values() for step in job["steps"] if "uses" in step]
    assert uses and all(ref.count(".") >= 2 for ref in (u.split("@")[1] for u in uses)), uses
    upload = next(s for s in WORKFLOW["jobs"]["check"]["steps"] if "upload-artifact" in s.get("uses", ""))
    assert upload["with"]["path"] == "${{ env.SITE_DIR }}"
    assert WORKFLOW[True]["pull_request"] is None and WORKFLOW[True]["push"]["branches"] == ["main"]  # yaml reads `on` as True


def test_pre_commit_hook_runs_the_check(tmp_path):
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "karpwiki-check" and hook["language"] == "python" and hook["pass_filenames"] is False
    command = shlex.split(hook["entry"]) + hook["args"]
    executable = [karpwiki_executable()] + command[1:]
    broken = subprocess.run(executable, cwd=FIXTURES / "broken-links", capture_output=True, text=True)
    good = subprocess.run(executable, cwd=FIXTURES / "good", capture_output=True, text=True)
    assert command[0] == "karpwiki"
    assert (broken.returncode, good.returncode) == (1, 0)
