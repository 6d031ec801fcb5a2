"""DeploymentsV3 beyond the wire shape: retry safety, hooks, the facade, matching results."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from hathora_cloud import Err, HathoraCloud, HathoraCloudCore, Ok
from hathora_cloud.errors import ApiError, SDKError
from hathora_cloud.funcs import (
    deployments_v3_create_deployment,
    deployments_v3_get_deployment,
    deployments_v3_get_deployments,
    deployments_v3_get_latest_deployment,
)
from hathora_cloud.hooks import HookContext, HookRequest, Hooks
from hathora_cloud.models import DeploymentsV3Page

from ._deployments_server import CONFIG, deployment_json
from ._server import RecordingServer, respond, sequence, serve

pytestmark = pytest.mark.anyio


TOKEN = "tok-behaviour"


def make_core(server: RecordingServer, **kwargs: Any) -> HathoraCloudCore:
    """A core with a token pointed at the recording server."""
    return HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url, **kwargs)


@pytest.fixture
async def server() -> AsyncIterator[RecordingServer]:
    """A recording server; each test sets its answer."""
    async with serve() as running:
        yield running


async def test_create_is_not_retried_on_5xx_by_default(server: RecordingServer) -> None:
    """With the safe default a create answered 503 or 500 is not repeated (no duplicate)."""
    server.handler = sequence(
        respond(503, json={"message": "busy"}, headers={"Retry-After": "0"}),
        respond(500, json={"message": "boom"}),
        respond(201, json=deployment_json()),
    )
    async with make_core(server) as core:
        first = await deployments_v3_create_deployment(core, CONFIG, "a")
        second = await deployments_v3_create_deployment(core, CONFIG, "a")
    assert isinstance(first, Err)
    assert isinstance(first.error, SDKError)
    assert isinstance(second, Err)
    assert isinstance(second.error, ApiError)
    assert len(server.requests) == 2


async def test_create_is_retried_on_429_by_default(server: RecordingServer) -> None:
    """With the safe default a create answered 429 is retried: the server refused it."""
    server.handler = sequence(
        respond(429, json={"message": "slow"}, headers={"Retry-After": "0"}),
        respond(201, json=deployment_json()),
    )
    async with make_core(server) as core:
        result = await deployments_v3_create_deployment(core, CONFIG, "a")
    assert result.ok, result
    assert len(server.requests) == 2


async def test_gets_are_retried_on_503_by_default(server: RecordingServer) -> None:
    """With the safe default the idempotent GETs are retried on 503."""
    server.handler = sequence(
        respond(503, json={"message": "busy"}, headers={"Retry-After": "0"}),
        respond(200, json=deployment_json()),
    )
    async with make_core(server) as core:
        result = await deployments_v3_get_latest_deployment(core, "a")
    assert result.ok, result
    assert len(server.requests) == 2


class _Seen(Hooks):
    """Record the operation id of every attempt."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    async def before_request(self, context: HookContext, request: HookRequest) -> HookRequest:
        """Record the operation id."""
        self.ids.append(context.operation_id)
        return request


async def test_hooks_see_the_typescript_operation_ids(server: RecordingServer) -> None:
    """Hooks see GetDeployments, CreateDeployment, GetLatestDeployment and GetDeployment."""
    hooks = _Seen()
    async with make_core(server, hooks=hooks) as core:
        server.handler = respond(200, json={"deployments": []})
        assert (await deployments_v3_get_deployments(core, "a")).ok
        server.handler = respond(201, json=deployment_json())
        assert (await deployments_v3_create_deployment(core, CONFIG, "a")).ok
        server.handler = respond(200, json=deployment_json())
        assert (await deployments_v3_get_latest_deployment(core, "a")).ok
        assert (await deployments_v3_get_deployment(core, "dep-1", "a")).ok
    assert hooks.ids == [
        "GetDeployments",
        "CreateDeployment",
        "GetLatestDeployment",
        "GetDeployment",
    ]


async def test_facade_methods_return_values_and_raise(server: RecordingServer) -> None:
    """hathora.deployments_v3 methods return the value, or raise the error."""
    async with HathoraCloud(hathora_dev_token=TOKEN, server_url=server.url, app_id="a") as sdk:
        server.handler = respond(200, json={"deployments": [], "nextPageToken": "n"})
        page = await sdk.deployments_v3.get_deployments(build_tag="b")
        assert page == DeploymentsV3Page(deployments=(), next_page_token="n")
        server.handler = respond(201, json=deployment_json())
        created = await sdk.deployments_v3.create_deployment(CONFIG)
        server.handler = respond(200, json=deployment_json())
        assert await sdk.deployments_v3.get_deployment("dep-9f1e") == created
        server.handler = respond(404, json={"message": "no deployment yet"})
        with pytest.raises(ApiError, match="no deployment yet"):
            await sdk.deployments_v3.get_latest_deployment()


async def test_results_match_on_ok_and_err(server: RecordingServer) -> None:
    """The results support match with Ok(value=...) and Err(error=...)."""
    server.handler = respond(200, json=deployment_json())
    async with make_core(server) as core:
        match await deployments_v3_get_latest_deployment(core, "a"):
            case Ok(value=deployment):
                assert deployment.build_tag == "1.4.0"
            case Err(error=error):
                pytest.fail(f"unexpected {error!r}")
