#!/usr/bin/env python3
"""Cold, warm and one-edit builds at 1,000 and 10,000 pages: karpwiki against its peers.

Issue 7 sets its targets as ratios measured side by side in one run, because absolute seconds
drift ±30% on this machine. So every tool builds the same generated wiki (gen_corpus.py,
seed 1), from an empty output folder and empty caches, interleaved round by round (A B C A B
C ...) so that a slow spell of the host lands on all of them rather than on one tool's runs.
Each run records wall time, CPU time and the peak memory of its whole process tree
(bench/measure.py) and prints CPU ÷ wall, the parallel speedup the host actually gave, beside
the CPU the rest of the host used meanwhile: a busy host can then be told apart from a slow
build. Then karpwiki builds again on a wiki it has built, with nothing changed and after a
one-page edit, and checks it warm. The peers (bench/peers.py): the Python floor, MkDocs 1.6
with link and anchor validation at warn, MkDocs Material, Hugo and Jekyll. Results go to
bench/RESULTS.md; `--quick` (small wikis, one run) prints them instead.

    .venv/bin/python bench/build_bench.py [--sizes 1000 10000] [--runs 3] [--quick]
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from build_report import EDIT, WARM, WARM_CHECK, SizeResult, mebibytes, report_lines, seconds
from corpus import generate_corpus
from measure import Measurement, measure
from peers import (KARPWIKI, PEERS, ROOT, Build, Tools, Unavailable, karpwiki_build, karpwiki_check, karpwiki_version,
                   last_line)
from results import RESULTS, write_section

SECTION = "## Build: cold, warm and edit at scale"
SIZES, RUNS, TIMEOUT = [1000, 10000], 3, 900
QUICK_SIZES, QUICK_RUNS = [100, 300], 1
DEFAULT_TOOLS = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "karpwiki-bench"


def main() -> None:
    args = parse_arguments()
    tools = Tools(args.karpwiki, args.tools_dir, may_install=not args.no_install)
    work = Path(tempfile.mkdtemp(prefix="kw-build-bench-"))
    try:
        results = [bench_size(pages, args, tools, work / str(pages)) for pages in args.sizes]
        note_code_changes(results, tools)
    finally:
        if args.keep:
            print(f"corpora, outputs and logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    lines = report_lines(results, reproducing_command(), args.runs)
    if args.quick:
        print("\n".join(["", SECTION, "", *lines]))
    else:
        write_section(SECTION, lines)
        print(f"results in {RESULTS.relative_to(ROOT)}")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", help=f"pages per generated wiki (default {SIZES})")
    parser.add_argument("--runs", type=int, help=f"cold runs of each tool per size, and of each warm kind (default {RUNS})")
    parser.add_argument("--timeout", type=float, default=TIMEOUT,
                        help=f"seconds one run may take; a tool that takes longer is stopped and run no more (default {TIMEOUT})")
    parser.add_argument("--peers", nargs="+", choices=list(PEERS), default=list(PEERS), help="the tools to run")
    parser.add_argument("--quick", action="store_true",
                        help=f"try it out: sizes {QUICK_SIZES} and {QUICK_RUNS} run unless given; prints, writes nothing")
    parser.add_argument("--karpwiki", default=KARPWIKI, help=f"the karpwiki command under test (default {KARPWIKI})")
    parser.add_argument("--tools-dir", type=Path, default=DEFAULT_TOOLS, help=f"where the MkDocs venv lives (default {DEFAULT_TOOLS})")
    parser.add_argument("--no-install", action="store_true", help="skip peers that are not installed instead of installing them")
    parser.add_argument("--keep", action="store_true", help="keep the corpora, outputs and logs")
    args = parser.parse_args()
    args.sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
    args.runs = args.runs or (QUICK_RUNS if args.quick else RUNS)
    return args


def reproducing_command() -> str:
    python = os.path.relpath(sys.executable, ROOT) if Path(sys.executable).is_relative_to(ROOT) else sys.executable
    return shlex.join([python, "bench/build_bench.py", *sys.argv[1:]])


def note_code_changes(results: list[SizeResult], tools: Tools) -> None:
    """karpwiki is often an editable install under active work: a change in mid-run mixes two
    versions in one table, so it is said beside the table rather than found out later."""
    now = karpwiki_version(tools.karpwiki)
    for result in results:
        before = result.versions.get("karpwiki build", now)
        if before != now:
            print(f"warning: karpwiki changed during the benchmark: {before} → {now}", flush=True)
            result.problems["karpwiki's code"] = f"changed after this size was set up, to: {now}"


def bench_size(pages: int, args: argparse.Namespace, tools: Tools, work: Path) -> SizeResult:
    print(f"\n== {pages:,} pages", flush=True)
    (work / "logs").mkdir(parents=True)
    wiki = generate_corpus(work / "wiki", pages)
    result = SizeResult(pages, cold={})
    builds = prepare_builds(args.peers, wiki, work, tools, result)
    result.cold = run_cold_rounds(builds, wiki, args, work / "logs", result)
    if "karpwiki build" in result.cold:
        result.incremental = run_incremental(wiki, work, args, tools, result)
    return result


def prepare_builds(peers: list[str], wiki: Path, work: Path, tools: Tools, result: SizeResult) -> list[Build]:
    """Each chosen peer set up for this wiki; one that cannot run here is noted and left out."""
    builds = []
    for peer in peers:
        try:
            build = PEERS[peer](wiki, work / peer, tools)
        except Unavailable as why:
            print(f"warning: skipping {peer}: {why}", flush=True)
            result.problems[peer] = str(why)
            continue
        result.versions[build.tool] = build.version
        builds.append(build)
    return builds


def run_cold_rounds(builds: list[Build], wiki: Path, args: argparse.Namespace, logs: Path, result: SizeResult) -> dict[str, list[Measurement]]:
    """Every tool once per round, always in the same order; a tool that fails or runs out of
    time is dropped (one run past the limit says enough, and the next would cost as much)."""
    generated = set(wiki.rglob("*"))
    cold = {build.tool: [] for build in builds}
    for round_number in range(1, args.runs + 1):
        for build in [build for build in builds if build.tool in cold]:
            log = logs / f"{build.home.name}-{round_number}.log"
            measurement = run_cold(build, log, args.timeout)
            remove_additions(wiki, generated, build.tool)
            problem = run_problem(build, measurement, wiki, log)
            if problem:
                print(f"warning: skipping {build.tool}: {problem}", flush=True)
                result.problems[build.tool] = problem
                if measurement.timed_out:
                    result.timed_out[build.tool] = measurement
                del cold[build.tool]
                continue
            cold[build.tool].append(measurement)
            print_run(f"{build.tool}, cold {round_number}/{args.runs}", result.pages, measurement)
    return cold


def run_cold(build: Build, log: Path, timeout: float) -> Measurement:
    build.reset()
    return run(build, log, timeout)


def run(build: Build, log: Path, timeout: float) -> Measurement:
    os.sync()  # the last run's writes (and a reset's deletions) are flushed now, not during this run
    return measure(build.command, build.home, build.env(), log, timeout)


def remove_additions(wiki: Path, generated: set[Path], tool: str) -> None:
    """A cache kept inside the wiki would make the next cold run warm: whatever the run added goes."""
    added = set(wiki.rglob("*")) - generated
    for path in sorted(added):
        if path.parent not in added:  # a folder goes with everything in it
            print(f"note: {tool} left {path.relative_to(wiki)} in the wiki; removed", flush=True)
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()


def run_problem(build: Build, measurement: Measurement, wiki: Path, log: Path) -> str | None:
    """Why this run cannot count: out of time, a failure, or pages missing from the output."""
    if measurement.timed_out:
        return f"stopped at the time limit, after {seconds(measurement.wall)}"
    if measurement.exit_code != 0:
        return f"exited with {measurement.exit_code}: {last_line(log.read_text(errors='replace'))}"
    if build.out is not None:
        missing = build.missing_pages(wiki)
        if missing:
            return f"wrote no HTML for {len(missing):,} of the wiki's pages (first: {missing[0]})"
    return None


def run_incremental(wiki: Path, work: Path, args: argparse.Namespace, tools: Tools, result: SizeResult) -> dict[str, list[Measurement]]:
    """karpwiki on a wiki it has just built: nothing changed, checked, then one page edited at
    a time. On a copy, so the corpus stays as generated; the first build and the first check,
    which fill their caches, are not counted. Each edit must show in the output, so a stale
    cache cannot pass."""
    edited = shutil.copytree(wiki, work / "wiki-edited")
    home, logs = work / "karpwiki-incremental", work / "logs"
    build, check = karpwiki_build(edited, home, tools), karpwiki_check(edited, home, tools)
    run_cold(build, logs / "incremental-first.log", args.timeout)
    run(check, logs / "incremental-first-check.log", args.timeout)
    pages = sorted(edited.rglob("*.md"))
    runs_by_kind: dict[str, list[Measurement]] = {}
    for kind, subject in ((WARM, build), (WARM_CHECK, check), (EDIT, build)):
        runs_by_kind[kind] = []
        for number in range(args.runs):
            edit = append_edit(pages, number) if kind == EDIT else None
            log = logs / f"incremental-{kind.split()[0]}-{number}.log"
            measurement = run(subject, log, args.timeout)
            problem = run_problem(subject, measurement, edited, log) or (edit and stale_edit(build, edited, edit))
            if problem:
                print(f"warning: karpwiki {kind}: {problem}", flush=True)
                result.problems[f"karpwiki {kind}"] = problem
                break
            runs_by_kind[kind].append(measurement)
            print_run(f"karpwiki {kind} {number + 1}/{args.runs}", result.pages, measurement)
    return runs_by_kind


@dataclass(frozen=True)
class Edit:
    page: Path
    marker: str


def append_edit(pages: list[Path], number: int) -> Edit:
    """A sentence added to the end of a page, a different page each time, links untouched."""
    edit = Edit(pages[(len(pages) // 2 + 97 * number) % len(pages)], f"Benchmark edit number {number}.")
    edit.page.write_text(edit.page.read_text() + f"\n{edit.marker}\n")
    return edit


def stale_edit(build: Build, wiki: Path, edit: Edit) -> str | None:
    html = build.out / edit.page.relative_to(wiki).with_suffix(".html")
    if edit.marker in html.read_text():
        return None
    return f"the edit of {edit.page.relative_to(wiki)} is not in its HTML: stale output"


def print_run(what: str, pages: int, run: Measurement) -> None:
    print(f"[{pages:,} pages] {what:<40} {seconds(run.wall):>8} wall {seconds(run.cpu):>8} CPU "
          f"×{run.speedup:.2f} parallel {mebibytes(run.peak_rss):>9} RSS {mebibytes(run.peak_pss):>9} PSS; host busy elsewhere {run.elsewhere:.2f} cores",
          flush=True)


if __name__ == "__main__":
    main()
