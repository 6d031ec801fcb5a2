"""Sending the parts: ``concurrency`` workers, the first final failure stops them all.

Progress is monotonic and throttled: each part counts up to the furthest any of its attempts got,
reported through the upload's :class:`~.progress.Reporter` (at the start, every 0.1 s, and once
every part is acknowledged).
"""

from __future__ import annotations

import anyio
import attrs

from ..errors import UploadError
from ..uploads import UploadProgress
from .plan import PartSpec
from .presigned import Transfer, put_part
from .progress import Reporter

__all__ = ("send_parts",)


async def send_parts(
    transfer: Transfer, parts: list[PartSpec], concurrency: int, reporter: Reporter
) -> dict[int, str] | UploadError:
    """Upload the parts with ``concurrency`` workers; the first final failure stops them all."""
    progress = _Progress(parts, reporter)
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

    await reporter.emit(progress.snapshot())
    async with anyio.create_task_group() as outer:
        if reporter.active:
            outer.start_soon(reporter.every, progress.snapshot, outer.cancel_scope)
        async with anyio.create_task_group() as workers:
            for _ in range(min(concurrency, len(parts))):
                workers.start_soon(worker, workers.cancel_scope)
        outer.cancel_scope.cancel()
    if reporter.error is not None:
        raise reporter.error
    if failures:
        return failures[0]
    await reporter.emit(progress.snapshot())
    return etags


@attrs.define
class _Progress:
    """Monotonic progress: each part counts up to the furthest any attempt got."""

    parts: list[PartSpec]
    reporter: Reporter
    high_water: dict[int, int] = attrs.field(init=False)
    total: int = attrs.field(init=False)
    bytes_sent: int = 0
    parts_done: int = 0

    def __attrs_post_init__(self) -> None:
        self.high_water = {part.number: 0 for part in self.parts}
        self.total = sum(part.length for part in self.parts)

    def sent(self, number: int, offset: int) -> None:
        """Note that an attempt of part ``number`` has handed ``offset`` bytes to the network."""
        if offset > self.high_water[number]:
            self.bytes_sent += offset - self.high_water[number]
            self.high_water[number] = offset

    def acknowledged(self, part: PartSpec) -> None:
        """Note that the storage service accepted ``part``."""
        self.sent(part.number, part.length)
        self.parts_done += 1

    def snapshot(self) -> UploadProgress:
        """The current state as an uploading-phase snapshot."""
        return self.reporter.uploading(
            self.bytes_sent, self.total, self.parts_done, len(self.parts)
        )
