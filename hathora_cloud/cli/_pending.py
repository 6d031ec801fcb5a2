"""Builds created for a later upload: their presigned URLs, kept in a private per-user file.

The API returns a build's upload URLs only in the answer that creates it, so ``builds create
--size`` stores that answer and ``builds upload PATH --build-id ID`` reads it back. The URLs are
credentials: the file is the user's alone (directory 0700, file 0600, written whole through a
temporary name), its content is never printed, and it is removed once the upload succeeds or
the build is deleted. It lives in ``$XDG_CACHE_HOME/hathora-cloud/uploads/<build id>.json``
(``~/.cache`` when the variable is unset or not absolute).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
from pathlib import Path

import attrs

from .. import _converter
from ..models import CreatedBuildV3WithMultipartUrls
from ._errors import UsageError

__all__ = ("MAX_AGE", "PendingUpload", "forget", "load", "pending_dir", "prepare", "save")

MAX_AGE = 7 * 24 * 3600.0
"""Seconds after which an entry is pruned: S3 presigned URLs never live longer than 7 days."""
_FORMAT = 1
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


@attrs.frozen
class PendingUpload:
    """A build awaiting its upload, as ``builds create --size`` stored it."""

    build: CreatedBuildV3WithMultipartUrls
    """The create answer, upload URLs included."""
    size: int
    """The byte size the build was created for (``--size``)."""


def pending_dir() -> Path:
    """Return the directory of stored upload URLs (it may not exist yet).

    Raises:
        UsageError: No cache directory can be found (no ``XDG_CACHE_HOME`` and no home).
    """
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec says to ignore a relative value
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:
            raise UsageError(
                "no cache directory for the upload URLs: set XDG_CACHE_HOME or HOME"
            ) from None
    return Path(base) / "hathora-cloud" / "uploads"


def _path(build_id: str) -> Path:
    # An id is a file name only when it cannot climb out of the directory or hide itself.
    if _SAFE_NAME.fullmatch(build_id):
        name = build_id
    else:
        name = "sha256-" + hashlib.sha256(build_id.encode("utf-8", "surrogatepass")).hexdigest()
    return pending_dir() / f"{name}.json"


def prepare() -> Path:
    """Create the private directory (0700) before a build is created, so a failure costs nothing.

    Raises:
        UsageError: The directory cannot be created or is not writable.
    """
    directory = pending_dir()
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        directory.chmod(0o700)
        if not os.access(directory, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied", str(directory))
    except OSError as error:
        reason = error.strerror or str(error)
        raise UsageError(f"cannot store upload URLs in {directory}: {reason}") from None
    _prune(directory)
    return directory


def _prune(directory: Path) -> None:
    """Remove entries older than :data:`MAX_AGE`: their URLs have expired for sure."""
    horizon = time.time() - MAX_AGE
    for entry in directory.glob("*.json"):
        with contextlib.suppress(OSError):
            if entry.stat().st_mtime < horizon:
                entry.unlink()


def save(build: CreatedBuildV3WithMultipartUrls, size: int) -> Path:
    """Store ``build`` (URLs included) for ``builds upload --build-id``; return the file.

    The file is written under a temporary name (``mkstemp`` makes it 0600 from the start) and
    renamed, so nobody else can read it and a reader never sees half of it.

    Raises:
        OSError: The file cannot be written.
    """
    target = _path(build.build_id)
    document = {"format": _FORMAT, "size": size, "build": _converter.unstructure(build)}
    handle, temporary = tempfile.mkstemp(prefix=".pending-", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(document, file)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target


def load(build_id: str) -> PendingUpload:
    """Return what ``builds create --size`` stored for ``build_id``.

    Raises:
        UsageError: Nothing is stored for it (or the entry is unreadable), with what to do.
    """
    path = _path(build_id)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        build = _converter.structure(document["build"], CreatedBuildV3WithMultipartUrls)
        size = int(document["size"])
    except FileNotFoundError:
        raise UsageError(
            f"no upload URLs stored for build {build_id}: the API returns them only when a build "
            "is created, and `hathora-cloud builds create --size BYTES` on this machine (same "
            "user) stores them for `builds upload PATH --build-id ID`; to create a build and "
            "upload into it in one step, run `hathora-cloud builds upload PATH`"
        ) from None
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
        raise UsageError(
            f"the stored upload URLs of build {build_id} are unreadable ({type(error).__name__}); "
            f"remove {path} and create a new build"
        ) from None
    if build.build_id != build_id:  # a hashed name: make sure it is this build's entry
        raise UsageError(f"no upload URLs stored for build {build_id}")
    return PendingUpload(build, size)


def forget(build_id: str) -> None:
    """Remove the stored URLs of ``build_id`` (after its upload, or once it is deleted)."""
    with contextlib.suppress(OSError, UsageError):
        _path(build_id).unlink(missing_ok=True)
