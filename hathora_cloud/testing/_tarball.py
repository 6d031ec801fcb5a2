"""Inspect an uploaded build archive the way the build service does (runs in a thread)."""

from __future__ import annotations

import io
import tarfile
import zlib
from collections.abc import Mapping
from pathlib import Path

import attrs

_GZIP_MAGIC = b"\x1f\x8b"
_MAX_DOCKERFILE = 1024 * 1024


@attrs.frozen
class TarballVerdict:
    """What the run step learned from the archive."""

    dockerfile: str | None
    """The root ``Dockerfile``'s text, or ``None`` when the archive is unusable."""
    error: str | None = None
    """Why the archive is unusable (one log line, no newline)."""
    size: int = 0
    """Archive size in bytes (the "build context" size in the log)."""


def inspect_tarball(path: Path) -> TarballVerdict:
    """Check that ``path`` is a gzip-compressed tar with a ``Dockerfile`` at its root.

    Blocking: call it through ``asyncio.to_thread``.
    """
    if not path.is_file():
        return TarballVerdict(None, "Error: no build archive was uploaded for this build")
    size = path.stat().st_size
    with path.open("rb") as handle:
        magic = handle.read(2)
    if magic != _GZIP_MAGIC:
        error = "Error: the build archive is not gzip-compressed (expected a .tar.gz / .tgz file)"
        return TarballVerdict(None, error, size)
    try:
        dockerfile = _read_dockerfile(path)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        error = f"Error: the build archive is not a valid tar.gz archive: {exc}"
        return TarballVerdict(None, error, size)
    if dockerfile is None:
        error = (
            "unable to prepare context: unable to evaluate symlinks in Dockerfile path:"
            " lstat /tmp/build/Dockerfile: no such file or directory"
            " (the archive needs a Dockerfile at its root)"
        )
        return TarballVerdict(None, error, size)
    return TarballVerdict(dockerfile, None, size)


def _read_dockerfile(path: Path) -> str | None:
    with tarfile.open(path, mode="r:gz") as archive:
        for member in archive:
            name = member.name.removeprefix("./")
            if name != "Dockerfile" or not member.isfile():
                continue
            extracted = archive.extractfile(member)
            if extracted is None:
                return None
            with extracted:
                return extracted.read(_MAX_DOCKERFILE).decode("utf-8", errors="replace")
    return None


def make_tarball(files: Mapping[str, bytes | str]) -> bytes:
    """Return a ``.tar.gz`` archive holding ``files`` (name → content), for tests.

    Args:
        files: Archive member names and their contents; ``str`` is encoded as UTF-8.

    Returns:
        The gzip-compressed tar bytes, e.g. to upload as a build.
    """
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            member = tarfile.TarInfo(name)
            member.size = len(data)
            member.mode = 0o644
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()
