"""A run's inputs → digests, and what a run leaves behind: its record (so that building or
checking an unchanged wiki again costs a stat of each file, see _file_digests) and a build's
state (so that building after an edit costs the pages the edit shows on).

Never stale: the digest covers every wiki file's path and bytes, the theme's files, the
settings that change the output, the versions of karpwiki's own code and of the libraries
that shape its HTML. Any difference means a full run. Reads only inside the wiki and the
theme (a symlink that leads out counts by its target's name, never by its bytes).
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import os
import pickle
import stat
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from . import __version__
from .config import Config
from .load import wiki_paths
from .graph import Targets
from .model import Finding, Heading, Link, LinkContext, Page, Wiki

LIBRARIES = ("markdown-it-py", "jinja2", "pygments", "pyyaml", "mdurl", "markupsafe")
PACKAGE = Path(__file__).resolve().parent
RACY_SECONDS = 2  # coarser than any filesystem's timestamps (FAT's are two seconds)
FOLDER_NOTE = "folder"  # folder-NAME.txt: the wiki or output folder whose cache files are *-NAME.*
UNUSED_DAYS = 30


@dataclass(frozen=True)
class Record:
    digest: str
    pages: int
    findings: list[Finding]
    outputs: dict[str, int]  # output path → size in bytes, to notice a site edited by hand

    def to_json(self) -> str:
        """Compact: an indented dump runs in pure Python, and a site's outputs number tens of
        thousands; with no indent the C encoder writes it (a tenth of the time)."""
        return json.dumps({
            "digest": self.digest, "pages": self.pages,
            "findings": [f.__dict__ for f in self.findings], "outputs": self.outputs,
        }, sort_keys=True, separators=(",", ":")) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Record | None:
        """None for anything but a well-formed record: a damaged record only costs a full run."""
        try:
            data = json.loads(text)
            return cls(str(data["digest"]), int(data["pages"]), [Finding(**f) for f in data["findings"]],
                       {str(k): int(v) for k, v in data["outputs"].items()})
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


@dataclass(frozen=True)
class Inputs:
    """Everything that decides a run's output, as digests: the settings (karpwiki's code, the
    libraries, the theme, the base URL) and each file of the wiki."""

    settings: str
    files: dict[str, str]  # wiki path → digest of its bytes (or of where its symlink leads)

    @cached_property
    def digest(self) -> str:
        """Worked out once a run: it goes over every file of the wiki."""
        listed = "".join(f"\0{path}\0{digest}" for path, digest in self.files.items())
        return hashlib.blake2b(self.settings.encode() + listed.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def read_inputs(config: Config, purpose: str) -> Inputs:
    """The inputs of `purpose` ("check" or "build"); a check does not depend on the theme."""
    settings = hashlib.blake2b(digest_size=20)
    names = [purpose, __version__, config.base_url, *_library_versions()]
    settings.update("\0".join(names).encode())
    code = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py"))
    folders = [(PACKAGE, code)]
    if purpose == "build":
        theme = config.templates
        folders.append((theme, sorted(p.relative_to(theme).as_posix() for p in theme.rglob("*") if p.is_file())))
    for root, paths in folders:
        for path, digest in _file_digests(root, paths).items():
            settings.update(f"\0{path}\0{digest}".encode("utf-8", "surrogateescape"))
    return Inputs(settings.hexdigest(), _file_digests(config.wiki, wiki_paths(config.wiki)))


def _library_versions() -> list[str]:
    """name=version of each library in LIBRARIES. importlib.metadata costs a warm build more
    than its other steps together (it imports the email package to read the metadata), so
    the answer is kept under the modification times of the folders on sys.path, which any
    install, upgrade or removal of a package changes."""
    folders = tuple((entry, os.stat(entry).st_mtime_ns) for entry in sys.path if os.path.isdir(entry))
    path = _cache_folder() / "libraries.pickle"
    known = _read_pickle(path, tuple)
    if known and known[0] == folders:
        return known[1]
    from importlib.metadata import version

    versions = [f"{name}={version(name)}" for name in LIBRARIES]
    _write_pickle(path, (folders, versions))
    return versions


def _file_digests(root: Path, paths: list[str]) -> dict[str, str]:
    """Each file's digest, read again only when its stat differs from when it was last read
    (see _known_digests): a warm run of a large wiki stats its files instead of reading them."""
    real_root = root.resolve()
    known_path = _cache_folder() / f"digests-{_name_of(root)}.pickle"
    known, seen, digests = _read_pickle(known_path, dict) or {}, {}, {}
    top = os.fspath(root) + "/"
    for relative in paths:
        path = top + relative
        try:
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode):
                signature = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
                hit = known.get(relative)
                digests[relative] = hit[1] if hit is not None and hit[0] == signature else _digest(Path(path), real_root, info)
                seen[relative] = (signature, digests[relative])
                continue
        except OSError:
            pass
        digests[relative] = _digest(Path(path), real_root)
    kept = _known_digests(seen)
    if kept != known:
        _write_pickle(known_path, kept)
    return digests


def _known_digests(seen: dict[str, tuple[tuple, str]]) -> dict[str, tuple[tuple, str]]:
    """The digests a later run may take on trust of an unchanged stat: not those of files
    changed in the last RACY_SECONDS, whose next change could keep the same timestamp (the
    "racy git" problem). A changed inode, size, modification or status-change time (which no
    tool sets back) means reading the file again."""
    recent = time.time_ns() - RACY_SECONDS * 10**9
    return {path: entry for path, entry in seen.items() if max(entry[0][2], entry[0][3]) < recent}


def _digest(path: Path, real_root: Path, info: os.stat_result | None = None) -> str:
    """`info`, the path's lstat if the caller has it, spares asking again for every file."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        info = info or path.lstat()
        if stat.S_ISLNK(info.st_mode):
            target = path.resolve()
            digest.update(b"\0link\0" + os.fsencode(str(target)))
            if not target.is_relative_to(real_root):
                return digest.hexdigest()
        if stat.S_ISREG(info.st_mode) or path.is_file():
            digest.update(b"\0data\0" + path.read_bytes())
    except (OSError, RuntimeError) as error:  # loops, FIFOs, vanishing files
        digest.update(f"\0unreadable\0{type(error).__name__}".encode())
    return digest.hexdigest()


def read_record(path: Path) -> Record | None:
    try:
        return Record.from_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def live_inodes(out: Path, record: Record) -> dict[str, int] | None:
    """Each file the record lists by its inode, if every one is still there with its size (a
    cheap stat each); None if one is not. The inodes tell link_files which files are these."""
    top, inodes = os.fspath(out) + "/", {}
    try:
        for path, size in record.outputs.items():
            info = os.stat(top + path)
            if info.st_size != size:
                return None
            inodes[path] = info.st_ino
    except OSError:
        return None
    return inodes


def check_record_path(config: Config) -> Path:
    """Where `karpwiki check` keeps its record for this wiki (the user's cache folder)."""
    return _cache_folder() / f"check-{_name_of(config.wiki)}.json"


@dataclass(frozen=True)
class BuildState:
    """What the build that wrote an output folder (or the last check of a wiki) knew, so the
    next run can read only the files that changed since. Kept in the user's cache folder, not
    in the site, which is published."""

    settings: str  # Inputs.settings of that build: any other value means a full build
    files: dict[str, str]  # Inputs.files of that build
    digest: str  # the digest in the run's record: the state is used only with that very record
    wiki: Wiki  # its pages, of which the state keeps what StoredPage holds
    targets: Targets  # every page's links, resolved
    incoming: dict[str, frozenset[str]]  # WikiGraph.incoming: what an edit's graph starts from
    base: StateBase | None = field(default=None, compare=False, repr=False)  # what it was read from


@dataclass(frozen=True)
class StateBase:
    """A state as written whole, which later saves extend with their differences (_Delta): an
    edit build then writes what it changed, not tens of megabytes."""

    token: str  # names this base; a delta written against another base is not applied
    pages: dict[str, Page]
    targets: dict[str, bytes]  # Targets.packed()
    incoming: dict[str, frozenset[str]]


_EAGER = ("path", "title", "description", "tags", "order")
# Each kept as plain tuples of its objects' fields, which pickle in C (objects pickle through
# their classes, at several times the cost); None for fields that are plain already.
_LAZY = (("headings", Heading), ("links", Link), ("link_contexts", LinkContext), ("ordered_lists", None), ("code", None))
_StoredForm = tuple  # the _EAGER fields, then the pickled _LAZY ones


def _lazy(index: int) -> property:
    return property(lambda page: page._unpacked()[index])


class StoredPage(Page):
    """A page read back from a state. Its headings, links, link sentences, ordered lists and
    code keys (_LAZY) stay pickled until first asked for: an edit build of a large wiki asks
    for those of a few pages, and unpickling a hundred thousand links would cost more than
    the build."""

    headings, links, link_contexts, ordered_lists, code = (_lazy(index) for index in range(len(_LAZY)))

    def _unpacked(self) -> tuple:
        fields = self.__dict__
        if "_lazy" not in fields:
            fields["_lazy"] = tuple(
                values if kind is None else tuple(None if item is None else kind(*item) for item in values)
                for (_, kind), values in zip(_LAZY, pickle.loads(fields["_packed"]))
            )
        return fields["_lazy"]


def _stored_form(page: Page) -> _StoredForm:
    if isinstance(page, StoredPage):
        packed = page.__dict__["_packed"]  # pages do not change: still what was read
    else:
        plain = tuple(
            getattr(page, name) if kind is None
            else tuple(None if item is None else item.values() for item in getattr(page, name))
            for name, kind in _LAZY
        )
        packed = pickle.dumps(plain, protocol=pickle.HIGHEST_PROTOCOL)
    return (*(getattr(page, name) for name in _EAGER), packed)


def _stored_page(form: _StoredForm) -> StoredPage:
    page = object.__new__(StoredPage)  # frozen: its fields go straight into its __dict__
    page.__dict__.update(zip(_EAGER, form))
    page.__dict__["_packed"] = form[-1]
    return page


@dataclass(frozen=True)
class _Base:
    token: str
    settings: str
    files: dict[str, str]
    digest: str
    pages: list[_StoredForm]  # in path order
    targets: dict[str, bytes]  # Targets.packed()
    linked: dict[str, tuple[str, ...]]
    incoming: dict[str, frozenset[str]]
    wiki_files: frozenset[str]
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class _Delta:
    base: str  # the _Base.token it applies to
    settings: str
    files: dict[str, str]
    digest: str
    pages: dict[str, _StoredForm | None]  # pages that are not the base's, by path; None: no longer a page
    targets: dict[str, bytes | None]  # like pages
    linked: dict[str, tuple[str, ...]]
    incoming: dict[str, frozenset[str] | None]
    wiki_files: frozenset[str]
    findings: tuple[Finding, ...]


# A delta may hold this many pages, or this share of the base's; beyond, the state is written whole.
DELTA_PAGES, DELTA_SHARE = 100, 0.1


def state_path(config: Config, purpose: str) -> Path:
    """A build's state belongs to its output folder, a check's to its wiki."""
    return _cache_folder() / f"{purpose}-{_name_of(config.out if purpose == 'build' else config.wiki)}.pickle"


def read_state(path: Path, settings: str) -> BuildState | None:
    """The base with its delta applied; None for a missing, damaged or foreign base, or one
    saved with other settings: that only costs a full build (as does a missing delta: the
    base's digest is then out of date). The settings are looked at first: they cover
    karpwiki's code, and a state pickled by other code may lack fields or mean other things."""
    stored = _read_pickle(path, _Base)
    if stored is None or getattr(stored, "settings", None) != settings:
        return None
    pages = {form[0]: _stored_page(form) for form in stored.pages}
    base = StateBase(stored.token, pages, stored.targets, stored.incoming)
    delta = _read_pickle(_delta_path(path), _Delta)
    if delta is None or getattr(delta, "settings", None) != settings or delta.base != stored.token:
        wiki = Wiki(tuple(pages.values()), stored.wiki_files, stored.findings)
        return BuildState(stored.settings, stored.files, stored.digest, wiki, Targets(dict(stored.targets), stored.linked),
                          stored.incoming, base)
    pages = _merged(pages, {key: None if form is None else _stored_page(form) for key, form in delta.pages.items()})
    wiki = Wiki(tuple(pages[key] for key in sorted(pages)), delta.wiki_files, delta.findings)
    return BuildState(delta.settings, delta.files, delta.digest, wiki, Targets(_merged(stored.targets, delta.targets), delta.linked),
                      _merged(stored.incoming, delta.incoming), base)


def save_state(config: Config, purpose: str, state: BuildState, base: StateBase | None) -> None:
    """Keep `state` for the next run of `purpose`: as its difference from `base` (the state
    this run read), or whole when there is none or the difference has grown too large. A
    whole state is a new folder's first run, or a run after a large change: then the cache
    files of folders gone since are removed too (prune_cache)."""
    path = state_path(config, purpose)
    targets, linked = state.targets.packed()
    if base is not None:
        now = {page.path: page for page in state.wiki.pages}
        pages: dict[str, _StoredForm | None] = {
            key: _stored_form(page) for key, page in now.items() if base.pages.get(key) is not page
        }
        pages.update(dict.fromkeys(base.pages.keys() - now.keys()))
        if len(pages) <= max(DELTA_PAGES, DELTA_SHARE * len(base.pages)):
            delta = _Delta(base.token, state.settings, state.files, state.digest, pages,
                           _changes(base.targets, targets), linked, _changes(base.incoming, state.incoming),
                           state.wiki.files, state.wiki.findings)
            _write_pickle(_delta_path(path), delta)
            return
    forms = [_stored_form(page) for page in sorted(state.wiki.pages, key=lambda page: page.path)]
    _write_pickle(path, _Base(os.urandom(8).hex(), state.settings, state.files, state.digest, forms,
                              targets, linked, state.incoming, state.wiki.files, state.wiki.findings))
    try:
        _delta_path(path).unlink(missing_ok=True)  # written against the base just replaced
    except OSError:
        pass
    prune_cache([config.wiki, PACKAGE, config.templates, *([config.out] if purpose == "build" else [])])


def prune_cache(in_use: list[Path]) -> None:
    """Remove the cache files of wikis and output folders that no longer exist (temporary
    folders leave tens of megabytes each), and those older than UNUSED_DAYS that name no
    folder (left by an older karpwiki) or are a killed write's. The files of a folder are
    `*-NAME.*`, and FOLDER_NOTE-NAME.txt names the folder; it is written here for the folders
    `in_use`, which are never gone (a first build saves its state before its output folder
    exists). A cache folder we cannot list or write only costs speed."""
    top = _cache_folder()
    try:
        for folder in in_use:
            note = top / f"{FOLDER_NOTE}-{_name_of(folder)}.txt"
            if not note.exists():
                temporary = note.with_name(f".{note.name}.{os.getpid()}")
                temporary.write_text(str(folder.resolve()), encoding="utf-8")
                os.replace(temporary, note)  # whole or absent: a folder read as "" would seem gone
        entries = list(os.scandir(top))
        named = {_folder_name_in(entry.name): Path(entry.path).read_text(encoding="utf-8")
                 for entry in entries if entry.name.startswith(FOLDER_NOTE + "-")}
        gone = {name for name, folder in named.items() if not os.path.isdir(folder)} - {_name_of(folder) for folder in in_use}
        cutoff = time.time() - UNUSED_DAYS * 86400
        for entry in entries:
            name = _folder_name_in(entry.name)
            unused = name not in named or entry.name.startswith(".")
            if name in gone or (name and unused and entry.stat().st_mtime < cutoff):
                os.unlink(entry.path)
    except (OSError, UnicodeDecodeError):
        pass


def _folder_name_in(file_name: str) -> str:
    """The NAME of a cache file `KIND-NAME.*` (or a killed write's `.KIND-NAME.*.PID`), which
    _name_of gave its folder; "" for a file of no folder."""
    stem = file_name.lstrip(".").split(".", 1)[0]
    return stem.split("-")[1] if "-" in stem else ""


def _changes(base: dict, now: dict) -> dict:
    """The entries of `now` that differ from `base`'s (None: gone). Most are the very objects
    the base holds, which spares comparing them."""
    changes = {key: value for key, value in now.items() if base.get(key) is not value and base.get(key) != value}
    changes.update(dict.fromkeys(base.keys() - now.keys()))
    return changes


def _merged(base: dict, changes: dict) -> dict:
    merged = dict(base)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _delta_path(path: Path) -> Path:
    return path.with_name(path.stem + "-delta.pickle")


def _read_pickle(path: Path, kind: type):
    """What a cache file holds if it is a `kind`, else None: a cache file can only cost speed."""
    try:
        with path.open("rb") as stream, without_gc():
            value = pickle.load(stream)
    except Exception:  # a truncated or garbled pickle raises almost anything
        return None
    return value if isinstance(value, kind) else None


def _write_pickle(path: Path, value) -> None:
    """Replace a cache file in one step; a cache folder we cannot write only costs speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        with temporary.open("wb") as stream:
            pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:
        pass


@contextmanager
def without_gc():
    """Unpickling a wiki makes millions of objects, none of them garbage; the cyclic collector
    would walk them all again and again (four times the unpickling's own time), and again on
    every later collection of the run: so it is off meanwhile, and the objects are frozen out
    of its reach afterwards (which also spares forked workers copying the pages it would touch)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _cache_folder() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "karpwiki"


def _name_of(folder: Path) -> str:
    return hashlib.blake2b(str(folder.resolve()).encode(), digest_size=10).hexdigest()
