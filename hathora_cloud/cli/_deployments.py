"""``deployments list|get|latest|create``: one short coroutine per command.

Every command needs the application (``--app-id``, else ``HATHORA_APP_ID``, else the embedded
emulator's); without one it is a usage error before anything is sent.
"""

from __future__ import annotations

import argparse
import shlex

import attrs

from .._upload.deploy import inherit_settings as inherit
from ..errors import SDKValidationError
from ..funcs.builds_v3_get_build import builds_v3_get_build
from ..funcs.deployments_v3_create_deployment import deployments_v3_create_deployment
from ..funcs.deployments_v3_get_deployment import deployments_v3_get_deployment
from ..funcs.deployments_v3_get_latest_deployment import deployments_v3_get_latest_deployment
from ..funcs.deployments_v3_iter_deployments import deployments_v3_iter_deployments
from ..models import BuildStatus, DeploymentConfigV3, DeploymentV3
from ._app import App
from ._errors import EXIT_BUILD_FAILED, CommandError
from ._render_deployments import show_deployment, show_deployments
from ._settings import Requested

__all__ = (
    "deployments_create",
    "deployments_get",
    "deployments_latest",
    "deployments_list",
    "note_demo_defaults",
)


async def deployments_list(app: App, args: argparse.Namespace) -> int:
    """List the app's deployments across every page, in the service's order (newest first)."""
    app_id = app.require_app_id()
    pages = deployments_v3_iter_deployments(
        app.core, app_id, deployment_tag=args.deployment_tag, build_tag=args.build_tag
    )
    found: list[DeploymentV3] = [item.unwrap() async for item in pages]  # an Err item raises
    filters = [
        f"{flag} {shlex.quote(value)}"
        for flag, value in (
            ("--deployment-tag", args.deployment_tag),
            ("--build-tag", args.build_tag),
        )
        if value is not None
    ]
    show_deployments(app, found, filters)
    return 0


async def deployments_get(app: App, args: argparse.Namespace) -> int:
    """Show one deployment."""
    app_id = app.require_app_id()
    result = await deployments_v3_get_deployment(app.core, args.deployment_id, app_id)
    show_deployment(app, result.unwrap())
    return 0


async def deployments_latest(app: App, args: argparse.Namespace) -> int:
    """Show the app's latest deployment: the one its new rooms use."""
    app_id = app.require_app_id()
    show_deployment(app, (await deployments_v3_get_latest_deployment(app.core, app_id)).unwrap())
    return 0


def note_demo_defaults(app: App, demo: tuple[str, ...]) -> None:
    """Say which options the embedded emulator filled in (shown under ``--quiet`` too)."""
    if demo:
        app.err.print(
            f"emulator demo defaults: {' '.join(demo)} (the real service needs them given)",
            soft_wrap=True,
            style="yellow",
        )


async def deployments_create(app: App, args: argparse.Namespace) -> int:
    """Deploy an existing build, once it is known to have succeeded.

    With ``--from-latest`` every option not given comes from the app's latest deployment, by
    the rule ``deployments_v3_deploy`` follows.
    """
    request: Requested = args.requested
    app_id = app.require_app_id()
    note_demo_defaults(app, request.demo)
    settings = request.settings
    if request.from_latest:
        latest = (await deployments_v3_get_latest_deployment(app.core, app_id)).unwrap()
        filled = inherit(settings, latest)
        if isinstance(filled, SDKValidationError):
            raise filled
        settings = filled
    build = (await builds_v3_get_build(app.core, args.build_id)).unwrap()
    if build.status != BuildStatus.SUCCEEDED:
        wait = f" (wait for it: hathora-cloud builds get {build.build_id})"
        raise CommandError(
            f"build {build.build_id} is {build.status}, not succeeded: no deployment was created"
            + (wait if build.status in (BuildStatus.CREATED, BuildStatus.RUNNING) else ""),
            EXIT_BUILD_FAILED,
        )
    config = DeploymentConfigV3(build_id=build.build_id, **attrs.asdict(settings, recurse=False))
    created = await deployments_v3_create_deployment(app.core, config, app_id)
    show_deployment(app, created.unwrap())
    return 0
