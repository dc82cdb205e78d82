#!/usr/bin/env python3
"""Save-to-reload latency of `karpwiki serve`, against `karpwiki build` after the same edit.

For generated wikis of 30 and 1,000 pages (../shared/bench/gen_corpus.py, seed 1) it starts
the real server, listens on its event stream like an open browser tab, and edits one page at
a time; the latency is from just before the file is written to the arrival of the reload
event naming that page (the debounce included). The comparison is the wall time of a
`karpwiki build` process after the same one-page edit, on a site it built before (an edit
build; the first build, cold, is not counted). Results go to bench/RESULTS.md.

    .venv/bin/python bench/serve_latency.py [--edits 60] [--sizes 30 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from corpus import generate_corpus
from results import percentile, write_section

KARPWIKI = str(Path(sys.executable).parent / "karpwiki")
SECTION = "## Serve: save to reload"
PAUSE_SECONDS = 1.0  # between edits, so the shared search/preview data is refreshed in between


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class EventListener(threading.Thread):
    """Reads the server-sent events like a browser tab and timestamps each announcement."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port = port
        self.arrivals: list[tuple[float, dict]] = []
        self.arrived = threading.Condition()

    def run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port)) as sock:
            sock.sendall(b"GET /__karpwiki/events HTTP/1.1\r\nHost: bench\r\n\r\n")
            buffer = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                buffer += chunk
                while b"\n\n" in buffer:
                    message, buffer = buffer.split(b"\n\n", 1)
                    for line in message.split(b"\n"):
                        if line.startswith(b"data: "):
                            with self.arrived:
                                self.arrivals.append((time.perf_counter(), json.loads(line[6:])))
                                self.arrived.notify_all()

    def wait_for(self, url: str, after: int, timeout: float = 30) -> float:
        """Time of the first announcement after index `after` whose changed list names url."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while time.monotonic() < deadline:
                for stamp, state in self.arrivals[after:]:
                    if url in state["changed"]:
                        return stamp
                self.arrived.wait(0.05)
        raise TimeoutError(f"no reload for {url}")


def measure_serve(wiki: Path, edits: int) -> list[float]:
    port = free_port()
    server = subprocess.Popen([KARPWIKI, "serve", str(wiki), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in server.stdout:
            if line.startswith("serving "):
                break
        listener = EventListener(port)
        listener.start()
        time.sleep(0.5)
        pages = sorted(p for p in wiki.glob("*.md") if p.name != "index.md")
        latencies = []
        for number in range(edits):
            page = pages[number % len(pages)]
            text = page.read_text()
            seen = len(listener.arrivals)
            started = time.perf_counter()
            page.write_text(text + f"\nEdit number {number}.\n")
            arrived = listener.wait_for(f"/{page.stem}.html", seen)
            latencies.append((arrived - started) * 1000)
            time.sleep(PAUSE_SECONDS)  # a writer reads before saving again
        return latencies
    finally:
        server.terminate()
        server.wait(timeout=20)


def measure_edit_build(wiki: Path, runs: int) -> list[float]:
    out = Path(tempfile.mkdtemp(prefix="kw-bench-out-")) / "site"
    page = sorted(wiki.glob("*.md"))[1]
    subprocess.run([KARPWIKI, "build", str(wiki), "--out", str(out)], check=True, capture_output=True)  # cold
    times = []
    for number in range(runs):
        page.write_text(page.read_text() + f"\nBuild edit {number}.\n")
        started = time.perf_counter()
        subprocess.run([KARPWIKI, "build", str(wiki), "--out", str(out)], check=True, capture_output=True)
        times.append((time.perf_counter() - started) * 1000)
    shutil.rmtree(out.parent, ignore_errors=True)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=60)
    parser.add_argument("--builds", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 1000])
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        wiki = generate_corpus(Path(tempfile.mkdtemp(prefix=f"kw-bench-{size}-")) / "wiki", size)
        serve = measure_serve(wiki, args.edits)
        build = measure_edit_build(wiki, args.builds)
        rows.append((size, serve, build))
        print(f"{size} pages: serve p50 {statistics.median(serve):.0f} ms, p95 {percentile(serve, 0.95):.0f} ms; "
              f"edit build p50 {statistics.median(build):.0f} ms", flush=True)
        shutil.rmtree(wiki.parent, ignore_errors=True)
    write_results(rows, args)


def write_results(rows, args) -> None:
    lines = [
        f"`python bench/serve_latency.py --edits {args.edits} --builds {args.builds}` on this machine "
        f"({os.cpu_count()} cores); generated wikis (gen_corpus.py, seed 1). Latency: from just before a "
        "page is written to the arrival of the reload event naming it, debounce included; "
        f"{PAUSE_SECONDS:.0f} s between edits (the shared search and preview data refresh once the "
        "writer pauses, after the reload).", "",
        "| pages | serve p50 | serve p95 | serve max | `karpwiki build` after the edit, p50 (process) | build ÷ serve (p50) |",
        "|---|---|---|---|---|---|",
    ]
    for size, serve, build in rows:
        lines.append(
            f"| {size:,} | {statistics.median(serve):.0f} ms | {percentile(serve, 0.95):.0f} ms | {max(serve):.0f} ms | "
            f"{statistics.median(build):.0f} ms | {statistics.median(build) / statistics.median(serve):.0f}× |"
        )
    write_section(SECTION, lines)


if __name__ == "__main__":
    main()
