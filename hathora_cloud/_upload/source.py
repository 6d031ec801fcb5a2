"""The bytes to upload: a tarball on disk, a directory packed to a temporary one, or ``bytes``.

:func:`open_source` validates the input before anything is sent and yields a
:class:`~.reader.Source` (how the bytes are read: :mod:`.reader`). A temporary tarball is deleted
on every exit path, cancellation included.
"""

from __future__ import annotations

import contextlib
import io
import os
import posixpath
import tarfile
import tempfile
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

import anyio.from_thread
import anyio.to_thread

from ..errors import SDKValidationError
from .ignore import BadIgnorePattern
from .packing import PackProgress, pack_directory
from .progress import Reporter
from .reader import Source

__all__ = ("Source", "UploadSource", "check_source", "open_source")

UploadSource = str | os.PathLike[str] | bytes
"""A ``.tgz``/``.tar.gz`` path, a directory to pack, or the tarball's bytes."""

_GZIP_MAGIC = b"\x1f\x8b"
_TARBALL_SUFFIXES = (".tgz", ".tar.gz")


async def check_source(source: object) -> SDKValidationError | None:
    """Why ``source`` cannot be uploaded, checked without packing anything, or ``None``.

    Cheap: a tarball is read only up to its root ``Dockerfile``, a directory is not read.
    """
    checked = await _resolve(source)
    return checked if isinstance(checked, SDKValidationError) else None


async def _resolve(source: object) -> tuple[str, Path | bytes] | SDKValidationError:
    """The kind (``bytes``, ``file``, ``directory``) and value of a valid ``source``."""
    if isinstance(source, bytes):
        problem = await _bytes_problem(source)
        return problem if problem is not None else ("bytes", source)
    if not isinstance(source, (str, os.PathLike)):
        return SDKValidationError(
            "source must be a path (str or os.PathLike) or bytes", raw_value=source
        )
    path = Path(await anyio.to_thread.run_sync(os.path.abspath, os.fspath(source)))
    kind = await anyio.to_thread.run_sync(_classify, path)
    if isinstance(kind, SDKValidationError):
        return kind
    if kind == "file":
        problem = await anyio.to_thread.run_sync(_tarball_problem, path, str(path))
        if problem is not None:
            return problem
    return kind, path


@contextlib.asynccontextmanager
async def open_source(
    source: object, reporter: Reporter
) -> AsyncIterator[Source | SDKValidationError]:
    """Validate ``source`` and yield a :class:`Source`, or the validation error.

    A directory is packed into a temporary tarball first (in a worker thread, its progress
    reported to ``reporter``); the temporary file is removed when the context exits, however it
    exits. A tarball (a file or ``bytes``) must hold a ``Dockerfile`` at its root.
    """
    checked = await _resolve(source)
    if isinstance(checked, SDKValidationError):
        yield checked
        return
    kind, value = checked
    if isinstance(value, bytes):
        yield Source(data=value)
        return
    if kind == "file":
        async with _opened(value) as opened:
            yield opened
        return
    handle, name = tempfile.mkstemp(prefix="hathora-build-", suffix=".tar.gz")
    os.close(handle)
    temporary = Path(name)
    try:
        packed = await _pack(value, temporary, reporter)
        if packed is not None:
            yield packed
        else:
            async with _opened(temporary) as opened:
                yield opened
    finally:
        # Shielded, so it also runs while the task is being cancelled; in a thread, because
        # unlinking a tarball of hundreds of MiB takes the file system 100 ms or more.
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(_remove, temporary)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


@contextlib.asynccontextmanager
async def _opened(path: Path) -> AsyncIterator[Source]:
    """The file at ``path`` as a snapshotted :class:`Source`, its descriptor closed on exit."""
    source = Source(path=path)
    try:
        await source.snapshot()
        yield source
    finally:
        source.close()


async def _bytes_problem(data: bytes) -> SDKValidationError | None:
    if not data.startswith(_GZIP_MAGIC):
        return SDKValidationError(
            "source bytes are not a gzip-compressed tarball (.tar.gz)", raw_value=data[:16]
        )
    return await anyio.to_thread.run_sync(_tarball_problem, io.BytesIO(data), "the source bytes")


def _tarball_problem(tarball: Path | BinaryIO, shown: str) -> SDKValidationError | None:
    """Why ``tarball`` cannot be built (no root ``Dockerfile``, not a tar.gz), or ``None``.

    Reads the archive as a stream and stops at the root ``Dockerfile``: a tarball that lists it
    early (as packers that sort names do: ``D`` comes before lower-case names) costs a few
    kilobytes of inflating, not a second pass over gigabytes. Only a tarball without one is read
    to its end, and it would have failed at build time anyway.
    """
    try:
        with (
            tarfile.open(fileobj=tarball, mode="r|gz")
            if not isinstance(tarball, Path)
            else tarfile.open(tarball, mode="r|gz") as archive
        ):
            for member in archive:
                if posixpath.normpath(member.name) == "Dockerfile" and (
                    member.isfile() or member.issym()
                ):
                    return None
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        return SDKValidationError(
            f"{shown} is not a readable .tar.gz tarball: {exc}", raw_value=shown
        )
    return SDKValidationError(
        f"no Dockerfile at the root of the tarball ({shown}); nothing was uploaded",
        raw_value=shown,
    )


def _classify(path: Path) -> str | SDKValidationError:
    """Return ``"file"`` or ``"directory"``, or why ``path`` cannot be uploaded (blocking)."""
    try:
        return _classify_path(path)
    except OSError as exc:  # ENAMETOOLONG, EACCES, ... from stat() itself
        shown = str(path)
        return SDKValidationError(f"cannot read {shown}: {exc.strerror or exc}", raw_value=shown)


def _classify_path(path: Path) -> str | SDKValidationError:
    shown = str(path)
    if path.is_dir():
        if not (path / "Dockerfile").is_file():
            return SDKValidationError(
                f"the directory {shown} has no Dockerfile at its root", raw_value=shown
            )
        return "directory"
    if not path.exists():
        return SDKValidationError(f"no such file or directory: {shown}", raw_value=shown)
    if not path.is_file():
        return SDKValidationError(f"not a regular file: {shown}", raw_value=shown)
    if path.name.lower().endswith(_TARBALL_SUFFIXES):
        return "file"
    try:
        with path.open("rb") as handle:
            magic = handle.read(2)
    except OSError as exc:
        return SDKValidationError(f"cannot read {shown}: {exc.strerror or exc}", raw_value=shown)
    if magic != _GZIP_MAGIC:
        return SDKValidationError(
            f"{shown} is not a .tgz/.tar.gz tarball (no gzip header)", raw_value=shown
        )
    return "file"


async def _pack(directory: Path, target: Path, reporter: Reporter) -> SDKValidationError | None:
    """Pack ``directory`` in a worker thread, reporting its progress while it runs."""
    progress = PackProgress()
    failure: Exception | None = None
    async with anyio.create_task_group() as group:
        if reporter.active:
            await reporter.emit(reporter.packing(progress))
            group.start_soon(reporter.every, lambda: reporter.packing(progress), group.cancel_scope)
        # Caught in here: raised out of a task group, it would come wrapped in an ExceptionGroup.
        try:
            result = await anyio.to_thread.run_sync(
                pack_directory, directory, target, anyio.from_thread.check_cancelled, progress
            )
        except (BadIgnorePattern, OSError, tarfile.TarError) as exc:
            failure = exc
        group.cancel_scope.cancel()
    if reporter.error is not None:
        raise reporter.error
    if failure is not None:
        return _pack_error(directory, failure)
    reporter.skipped = result.skipped
    await reporter.emit(reporter.packing(progress))
    return None


def _pack_error(directory: Path, exc: Exception) -> SDKValidationError:
    if isinstance(exc, BadIgnorePattern):
        return SDKValidationError(f"{directory}/{exc}", raw_value=exc.pattern)
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    where = f" ({exc.filename})" if isinstance(exc, OSError) and exc.filename else ""
    return SDKValidationError(
        f"cannot pack the directory {directory}: {detail}{where}", raw_value=str(directory)
    )
