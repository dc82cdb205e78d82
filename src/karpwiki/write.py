"""Site → output folder, all or nothing: write a staging folder beside it, then swap it in.

The only stage that writes. It refuses to replace a folder it did not create, so a wrong
`--out` cannot delete someone's files, and a killed build leaves the old site in place.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import os
import posixpath
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .errors import BuildBusy, UsageError
from .model import LIVE, Site, Span, Spliced

MARKER = ".karpwiki-build"  # present in every folder karpwiki built, so it may be replaced
RENAME_EXCHANGE = 2  # linux/fs.h
IGNORED = ".gitignore"  # in the kept old site, so that git does not list it (as pytest's cache does)


def write_site(site: Site, wiki: Path, out: Path, record: str = "") -> None:
    """Replace `out` with the site in one step; on any failure `out` is left as it was.

    `record` (see cache.Record) goes into the marker file, for the next build to compare."""
    with staging_folder(wiki, out) as staging:
        write_files(staging, site, wiki)
        publish(staging, out, record)


@contextmanager
def staging_folder(wiki: Path, out: Path, reuse: bool = False, keep: bool = False):
    """A folder beside `out` to write the new site into, held under the build lock; whatever
    is left of it afterwards (a failed build, or the old site after publish) is removed, but
    with `keep` or `reuse`.

    With `reuse` (an edit build, whose new site is mostly the old one's files), the folder
    starts as the old side of the last swap, kept beside `out` as `.OUT.previous`, and what
    is left of it afterwards is kept in its place: link_files then links and unlinks only the
    files that changed since, not every file of the site. With `keep` (a full build, which
    links the new site into what is left), it starts empty and is kept the same way.
    Parallel renderers each write their share of the site into it (write_files)."""
    out = out.absolute()
    _refuse_dangerous_out(wiki, out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(out):
        for leftover in out.parent.glob(f".{out.name}.staging-*"):  # from a build that was killed
            shutil.rmtree(leftover, ignore_errors=True)
        staging, previous = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent)), _previous(out)
        if reuse and previous.is_dir() and not previous.is_symlink():
            os.rename(previous, staging)  # onto the empty folder just made
        elif previous.exists() or previous.is_symlink():
            _remove(previous)
        try:
            yield staging
        finally:
            if (reuse or keep) and staging.is_dir():
                (staging / IGNORED).unlink(missing_ok=True)
                (staging / IGNORED).write_text("*\n")  # a copy of the site that git status need not show
                os.rename(staging, previous)
            else:
                shutil.rmtree(staging, ignore_errors=True)


def write_files(staging: Path, site: Site, wiki: Path, live: Path | None = None) -> dict[str, int]:
    """Write a site's files and copies into the staging folder; their sizes by output path.
    A Spliced file's Spans are copied from their source: an open file, or the same file in
    `live`, the live site.

    Every file is new ("x" mode): a path written twice, or one that link_files carried over
    from the live site, is an error, never a write through to the live site."""
    top = os.fspath(staging) + "/"
    for folder in sorted({posixpath.dirname(relative) for relative in [*site.files, *site.copies]} - {""}):
        os.makedirs(top + folder, exist_ok=True)
    sizes = {}
    for relative, data in site.files.items():
        with open(top + relative, "xb", buffering=0) as stream:
            if isinstance(data, Spliced):
                with _live_file(live, relative, data) as live_file:
                    for part in data.parts:
                        if isinstance(part, Span):
                            _copy_span(stream, live_file if part.source == LIVE else part.source, part.start, part.end)
                        else:
                            _write_bytes(stream, part)
            else:
                _write_bytes(stream, data)
            sizes[relative] = stream.tell()
    for relative in site.copies:
        with (wiki / relative).open("rb") as source, open(top + relative, "xb") as stream:
            shutil.copyfileobj(source, stream)
            sizes[relative] = stream.tell()
    return sizes


@contextmanager
def _live_file(live: Path | None, relative: str, spliced: Spliced):
    """The descriptor of the live site's file while a Spliced file that copies from it is
    written; None when it copies nothing from there."""
    if not any(isinstance(part, Span) and part.source == LIVE for part in spliced.parts):
        yield None
        return
    descriptor = os.open(os.fspath(live) + "/" + relative, os.O_RDONLY)
    try:
        yield descriptor
    finally:
        os.close(descriptor)


def _copy_span(stream, source: int, start: int, end: int) -> None:
    """Bytes start to end of the file open as `source`, copied in the kernel (copy_file_range;
    read and written where the filesystem cannot). An unbuffered stream: each call may write
    less than asked."""
    while start < end:
        try:
            copied = os.copy_file_range(source, stream.fileno(), end - start, start)
        except OSError as error:
            if error.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM):
                raise
            copied = stream.write(os.pread(source, min(end - start, 1 << 22), start))
        if not copied:
            raise OSError(errno.EIO, "a file the site is spliced from is shorter than its record", stream.name)
        start += copied


def _write_bytes(stream, data: bytes) -> None:
    """All of data, into an unbuffered stream (each write may take less than asked)."""
    view = memoryview(data)
    while view:
        view = view[stream.write(view):]


def link_files(staging: Path, live: Path, paths: list[str], live_inodes: dict[str, int] | None = None) -> None:
    """Make the staging folder hold these files of the live site, as hard links (copies where
    the filesystem has none), and nothing else. What staging_folder reused is checked file by
    file: one that is the live file itself (the same inode) stays, whatever else is there goes.
    The live files' inodes are looked up unless the caller has them (at least for `paths`).
    Plain strings: an edit build of a large wiki carries over tens of thousands of files."""
    source_top, target_top = os.fspath(live) + "/", os.fspath(staging) + "/"
    live_files = _tree(source_top)[0] if live_inodes is None else live_inodes
    present, present_folders = _tree(target_top)
    missing, folders = set(paths), _folders_of(paths)
    for relative, inode in present.items():
        if relative in missing and inode == live_files.get(relative):
            missing.discard(relative)
        else:
            os.unlink(target_top + relative)
    for folder in sorted(present_folders - folders, reverse=True):  # the deepest first
        os.rmdir(target_top + folder)
    for folder in sorted(folders - present_folders):
        os.makedirs(target_top + folder, exist_ok=True)
    for relative in sorted(missing):
        try:
            os.link(source_top + relative, target_top + relative)
        except OSError as error:
            if error.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                raise
            shutil.copyfile(source_top + relative, target_top + relative)


def _tree(top: str) -> tuple[dict[str, int], set[str]]:
    """Every file under `top` (symlinks and other non-folders included) with its inode, which
    the directory listing gives without a stat; and every folder. Relative POSIX paths."""
    files, folders, pending = {}, set(), [""]
    while pending:
        folder = pending.pop()
        with os.scandir(top + folder) as entries:
            for entry in entries:
                relative = folder + entry.name
                if entry.is_dir(follow_symlinks=False):
                    folders.add(relative)
                    pending.append(relative + "/")
                else:
                    files[relative] = entry.inode()
    return files, folders


def _folders_of(paths: list[str]) -> set[str]:
    """The folders that hold `paths`, and the folders that hold those."""
    folders = set()
    for relative in paths:
        folder = posixpath.dirname(relative)
        while folder and folder not in folders:
            folders.add(folder)
            folder = posixpath.dirname(folder)
    return folders


def _previous(out: Path) -> Path:
    return out.parent / f".{out.name}.previous"


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def publish(staging: Path, out: Path, record: str) -> None:
    """Mark the staged site as karpwiki's and swap it in for `out` in one step."""
    (staging / MARKER).write_text(record or "built by karpwiki; this folder is replaced on every build\n")
    os.chmod(staging, 0o755)
    _swap_in(staging, out.absolute())


def update_site(site: Site, wiki: Path, out: Path, removed: set[str]) -> None:
    """Rewrite some files of a live site in place (the preview server's folder), each one
    replaced atomically so a request never reads half a page; `removed` outputs are deleted."""
    for relative, data in site.files.items():
        _replace_file(out / relative, data)
    for relative in site.copies:
        _replace_file(out / relative, (wiki / relative).read_bytes())
    for relative in removed:
        (out / relative).unlink(missing_ok=True)


def _replace_file(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)


def _refuse_dangerous_out(wiki: Path, out: Path) -> None:
    wiki = wiki.resolve()
    real_out = out.resolve()
    if real_out == wiki or wiki.is_relative_to(real_out) or real_out.is_relative_to(wiki):
        raise UsageError(f"output folder {out} overlaps the wiki {wiki}; choose another --out")
    if out.exists() and not out.is_dir():
        raise UsageError(f"output path {out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise UsageError(f"{out} is not empty and was not built by karpwiki; refusing to replace it")


def _swap_in(staging: Path, out: Path) -> None:
    """Exchange staging and out atomically where Linux allows; otherwise two quick renames."""
    if not out.exists():
        os.rename(staging, out)
        return
    if _rename_exchange(staging, out):
        return  # staging now holds the old site and is removed by the caller
    old = staging.with_name(staging.name + "-old")
    os.rename(out, old)
    os.rename(staging, out)
    shutil.rmtree(old, ignore_errors=True)


def _rename_exchange(first: Path, second: Path) -> bool:
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), RENAME_EXCHANGE)
    if result == 0:
        return True
    if ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS, errno.EXDEV):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(second))


class _exclusive_lock:
    """One build at a time per output location: the lock is held on the folder holding `out`,
    so it leaves no file behind, and a second build refuses instead of interleaving."""

    def __init__(self, out: Path):
        self.out = out
        self.descriptor = -1

    def __enter__(self):
        self.descriptor = os.open(self.out.parent, os.O_RDONLY)
        try:
            fcntl.flock(self.descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.descriptor)
            raise BuildBusy(f"another karpwiki build is writing beside {self.out}; try again when it ends") from None
        return self

    def __exit__(self, *exc):
        os.close(self.descriptor)
