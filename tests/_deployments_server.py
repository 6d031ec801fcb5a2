"""DeploymentsV3 test doubles: contract-exact documents and a small in-memory server.

``DeploymentsServer`` serves the four DeploymentsV3 routes on 127.0.0.1 (bearer auth, 201 on
create, ``{"message"}`` errors, pagination with ``nextPageToken``). It serves nothing else: for
the deploy flow, FakeHathora serves the builds and :class:`RedirectDeployments` (a ``Hooks``)
sends the deployment operations of the same core here. After the merge with the emulator's own
deployment routes, this server can go.
"""

from __future__ import annotations

import functools
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
from aiohttp import web

from hathora_cloud.hooks import HookContext, HookRequest, Hooks
from hathora_cloud.models import DeploymentConfigV3, EnvVar, TransportType

DEPLOYMENT: dict[str, Any] = {
    "deploymentId": "dep-9f1e",
    "appId": "app-1b2c",
    "buildId": "bld-42",
    "buildTag": "1.4.0",
    "createdAt": "2025-11-20T09:12:44.101Z",
    "createdBy": "ci@example.com",
    "idleTimeoutEnabled": True,
    "env": [{"name": "MODE", "value": "prod"}],
    "roomsPerProcess": 2,
    "defaultContainerPort": {"transportType": "udp", "port": 7777, "name": "default"},
    "additionalContainerPorts": [{"transportType": "tcp", "port": 9000, "name": "admin"}],
    "requestedMemoryMB": 2048,
    "requestedCPU": 1,
    "fleetId": "fleet-7",
}
"""The contract's example DeploymentV3 (§2.1): every required key and some optional ones."""

CONFIG = DeploymentConfigV3(
    build_id="bld-42",
    idle_timeout_enabled=True,
    env=(EnvVar(name="MODE", value="prod"),),
    rooms_per_process=2,
    transport_type=TransportType.UDP,
    container_port=7777,
    requested_memory_mb=2048,
    requested_cpu=1,
)
"""A valid createDeployment body: the contract's example request (§2.1) without extra ports."""

REQUIRED_KEYS = (
    "deploymentId",
    "appId",
    "buildId",
    "createdAt",
    "createdBy",
    "idleTimeoutEnabled",
    "env",
    "roomsPerProcess",
    "defaultContainerPort",
    "additionalContainerPorts",
    "requestedMemoryMB",
    "requestedCPU",
)
"""The keys a DeploymentV3 document must have (contract §3.2)."""

_CONFIG_REQUIRED = (
    "buildId",
    "idleTimeoutEnabled",
    "env",
    "roomsPerProcess",
    "transportType",
    "containerPort",
    "requestedMemoryMB",
    "requestedCPU",
)


def deployment_json(**changes: Any) -> dict[str, Any]:
    """Return the example DeploymentV3 document with ``changes`` applied (camelCase keys)."""
    return {**DEPLOYMENT, **changes}


@attrs.define
class DeploymentsServer:
    """The running server's state: deployments per app (oldest first) and what it received."""

    token: str
    page_size: int = 2
    url: str = ""
    apps: dict[str, list[dict[str, Any]]] = attrs.Factory(dict)
    created: list[dict[str, Any]] = attrs.Factory(list)
    """Every createDeployment body received, as decoded JSON."""
    requests: list[tuple[str, str]] = attrs.Factory(list)
    """``(method, raw path and query)`` of every request."""
    create_error: tuple[int, dict[str, Any]] | None = None
    """When set, createDeployment answers this status and JSON body instead."""

    def add(self, app_id: str, **changes: Any) -> dict[str, Any]:
        """Store a deployment for ``app_id`` (it becomes the latest) and return it."""
        number = sum(len(items) for items in self.apps.values()) + 1
        document = deployment_json(appId=app_id, deploymentId=f"dep-{number}", **changes)
        self.apps.setdefault(app_id, []).append(document)
        return document


@asynccontextmanager
async def serve_deployments(token: str, *, page_size: int = 2) -> AsyncIterator[DeploymentsServer]:
    """Run a :class:`DeploymentsServer` on 127.0.0.1 until the block exits."""
    state = DeploymentsServer(token=token, page_size=page_size)
    app = web.Application(middlewares=[_middleware(state)])
    base = "/deployments/v3/apps/{app}/deployments"
    app.router.add_get(base, functools.partial(_list, state))
    app.router.add_post(base, functools.partial(_create, state))
    app.router.add_get(base + "/latest", functools.partial(_latest, state))
    app.router.add_get(base + "/{deployment}", functools.partial(_get, state))
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    sock = socket.socket(socket.AF_INET)
    sock.bind(("127.0.0.1", 0))
    try:
        await web.SockSite(runner, sock).start()
        state.url = "http://127.0.0.1:{}".format(*sock.getsockname()[1:2])
        yield state
    finally:
        await runner.cleanup()
        sock.close()


class RedirectDeployments(Hooks):
    """Send the deployment operations of a core to another server; record every operation id."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.operations: list[str] = []

    async def before_request(self, context: HookContext, request: HookRequest) -> HookRequest:
        """Record the operation; rewrite the base URL of the DeploymentsV3 ones."""
        self.operations.append(context.operation_id)
        if "Deployment" in context.operation_id:
            request.url = self.target + request.url[len(context.base_url) :]
        return request


def _middleware(state: DeploymentsServer) -> Any:
    @web.middleware
    async def check(request: web.Request, handler: Any) -> web.StreamResponse:
        state.requests.append((request.method, request.raw_path))
        if request.headers.get("Authorization") != f"Bearer {state.token}":
            return _error(401, "Invalid token")
        response: web.StreamResponse = await handler(request)
        return response

    return check


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


async def _list(state: DeploymentsServer, request: web.Request) -> web.Response:
    items = state.apps.get(request.match_info["app"], [])
    for key, wire in (("deploymentTag", "deploymentTag"), ("buildTag", "buildTag")):
        if key in request.query:
            items = [item for item in items if item.get(wire) == request.query[key]]
    token = request.query.get("nextPageToken", "0")
    if not token.isdigit() or int(token) > len(items):
        return _error(422, "invalid nextPageToken")
    start = int(token)
    page: dict[str, Any] = {"deployments": items[start : start + state.page_size]}
    if start + state.page_size < len(items):
        page["nextPageToken"] = str(start + state.page_size)
    return web.json_response(page)


async def _create(state: DeploymentsServer, request: web.Request) -> web.Response:
    body = await request.json()
    state.created.append(body)
    if state.create_error is not None:
        status, document = state.create_error
        return web.json_response(document, status=status)
    missing = [key for key in _CONFIG_REQUIRED if key not in body]
    if missing:
        return _error(400, f"missing {', '.join(missing)}")
    fields = {
        key: body[key]
        for key in ("idleTimeoutEnabled", "env", "roomsPerProcess", "requestedMemoryMB")
    }
    optional = ("requestedGPU", "experimentalRequestedGPU", "fleetId", "deploymentTag")
    fields.update({key: body[key] for key in optional if key in body})
    document = state.add(
        request.match_info["app"],
        **fields,
        buildId=body["buildId"],
        requestedCPU=body["requestedCPU"],
        defaultContainerPort={
            "transportType": body["transportType"],
            "port": body["containerPort"],
            "name": "default",
        },
        additionalContainerPorts=body.get("additionalContainerPorts", []),
    )
    for key in ("buildTag", *optional):
        if key not in body:
            document.pop(key, None)
    return web.json_response(document, status=201)


async def _latest(state: DeploymentsServer, request: web.Request) -> web.Response:
    items = state.apps.get(request.match_info["app"])
    if not items:
        return _error(404, "no deployments found for this app")
    return web.json_response(items[-1])


async def _get(state: DeploymentsServer, request: web.Request) -> web.Response:
    for item in state.apps.get(request.match_info["app"], []):
        if item["deploymentId"] == request.match_info["deployment"]:
            return web.json_response(item)
    return _error(404, "deployment not found")
