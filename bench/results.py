"""Shared by the benchmarks: statistics for their tables, and bench/RESULTS.md, where each
script owns one `## ` section and replaces only that one, so the scripts can run in any order.
"""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
PREAMBLE = "# Benchmark results\n\nEach section is written by the script it names.\n"


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: always one of the measured values, never an interpolation."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def write_section(heading: str, lines: list[str]) -> None:
    """Put `heading` and its lines into RESULTS.md: in place of the old section, else at the end."""
    section = "\n".join([heading, "", *lines]) + "\n"
    text = RESULTS.read_text() if RESULTS.exists() else PREAMBLE
    if heading in text:
        before, _, rest = text.partition(heading)
        after = rest.split("\n## ", 1)
        text = before + section + ("\n## " + after[1] if len(after) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)
