"""Pack a build directory into a tar.gz the way ``docker build`` sends its context.

Rules (decided here, documented for users in ``builds_v3_upload_build``):

* ``.dockerignore`` at the root is honoured like Docker does: ``#`` comments, blank lines,
  ``*`` and ``?`` (never across ``/``), ``**`` (any number of directories), ``[...]`` classes,
  ``\\`` escapes, ``!`` exceptions (the last matching line wins), a leading ``/`` and a trailing
  ``/`` are ignored, and a pattern that matches a directory excludes everything below it.
* ``Dockerfile`` and ``.dockerignore`` are always sent, as Docker does.
* Symbolic links are stored as links (never followed) when their target stays inside the
  directory; a link pointing outside (or absolute) is skipped with a warning, so the archive can
  never reach outside the build context when unpacked.
* Sockets, FIFOs and device files are skipped.
* Members come in a fixed order (each directory's entries sorted by name), owners are zeroed and
  the gzip header carries no name or timestamp, so the same tree always gives the same bytes;
  file modes and mtimes are kept.

Everything here blocks: call it through ``anyio.to_thread.run_sync``.
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import stat
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs

__all__ = ("IgnoreRules", "pack_directory")

logger = logging.getLogger("hathora_cloud")
_ALWAYS_SENT = frozenset({"Dockerfile", ".dockerignore"})


@attrs.frozen
class _Pattern:
    regex: re.Pattern[str]
    exception: bool


@attrs.frozen
class IgnoreRules:
    """The parsed lines of a ``.dockerignore`` file."""

    patterns: tuple[_Pattern, ...]

    @classmethod
    def parse(cls, text: str) -> IgnoreRules:
        """Parse ``.dockerignore`` text (``#`` comments and blank lines are skipped)."""
        patterns = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            exception = line.startswith("!")
            if exception:
                line = line[1:].strip()
            line = _clean(line)
            if line:
                patterns.append(_Pattern(re.compile(_to_regex(line)), exception))
        return cls(tuple(patterns))

    @property
    def has_exceptions(self) -> bool:
        """Whether any ``!`` line could re-include something below an excluded directory."""
        return any(pattern.exception for pattern in self.patterns)

    def is_excluded(self, relative: str) -> bool:
        """Whether the ``/``-separated ``relative`` path is excluded (the last match wins)."""
        parents = _parents(relative)
        excluded = False
        for pattern in self.patterns:
            if excluded == (not pattern.exception):
                continue  # this line could not change the verdict
            if any(pattern.regex.fullmatch(path) for path in parents):
                excluded = not pattern.exception
        return excluded


def _clean(pattern: str) -> str:
    """Normalise like Go's ``filepath.Clean`` and drop a leading ``/`` (Docker does too)."""
    parts: list[str] = []
    for part in pattern.replace(os.sep, "/").split("/"):
        if part in ("", "."):
            continue
        if part == ".." and parts and parts[-1] != "..":
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def _parents(relative: str) -> list[str]:
    """``a/b/c`` → ``[a, a/b, a/b/c]``: a pattern matching a parent excludes the child."""
    pieces = relative.split("/")
    return ["/".join(pieces[: index + 1]) for index in range(len(pieces))]


def _to_regex(pattern: str) -> str:
    """Translate a Docker ignore pattern into a regular expression (moby/patternmatcher)."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**", index):
            index += 2
            if pattern.startswith("/", index):
                out.append("(?:.*/)?")
                index += 1
            else:
                out.append(".*")
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and index + 1 < len(pattern):
            index += 1
            out.append(re.escape(pattern[index]))
        elif char == "[" and (end := pattern.find("]", index + 2)) != -1:
            body = pattern[index + 1 : end]
            negate = body[:1] in ("!", "^")
            body = body[1:] if negate else body
            out.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
            index = end
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def read_rules(root: Path) -> IgnoreRules:
    """Read ``root/.dockerignore``; no file means no rules."""
    path = root / ".dockerignore"
    if not path.is_file():
        return IgnoreRules(())
    return IgnoreRules.parse(path.read_text(encoding="utf-8", errors="replace"))


def pack_directory(
    root: Path, target: Path, check_cancelled: Callable[[], None] = lambda: None
) -> int:
    """Write ``root`` as a gzip-compressed tar to ``target``; return the archive's size.

    ``check_cancelled`` is called before each directory is read; in a worker thread pass
    ``anyio.from_thread.check_cancelled`` so that cancelling the caller stops the packing.

    Raises:
        OSError: A file could not be read or the archive could not be written.
    """
    rules = read_rules(root)
    with (
        target.open("wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=6, mtime=0) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for relative, path in _walk(root, rules, check_cancelled):
            _add(archive, root, relative, path)
    return target.stat().st_size


def _walk(
    root: Path, rules: IgnoreRules, check_cancelled: Callable[[], None]
) -> Iterator[tuple[str, Path]]:
    """Yield the members to send, sorted, depth first, honouring the ignore rules."""
    stack = [""]
    while stack:
        directory = stack.pop()
        check_cancelled()
        with os.scandir(root / directory) as entries:
            names = sorted(entry.name for entry in entries)
        for name in reversed(names):
            relative = f"{directory}/{name}" if directory else name
            path = root / relative
            excluded = relative not in _ALWAYS_SENT and rules.is_excluded(relative)
            is_dir = path.is_dir() and not path.is_symlink()
            if is_dir and (not excluded or rules.has_exceptions):
                stack.append(relative)
        for name in names:
            relative = f"{directory}/{name}" if directory else name
            if relative in _ALWAYS_SENT or not rules.is_excluded(relative):
                yield relative, root / relative


def _add(archive: tarfile.TarFile, root: Path, relative: str, path: Path) -> None:
    info = os.lstat(path)
    member = tarfile.TarInfo(relative)
    member.mode = stat.S_IMODE(info.st_mode)
    member.mtime = int(info.st_mtime)
    if stat.S_ISLNK(info.st_mode):
        link = os.readlink(path)
        if not _stays_inside(root, path, link):
            logger.warning("skipping symlink %s: it points outside the build directory", relative)
            return
        member.type, member.linkname = tarfile.SYMTYPE, link
        archive.addfile(member)
    elif stat.S_ISDIR(info.st_mode):
        member.type = tarfile.DIRTYPE
        archive.addfile(member)
    elif stat.S_ISREG(info.st_mode):
        member.size = info.st_size
        with path.open("rb") as handle:
            archive.addfile(member, handle)
    else:
        logger.debug("skipping special file %s", relative)


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
