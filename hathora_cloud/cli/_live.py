"""The live display on stderr: packing and upload progress bars, then the streaming build log."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING

from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.styled import Styled
from rich.text import Text

from ..errors import BuildFailedError
from ..uploads import SkippedFile, UploadPhase
from ._app import App
from ._values import size

if TYPE_CHECKING:
    from ..uploads import UploadProgress

__all__ = ("SKIPPED_SHOWN", "TAIL_LINES", "LiveDisplay", "skipped_line")

TAIL_LINES = 20
"""How many of the last log lines a failed build prints when the live log was hidden."""
SKIPPED_SHOWN = 10
"""How many skipped paths the warning names before it says "and N more"."""


def skipped_line(skipped: Sequence[SkippedFile]) -> str:
    """Return the one-line warning listing what packing left out (at most :data:`SKIPPED_SHOWN`)."""
    shown = [f"{item.path} ({item.reason})" for item in skipped[:SKIPPED_SHOWN]]
    if len(skipped) > SKIPPED_SHOWN:
        shown.append(f"and {len(skipped) - SKIPPED_SHOWN} more")
    noun = "path" if len(skipped) == 1 else "paths"
    return f"warning: skipped {len(skipped)} {noun}: {', '.join(shown)}"


class _DetailColumn(ProgressColumn):
    """Paths and bytes while packing; bytes and speed (binary units) while uploading.

    Packing counts every path it walks (directories and skipped ones too), so "paths".
    """

    def render(self, task: Task) -> Text:
        done, total = int(task.completed), task.total
        amount = f"{size(done)}/{size(int(total))}" if total is not None else size(done)
        if task.fields.get("phase") is UploadPhase.PACKING:
            files = f"{task.fields['files_packed']}/{task.fields['files_total']} paths"
            return Text(f"{files}  {amount}", style="progress.download")
        speed = task.finished_speed or task.speed
        shown = "?" if speed is None else f"{size(int(speed))}/s"
        return Text(f"{amount}  {shown}", style="progress.download")


class LiveDisplay:
    """Show packing and upload progress and log lines on stderr; remember the last lines.

    The bars are drawn only when stderr is a terminal and ``--quiet`` is off: packing (paths
    and bytes) first, then the upload below it. On a pipe a few lines say the same, so CI logs
    stay readable and free of escapes. What packing skipped is always listed, as a warning.

    Args:
        app: The command's app.
        on_upload: Also given every upload-phase progress event (to name the build).
    """

    def __init__(self, app: App, on_upload: Callable[[UploadProgress], None] | None = None) -> None:
        self._app = app
        self._on_upload = on_upload
        self._progress: Progress | None = None
        self._tasks: dict[UploadPhase, TaskID] = {}
        self._packing: UploadProgress | None = None
        self._packing_ended = False
        self._upload_started = False
        self._upload_done = False
        self._upload_bytes = 0
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
        self._end_packing()  # a flow that failed right after packing still lists the skips

    def announce(self, path: str) -> None:
        """Say that a directory is being packed, when no bar will show it."""
        if os.path.isdir(path) and not self._app.shows_bar:
            self._app.note(f"Packing {path} (honouring .dockerignore)…")

    def on_progress(self, progress: UploadProgress) -> None:
        """Advance the bars (the SDK's ``on_progress`` callback)."""
        if progress.phase is UploadPhase.PACKING:
            self._packing = progress
            self._update(UploadPhase.PACKING, progress)
            return
        self._end_packing()
        if self._on_upload is not None:
            self._on_upload(progress)  # after packing's lines, before the upload's
        if self._upload_done:
            return
        if not self._upload_started:
            self._upload_started = True
            if not self._app.shows_bar:
                parts = f"{progress.parts_total} part(s)"
                self._app.note(f"Uploading {size(progress.total_bytes)} in {parts}…")
        self._update(UploadPhase.UPLOADING, progress)
        self._upload_bytes = progress.total_bytes
        if (
            progress.parts_done >= progress.parts_total
            and progress.bytes_sent >= progress.total_bytes
        ):
            self._upload_done = True
            self._stop_bar()

    def upload_complete(self) -> None:
        """Say that the upload is complete (storage assembled the parts): the build can run."""
        self._stop_bar()
        self._app.note(f"Uploaded {size(self._upload_bytes)}.")

    def _update(self, phase: UploadPhase, progress: UploadProgress) -> None:
        if not self._app.shows_bar:
            return
        if self._progress is None:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                _DetailColumn(),
                TimeRemainingColumn(),
                console=self._app.err,
            )
            self._progress.start()
        packing = phase is UploadPhase.PACKING
        if packing:
            # Until the directory has been walked there is nothing to measure: a pulsing bar.
            known = progress.files_total > 0 or progress.bytes_to_pack > 0
            total, done = (progress.bytes_to_pack if known else None), progress.bytes_packed
        else:
            total, done = progress.total_bytes, progress.bytes_sent
        if phase not in self._tasks:
            label = "Packing  " if packing else "Uploading"
            self._tasks[phase] = self._progress.add_task(
                label, total=total, phase=phase, files_packed=0, files_total=0
            )
        self._progress.update(
            self._tasks[phase],
            total=total,
            completed=done,
            files_packed=progress.files_packed,
            files_total=progress.files_total,
        )

    def _end_packing(self) -> None:
        """Once packing is over: say what it packed (on a pipe) and what it skipped (always)."""
        packing = self._packing
        if packing is None or self._packing_ended:
            return
        self._packing_ended = True
        if not self._app.shows_bar:
            self._app.note(f"Packed {size(packing.bytes_packed)}.")
        if packing.skipped:
            # Styled, not print(style=): during a live bar, print's style would tint the bar too.
            self._app.err.print(Styled(skipped_line(packing.skipped), "yellow"), soft_wrap=True)

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
