"""The generated wikis every benchmark runs on: ../shared/bench/gen_corpus.py, seed 1, so the
same size always means the same bytes and results from different scripts and days compare.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

GENERATOR = Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "gen_corpus.py"


def generate_corpus(wiki: Path, pages: int) -> Path:
    """Write a wiki of `pages` pages into `wiki` (replacing it) and return its path."""
    if not GENERATOR.is_file():
        raise SystemExit(f"no corpus generator at {GENERATOR}: the benchmarks need ../shared beside the repository")
    subprocess.run([sys.executable, str(GENERATOR), str(wiki), str(pages), "--seed", "1"], check=True, capture_output=True)
    return wiki
