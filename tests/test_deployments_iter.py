"""Walking every deployment across pages: the Result iterator and the facade's raising one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiohttp import web

from hathora_cloud import Err, HathoraCloud, HathoraCloudCore, Ok, Result
from hathora_cloud.errors import ApiError, ResponseValidationError, SDKValidationError
from hathora_cloud.funcs import deployments_v3_iter_deployments
from hathora_cloud.models import DeploymentV3

from ._deployments_server import DeploymentsServer, deployment_json, serve_deployments
from ._server import RecordingServer, respond, serve

pytestmark = pytest.mark.anyio

TOKEN = "tok-iter"


@pytest.fixture
async def deployments() -> AsyncIterator[DeploymentsServer]:
    """The in-memory deployments server with five deployments of app-1, two per page."""
    async with serve_deployments(TOKEN, page_size=2) as running:
        for tag in ("a", "b", "a", "b", "a"):
            running.add("app-1", deploymentTag=tag)
        yield running


@pytest.fixture
async def server() -> AsyncIterator[RecordingServer]:
    """A recording server; each test sets its answers."""
    async with serve() as running:
        yield running


async def collect(
    core: HathoraCloudCore, app_id: str | None = "app-1", **kwargs: Any
) -> list[Result[DeploymentV3, Any]]:
    """Every item the iterator yields."""
    return [item async for item in deployments_v3_iter_deployments(core, app_id, **kwargs)]


def pages(*documents: dict[str, Any]) -> Any:
    """A handler answering the token-less request with the first page, token N with page N."""

    async def handler(request: web.Request) -> web.StreamResponse:
        index = int(request.query.get("nextPageToken", "0"))
        return await respond(200, json=documents[index])(request)

    return handler


async def test_follows_every_page_in_order(deployments: DeploymentsServer) -> None:
    """All five deployments come out, in order, over three page requests."""
    async with HathoraCloudCore(hathora_dev_token=TOKEN, server_url=deployments.url) as core:
        items = await collect(core)
    assert all(isinstance(item, Ok) for item in items)
    assert [item.unwrap().deployment_id for item in items] == [f"dep-{n}" for n in range(1, 6)]
    queries = [path.partition("?")[2] for _, path in deployments.requests]
    assert queries == ["", "nextPageToken=2", "nextPageToken=4"]


async def test_filters_are_sent_with_every_page(deployments: DeploymentsServer) -> None:
    """The filters go with every page request, the token after them."""
    async with HathoraCloudCore(hathora_dev_token=TOKEN, server_url=deployments.url) as core:
        items = await collect(core, deployment_tag="a", build_tag="1.4.0")
    assert [item.unwrap().deployment_id for item in items] == ["dep-1", "dep-3", "dep-5"]
    queries = [path.partition("?")[2] for _, path in deployments.requests]
    assert queries == [
        "buildTag=1.4.0&deploymentTag=a",
        "buildTag=1.4.0&deploymentTag=a&nextPageToken=2",
    ]


async def test_no_deployments_yields_nothing(deployments: DeploymentsServer) -> None:
    """An app without deployments gives an empty iteration after one request."""
    async with HathoraCloudCore(hathora_dev_token=TOKEN, server_url=deployments.url) as core:
        assert await collect(core, "app-empty") == []
    assert len(deployments.requests) == 1


async def test_a_failed_page_ends_with_err(server: RecordingServer) -> None:
    """When page two fails, the first page's items come out, then one Err, then nothing more."""
    first = {"deployments": [deployment_json(deploymentId="d1")], "nextPageToken": "1"}

    async def handler(request: web.Request) -> web.StreamResponse:
        if "nextPageToken" in request.query:
            return await respond(404, json={"message": "app gone"})(request)
        return await respond(200, json=first)(request)

    server.handler = handler
    async with HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url) as core:
        items = await collect(core)
    assert isinstance(items[0], Ok)
    assert items[0].value.deployment_id == "d1"
    assert isinstance(items[1], Err)
    assert isinstance(items[1].error, ApiError)
    assert items[1].error.message == "app gone"
    assert len(items) == 2
    assert len(server.requests) == 2


@pytest.mark.parametrize("tokens", [["same", "same"], ["a", "b", "a"]])
async def test_a_repeated_token_stops_the_loop(server: RecordingServer, tokens: list[str]) -> None:
    """A server handing back a token it already gave is caught: Err instead of looping forever."""
    served = iter(tokens)

    async def handler(request: web.Request) -> web.StreamResponse:
        document = {"deployments": [deployment_json()], "nextPageToken": next(served)}
        return await respond(200, json=document)(request)

    server.handler = handler
    async with HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url) as core:
        items = await collect(core)
    assert [item.ok for item in items] == [True] * len(tokens) + [False]
    error = items[-1]
    assert isinstance(error, Err)
    assert isinstance(error.error, ResponseValidationError)
    assert "nextPageToken" in error.error.message
    assert error.error.raw_value == tokens[-1]
    assert len(server.requests) == len(tokens)


@pytest.mark.parametrize("last", [{"nextPageToken": ""}, {"nextPageToken": None}, {}])
async def test_an_empty_or_missing_token_ends(
    server: RecordingServer, last: dict[str, Any]
) -> None:
    """A page whose token is absent, null or "" is the last one ("" would restart the list)."""
    server.handler = pages(
        {"deployments": [deployment_json(deploymentId="d1")], "nextPageToken": "1"},
        {"deployments": [deployment_json(deploymentId="d2")], **last},
    )
    async with HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url) as core:
        items = await collect(core)
    assert [item.unwrap().deployment_id for item in items] == ["d1", "d2"]
    assert len(server.requests) == 2


async def test_missing_app_id_is_a_single_err(server: RecordingServer) -> None:
    """Without an app id the iterator yields one Err(SDKValidationError) and sends nothing."""
    async with HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url) as core:
        items = await collect(core, None)
    assert len(items) == 1
    assert isinstance(items[0], Err)
    assert isinstance(items[0].error, SDKValidationError)
    assert server.requests == []


async def test_pages_are_fetched_lazily(deployments: DeploymentsServer) -> None:
    """Stopping after the first deployment leaves the later pages unrequested."""
    async with HathoraCloudCore(hathora_dev_token=TOKEN, server_url=deployments.url) as core:
        items = deployments_v3_iter_deployments(core, "app-1")
        first = await anext(items)
        await items.aclose()
    assert first.unwrap().deployment_id == "dep-1"
    assert len(deployments.requests) == 1


async def test_facade_iterator_yields_deployments(deployments: DeploymentsServer) -> None:
    """hathora.deployments_v3.iter_deployments yields bare DeploymentV3 values from every page."""
    async with HathoraCloud(
        hathora_dev_token=TOKEN, server_url=deployments.url, app_id="app-1"
    ) as sdk:
        found = [d.deployment_id async for d in sdk.deployments_v3.iter_deployments()]
    assert found == [f"dep-{n}" for n in range(1, 6)]


async def test_facade_iterator_raises_the_page_error(server: RecordingServer) -> None:
    """The facade iterator yields the first page, then raises the failing page's error."""
    first = {"deployments": [deployment_json(deploymentId="d1")], "nextPageToken": "1"}

    async def handler(request: web.Request) -> web.StreamResponse:
        if "nextPageToken" in request.query:
            return await respond(401, json={"message": "token revoked"})(request)
        return await respond(200, json=first)(request)

    server.handler = handler
    async with HathoraCloud(hathora_dev_token=TOKEN, server_url=server.url, app_id="a") as sdk:
        items = sdk.deployments_v3.iter_deployments()
        assert (await anext(items)).deployment_id == "d1"
        with pytest.raises(ApiError, match="token revoked"):
            await anext(items)
        with pytest.raises(StopAsyncIteration):
            await anext(items)
    assert parse_qs(server.requests[1].query) == {"nextPageToken": ["1"]}
