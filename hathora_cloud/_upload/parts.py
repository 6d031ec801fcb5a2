"""Sending the parts: ``concurrency`` workers, the first final failure stops them all.

Progress is monotonic and throttled: each part counts up to the furthest any of its attempts got,
and ``on_progress`` is called at most every :data:`PROGRESS_INTERVAL` seconds (plus once at the
start and once when every part is acknowledged).
"""

from __future__ import annotations

import inspect

import anyio
import attrs

from ..errors import UploadError
from ..uploads import ProgressCallback, UploadProgress
from .plan import PartSpec
from .presigned import Transfer, put_part

__all__ = ("PROGRESS_INTERVAL", "send_parts")

PROGRESS_INTERVAL = 0.1
"""The shortest time, in seconds, between two ``on_progress`` calls (the last one excepted)."""


async def send_parts(
    transfer: Transfer,
    parts: list[PartSpec],
    concurrency: int,
    on_progress: ProgressCallback | None,
) -> dict[int, str] | UploadError:
    """Upload the parts with ``concurrency`` workers; the first final failure stops them all."""
    progress = _Progress(parts, on_progress)
    etags: dict[int, str] = {}
    failures: list[UploadError] = []
    pending = iter(parts)

    async def worker(group: anyio.CancelScope) -> None:
        for part in pending:
            result = await put_part(transfer, part, progress.sent)
            if isinstance(result, UploadError):
                failures.append(result)
                group.cancel()
                return
            etags[part.number] = result
            progress.acknowledged(part)

    await progress.emit()
    async with anyio.create_task_group() as outer:
        if on_progress is not None:
            outer.start_soon(progress.run, outer.cancel_scope)
        async with anyio.create_task_group() as workers:
            for _ in range(min(concurrency, len(parts))):
                workers.start_soon(worker, workers.cancel_scope)
        outer.cancel_scope.cancel()
    if progress.error is not None:
        raise progress.error
    if failures:
        return failures[0]
    await progress.emit()
    return etags


@attrs.define
class _Progress:
    """Monotonic, throttled progress: each part counts up to the furthest any attempt got."""

    parts: list[PartSpec]
    callback: ProgressCallback | None
    high_water: dict[int, int] = attrs.field(init=False)
    bytes_sent: int = 0
    parts_done: int = 0
    last: UploadProgress | None = None
    error: Exception | None = None

    def __attrs_post_init__(self) -> None:
        self.high_water = {part.number: 0 for part in self.parts}

    def sent(self, number: int, offset: int) -> None:
        """Note that an attempt of part ``number`` has handed ``offset`` bytes to the network."""
        if offset > self.high_water[number]:
            self.bytes_sent += offset - self.high_water[number]
            self.high_water[number] = offset

    def acknowledged(self, part: PartSpec) -> None:
        """Note that the storage service accepted ``part``."""
        self.sent(part.number, part.length)
        self.parts_done += 1

    async def emit(self) -> None:
        """Call the callback with the current state, unless nothing changed since last time."""
        if self.callback is None:
            return
        total = sum(part.length for part in self.parts)
        snapshot = UploadProgress(self.bytes_sent, total, self.parts_done, len(self.parts))
        if snapshot == self.last:
            return
        self.last = snapshot
        result = self.callback(snapshot)
        if inspect.isawaitable(result):
            await result

    async def run(self, scope: anyio.CancelScope) -> None:
        """Report every ``PROGRESS_INTERVAL`` seconds; a failing callback stops the upload."""
        while True:
            await anyio.sleep(PROGRESS_INTERVAL)
            try:
                await self.emit()
            except Exception as exc:
                self.error = exc
                scope.cancel()
                return
