"""``builds list|get|delete|create|run|run-registry``: one short coroutine per command."""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import BuildFailedError, HTTPClientError
from ..funcs.builds_v3_create_build import builds_v3_create_build
from ..funcs.builds_v3_create_build_registry import builds_v3_create_build_registry
from ..funcs.builds_v3_delete_build import builds_v3_delete_build
from ..funcs.builds_v3_get_build import builds_v3_get_build
from ..funcs.builds_v3_get_builds import builds_v3_get_builds
from ..funcs.builds_v3_run_build import builds_v3_run_build
from ..funcs.builds_v3_run_build_registry import builds_v3_run_build_registry
from ..funcs.builds_v3_wait_for_build import builds_v3_wait_for_build
from ..models import (
    BuildStatus,
    CreateBuildV3Params,
    CreatedBuildV3WithMultipartUrls,
    CreateMultipartBuildParams,
    RegistryConfig,
)
from ..streams import BuildLogStream
from . import _pending
from ._app import App
from ._errors import EXIT_DECLINED, UsageError, failure_message
from ._live import LiveDisplay
from ._render import show_build, show_builds

__all__ = (
    "builds_create",
    "builds_delete",
    "builds_get",
    "builds_list",
    "builds_run",
    "builds_run_registry",
    "follow",
    "split_image",
)


async def builds_list(app: App, args: argparse.Namespace) -> int:
    """List the organization's builds, newest first."""
    page = (await builds_v3_get_builds(app.core)).unwrap()
    show_builds(app, page.builds)
    return 0


async def builds_get(app: App, args: argparse.Namespace) -> int:
    """Show one build."""
    show_build(app, (await builds_v3_get_build(app.core, args.build_id)).unwrap())
    return 0


def _confirm(app: App, build_id: str) -> bool:
    if not sys.stdin.isatty():
        raise UsageError(f"refusing to delete {build_id} without confirmation: pass --yes")
    try:
        prompt = f"Delete build {build_id}? This cannot be undone. [y/N] "
        answer = app.err.input(prompt, markup=False, emoji=False)
    except EOFError:  # Ctrl-D: no answer is no
        app.err.print()
        return False
    return answer.strip().lower() in ("y", "yes")


async def builds_delete(app: App, args: argparse.Namespace) -> int:
    """Delete a build after asking on the terminal (or straight away with ``--yes``).

    Answering no exits with :data:`EXIT_DECLINED`, so a script never takes it for a deletion.
    """
    if not args.yes and not _confirm(app, args.build_id):
        app.err.print("Not deleted.")
        return EXIT_DECLINED
    (await builds_v3_delete_build(app.core, args.build_id)).unwrap()
    _pending.forget(args.build_id)  # its stored upload URLs, if `builds create --size` kept any
    if app.json:
        app.emit_json({"buildId": args.build_id, "deleted": True})
    else:
        app.out.print(f"Deleted build {args.build_id}.")
    return 0


async def builds_create(app: App, args: argparse.Namespace) -> int:
    """Create a build for ``builds upload --build-id`` (``--size``) or a registry image."""
    if args.registry:
        registry = CreateBuildV3Params(build_tag=args.tag)
        build = (await builds_v3_create_build_registry(app.core, registry)).unwrap()
        show_build(app, build)
        app.note(f"Next: hathora-cloud builds run-registry {build.build_id} IMAGE")
        return 0
    if not app.embedded:
        _pending.prepare()  # before creating: a build whose URLs cannot be kept is useless
    params = CreateMultipartBuildParams(build_size_in_bytes=args.size, build_tag=args.tag)
    created = (await builds_v3_create_build(app.core, params)).unwrap()
    if app.embedded:
        show_build(app, created)
        app.note(
            "The embedded emulator stops with this command, so this build cannot be uploaded "
            "later; `hathora-cloud --emulator builds upload PATH` creates and uploads in one step"
        )
        return 0
    await _keep_upload_urls(app, created, args.size)
    show_build(app, created)
    app.note(f"Next: hathora-cloud builds upload PATH --build-id {created.build_id}")
    return 0


async def _keep_upload_urls(app: App, created: CreatedBuildV3WithMultipartUrls, size: int) -> None:
    """Store the new build's upload URLs; if that fails, delete the build (nothing can use it)."""
    try:
        _pending.save(created, size)
    except OSError as error:
        deleted = (await builds_v3_delete_build(app.core, created.build_id)).ok
        fate = (
            "it was deleted"
            if deleted
            else (f"delete it with: hathora-cloud builds delete {created.build_id} --yes")
        )
        raise UsageError(
            f"cannot store the upload URLs of build {created.build_id} "
            f"({error.strerror or error}), so nothing could upload into it; {fate}"
        ) from None


async def follow(app: App, stream: BuildLogStream, build_id: str) -> int:
    """Print a run's log as it streams, then the final build; exit code 1 unless it succeeded."""
    with LiveDisplay(app) as display:
        try:
            async with stream:
                async for line in stream:
                    display.on_log_line(line)
        except HTTPClientError as error:
            # The build goes on server-side: say so, then judge it by its status, not the stream.
            app.err.print(
                f"warning: the log stream broke ({error.message}); waiting for the build",
                markup=False,
            )
        build = (await builds_v3_wait_for_build(app.core, build_id, poll_interval=1.0)).unwrap()
        if build.status != BuildStatus.SUCCEEDED:  # as deploy judges it: only success is success
            tail = tuple(display.tail)
            failure = BuildFailedError(failure_message(build, tail), build=build, log_tail=tail)
            display.report_failure(failure)
            show_build(app, build)
            raise failure
    show_build(app, build)
    return 0


async def builds_run(app: App, args: argparse.Namespace) -> int:
    """Run an uploaded build, streaming its log."""
    stream = (await builds_v3_run_build(app.core, args.build_id)).unwrap()
    return await follow(app, stream, args.build_id)


def split_image(image: str) -> tuple[str | None, str]:
    """Split a registry host off an image reference, as Docker and the Hathora CLI do.

    The first path segment is a registry host when it contains ``.`` or ``:`` (or is
    ``localhost``): ``ghcr.io/org/server:1`` → ``("ghcr.io", "org/server:1")``.
    """
    head, slash, rest = image.partition("/")
    if slash and rest and ("." in head or ":" in head or head == "localhost"):
        return head, rest
    return None, image


async def builds_run_registry(app: App, args: argparse.Namespace) -> int:
    """Build from a registry image, streaming the log."""
    registry_url, image = split_image(args.image)
    if args.registry_url:
        registry_url, image = args.registry_url, args.image
    auth = None
    if args.auth_from_env:
        auth = os.environ.get(args.auth_from_env)
        if not auth:
            raise UsageError(
                f"--auth-from-env: the environment variable {args.auth_from_env} is not set"
            )
    config = RegistryConfig(image=image, registry_url=registry_url, auth=auth)
    stream = (await builds_v3_run_build_registry(app.core, args.build_id, config)).unwrap()
    return await follow(app, stream, args.build_id)
