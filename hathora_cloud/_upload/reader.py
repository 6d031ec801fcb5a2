"""Reading the tarball being uploaded: one descriptor, the page cache read on the loop.

The file is opened once, in a worker thread, when the upload starts; every part reads it with
positional reads (``preadv``), so no part needs its own descriptor or a thread hop to open one.
Where there is no ``preadv`` (Windows), each part attempt opens the file in a thread and reads it
in order.

A part PUT streams its byte range in slices of at most 1 MiB. Handing every slice to a worker
thread costs about 110 µs of CPU per hop, which made uploads of a cached file run at 0.65 of raw
aiohttp; so a slice is read on the event loop with ``preadv(..., RWF_NOWAIT)``, which copies what
the page cache holds and refuses (``EAGAIN``) rather than wait for a disk. Only what is not
resident goes to a worker thread, so the loop never waits on I/O. Without ``RWF_NOWAIT`` (not
Linux) every slice goes to a thread.

Slice buffers are reused, but only once nothing can still read them. A transport may keep what it
was given until the socket takes it (Python 3.12's selector transport appends the very object to
its buffer, no copy), so handing out a buffer again as soon as the previous slice was written
could overwrite bytes not yet sent. Every slice leaves here as a ``memoryview``, and whoever keeps
it (aiohttp, the transport, an SSL backlog) keeps an export of the array below it; an array with
live exports refuses to be resized, so trying to grow it by one byte tells exactly whether any
view is still alive. A busy buffer is skipped; when all are busy a new one is allocated, and at
most ``_POOL_BUFFERS`` are kept, so memory stays bounded.

Each slice starts on a page boundary. A large allocation is its own ``mmap`` with the data 16
bytes into its first page, and copying page-cache pages to a destination a few bytes past a page
boundary ran 5-6 times slower here (0.6 ms instead of 0.11 ms per MiB, AMD EPYC: the copy's
loads and stores alias every 4 KiB). An ``array`` tells its address (``buffer_info``), so the view
skips to the next page boundary.

A file that changes during the upload (size or modification time) is noticed on every part, with
one ``fstat`` of the descriptor, and once more before the upload is completed, with a ``stat`` of
the path: a file replaced under the same name keeps its old contents behind the open descriptor,
so every part sends the original bytes, and the final check refuses to complete.
"""

from __future__ import annotations

import array
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
_POOL_BUFFERS = 16  # reused slice buffers per upload: 16 MiB at 1 MiB slices
_PAGE = 4096  # a page on x86-64 and arm64 Linux; the stride the slow copies alias on
_NOWAIT = getattr(os, "RWF_NOWAIT", None) if _PREADV else None


class Source:
    """Random access to the tarball being uploaded (a file on disk, or caller-owned bytes)."""

    def __init__(self, *, path: Path | None = None, data: bytes | None = None) -> None:
        self.path = path
        self._data = memoryview(data) if data is not None else None
        self._stamp: tuple[int, int] | None = None
        self.size = len(data) if data is not None else 0
        self._buffers: list[array.array[int]] = []
        self._next = 0  # where the next scan of _buffers starts
        self._fd: int | None = None

    def view(self, length: int) -> memoryview:
        """A writable, page-aligned view of ``length`` bytes no one else can still see.

        The view is taken before returning, so the buffer stays busy from this moment on (see
        the module docstring).
        """
        # Oldest first: buffers come back in about the order they were handed out, so a scan
        # starting after the last one handed out meets a free one first, not a row of busy ones
        # (each busy one costs a BufferError).
        buffers = self._buffers
        count = len(buffers)
        for step in range(count):
            index = (self._next + step) % count
            buffer = buffers[index]
            if len(buffer) >= length + _PAGE and _unexported(buffer):
                self._next = index + 1
                return _aligned(buffer, length)
        buffer = array.array("B", bytes(length + _PAGE))
        _unexported(buffer)  # the first probe grows the allocation (and may move it) once
        if count < _POOL_BUFFERS:
            buffers.append(buffer)
            self._next = count + 1
        return _aligned(buffer, length)

    async def snapshot(self) -> None:
        """Open the file and record its size and mtime; later checks compare with them."""
        if self.path is None:
            return
        try:
            self._fd = await anyio.to_thread.run_sync(_open, self.path) if _PREADV else None
        except OSError:
            self._fd = None  # each part opens it again and says why it cannot
        info = os.fstat(self._fd) if self._fd is not None else await _stat(self.path)
        self._stamp = (info.st_size, info.st_mtime_ns)
        self.size = info.st_size

    def close(self) -> None:
        """Close the descriptor :meth:`snapshot` opened (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    async def changed(self) -> str | None:
        """Return why the file no longer matches the snapshot, or ``None`` when it does."""
        if self.path is None or self._stamp is None:
            return None
        try:
            info = await _stat(self.path)
        except OSError as exc:
            return f"the tarball became unreadable during the upload: {exc.strerror or exc}"
        return CHANGED if (info.st_size, info.st_mtime_ns) != self._stamp else None

    @contextlib.asynccontextmanager
    async def part(self) -> AsyncIterator[PartReader | str]:
        """Open a reader for one attempt of one part (or yield why the file cannot be read)."""
        if self._data is not None:
            yield PartReader(self, None, self._data)
            return
        if self._fd is not None:
            yield self._check(self._fd)
            return
        assert self.path is not None
        try:
            fd = await anyio.to_thread.run_sync(_open, self.path)
        except OSError as exc:
            yield f"the tarball became unreadable during the upload: {exc.strerror or exc}"
            return
        try:
            yield self._check(fd)
        finally:
            os.close(fd)

    def _check(self, fd: int) -> PartReader | str:
        info = os.fstat(fd)
        if (info.st_size, info.st_mtime_ns) != self._stamp:
            return CHANGED
        return PartReader(self, fd, None)


class PartReader:
    """Reads slices of the tarball for one part attempt (see the module docstring)."""

    __slots__ = ("_data", "_fd", "_source")

    def __init__(self, source: Source, fd: int | None, data: memoryview | None) -> None:
        self._source = source
        self._fd = fd
        self._data = data

    async def read(self, offset: int, length: int) -> memoryview:
        """Return ``length`` bytes at ``offset`` (fewer only if the file shrank).

        Always a ``memoryview``: aiohttp slices every chunk to the declared length, which copies a
        ``bytearray`` (a megabyte per slice) but not a view; and the view is what keeps a pooled
        buffer from being reused while it is still being sent.
        """
        if self._data is not None:
            return self._data[offset : offset + length]  # the caller's immutable bytes: no copy
        assert self._fd is not None
        view = self._source.view(length)
        got = 0
        if _NOWAIT is not None:
            try:
                got = os.preadv(self._fd, [view], offset, _NOWAIT)
            except BlockingIOError:
                got = 0  # not in the page cache: read it in a thread below
            except OSError:
                got = 0  # RWF_NOWAIT refused by this file system: the thread will do
            if got == length:
                return view
        rest = await anyio.to_thread.run_sync(_pread_into, self._fd, view, got, offset)
        return view[:rest]


def _open(path: Path) -> int:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    if _NOWAIT is not None and hasattr(os, "posix_fadvise"):
        # Sequential reads leave readahead markers that make RWF_NOWAIT stop short even on cached
        # pages (about one slice in ten here); random access sets none. A slice not in the cache
        # is read by a thread anyway, 1 MiB at a time.
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
    return fd


async def _stat(path: Path) -> os.stat_result:
    return await anyio.to_thread.run_sync(os.stat, path)


def _unexported(buffer: array.array[int]) -> bool:
    """Whether no view of ``buffer`` is alive: an array with exports cannot be resized."""
    try:
        buffer.append(0)
    except BufferError:
        return False
    buffer.pop()
    return True


def _aligned(buffer: array.array[int], length: int) -> memoryview:
    """A view of ``length`` bytes of ``buffer`` starting at a page boundary."""
    start = -buffer.buffer_info()[0] % _PAGE
    return memoryview(buffer)[start : start + length]


def _pread_into(fd: int, view: memoryview, start: int, offset: int) -> int:
    """Fill ``view`` from ``start`` by blocking reads; return how many bytes it holds."""
    filled = start
    while filled < len(view):
        if _PREADV:
            count = os.preadv(fd, [view[filled:]], offset + filled)
        else:  # no preadv (macOS, Windows): this part's own descriptor, read in order
            os.lseek(fd, offset + filled, os.SEEK_SET)
            data = os.read(fd, len(view) - filled)
            count = len(data)
            view[filled : filled + count] = data
        if count == 0:
            break  # end of file: the tarball shrank
        filled += count
    return filled
