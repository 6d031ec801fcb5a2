"""``builds upload`` and ``builds upload-and-run``: pack and upload with progress bars, then run.

Both name the build the moment it exists and, if they fail or are interrupted, say what became
of it (see :mod:`._fate`). ``builds deploy`` is the deprecated name of ``upload-and-run``.
"""

from __future__ import annotations

import argparse
import os

from ..funcs.builds_v3_run_build import builds_v3_run_build
from ..funcs.builds_v3_upload_build import builds_v3_upload_build
from ..models import CreatedBuildV3WithMultipartUrls
from . import _pending
from ._app import App
from ._builds import follow
from ._errors import UsageError
from ._fate import BuildTracker
from ._live import LiveDisplay
from ._render import show_build

__all__ = ("DEPRECATED_DEPLOY", "builds_deploy", "builds_upload", "builds_upload_and_run")

DEPRECATED_DEPLOY = (
    "hathora-cloud: warning: `builds deploy` is deprecated and will be removed in the next "
    "release; use `builds upload-and-run` (`hathora-cloud deploy` builds and creates a deployment)"
)


async def _upload(
    app: App, args: argparse.Namespace, tracker: BuildTracker
) -> CreatedBuildV3WithMultipartUrls:
    """Pack and upload ``args.path`` with the live display; the uploaded build."""
    pending = _pending_upload(app, args)
    with LiveDisplay(app, on_upload=tracker.on_progress) as display:
        display.announce(args.path)
        result = await builds_v3_upload_build(
            app.core,
            args.path,
            build_tag=args.tag,
            on_progress=display.on_progress,
            created=pending.build if pending else None,
        )
        uploaded = result.unwrap()
        tracker.uploaded = True
        display.upload_complete()
    if pending is not None:
        _pending.forget(uploaded.build_id)  # spent: the URLs are of no use any more
    return uploaded


def _pending_upload(app: App, args: argparse.Namespace) -> _pending.PendingUpload | None:
    """The build ``builds create --size`` stored for ``--build-id``, checked against PATH."""
    build_id: str | None = getattr(args, "build_id", None)
    if build_id is None:
        return None
    if app.embedded:
        raise UsageError(
            "--build-id cannot be used with --emulator: the embedded emulator lives for one "
            "command (run `hathora-cloud --emulator builds upload PATH` instead)"
        )
    if args.tag is not None:
        raise UsageError("--tag belongs to the build's creation (`builds create --size --tag`)")
    pending = _pending.load(build_id)
    path = args.path
    if os.path.isdir(path):
        raise UsageError(
            f"--build-id needs the .tgz whose size was given to `builds create --size`; a "
            f"directory's packed size is not known in advance (run `hathora-cloud builds upload "
            f"{path}` to create a build and upload into it in one step)"
        )
    if os.path.isfile(path) and os.path.getsize(path) != pending.size:
        raise UsageError(
            f"{path} is {os.path.getsize(path)} bytes, but build {build_id} was created for "
            f"{pending.size} bytes (`builds create --size`)"
        )
    return pending


async def builds_upload(app: App, args: argparse.Namespace) -> int:
    """Upload a directory or ``.tgz`` as a new build (or into ``--build-id``); do not run it."""
    into = getattr(args, "build_id", None)
    retry = f"hathora-cloud builds upload {args.path} --build-id {into}" if into else None
    tracker = BuildTracker(app, created_here=into is None, retry=retry)
    async with tracker.watching():
        show_build(app, await _upload(app, args, tracker))
    return 0


async def builds_upload_and_run(app: App, args: argparse.Namespace) -> int:
    """Upload, run with the live log, and show the final build; exit code 1 if it failed.

    The run is ``builds run``'s, so both end the same way whatever happens to the log stream.
    """
    tracker = BuildTracker(app)
    async with tracker.watching():
        build = await _upload(app, args, tracker)
        stream = (await builds_v3_run_build(app.core, build.build_id)).unwrap()
        return await follow(app, stream, build.build_id)


async def builds_deploy(app: App, args: argparse.Namespace) -> int:
    """``builds upload-and-run`` under its deprecated name, with a one-line notice on stderr."""
    app.err.print(DEPRECATED_DEPLOY, soft_wrap=True, style="yellow")
    return await builds_upload_and_run(app, args)
