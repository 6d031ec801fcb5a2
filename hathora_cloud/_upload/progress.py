"""Reporting progress to ``on_progress``: throttled, deduplicated, never backwards.

One :class:`Reporter` serves a whole upload, packing phase included: it remembers the build id
and what packing skipped, so every later snapshot carries them. An exception raised by the
caller's callback is the caller's own: it stops the work and propagates unchanged.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import anyio
import attrs

from ..uploads import ProgressCallback, SkippedFile, UploadPhase, UploadProgress
from .packing import PackProgress

__all__ = ("PROGRESS_INTERVAL", "Reporter")

PROGRESS_INTERVAL = 0.1
"""The shortest time, in seconds, between two ``on_progress`` calls (phase ends excepted)."""


@attrs.define
class Reporter:
    """Calls ``callback`` with snapshots, skipping repeats; holds what every snapshot shares."""

    callback: ProgressCallback | None
    build_id: str | None = None
    skipped: tuple[SkippedFile, ...] = ()
    last: UploadProgress | None = None
    error: BaseException | None = None

    @property
    def active(self) -> bool:
        """Whether anybody listens (without a callback nothing is computed)."""
        return self.callback is not None

    async def emit(self, snapshot: UploadProgress) -> None:
        """Call the callback with ``snapshot`` unless it equals the previous one."""
        if self.callback is None or snapshot == self.last:
            return
        self.last = snapshot
        result = self.callback(snapshot)
        if inspect.isawaitable(result):
            await result

    async def every(self, snapshot: Callable[[], UploadProgress], scope: anyio.CancelScope) -> None:
        """Emit ``snapshot()`` every interval; a failing callback cancels ``scope``."""
        while True:
            await anyio.sleep(PROGRESS_INTERVAL)
            try:
                await self.emit(snapshot())
            except Exception as exc:
                self.error = exc
                scope.cancel()
                return

    def packing(self, progress: PackProgress) -> UploadProgress:
        """A packing-phase snapshot of ``progress``."""
        return UploadProgress(
            0,
            0,
            0,
            0,
            phase=UploadPhase.PACKING,
            files_packed=progress.files_packed,
            files_total=progress.files_total,
            bytes_packed=progress.bytes_packed,
            bytes_to_pack=progress.bytes_to_pack,
            skipped=tuple(progress.skipped),
        )

    def uploading(self, sent: int, total: int, done: int, parts: int) -> UploadProgress:
        """An uploading-phase snapshot, carrying the build id and what packing skipped."""
        return UploadProgress(
            sent, total, done, parts, build_id=self.build_id, skipped=self.skipped
        )
