"""The live display on stderr: an upload progress bar, then the build log as it streams."""

from __future__ import annotations

import os
from collections import deque
from types import TracebackType
from typing import TYPE_CHECKING

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from ..errors import BuildFailedError
from ._app import App

if TYPE_CHECKING:
    from ..uploads import UploadProgress

__all__ = ("TAIL_LINES", "LiveDisplay")

TAIL_LINES = 20
"""How many of the last log lines a failed build prints when the live log was hidden."""


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


class _BinarySpeedColumn(ProgressColumn):
    """Transfer speed in the same binary units as the sizes beside it (rich's is decimal)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(
            "?" if speed is None else f"{_human(int(speed))}/s", style="progress.data.speed"
        )


class LiveDisplay:
    """Show upload progress and log lines on stderr; remember the last lines.

    The bar is drawn only when stderr is a terminal and ``--quiet`` is off; on a pipe one line
    announces the upload and one its end, so CI logs stay readable and free of escapes.
    """

    def __init__(self, app: App) -> None:
        self._app = app
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._started = False
        self._upload_done = False
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.lines_shown = 0

    def __enter__(self) -> LiveDisplay:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop_bar()

    def announce(self, path: str) -> None:
        """Say that a directory is being packed: a big one takes seconds before the bar starts."""
        if os.path.isdir(path):
            self._app.note(f"Packing {path} (honouring .dockerignore)…")

    def on_progress(self, progress: UploadProgress) -> None:
        """Advance the bar (the SDK's ``on_progress`` callback)."""
        if self._upload_done:
            return
        if not self._started:
            self._started = True
            self._start(progress)
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=progress.bytes_sent)
        if (
            progress.parts_done >= progress.parts_total
            and progress.bytes_sent >= progress.total_bytes
        ):
            self._upload_done = True
            self._stop_bar()
            self._app.note(f"Uploaded {_human(progress.total_bytes)}.")

    def _start(self, progress: UploadProgress) -> None:
        if not self._app.shows_bar:
            self._app.note(
                f"Uploading {_human(progress.total_bytes)} in {progress.parts_total} part(s)…"
            )
            return
        self._progress = Progress(
            TextColumn("Uploading"),
            BarColumn(),
            DownloadColumn(binary_units=True),
            _BinarySpeedColumn(),
            TimeRemainingColumn(),
            console=self._app.err,
        )
        self._task = self._progress.add_task("upload", total=progress.total_bytes)
        self._progress.start()

    def _stop_bar(self) -> None:
        progress, self._progress = self._progress, None
        if progress is not None:
            progress.stop()

    def on_log_line(self, line: str) -> None:
        """Print one build log line (the SDK's ``on_log_line`` callback) unless ``--quiet``."""
        self._stop_bar()
        self.tail.append(line)
        if not self._app.quiet:
            self._app.err.print(line, soft_wrap=True)
            self.lines_shown += 1

    def report_failure(self, error: BuildFailedError) -> None:
        """Print the last log lines of a failed build when the live log did not show them."""
        if self.lines_shown:
            return
        lines = list(error.log_tail)[-TAIL_LINES:] or list(self.tail)
        if lines:
            self._app.err.print(f"Last {len(lines)} log lines:", style="bold")
        for line in lines:
            self._app.err.print("  " + line, soft_wrap=True)
