"""build_bench.py's measurements → its section of bench/RESULTS.md: tables, targets, versions.

Kept apart from the running of the tools so that what is measured and how it is shown can be
read (and changed) one at a time. Medians throughout, because a run on a shared 2-core host
now and then lands on a busy second; the range and the "elsewhere" column show when.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from measure import SAMPLE_SECONDS, SAMPLER_SHARE, Measurement

WARM, WARM_CHECK, EDIT = "warm build (nothing changed)", "warm check", "one-page edit, build"
# (what, numerator, denominator, measure, at most): the ratios issue 7 targets, medians of one run
RATIO_TARGETS = [
    ("karpwiki build ÷ Hugo, wall", "karpwiki build", "Hugo", "wall", 0.6),
    ("karpwiki build ÷ MkDocs, wall", "karpwiki build", "MkDocs", "wall", 0.35),
    ("karpwiki check ÷ MkDocs build, wall", "karpwiki check", "MkDocs", "wall", 0.25),
    ("karpwiki build ÷ MkDocs, peak PSS", "karpwiki build", "MkDocs", "peak_pss", 0.5),
    ("karpwiki build ÷ MkDocs, peak RSS (shared pages once per process)", "karpwiki build", "MkDocs", "peak_rss", 0.5),
]
SECONDS_TARGETS = [(WARM, 1.0), (EDIT, 1.5), (WARM_CHECK, 1.0)]  # median wall, whole process
TARGET_PAGES = 10_000  # the size issue 7 sets its targets for; other sizes are shown, not judged
GROWTH_TARGET = 1.1  # time may grow at most 1.1× as fast as the page count: 11× for 10× the pages


@dataclass
class SizeResult:
    pages: int
    cold: dict[str, list[Measurement]]  # tool → its runs, in round order
    incremental: dict[str, list[Measurement]] = field(default_factory=dict)  # WARM, WARM_CHECK, EDIT → runs
    versions: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # tool (or kind of run) → why it is not in the table
    # tool → its run stopped at the time limit: its wall time and its memory so far are lower
    # bounds of the whole build's, so a ratio to them is an upper bound of the real ratio
    timed_out: dict[str, Measurement] = field(default_factory=dict)


def report_lines(results: list[SizeResult], command: str, runs: int) -> list[str]:
    """The section's lines under its heading; command is the one line that reproduces it."""
    return [
        *preamble(command, runs), "",
        "### Cold full builds", "",
        *cold_table(results), "",
        "### Against issue 7's targets", "",
        *targets_table(results), "",
        "### karpwiki warm, checked warm, and after a one-page edit", "",
        *incremental_table(results), "",
        "### Every karpwiki run: the parallel speedup the host gave", "",
        *speedup_table(results), "",
        "### Versions and set-ups", "",
        *versions_list(results),
        *problems_list(results),
    ]


def preamble(command: str, runs: int) -> list[str]:
    return [
        f"`{command}`, {time.strftime('%Y-%m-%d %H:%M %Z')}, on {machine()}. Generated wikis (gen_corpus.py, seed 1). "
        f"Cold: an empty output folder and no cache (the working folder, XDG_CACHE_HOME and anything a run adds "
        f"to the wiki are removed first); tools interleaved round by round (A B C A B C), {runs} "
        f"run{'s' if runs != 1 else ''} each; "
        "medians, with the range (min–max) of wall time. CPU: user + sys of the whole process tree (wait4's "
        "rusage; this script is the subreaper, so workers left behind count too). CPU ÷ wall: the parallel speedup "
        f"the host gave (2.00 would be both cores all along). Peak RSS: the largest sum of the resident sets of every "
        f"process in the tree, sampled from /proc every {SAMPLE_SECONDS * 1000:.0f} ms, never below the largest "
        "single process's ru_maxrss; it counts a page that forked processes share once in each of them. Peak "
        "PSS: the same sum of proportional set sizes (/proc/PID/smaps_rollup), where a shared page counts once in "
        f"all: what the tree really held, read as often as costs the sampler at most {SAMPLER_SHARE:.0%} of a core. \"Elsewhere\": cores the rest of the host kept busy during the run, on average "
        "(other processes, hypervisor steal): high values mean a busy host, not a slow build.",
    ]


def cold_table(results: list[SizeResult]) -> list[str]:
    first, last = results[0], results[-1]
    growth_heading = f"growth {last.pages:,} ÷ {first.pages:,}" if len(results) > 1 else "growth"
    lines = [f"| pages | tool | wall (median) | range | CPU | CPU ÷ wall | peak RSS | peak PSS | elsewhere | {growth_heading} |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for result in results:
        for tool, runs in result.cold.items():
            growth = ratio(median_of(last.cold, tool, "wall"), median_of(first.cold, tool, "wall"))
            shown_growth = f"{growth:.1f}×" if result is last and len(results) > 1 and growth else ""
            lines.append(f"| {result.pages:,} | {tool} | {summary_cells(runs)} | {shown_growth} |")
        for tool, stopped in result.timed_out.items():
            growth = ratio(stopped.wall, median_of(first.cold, tool, "wall")) if result is last and len(results) > 1 else None
            shown_growth = f"> {growth:.0f}×" if growth else ""
            lines.append(f"| {result.pages:,} | {tool} | > {seconds(stopped.wall)}, stopped | | | | "
                         f"≥ {mebibytes(stopped.peak_rss)} | ≥ {mebibytes(stopped.peak_pss)} | {stopped.elsewhere:.2f} | {shown_growth} |")
    return lines


def summary_cells(runs: list[Measurement]) -> str:
    walls = [run.wall for run in runs]
    return " | ".join([
        seconds(statistics.median(walls)),
        f"{seconds(min(walls))}–{seconds(max(walls))}",
        seconds(statistics.median(run.cpu for run in runs)),
        f"{statistics.median(run.speedup for run in runs):.2f}",
        mebibytes(statistics.median(run.peak_rss for run in runs)),
        mebibytes(statistics.median(run.peak_pss for run in runs)),
        f"{statistics.median(run.elsewhere for run in runs):.2f}",
    ])


def targets_table(results: list[SizeResult]) -> list[str]:
    """Each target beside its value at every size, judged only at the size the issue sets it for."""
    sizes = " | ".join(f"{result.pages:,} pages" for result in results)
    lines = [f"| what (medians) | target | {sizes} |", "|---" * (2 + len(results)) + "|"]
    for what, numerator, denominator, key, limit in RATIO_TARGETS:
        cells = []
        for r in results:
            ours, stopped = median_of(r.cold, numerator, key), r.timed_out.get(denominator)
            if stopped is None:
                cells.append(judged(ratio(ours, median_of(r.cold, denominator, key)), limit, "{:.2f}", r.pages))
            else:
                cells.append(bounded(ratio(ours, getattr(stopped, key)), limit, r.pages))
        lines.append(f"| {what} | ≤ {limit} | " + " | ".join(cells) + " |")
    for kind, limit in SECONDS_TARGETS:
        values = [median_of(r.incremental, kind, "wall") for r in results]
        cells = [judged(value, limit, "{:.2f} s", r.pages) for r, value in zip(results, values)]
        lines.append(f"| karpwiki {kind}, wall | < {seconds(limit)} | " + " | ".join(cells) + " |")
    if len(results) > 1:
        first, last = results[0], results[-1]
        limit = GROWTH_TARGET * last.pages / first.pages
        for tool in ("karpwiki build", "karpwiki check"):
            growth = ratio(median_of(last.cold, tool, "wall"), median_of(first.cold, tool, "wall"))
            cells = [""] * (len(results) - 1) + [judged(growth, limit, "{:.1f}×", TARGET_PAGES)]
            lines.append(f"| {tool}, wall {last.pages:,} ÷ {first.pages:,} pages | ≤ {limit:.3g}× | " + " | ".join(cells) + " |")
    if any(r.timed_out for r in results):
        lines += ["", "< x: the peer was stopped at the time limit, so its time and the memory it had reached are "
                  "less than its whole build's, and the ratio is below x."]
    return lines


def incremental_table(results: list[SizeResult]) -> list[str]:
    lines = ["After one cold `karpwiki build` of the same wiki (not counted), in the same working folder; "
             "each edit appends a sentence to a different page and must show in that page's HTML.", "",
             "| pages | run | wall (median) | range | CPU | CPU ÷ wall | peak RSS | peak PSS | elsewhere |", "|---|---|---|---|---|---|---|---|---|"]
    for result in results:
        for kind, runs in result.incremental.items():
            if runs:
                lines.append(f"| {result.pages:,} | {kind} | {summary_cells(runs)} |")
    return lines


def speedup_table(results: list[SizeResult]) -> list[str]:
    """Run by run, so one slow run can be traced to a busy host (high "elsewhere") or not."""
    lines = ["Each run as wall time, ×CPU ÷ wall, and (cores busy elsewhere), in the order run.", "",
             "| pages | run | runs |", "|---|---|---|"]
    for result in results:
        kinds = {f"cold {tool.split()[1]}": runs for tool, runs in result.cold.items() if tool.startswith("karpwiki")}
        for kind, runs in {**kinds, **result.incremental}.items():
            cells = ", ".join(f"{seconds(run.wall)} ×{run.speedup:.2f} ({run.elsewhere:.2f})" for run in runs)
            lines.append(f"| {result.pages:,} | {kind} | {cells} |")
    return lines


SETUPS = {
    "Python floor": "markdown-it-py (commonmark + tables) with Pygments on fenced code, one Jinja template, "
                    "one process; no link graph, checks, navigation or search",
    "MkDocs": "in its own venv under --tools-dir; default theme and search plugin, `use_directory_urls: false`, "
              "`validation: {links: {not_found: warn, anchors: warn}}`; code is not highlighted at build time",
    "MkDocs Material": "as MkDocs, with `theme: {name: material}`",
    "Hugo": "Debian package; the wiki as contentDir, one trivial layout, uglyURLs, no taxonomy, RSS or sitemap "
            "pages; Chroma highlights code",
    "Jekyll": "Debian package; a copy of the wiki as source with one trivial default layout, kramdown GFM; "
              "Rouge highlights code",
}


def versions_list(results: list[SizeResult]) -> list[str]:
    """One line per version: karpwiki build and check share theirs, and a size that ran other
    code than the one before gets its own line."""
    tools_by_version: dict[str, list[str]] = {}
    for result in results:
        for tool, version in result.versions.items():
            if tool not in tools_by_version.setdefault(version, []):
                tools_by_version[version].append(tool)
    return [f"- **{', '.join(tools)}**: {version}" + "".join(f". {SETUPS[tool]}" for tool in tools if tool in SETUPS)
            for version, tools in tools_by_version.items()]


def problems_list(results: list[SizeResult]) -> list[str]:
    problems = [f"- {what} at {result.pages:,} pages: {why}" for result in results for what, why in result.problems.items()]
    return ["", "Not measured:", "", *problems] if problems else []


def median_of(runs_by_tool: dict[str, list[Measurement]], tool: str, key: str) -> float | None:
    runs = runs_by_tool.get(tool)
    return statistics.median(getattr(run, key) for run in runs) if runs else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


def judged(value: float | None, limit: float, shape: str, pages: int) -> str:
    if value is None:
        return "n/a"
    if pages != TARGET_PAGES:
        return shape.format(value)
    return shape.format(value) + (" ✓" if value <= limit else " ✗")


def bounded(bound: float | None, limit: float, pages: int) -> str:
    """A ratio known only to be below `bound`: met if the bound is, unknown otherwise."""
    if bound is None:
        return "n/a"
    if pages != TARGET_PAGES:
        return f"< {bound:.2f}"
    return f"< {bound:.2f} ✓" if bound <= limit else f"< {bound:.2f}, n/a"


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def mebibytes(value: float) -> str:
    return f"{value / 2**20:,.0f} MiB"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return f"{os.cpu_count()} cores ({cpu}), {memory_kib / 2**20:.0f} GiB, Linux {platform.release()}"

