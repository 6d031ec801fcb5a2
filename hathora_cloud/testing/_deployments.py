"""The DeploymentsV3 endpoints: list (paged, filtered), create, latest, and get by id."""

from __future__ import annotations

from aiohttp import web

from ._context import EMULATOR_KEY, Emulator
from ._deploy_config import DeploymentRequest, parse_deployment_config
from ._deploy_state import (
    DEFAULT_FLEET_ID,
    DeploymentState,
    decode_page_token,
    encode_page_token,
    new_deployment_id,
)
from ._state import BuildState, utc_now
from ._wire import json_error, json_response, read_json_object

_SHOWN = 200  # characters of a client-supplied id repeated in a message


def _app_deployments(request: web.Request) -> list[DeploymentState] | web.Response:
    """Return the app's deployments (oldest first), or the 404 for an unknown app."""
    app_id = request.match_info["app_id"]
    deployments = request.app[EMULATOR_KEY].apps.get(app_id)
    if deployments is None:
        return json_error(404, f"App not found: {app_id[:_SHOWN]}")
    return deployments


async def handle_list(request: web.Request) -> web.StreamResponse:
    """``GET .../deployments``: 200 ``{"deployments": [...]}``, newest first, in pages.

    ``deploymentTag`` and ``buildTag`` filter by exact match (both: AND). When more match than
    a page holds, ``nextPageToken`` resumes after the page's last deployment.
    """
    emulator = request.app[EMULATOR_KEY]
    deployments = _app_deployments(request)
    if isinstance(deployments, web.Response):
        return deployments
    query = request.query
    token = query.get("nextPageToken", "")
    after = decode_page_token(token) if token else None
    if token and after is None:
        return json_error(422, "nextPageToken is not a token this server issued")
    tag, build_tag = query.get("deploymentTag"), query.get("buildTag")
    matches = [
        deployment
        for deployment in reversed(deployments)
        if (after is None or deployment.sequence < after)
        and (tag is None or deployment.deployment_tag == tag)
        and (build_tag is None or deployment.build_tag == build_tag)
    ]
    page = matches[: emulator.config.deployments_page_size]
    body: dict[str, object] = {"deployments": [deployment.to_json() for deployment in page]}
    if len(matches) > len(page):
        body["nextPageToken"] = encode_page_token(page[-1].sequence)
    return json_response(200, body)


async def handle_create(request: web.Request) -> web.StreamResponse:
    """``POST .../deployments``: 201 ``DeploymentV3`` for a valid config and a succeeded build."""
    emulator = request.app[EMULATOR_KEY]
    deployments = _app_deployments(request)
    if isinstance(deployments, web.Response):
        return deployments
    body = await read_json_object(request)
    if isinstance(body, web.Response):
        return body
    parsed = parse_deployment_config(body)
    if isinstance(parsed, str):
        return json_error(422, parsed)
    build = emulator.live_build(parsed.build_id)
    if build is None:
        return json_error(404, f"Build not found: {parsed.build_id[:_SHOWN]}")
    if build.status != "succeeded":
        # Undocumented; the emulator's choice: a build that never produced an image cannot run.
        message = f"Build {build.build_id} cannot be deployed: its status is {build.status}"
        return json_error(422, message + ", and only a succeeded build has an image")
    deployment = record_deployment(emulator, request.match_info["app_id"], build, parsed)
    return json_response(201, deployment.to_json())


def record_deployment(
    emulator: Emulator, app_id: str, build: BuildState, request: DeploymentRequest
) -> DeploymentState:
    """Create and store the deployment of ``build`` to ``app_id`` described by ``request``."""
    emulator.sequence += 1
    deployment = DeploymentState(
        deployment_id=new_deployment_id(),
        app_id=app_id,
        build_id=build.build_id,
        created_at=utc_now(),
        created_by=emulator.config.created_by,
        idle_timeout_enabled=request.idle_timeout_enabled,
        env=request.env,
        rooms_per_process=request.rooms_per_process,
        default_port=request.default_port,
        additional_ports=request.additional_ports,
        requested_memory_mb=request.requested_memory_mb,
        requested_cpu=request.requested_cpu,
        fleet_id=request.fleet_id or DEFAULT_FLEET_ID,
        sequence=emulator.sequence,
        build_tag=build.build_tag,
        deployment_tag=request.deployment_tag,
        requested_gpu=request.requested_gpu,
        experimental_requested_gpu=request.experimental_requested_gpu,
    )
    emulator.apps[app_id].append(deployment)
    emulator.deployments[deployment.deployment_id] = deployment
    return deployment


async def handle_latest(request: web.Request) -> web.StreamResponse:
    """``GET .../deployments/latest``: 200 the newest ``DeploymentV3``; 404 when there is none."""
    deployments = _app_deployments(request)
    if isinstance(deployments, web.Response):
        return deployments
    if not deployments:
        app_id = request.match_info["app_id"]
        return json_error(404, f"App {app_id[:_SHOWN]} has no deployments yet")
    return json_response(200, deployments[-1].to_json())


async def handle_get(request: web.Request) -> web.StreamResponse:
    """``GET .../deployments/{deploymentId}``: 200 ``DeploymentV3``; 404 if not in this app."""
    deployments = _app_deployments(request)
    if isinstance(deployments, web.Response):
        return deployments
    deployment_id = request.match_info["deployment_id"]
    deployment = request.app[EMULATOR_KEY].deployments.get(deployment_id)
    if deployment is None or deployment.app_id != request.match_info["app_id"]:
        return json_error(404, f"Deployment not found: {deployment_id[:_SHOWN]}")
    return json_response(200, deployment.to_json())
