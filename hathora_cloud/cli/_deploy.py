"""``builds upload`` and ``builds deploy``: upload with a progress bar, then build with the log."""

from __future__ import annotations

import argparse

from ..errors import BuildFailedError
from ..funcs.builds_v3_upload_and_run import builds_v3_upload_and_run
from ..funcs.builds_v3_upload_build import builds_v3_upload_build
from ..result import Err
from ._app import App
from ._live import LiveDisplay
from ._render import show_build

__all__ = ("builds_deploy", "builds_upload")


async def builds_upload(app: App, args: argparse.Namespace) -> int:
    """Upload a directory or ``.tgz`` as a new build, showing a progress bar; do not run it."""
    with LiveDisplay(app) as display:
        display.announce(args.path)
        result = await builds_v3_upload_build(
            app.core, args.path, build_tag=args.tag, on_progress=display.on_progress
        )
    show_build(app, result.unwrap())
    return 0


async def builds_deploy(app: App, args: argparse.Namespace) -> int:
    """Upload, run with the live log, and show the final build; exit code 1 if it failed."""
    with LiveDisplay(app) as display:
        display.announce(args.path)
        result = await builds_v3_upload_and_run(
            app.core,
            args.path,
            build_tag=args.tag,
            on_progress=display.on_progress,
            on_log_line=display.on_log_line,
        )
        if isinstance(result, Err) and isinstance(result.error, BuildFailedError):
            display.report_failure(result.error)
            show_build(app, result.error.build)
    show_build(app, result.unwrap())
    return 0
