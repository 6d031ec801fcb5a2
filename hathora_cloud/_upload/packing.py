"""Pack a build directory into a tar.gz the way ``docker build`` sends its context.

Rules (decided here, documented for users in ``builds_v3_upload_build``):

* ``.dockerignore`` at the root is honoured like Docker does (:mod:`.ignore`); a malformed
  pattern is an error naming its line, as ``docker build`` refuses it too.
* ``Dockerfile`` and ``.dockerignore`` are always sent, as Docker does.
* Symbolic links are stored as links (never followed) when their target stays inside the
  directory; a link pointing outside (or absolute) is skipped, so the archive can never reach
  outside the build context when unpacked.
* Sockets, FIFOs and device files are skipped, and so are files and directories that cannot be
  read. Nothing is skipped silently: every skip is logged as a WARNING and listed in
  :attr:`PackResult.skipped` (and in the upload's progress events). An unreadable ``Dockerfile``
  is an error.
* Members come in a fixed order (each directory's entries sorted by name), owners are zeroed and
  the gzip header carries no name or timestamp, so the same tree always gives the same bytes;
  file modes and mtimes are kept.

Everything here blocks: call it through ``anyio.to_thread.run_sync``.
"""

from __future__ import annotations

import gzip
import logging
import os
import stat
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import attrs

from ..uploads import SkippedFile
from .ignore import IgnoreRules, read_rules

__all__ = ("PackProgress", "PackResult", "pack_directory")

logger = logging.getLogger("hathora_cloud")
_ALWAYS_SENT = frozenset({"Dockerfile", ".dockerignore"})


@attrs.define
class PackProgress:
    """Counters the packing thread updates and the event loop reads (plain ints and a list)."""

    files_packed: int = 0
    files_total: int = 0
    bytes_packed: int = 0
    bytes_to_pack: int = 0
    skipped: list[SkippedFile] = attrs.Factory(list)

    def skip(self, relative: str, reason: str) -> None:
        """Record, and log as a WARNING, a path left out of the archive."""
        self.skipped.append(SkippedFile(relative, reason))
        logger.warning("packing: skipped %s: %s", relative, reason)


@attrs.frozen
class PackResult:
    """The packed archive's size and what was left out of it."""

    size: int
    skipped: tuple[SkippedFile, ...]


def pack_directory(
    root: Path,
    target: Path,
    check_cancelled: Callable[[], None] = lambda: None,
    progress: PackProgress | None = None,
) -> PackResult:
    """Write ``root`` as a gzip-compressed tar to ``target``.

    ``check_cancelled`` is called before each directory is read and each file is added; in a
    worker thread pass ``anyio.from_thread.check_cancelled`` so that cancelling the caller stops
    the packing. ``progress`` is updated as files are planned and packed.

    Raises:
        BadIgnorePattern: ``.dockerignore`` holds a malformed pattern.
        OSError: The Dockerfile could not be read, or the archive could not be written.
    """
    progress = progress if progress is not None else PackProgress()
    rules = read_rules(root)
    members = list(_walk(root, rules, check_cancelled, progress))
    progress.files_total = len(members)
    progress.bytes_to_pack = sum(info.st_size for _, info in members if stat.S_ISREG(info.st_mode))
    with (
        target.open("wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=6, mtime=0) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for relative, info in members:
            check_cancelled()
            _add(archive, root, relative, info, progress)
            progress.files_packed += 1
    return PackResult(target.stat().st_size, tuple(progress.skipped))


def _walk(
    root: Path, rules: IgnoreRules, check_cancelled: Callable[[], None], progress: PackProgress
) -> Iterator[tuple[str, os.stat_result]]:
    """Yield the members to send with their ``lstat``, sorted, depth first, honouring the rules."""
    stack = [""]
    while stack:
        directory = stack.pop()
        check_cancelled()
        try:
            with os.scandir(root / directory) as entries:
                names = sorted(entry.name for entry in entries)
        except OSError as exc:
            progress.skip(directory or ".", f"unreadable directory: {exc.strerror or exc}")
            continue
        kept: list[tuple[str, os.stat_result]] = []
        subdirectories: list[str] = []
        for name in names:
            relative = f"{directory}/{name}" if directory else name
            excluded = relative not in _ALWAYS_SENT and rules.is_excluded(relative)
            if excluded and not rules.has_exceptions:
                continue  # nothing below it can be re-included
            try:
                info = os.lstat(root / relative)
            except OSError as exc:
                progress.skip(relative, f"vanished while packing: {exc.strerror or exc}")
                continue
            if stat.S_ISDIR(info.st_mode):
                subdirectories.append(relative)
            if not excluded:
                kept.append((relative, info))
        stack.extend(reversed(subdirectories))  # popped in name order: depth first, sorted
        yield from kept


def _add(
    archive: tarfile.TarFile,
    root: Path,
    relative: str,
    info: os.stat_result,
    progress: PackProgress,
) -> None:
    path = root / relative
    member = tarfile.TarInfo(relative)
    member.mode = stat.S_IMODE(info.st_mode)
    member.mtime = int(info.st_mtime)
    if stat.S_ISLNK(info.st_mode):
        link = os.readlink(path)
        if not _stays_inside(root, path, link):
            progress.skip(relative, "a symlink pointing outside the build directory")
            return
        member.type, member.linkname = tarfile.SYMTYPE, link
        archive.addfile(member)
    elif stat.S_ISDIR(info.st_mode):
        member.type = tarfile.DIRTYPE
        archive.addfile(member)
    elif stat.S_ISREG(info.st_mode):
        try:
            handle = path.open("rb")
        except OSError as exc:
            if relative in _ALWAYS_SENT:
                raise  # a build without its Dockerfile cannot work: an error, not a skip
            progress.skip(relative, f"unreadable: {exc.strerror or exc}")
            return
        with handle:
            member.size = info.st_size
            archive.addfile(member, _Counting(handle, progress))
    else:
        progress.skip(relative, "a special file (socket, FIFO or device)")


class _Counting:
    """A file wrapper that counts the bytes tarfile reads, for the packing progress."""

    def __init__(self, handle: BinaryIO, progress: PackProgress) -> None:
        self._handle = handle
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._progress.bytes_packed += len(data)
        return data


def _stays_inside(root: Path, link: Path, target: str) -> bool:
    """Whether a relative link ``target`` lands inside ``root``, lexically and for real."""
    if os.path.isabs(target):
        return False
    base = os.path.realpath(root)
    lexical = os.path.normpath(os.path.join(os.path.dirname(link), target))
    real = os.path.realpath(link)
    inside = (os.path.normpath(root), base)
    return any(lexical == p or lexical.startswith(p + os.sep) for p in inside) and (
        real == base or real.startswith(base + os.sep)
    )
