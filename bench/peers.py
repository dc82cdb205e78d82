"""The tools compared, each set up to build one generated wiki cold: its command, folders, version.

Each setup writes the least configuration under which the tool renders every page of the
wiki: MkDocs and MkDocs Material as they come (their theme, search, a navigation of all
pages) with link validation on, as a user would run them; Hugo and Jekyll, which ship no
theme, with one trivial layout. It also names every place the tool keeps state, so that a
cold run can start with none. MkDocs and Material go into their own venv under the tools
folder, never into karpwiki's; Hugo and Jekyll come from Debian. A tool that cannot be had
raises Unavailable, whose message goes into the results.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KARPWIKI = str(Path(sys.executable).parent / "karpwiki")  # the one installed beside this Python
MKDOCS = "mkdocs>=1.6,<1.7"
TRIVIAL_PAGE = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body><main>{content}</main></body></html>\n'


class Unavailable(Exception):
    """A tool that cannot run here; the message says why."""


@dataclass
class Build:
    """One tool's cold full build of one wiki, to be run again and again."""

    tool: str
    command: list[str]
    home: Path  # the working folder; output, caches and XDG_CACHE_HOME inside it
    out: Path | None  # where the pages land; None for a run that writes none
    version: str
    outside_state: tuple[Path, ...] = ()  # caches the tool insists on keeping outside home

    def reset(self) -> None:
        """Empty output and no cache: home and every outside state go, home comes back empty."""
        for path in (self.home, *self.outside_state):
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
        self.home.mkdir(parents=True)

    def env(self) -> dict[str, str]:
        """Each tool as its users run it: Python keeps compiled bytecode, whatever the shell
        that started the bench says (PYTHONDONTWRITEBYTECODE would recompile every module of
        an editable install on every run)."""
        inherited = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
        return {**inherited, "XDG_CACHE_HOME": str(self.home / "cache")}

    def missing_pages(self, wiki: Path) -> list[str]:
        """The wiki's pages with no HTML in the output: neither x.html nor x/index.html."""
        missing = []
        for source in sorted(wiki.rglob("*.md")):
            page = source.relative_to(wiki).with_suffix("")
            if not (self.out / page.with_suffix(".html")).is_file() and not (self.out / page / "index.html").is_file():
                missing.append(page.with_suffix(".md").as_posix())
        return missing


@dataclass
class Tools:
    """The karpwiki under test, where the peers are installed, and whether this run may install them."""

    karpwiki: str
    folder: Path
    may_install: bool

    def mkdocs_python(self, material: bool) -> Path:
        """The Python of a venv holding MkDocs 1.6 (and MkDocs Material if asked), made on first use."""
        python = self.folder / "mkdocs-venv" / "bin" / "python"
        modules, packages = (["mkdocs", "material"], [MKDOCS, "mkdocs-material"]) if material else (["mkdocs"], [MKDOCS])
        if python.exists() and _run([python, "-c", f"import {', '.join(modules)}"]).returncode == 0:
            return python
        if not self.may_install:
            raise Unavailable(f"not in {python.parent.parent} (run without --no-install)")
        if not python.exists():
            print(f"creating {python.parent.parent} for MkDocs", flush=True)
            subprocess.run([sys.executable, "-m", "venv", str(python.parent.parent)], check=True)
        print(f"pip install {' '.join(packages)}", flush=True)
        installed = _run([python, "-m", "pip", "install", "-q", *packages])
        if installed.returncode:
            raise Unavailable(f"pip install {' '.join(packages)} failed: {last_line(installed.stdout)}")
        return python

    def debian_command(self, command: str, package: str) -> str:
        """The path of command, installing its Debian package first when it is missing and we may."""
        if found := shutil.which(command):
            return found
        if not self.may_install or os.geteuid() != 0 or not shutil.which("apt-get"):
            raise Unavailable(f"`{command}` not found (as root: apt-get install -y {package})")
        print(f"apt-get install -y {package}", flush=True)
        installed = _run(["apt-get", "install", "-y", package])
        if installed.returncode:  # a fresh machine's package lists may be missing or stale
            _run(["apt-get", "update"])
            installed = _run(["apt-get", "install", "-y", package])
        if installed.returncode or not shutil.which(command):
            raise Unavailable(f"apt-get install -y {package} failed: {last_line(installed.stdout)}")
        return shutil.which(command)


def karpwiki_build(wiki: Path, home: Path, tools: Tools) -> Build:
    command = [tools.karpwiki, "build", str(wiki), "--out", str(home / "site")]
    return Build("karpwiki build", command, home, home / "site", karpwiki_version(tools.karpwiki))


def karpwiki_check(wiki: Path, home: Path, tools: Tools) -> Build:
    return Build("karpwiki check", [tools.karpwiki, "check", str(wiki)], home, None, karpwiki_version(tools.karpwiki))


def python_floor(wiki: Path, home: Path, tools: Tools) -> Build:
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("markdown-it-py", "Pygments", "Jinja2", "PyYAML"))
    command = [sys.executable, str(ROOT / "bench" / "python_floor.py"), str(wiki), str(home / "site")]
    return Build("Python floor", command, home, home / "site", f"bench/python_floor.py: Python {platform.python_version()}, {versions}")


def mkdocs(wiki: Path, home: Path, tools: Tools) -> Build:
    return _mkdocs("MkDocs", wiki, home, tools, theme=None)


def mkdocs_material(wiki: Path, home: Path, tools: Tools) -> Build:
    return _mkdocs("MkDocs Material", wiki, home, tools, theme="material")


def _mkdocs(tool: str, wiki: Path, home: Path, tools: Tools, theme: str | None) -> Build:
    """MkDocs' own defaults (its theme or Material's, the search plugin, the navigation of all
    pages), x.md → x.html as karpwiki writes it, and link and anchor validation at warn."""
    python = tools.mkdocs_python(material=theme is not None)
    config = _config_folder(home) / "mkdocs.yml"
    config.write_text("\n".join([
        "site_name: bench",
        f"docs_dir: {wiki}",
        f"site_dir: {home / 'site'}",
        "use_directory_urls: false",
        *([f"theme: {{name: {theme}}}"] if theme else []),
        "validation:",
        "  links: {not_found: warn, anchors: warn}",
    ]) + "\n")
    modules = ["mkdocs", "markdown"] + (["mkdocs-material"] if theme else [])
    report = "import importlib.metadata as m, platform; print(', '.join(f'{n} {m.version(n)}' for n in %r), 'on Python', platform.python_version())"
    version = _run([python, "-c", report % modules]).stdout.strip()
    return Build(tool, [str(python), "-m", "mkdocs", "build", "--clean", "-f", str(config)], home, home / "site", version)


def hugo(wiki: Path, home: Path, tools: Tools) -> Build:
    """The wiki as Hugo's content folder, x.md → x.html (uglyURLs), one layout for every page;
    no taxonomy, RSS or sitemap pages, which karpwiki does not write either."""
    command = tools.debian_command("hugo", "hugo")
    site = _config_folder(home)
    (site / "config.toml").write_text("\n".join([
        'baseURL = "/"',
        'title = "bench"',
        f'contentDir = "{wiki}"',
        f'resourceDir = "{home / "resources"}"',
        "uglyURLs = true",
        'disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]',
    ]) + "\n")
    layouts = site / "layouts" / "_default"
    layouts.mkdir(parents=True, exist_ok=True)
    for layout in ("single.html", "list.html"):
        (layouts / layout).write_text(TRIVIAL_PAGE.format(title="{{ .Title }}", content="{{ .Content }}"))
    version = _run([command, "version"]).stdout.strip()
    argv = [command, "--source", str(site), "--destination", str(home / "site"), "--cacheDir", str(home / "cache"), "--quiet"]
    return Build("Hugo", argv, home, home / "site", version)


def jekyll(wiki: Path, home: Path, tools: Tools) -> Build:
    """Jekyll reads layouts only from inside its source, so the source is a copy of the wiki
    (made once, not timed) with a _config.yml (kramdown's GFM input, one default layout)."""
    command = tools.debian_command("jekyll", "jekyll")
    site = _config_folder(home)
    shutil.copytree(wiki, site, dirs_exist_ok=True)
    (site / "_config.yml").write_text("\n".join([
        "title: bench",
        "markdown: kramdown",
        "kramdown: {input: GFM}",
        "defaults:",
        '  - {scope: {path: ""}, values: {layout: default}}',
    ]) + "\n")
    (site / "_layouts").mkdir(exist_ok=True)
    (site / "_layouts" / "default.html").write_text(TRIVIAL_PAGE.format(title="{{ page.title }}", content="{{ content }}"))
    ruby = _run(["ruby", "--version"]).stdout.split(" (")[0]
    version = f"{_run([command, '--version']).stdout.strip()} on {ruby}"
    argv = [command, "build", "--source", str(site), "--destination", str(home / "site"), "--quiet"]
    return Build("Jekyll", argv, home, home / "site", version, outside_state=(site / ".jekyll-cache", site / ".jekyll-metadata"))


PEERS = {
    "karpwiki-build": karpwiki_build,
    "karpwiki-check": karpwiki_check,
    "python-floor": python_floor,
    "mkdocs": mkdocs,
    "mkdocs-material": mkdocs_material,
    "hugo": hugo,
    "jekyll": jekyll,
}


def karpwiki_version(command: str) -> str:
    """What it prints, where its code is, and the commit and uncommitted changes there: "0.1.0"
    stays the same while the code under test changes from one commit (or one edit) to the next."""
    printed = _run([command, "--version"]).stdout.strip()
    first_line = Path(shutil.which(command) or command).read_bytes().split(b"\n", 1)[0].decode(errors="replace")
    interpreter = first_line.removeprefix("#!").strip() if first_line.startswith("#!") else sys.executable
    locate = "import karpwiki, pathlib; print(pathlib.Path(karpwiki.__file__).resolve().parent)"
    package = _run([interpreter, "-c", locate]).stdout.strip()
    checkout = _run(["git", "-C", package, "rev-parse", "--show-toplevel"])
    if checkout.returncode:
        return f"{printed} from {package}"
    top = checkout.stdout.strip()
    commit = _run(["git", "-C", top, "rev-parse", "--short", "HEAD"]).stdout.strip()
    diff = _run(["git", "-C", top, "diff", "HEAD", "--", "src", "templates"]).stdout
    changes = f" plus uncommitted changes to src/ or templates/ (diff sha1 {hashlib.sha1(diff.encode()).hexdigest()[:10]})" if diff else ""
    return f"{printed} from {package}, commit {commit}{changes}"


def _config_folder(home: Path) -> Path:
    """Beside home, not in it: configuration outlives the reset before every cold run."""
    folder = home.with_name(home.name + "-config")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _run(command: list) -> subprocess.CompletedProcess:
    """command's output, stderr included, where the reason for a failure usually is."""
    return subprocess.run([str(part) for part in command], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def last_line(text: str) -> str:
    """The line that usually says why a command failed."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
