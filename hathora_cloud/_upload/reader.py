"""Reading the tarball being uploaded: one descriptor per part, the page cache read on the loop.

A part PUT streams its byte range in slices of at most 1 MiB. Handing every slice to a worker
thread costs about 110 µs of CPU per hop, which made uploads of a cached file run at 0.65 of raw
aiohttp; so a slice is read on the event loop with ``preadv(..., RWF_NOWAIT)``, which copies what
the page cache holds and refuses (``EAGAIN``) rather than wait for a disk. Only what is not
resident goes to a worker thread, so the loop never waits on I/O. Without ``RWF_NOWAIT`` (not
Linux) every slice goes to a thread. Each slice is a fresh buffer: transports may keep a
reference to what they were given until it is sent, so a reused buffer could be overwritten
under them.

A file that changes during the upload (size or modification time) is noticed on every part, with
one ``fstat`` of the part's own descriptor, and once more before the upload is completed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import anyio.to_thread

__all__ = ("CHANGED", "PartReader", "Source")

CHANGED = (
    "the tarball changed during the upload (size or modification time differs); "
    "nothing was completed, upload it again once it is final"
)
_PREADV = hasattr(os, "preadv")
_NOWAIT = getattr(os, "RWF_NOWAIT", None) if _PREADV else None


class Source:
    """Random access to the tarball being uploaded (a file on disk, or caller-owned bytes)."""

    def __init__(self, *, path: Path | None = None, data: bytes | None = None) -> None:
        self.path = path
        self._data = memoryview(data) if data is not None else None
        self._stamp: tuple[int, int] | None = None
        self.size = len(data) if data is not None else 0

    async def snapshot(self) -> None:
        """Record the file's size and mtime; later checks compare with it."""
        if self.path is not None:
            info = await anyio.to_thread.run_sync(os.stat, self.path)
            self._stamp = (info.st_size, info.st_mtime_ns)
            self.size = info.st_size

    async def changed(self) -> str | None:
        """Return why the file no longer matches the snapshot, or ``None`` when it does."""
        if self.path is None or self._stamp is None:
            return None
        try:
            info = await anyio.to_thread.run_sync(os.stat, self.path)
        except OSError as exc:
            return f"the tarball became unreadable during the upload: {exc.strerror or exc}"
        return CHANGED if (info.st_size, info.st_mtime_ns) != self._stamp else None

    @contextlib.asynccontextmanager
    async def part(self) -> AsyncIterator[PartReader | str]:
        """Open a reader for one attempt of one part (or yield why the file cannot be read)."""
        if self._data is not None:
            yield PartReader(None, self._data)
            return
        assert self.path is not None
        try:
            fd = await anyio.to_thread.run_sync(_open, self.path)
        except OSError as exc:
            yield f"the tarball became unreadable during the upload: {exc.strerror or exc}"
            return
        try:
            info = os.fstat(fd)
            if (info.st_size, info.st_mtime_ns) != self._stamp:
                yield CHANGED
            else:
                yield PartReader(fd, None)
        finally:
            os.close(fd)


class PartReader:
    """Reads slices of the tarball for one part attempt (see the module docstring)."""

    __slots__ = ("_data", "_fd")

    def __init__(self, fd: int | None, data: memoryview | None) -> None:
        self._fd = fd
        self._data = data

    async def read(self, offset: int, length: int) -> memoryview:
        """Return ``length`` bytes at ``offset`` (fewer only if the file shrank).

        Always a ``memoryview``: aiohttp slices every chunk to the declared length, which copies a
        ``bytearray`` (a megabyte per slice) but not a view.
        """
        if self._data is not None:
            return self._data[offset : offset + length]  # the caller's immutable bytes: no copy
        assert self._fd is not None
        buffer = bytearray(length)
        got = 0
        if _NOWAIT is not None:
            try:
                got = os.preadv(self._fd, [buffer], offset, _NOWAIT)
            except BlockingIOError:
                got = 0  # not in the page cache: read it in a thread below
            except OSError:
                got = 0  # RWF_NOWAIT refused by this file system: the thread will do
            if got == length:
                return memoryview(buffer)
        rest = await anyio.to_thread.run_sync(_pread_into, self._fd, buffer, got, offset)
        return memoryview(buffer)[:rest]


def _open(path: Path) -> int:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    if _NOWAIT is not None and hasattr(os, "posix_fadvise"):
        # Sequential reads leave readahead markers that make RWF_NOWAIT stop short even on cached
        # pages (about one slice in ten here); random access sets none. A slice not in the cache
        # is read by a thread anyway, 1 MiB at a time.
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
    return fd


def _pread_into(fd: int, buffer: bytearray, start: int, offset: int) -> int:
    """Fill ``buffer`` from ``start`` by blocking reads; return how many bytes it holds."""
    view = memoryview(buffer)
    filled = start
    while filled < len(buffer):
        if _PREADV:
            count = os.preadv(fd, [view[filled:]], offset + filled)
        else:  # no preadv (macOS, Windows): this part's own descriptor, read in order
            os.lseek(fd, offset + filled, os.SEEK_SET)
            data = os.read(fd, len(buffer) - filled)
            count = len(data)
            view[filled : filled + count] = data
        if count == 0:
            break  # end of file: the tarball shrank
        filled += count
    return filled
