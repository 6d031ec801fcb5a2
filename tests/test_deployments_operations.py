"""What the four DeploymentsV3 operations put on the wire, and how their answers are classified."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import attrs
import pytest

from hathora_cloud import Err, HathoraCloudCore, Result, RetryConfig
from hathora_cloud.errors import ApiError, SDKError, SDKValidationError
from hathora_cloud.funcs import (
    deployments_v3_create_deployment,
    deployments_v3_get_deployment,
    deployments_v3_get_deployments,
    deployments_v3_get_latest_deployment,
)
from hathora_cloud.models import (
    ContainerPort,
    DeploymentV3,
    EnvVar,
    TransportType,
)

from ._deployments_server import CONFIG, deployment_json
from ._server import Handler, RecordingServer, respond, serve

pytestmark = pytest.mark.anyio

TOKEN = "tok-secret-123"
Call = Callable[..., Awaitable[Result[Any, Any]]]


@attrs.frozen
class Op:
    """One operation as the tests drive it: ``call(core, app_id)``."""

    name: str
    call: Call
    method: str
    suffix: str
    status: int
    reply: dict[str, Any]
    api_errors: frozenset[int]


OPS = [
    Op(
        "get_deployments",
        lambda core, app=None, **kw: deployments_v3_get_deployments(core, app, **kw),
        "GET",
        "",
        200,
        {"deployments": [deployment_json()]},
        frozenset((401, 404, 408, 422, 429)),
    ),
    Op(
        "create_deployment",
        lambda core, app=None, **kw: deployments_v3_create_deployment(core, CONFIG, app, **kw),
        "POST",
        "",
        201,
        deployment_json(),
        frozenset((400, 401, 404, 408, 422, 429, 500)),
    ),
    Op(
        "get_latest_deployment",
        lambda core, app=None, **kw: deployments_v3_get_latest_deployment(core, app, **kw),
        "GET",
        "/latest",
        200,
        deployment_json(),
        frozenset((401, 404, 408, 422, 429)),
    ),
    Op(
        "get_deployment",
        lambda core, app=None, **kw: deployments_v3_get_deployment(core, "dep-9f1e", app, **kw),
        "GET",
        "/dep-9f1e",
        200,
        deployment_json(),
        frozenset((401, 404, 408, 429)),
    ),
]
ids = [op.name for op in OPS]


@pytest.fixture
async def server() -> AsyncIterator[RecordingServer]:
    """A recording server; each test sets its answer."""
    async with serve() as running:
        yield running


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's environment out of the wire tests."""
    for name in ("HATHORA_TOKEN", "HATHORA_ORG_ID", "HATHORA_APP_ID", "HATHORA_CLOUD_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)


def make_core(server: RecordingServer, **kwargs: Any) -> HathoraCloudCore:
    """A core with a token pointed at the recording server."""
    return HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url, **kwargs)


def answer(op: Op) -> Handler:
    """The operation's success answer."""
    return respond(op.status, json=op.reply)


@pytest.mark.parametrize("op", OPS, ids=ids)
async def test_wire_request(op: Op, server: RecordingServer) -> None:
    """Each operation sends its method, path, Accept and auth; only create sends a JSON body."""
    server.handler = answer(op)
    async with make_core(server) as core:
        result = await op.call(core, "app-1b2c")
    assert result.ok, result
    (request,) = server.requests
    assert request.method == op.method
    assert request.path == f"/deployments/v3/apps/app-1b2c/deployments{op.suffix}"
    assert request.query == ""
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    if op.method == "POST":
        assert request.headers["Content-Type"] == "application/json"
        assert request.json()["buildId"] == "bld-42"
    else:
        assert "Content-Type" not in request.headers
        assert request.body == b""


@pytest.mark.parametrize(
    ("app_id", "encoded"),
    [("app/x y", "app%2Fx%20y"), (".", "%2E"), ("..", "%2E%2E"), ("äpp✓", "%C3%A4pp%E2%9C%93")],
)
@pytest.mark.parametrize("op", OPS, ids=ids)
async def test_app_id_is_one_encoded_segment(
    op: Op, server: RecordingServer, app_id: str, encoded: str
) -> None:
    """The app id is percent-encoded as exactly one path segment, dots included."""
    server.handler = answer(op)
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


@pytest.mark.parametrize("bad", [None, "", 5, "a\udc00"])
async def test_bad_deployment_id_sends_nothing(server: RecordingServer, bad: Any) -> None:
    """A missing, empty, non-string or unencodable deployment id is SDKValidationError."""
    async with make_core(server) as core:
        result = await deployments_v3_get_deployment(core, bad, "a")
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert "deployment_id" in result.error.message
    assert server.requests == []


@pytest.mark.parametrize("op", OPS, ids=ids)
async def test_no_org_id_even_when_the_core_has_one(op: Op, server: RecordingServer) -> None:
    """The routes take no orgId: the core's org_id is not sent."""
    server.handler = answer(op)
    async with make_core(server, org_id="org-1") as core:
        assert (await op.call(core, "a")).ok
    assert "orgId" not in server.requests[0].query


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


async def test_list_query_rejects_a_non_string_filter(server: RecordingServer) -> None:
    """A filter that is not a string is SDKValidationError naming it; nothing is sent."""
    async with make_core(server) as core:
        result = await deployments_v3_get_deployments(core, "a", build_tag=3)  # type: ignore[arg-type]
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert "build_tag" in result.error.message
    assert server.requests == []


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


async def test_create_returns_the_deployment(server: RecordingServer) -> None:
    """A 201 is structured into DeploymentV3 with the default port and extra ports."""
    server.handler = respond(201, json=deployment_json())
    async with make_core(server) as core:
        deployment = (await deployments_v3_create_deployment(core, CONFIG, "a")).unwrap()
    assert isinstance(deployment, DeploymentV3)
    assert deployment.deployment_id == "dep-9f1e"
    assert deployment.default_container_port == ContainerPort(
        transport_type=TransportType.UDP, port=7777, name="default"
    )
    assert deployment.additional_container_ports[0].transport_type is TransportType.TCP
    assert (deployment.requested_memory_mb, deployment.requested_cpu) == (2048.0, 1.0)
    assert deployment.env == (EnvVar(name="MODE", value="prod"),)
    assert deployment.fleet_id == "fleet-7"
    assert deployment.requested_gpu is None


@pytest.mark.parametrize("op", OPS, ids=ids)
async def test_only_the_documented_success_status_succeeds(op: Op, server: RecordingServer) -> None:
    """A valid body under another 2xx status (200 for create, 201 for the GETs) is SDKError."""
    server.handler = respond(200 if op.status == 201 else 201, json=op.reply)
    async with make_core(server) as core:
        result = await op.call(core, "a")
    assert isinstance(result, Err)
    assert type(result.error) is SDKError
    assert "Unexpected Status" in result.error.message


STATUSES = (400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("op", OPS, ids=ids)
async def test_error_statuses_per_contract(op: Op, server: RecordingServer, status: int) -> None:
    """A JSON {"message"} error is ApiError on the operation's listed statuses, else SDKError."""
    server.handler = respond(status, json={"message": "nope"})
    async with make_core(server, retry_config=RetryConfig(strategy="none")) as core:
        result = await op.call(core, "a")
    assert isinstance(result, Err)
    expected = ApiError if status in op.api_errors else SDKError
    assert type(result.error) is expected
    assert result.error.status_code == status
    if expected is ApiError:
        assert result.error.message == "nope"


@pytest.mark.parametrize("op", OPS, ids=ids)
async def test_app_id_call_beats_core_beats_env(
    op: Op, server: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app id is the call's, else the core's, else HATHORA_APP_ID."""
    server.handler = answer(op)
    monkeypatch.setenv("HATHORA_APP_ID", "app-env")
    async with make_core(server) as from_env, make_core(server, app_id="app-core") as core:
        assert (await op.call(from_env)).ok
        assert (await op.call(core)).ok
        assert (await op.call(core, "app-call")).ok
    apps = [request.path.split("/")[4] for request in server.requests]
    assert apps == ["app-env", "app-core", "app-call"]


@pytest.mark.parametrize("env", [None, ""])
@pytest.mark.parametrize("op", OPS, ids=ids)
async def test_missing_app_id_sends_nothing(
    op: Op, server: RecordingServer, monkeypatch: pytest.MonkeyPatch, env: str | None
) -> None:
    """No app id anywhere (an empty HATHORA_APP_ID counts as none) is SDKValidationError."""
    if env is not None:
        monkeypatch.setenv("HATHORA_APP_ID", env)
    async with make_core(server) as core:
        result = await op.call(core)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert "app_id" in result.error.message
    assert "HATHORA_APP_ID" in result.error.message
    assert server.requests == []


@pytest.mark.parametrize("op", OPS, ids=ids)
async def test_empty_app_id_sends_nothing(op: Op, server: RecordingServer) -> None:
    """An empty per-call app id is refused, even when the core has one: no // path is sent."""
    async with make_core(server, app_id="app-core") as core:
        result = await op.call(core, "")
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert "app_id" in result.error.message
    assert server.requests == []


def test_empty_core_app_id_is_refused() -> None:
    """HathoraCloudCore(app_id="") raises SDKValidationError."""
    with pytest.raises(SDKValidationError, match="app_id"):
        HathoraCloudCore(hathora_dev_token=TOKEN, app_id="")
