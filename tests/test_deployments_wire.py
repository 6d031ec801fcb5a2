"""The exact bytes the DeploymentsV3 operations send, and answers no faithful server gives.

FakeHathora decodes what it receives (``fake.requests`` holds the decoded path, the query as a
mapping and only the body's length), so the raw percent-encoding, the query's order and the
body's bytes are checked here against a recording server, as are success statuses the emulator
never uses and page tokens it never hands out.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import attrs
import pytest
from aiohttp import web

from hathora_cloud import Err, HathoraCloudCore, Result
from hathora_cloud.errors import ResponseValidationError, SDKError
from hathora_cloud.funcs import (
    deployments_v3_create_deployment,
    deployments_v3_get_deployment,
    deployments_v3_get_deployments,
    deployments_v3_get_latest_deployment,
    deployments_v3_iter_deployments,
)
from hathora_cloud.models import ContainerPort

from ._deployments import CONFIG, deployment_json
from ._server import RecordingServer, respond, serve

pytestmark = pytest.mark.anyio

TOKEN = "tok-secret-123"
Call = Callable[..., Awaitable[Result[Any, Any]]]


@attrs.frozen
class Op:
    """One operation as the tests drive it: ``call(core, app_id)``."""

    name: str
    call: Call
    suffix: str
    status: int
    reply: dict[str, Any]


OPS = [
    Op(
        "get_deployments",
        lambda core, app: deployments_v3_get_deployments(core, app),
        "",
        200,
        {"deployments": [deployment_json()]},
    ),
    Op(
        "create_deployment",
        lambda core, app: deployments_v3_create_deployment(core, CONFIG, app),
        "",
        201,
        deployment_json(),
    ),
    Op(
        "get_latest_deployment",
        lambda core, app: deployments_v3_get_latest_deployment(core, app),
        "/latest",
        200,
        deployment_json(),
    ),
    Op(
        "get_deployment",
        lambda core, app: deployments_v3_get_deployment(core, "dep-9f1e", app),
        "/dep-9f1e",
        200,
        deployment_json(),
    ),
]
ids = [op.name for op in OPS]


@pytest.fixture
async def server() -> AsyncIterator[RecordingServer]:
    """A recording server; each test sets its answer."""
    async with serve() as running:
        yield running


def make_core(server: RecordingServer) -> HathoraCloudCore:
    """A core with a token pointed at the recording server."""
    return HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url)


@pytest.mark.parametrize("op", OPS, ids=ids)
async def test_the_token_is_sent_as_is(op: Op, server: RecordingServer) -> None:
    """Every operation sends exactly "Bearer <token>" (the emulator only shows it redacted)."""
    server.handler = respond(op.status, json=op.reply)
    async with make_core(server) as core:
        assert (await op.call(core, "a")).ok
    assert server.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("app_id", "encoded"),
    [("app/x y", "app%2Fx%20y"), (".", "%2E"), ("..", "%2E%2E"), ("äpp✓", "%C3%A4pp%E2%9C%93")],
)
@pytest.mark.parametrize("op", OPS, ids=ids)
async def test_app_id_is_one_encoded_segment(
    op: Op, server: RecordingServer, app_id: str, encoded: str
) -> None:
    """The app id is percent-encoded as exactly one path segment, dots included."""
    server.handler = respond(op.status, json=op.reply)
    async with make_core(server) as core:
        assert (await op.call(core, app_id)).ok
    assert server.requests[0].path == f"/deployments/v3/apps/{encoded}/deployments{op.suffix}"


@pytest.mark.parametrize(
    ("deployment_id", "encoded"),
    [("dep/1 2", "dep%2F1%202"), (".", "%2E"), ("..", "%2E%2E"), ("dép", "d%C3%A9p")],
)
async def test_deployment_id_is_one_encoded_segment(
    server: RecordingServer, deployment_id: str, encoded: str
) -> None:
    """The deployment id is percent-encoded as exactly one path segment, dots included."""
    server.handler = respond(200, json=deployment_json())
    async with make_core(server) as core:
        assert (await deployments_v3_get_deployment(core, deployment_id, "a")).ok
    assert server.requests[0].path == f"/deployments/v3/apps/a/deployments/{encoded}"


@pytest.mark.parametrize(
    ("kwargs", "query"),
    [
        (
            {"deployment_tag": "my tag&x", "build_tag": "b/1", "next_page_token": "t=1+2"},
            "buildTag=b%2F1&deploymentTag=my%20tag%26x&nextPageToken=t%3D1%2B2",
        ),
        ({"deployment_tag": "v2"}, "deploymentTag=v2"),
        ({"next_page_token": "tok", "build_tag": "1.4"}, "buildTag=1.4&nextPageToken=tok"),
        ({"build_tag": ""}, "buildTag="),
        ({}, ""),
    ],
)
async def test_list_query_order_and_encoding(
    server: RecordingServer, kwargs: dict[str, Any], query: str
) -> None:
    """Filters go out as buildTag, deploymentTag, nextPageToken; None left out, "" sent empty."""
    server.handler = respond(200, json={"deployments": []})
    async with make_core(server) as core:
        assert (await deployments_v3_get_deployments(core, "a", **kwargs)).ok
    assert server.requests[0].query == query


async def test_create_body_is_exact(server: RecordingServer) -> None:
    """The create body holds every given field, MB/CPU/GPU upper-case, integral floats as ints."""
    server.handler = respond(201, json=deployment_json())
    config = attrs.evolve(
        CONFIG,
        requested_memory_mb=1024.0,
        requested_cpu=0.5,
        requested_gpu=2.0,
        experimental_requested_gpu=0,
        additional_container_ports=(ContainerPort(transport_type="quic", port=9000, name=""),),
        fleet_id="fleet-7",
        deployment_tag="blue",
    )
    async with make_core(server) as core:
        assert (await deployments_v3_create_deployment(core, config, "a")).ok
    body = server.requests[0].body.decode()
    assert json.loads(body) == {
        "buildId": "bld-42",
        "idleTimeoutEnabled": True,
        "env": [{"name": "MODE", "value": "prod"}],
        "roomsPerProcess": 2,
        "transportType": "udp",
        "containerPort": 7777,
        "requestedMemoryMB": 1024,
        "requestedCPU": 0.5,
        "requestedGPU": 2,
        "experimentalRequestedGPU": 0,
        "additionalContainerPorts": [{"transportType": "quic", "port": 9000, "name": ""}],
        "fleetId": "fleet-7",
        "deploymentTag": "blue",
    }
    assert '"requestedMemoryMB":1024,' in body
    assert '"requestedGPU":2,' in body


async def test_create_body_leaves_out_unset_fields(server: RecordingServer) -> None:
    """Optional fields left None are absent from the body, never null; an empty env is []."""
    server.handler = respond(201, json=deployment_json())
    async with make_core(server) as core:
        config = attrs.evolve(CONFIG, env=())
        assert (await deployments_v3_create_deployment(core, config, "a")).ok
    body = server.requests[0].json()
    assert set(body) == {
        "buildId",
        "idleTimeoutEnabled",
        "env",
        "roomsPerProcess",
        "transportType",
        "containerPort",
        "requestedMemoryMB",
        "requestedCPU",
    }
    assert body["env"] == []
    assert b"null" not in server.requests[0].body


@pytest.mark.parametrize("op", OPS, ids=ids)
async def test_only_the_documented_success_status_succeeds(op: Op, server: RecordingServer) -> None:
    """A valid body under another 2xx status (200 for create, 201 for the GETs) is SDKError."""
    server.handler = respond(200 if op.status == 201 else 201, json=op.reply)
    async with make_core(server) as core:
        result = await op.call(core, "a")
    assert isinstance(result, Err)
    assert type(result.error) is SDKError
    assert "Unexpected Status" in result.error.message


@pytest.mark.parametrize("tokens", [["same", "same"], ["a", "b", "a"]])
async def test_a_repeated_page_token_stops_the_walk(
    server: RecordingServer, tokens: list[str]
) -> None:
    """A server handing back a token it already gave is caught: Err instead of looping forever."""
    served = iter(tokens)

    async def handler(request: web.Request) -> web.StreamResponse:
        document = {"deployments": [deployment_json()], "nextPageToken": next(served)}
        return await respond(200, json=document)(request)

    server.handler = handler
    async with make_core(server) as core:
        items = [item async for item in deployments_v3_iter_deployments(core, "a")]
    assert [item.ok for item in items] == [True] * len(tokens) + [False]
    error = items[-1]
    assert isinstance(error, Err)
    assert isinstance(error.error, ResponseValidationError)
    assert "nextPageToken" in error.error.message
    assert error.error.raw_value == tokens[-1]
    assert len(server.requests) == len(tokens)


@pytest.mark.parametrize("last", [{"nextPageToken": ""}, {"nextPageToken": None}])
async def test_an_empty_or_null_page_token_ends_the_walk(
    server: RecordingServer, last: dict[str, Any]
) -> None:
    """A page whose token is null or "" is the last one ("" would restart the list)."""
    documents = (
        {"deployments": [deployment_json(deploymentId="d1")], "nextPageToken": "1"},
        {"deployments": [deployment_json(deploymentId="d2")], **last},
    )

    async def handler(request: web.Request) -> web.StreamResponse:
        index = int(request.query.get("nextPageToken", "0"))
        return await respond(200, json=documents[index])(request)

    server.handler = handler
    async with make_core(server) as core:
        items = [item async for item in deployments_v3_iter_deployments(core, "a")]
    assert [item.unwrap().deployment_id for item in items] == ["d1", "d2"]
    assert len(server.requests) == 2
