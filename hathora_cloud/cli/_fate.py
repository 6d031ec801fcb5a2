"""Name the build an upload flow works on, and say what became of it when the flow fails.

The build id is printed the moment the build exists (``Build bld-… created``), whatever else is
hidden. When the flow then fails or is interrupted, one line says whether the build was deleted
(the SDK deletes a build it created whose upload never finished) or is still there, with the
command that deletes it; ``--json`` adds ``{"buildId": …, "deleted": true|false|null}`` on stdout
unless the build itself was already printed there.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio

from ..errors import ApiError, BuildFailedError, HathoraError
from ..funcs.builds_v3_get_build import builds_v3_get_build
from ..result import Ok
from ..retries import RequestOptions, RetryConfig
from ..uploads import UploadProgress
from ._app import App

__all__ = ("CHECK_TIMEOUT", "BuildTracker", "Fate")

CHECK_TIMEOUT = 5.0
"""Seconds an interrupted command spends asking the service whether its build still exists."""


class Fate(enum.Enum):
    """What became of a build when its flow stopped early."""

    DELETED = "deleted"
    LEFT = "left"
    """Still there, its upload unfinished."""
    KEPT = "kept"
    """Still there, uploaded (it can run)."""
    UNKNOWN = "unknown"
    """The service could not be asked."""


class BuildTracker:
    """Follow one upload flow's build and report its fate if the flow stops early.

    Args:
        app: The command's app.
        created_here: The flow creates the build (and the SDK deletes it on failure); ``False``
            for an upload into a build created earlier, which is never deleted.
        retry: A command that would resume the flow, offered when the build is left.
    """

    def __init__(self, app: App, *, created_here: bool = True, retry: str | None = None) -> None:
        self._app = app
        self._created_here = created_here
        self._retry = retry
        self.build_id: str | None = None
        self.uploaded = False
        """The upload was completed: from here on the build is kept whatever happens."""

    def on_progress(self, progress: UploadProgress) -> None:
        """Note the build id of an upload progress event; announce a new build once."""
        if progress.build_id is None or self.build_id is not None:
            return
        self.build_id = progress.build_id
        if self._created_here:
            self._app.err.print(f"Build {self.build_id} created", soft_wrap=True)

    @asynccontextmanager
    async def watching(self) -> AsyncIterator[None]:
        """Run the flow; on any failure or interrupt, say what became of the build, re-raise."""
        try:
            yield
        except BaseException as exc:
            await self._report(exc)
            raise

    async def _report(self, exc: BaseException) -> None:
        build_id = self.build_id
        if build_id is None and isinstance(exc, HathoraError):
            build_id = exc.build_id  # failed before any progress event named it
        if build_id is None:
            return  # the build was never created: nothing to say
        fate = await self._fate(exc, build_id)
        sentence = self.sentence(build_id, fate, exc)
        self._app.err.print(sentence, soft_wrap=True, style=_STYLES[fate])
        # Every path that raises BuildFailedError printed the failed build already.
        if self._app.json and not isinstance(exc, BuildFailedError):
            deleted = None if fate is Fate.UNKNOWN else fate is Fate.DELETED
            self._app.emit_json({"buildId": build_id, "deleted": deleted})

    async def _fate(self, exc: BaseException, build_id: str) -> Fate:
        if self.uploaded:
            return Fate.KEPT
        if not self._created_here:
            return Fate.LEFT
        if isinstance(exc, HathoraError) and exc.build_id == build_id:
            return Fate.DELETED if exc.build_deleted else Fate.LEFT
        if isinstance(exc, KeyboardInterrupt):
            return Fate.UNKNOWN  # a second Ctrl-C: the user wants out now, not another call
        # Interrupted, or a bug: the SDK tried to delete it; only the service knows if it did.
        return await self._ask(build_id)

    async def _ask(self, build_id: str) -> Fate:
        """Ask the service with one short call, even while the command is being cancelled."""
        options = RequestOptions(timeout=CHECK_TIMEOUT, retries=RetryConfig(strategy="none"))
        with anyio.CancelScope(shield=True), anyio.move_on_after(CHECK_TIMEOUT):
            result = await builds_v3_get_build(self._app.core, build_id, options=options)
            if isinstance(result, Ok):
                return Fate.DELETED if result.value.deleted_at is not None else Fate.LEFT
            error = result.error
            if isinstance(error, ApiError) and error.status_code == 404:
                return Fate.DELETED
        return Fate.UNKNOWN

    def sentence(self, build_id: str, fate: Fate, exc: BaseException) -> str:
        """Return the line that tells what became of the build when ``exc`` stopped the flow."""
        delete = f"delete it with: hathora-cloud builds delete {build_id} --yes"
        if fate is Fate.DELETED:
            return f"Build {build_id} was deleted (its upload never finished)."
        if fate is Fate.KEPT:
            how = "failed" if isinstance(exc, BuildFailedError) else "was uploaded"
            return f"Build {build_id} {how} and is kept — {delete}"
        if fate is Fate.UNKNOWN:
            return (
                f"Build {build_id} may have been left (the service could not be asked) — "
                f"check with: hathora-cloud builds get {build_id}; {delete}"
            )
        retry = f"upload again with: {self._retry}, or " if self._retry else ""
        return f"Build {build_id} was left (its upload did not finish) — {retry}{delete}"


_STYLES = {Fate.DELETED: "", Fate.KEPT: "yellow", Fate.LEFT: "yellow", Fate.UNKNOWN: "yellow"}
