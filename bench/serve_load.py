#!/usr/bin/env python3
"""`karpwiki serve` under load while pages are being edited, beside `python -m http.server`.

wrk (Debian's package) opens 64 connections for 30 s against each server in turn, cycling
through every page of the wiki; a Lua check counts any response that is not a complete page
(status 200 and a body that ends with </html>). During the karpwiki run a page is edited
every half second, so rebuilds and reloads happen under load. Results go to bench/RESULTS.md.

    .venv/bin/python bench/serve_load.py [--seconds 30] [--connections 64] [--wiki wiki]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from results import write_section

ROOT = Path(__file__).resolve().parent.parent
KARPWIKI = str(Path(sys.executable).parent / "karpwiki")
SECTION = "## Serve: under load"
LUA = r"""
local paths = {%s}
local counter = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) incomplete = 0 end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, "</html>%%s*$") then incomplete = incomplete + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("incomplete") end
  io.write(string.format("p99_us %%d\nincomplete %%d\n", latency:percentile(99), total))
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


def run_wrk(port: int, paths: list[str], seconds: int, connections: int, script: Path) -> dict:
    script.write_text(LUA % ", ".join(f'"{p}"' for p in paths))
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", str(script), f"http://127.0.0.1:{port}/"],
        capture_output=True, text=True, check=True,
    ).stdout
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p99_ms": int(re.search(r"p99_us (\d+)", output).group(1)) / 1000,
        "socket_errors": sum(map(int, errors.groups())) if errors else 0,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "incomplete": int(re.search(r"incomplete (\d+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
    }


def editor(wiki: Path, stop: threading.Event) -> int:
    pages = sorted(p for p in wiki.glob("*.md") if p.name != "index.md")
    edits = 0
    while not stop.wait(0.5):
        page = pages[edits % len(pages)]
        page.write_text(page.read_text() + f"\nLoad-test edit {edits}.\n")
        edits += 1
    return edits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--wiki", type=Path, default=ROOT / "wiki")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="kw-load-"))
    wiki = work / "wiki"
    shutil.copytree(args.wiki, wiki)
    paths = ["/" + p.relative_to(wiki).with_suffix(".html").as_posix() for p in sorted(wiki.rglob("*.md"))]
    rows = []

    port = free_port()
    server = subprocess.Popen([KARPWIKI, "serve", str(wiki), "--port", str(port)], stdout=subprocess.DEVNULL)
    stop, edits = threading.Event(), []
    try:
        wait_for_port(port)
        time.sleep(1)
        thread = threading.Thread(target=lambda: edits.append(editor(wiki, stop)))
        thread.start()
        rows.append(("karpwiki serve, editing", run_wrk(port, paths, args.seconds, args.connections, work / "check.lua")))
        stop.set()
        thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)

    site = work / "site"
    subprocess.run([KARPWIKI, "build", str(wiki), "--out", str(site)], check=True, capture_output=True)
    port = free_port()
    static = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        rows.append(("python -m http.server, static", run_wrk(port, paths, args.seconds, args.connections, work / "check.lua")))
    finally:
        static.terminate()
        static.wait(timeout=30)
    shutil.rmtree(work, ignore_errors=True)

    lines = [
        f"`python bench/serve_load.py --seconds {args.seconds} --connections {args.connections}` on this machine "
        f"({os.cpu_count()} cores): wrk, 2 threads, {args.connections} connections, {args.seconds} s, cycling through "
        f"the {len(paths)} pages of `{args.wiki.name}/`; during the karpwiki run a page was edited every 0.5 s "
        f"({edits[0] if edits else 0} edits). \"Incomplete\" counts responses that were not status 200 with a body ending in `</html>`.", "",
        "| server | requests/s | p99 latency | requests | socket errors | non-2xx | incomplete |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in rows:
        lines.append(f"| {name} | {row['requests_per_second']:.0f} | {row['p99_ms']:.1f} ms | {row['requests']} | "
                     f"{row['socket_errors']} | {row['non_2xx']} | {row['incomplete']} |")
        print(name, row, flush=True)
    write_section(SECTION, lines)


if __name__ == "__main__":
    main()
