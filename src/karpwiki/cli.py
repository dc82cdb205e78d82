"""Command line → stages → exit code. The one place that prints and catches KarpwikiError."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from pathlib import Path

from . import __version__
from .build import Report, blocks, build, check
from .config import Config, packaged_theme
from .errors import KarpwikiError
from .formats import FORMATS, format_findings
from .progress import Progress


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except KarpwikiError as error:
        print(f"karpwiki: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("karpwiki: interrupted", file=sys.stderr)
        return 130
    except OSError as error:
        print(f"karpwiki: {error.filename or ''}: {error.strerror}".replace(": :", ":"), file=sys.stderr)
        return 2
    except Exception as error:  # a bug in karpwiki: one line for users, details on request
        if os.environ.get("KARPWIKI_DEBUG"):
            traceback.print_exc()
        print(f"karpwiki: internal error: {type(error).__name__}: {error} (set KARPWIKI_DEBUG=1 for details)", file=sys.stderr)
        return 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="karpwiki", description="Check and build a markdown wiki.")
    parser.add_argument("--version", action="version", version=f"karpwiki {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{check,build,serve}")

    check_cmd = commands.add_parser("check", help="validate every link and anchor of a wiki")
    check_cmd.set_defaults(run=_run_check)
    check_cmd.add_argument(
        "--changed-since", metavar="REF",
        help="only findings in pages changed since the git REF, and those the change caused elsewhere",
    )
    build_cmd = commands.add_parser("build", help="check, then write the static site")
    build_cmd.set_defaults(run=_run_build)
    build_cmd.add_argument("--out", type=Path, default=Path("build"), help="output folder (default: build)")
    build_cmd.add_argument(
        "--base-url", default="", metavar="URL",
        help="where the site will be published, e.g. https://example.org/wiki/ (adds sitemap.xml)",
    )
    for command in (check_cmd, build_cmd):
        command.add_argument("--format", choices=FORMATS, default="text", help="how findings are printed")
        command.add_argument("--strict", action="store_true", help="warnings fail the run too")
        command.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                             help="processes to parse and render with (default: one per core, for large wikis)")
        loudness = command.add_mutually_exclusive_group()
        loudness.add_argument("-q", "--quiet", action="store_true", help="print findings only: no progress, no summary")
        loudness.add_argument("-v", "--verbose", action="store_true", help="also print each stage and how long it took")

    serve_cmd = commands.add_parser("serve", help="preview the site, rebuilding as files change")
    serve_cmd.set_defaults(run=_run_serve)
    serve_cmd.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve_cmd.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    serve_cmd.add_argument("--open", action="store_true", help="open the site in a browser")
    for command in (check_cmd, build_cmd, serve_cmd):
        command.add_argument("wiki", nargs="?", type=Path, default=Path("wiki"), help="wiki folder (default: wiki)")
    for command in (build_cmd, serve_cmd):
        command.add_argument("--templates", type=Path, default=None, help="theme folder (default: the packaged theme)")
    return parser


def _run_check(args: argparse.Namespace) -> int:
    progress = Progress.for_terminal(args.quiet, args.verbose)
    report = check(Config(wiki=args.wiki, workers=args.jobs), changed_since=args.changed_since, progress=progress)
    _print_findings(report, args, sys.stdout)
    return 1 if blocks(report.findings, args.strict) else 0


def _run_build(args: argparse.Namespace) -> int:
    config = Config(
        wiki=args.wiki, out=args.out, templates=args.templates or packaged_theme(), base_url=args.base_url, workers=args.jobs
    )
    report = build(config, strict=args.strict, progress=Progress.for_terminal(args.quiet, args.verbose))
    _print_findings(report, args, sys.stderr if args.format == "text" else sys.stdout)
    if not report.written and not report.unchanged:
        print(f"karpwiki: build stopped by the findings above; {args.out} was not changed", file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"nothing changed since the last build; {args.out} is up to date" if report.unchanged
              else f"built {report.pages} page{'' if report.pages == 1 else 's'} into {args.out}")
    return 0


def _run_serve(args: argparse.Namespace) -> int:
    from .serve import serve_wiki  # watchdog and the server load only when serving

    config = Config(wiki=args.wiki, templates=args.templates or packaged_theme())
    signal.signal(signal.SIGTERM, _stop_on_sigterm)  # until the server runs, which then handles both
    try:
        serve_wiki(config, args.host, args.port, args.open, say=lambda text: print(text, flush=True))
    except KeyboardInterrupt:
        pass
    print("stopped", flush=True)
    return 0


def _stop_on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt


def _print_findings(report: Report, args: argparse.Namespace, stream) -> None:
    summary = (args.command == "check" or bool(report.findings)) and not args.quiet
    stream.write(format_findings(report.findings, report.pages, args.wiki.as_posix(), args.format, summary))
