"""Walking every deployment across FakeHathora's pages: the Result iterator and the facade's.

Page tokens the emulator never hands out (repeated, ``""``, ``null``) are in
``test_deployments_wire.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from hathora_cloud import Err, HathoraCloud, HathoraCloudCore, Ok, Result
from hathora_cloud.errors import ApiError, ResponseValidationError, SDKValidationError
from hathora_cloud.funcs import deployments_v3_iter_deployments
from hathora_cloud.models import DeploymentV3
from hathora_cloud.testing import FaultRule

from ._deployments import Emulated, connect, emulated, seed

pytestmark = pytest.mark.anyio

TAGS = ("a", "b", "a", "b", "a")


@pytest.fixture
async def world() -> AsyncIterator[Emulated]:
    """FakeHathora with two deployments per page and five deployments of its app, tagged a/b."""
    async with emulated(deployments_page_size=2) as running:
        for tag in TAGS:
            await seed(running.core, deployment_tag=tag)
        yield running


async def collect(
    core: HathoraCloudCore, app_id: str | None = None, **kwargs: Any
) -> list[Result[DeploymentV3, Any]]:
    """Every item the iterator yields."""
    return [item async for item in deployments_v3_iter_deployments(core, app_id, **kwargs)]


def newest_first(world: Emulated, tag: str | None = None) -> list[str]:
    """The ids of the app's deployments as the emulator orders them (with ``tag`` only)."""
    return [
        d.deployment_id
        for d in world.fake.deployments_for()
        if tag is None or d.deployment_tag == tag
    ]


async def test_follows_every_page_in_order(world: Emulated) -> None:
    """All five deployments come out once, in the server's order, over three page requests."""
    items = await collect(world.core)
    assert all(isinstance(item, Ok) for item in items)
    assert [item.unwrap().deployment_id for item in items] == newest_first(world)
    tokens = [request.query.get("nextPageToken") for request in world.sent("GetDeployments")]
    assert len(tokens) == 3
    assert tokens[0] is None
    assert None not in tokens[1:]
    assert len(set(tokens)) == 3


async def test_filters_are_sent_with_every_page(world: Emulated) -> None:
    """The filters go with every page request, together with the page token."""
    items = await collect(world.core, deployment_tag="a", build_tag="1.4.0")
    assert [item.unwrap().deployment_id for item in items] == newest_first(world, "a")
    queries = [request.query for request in world.sent("GetDeployments")]
    assert len(queries) == 2
    assert all(q["deploymentTag"] == "a" and q["buildTag"] == "1.4.0" for q in queries)
    assert "nextPageToken" in queries[1]


async def test_a_deployment_made_during_the_walk_does_not_disturb_it(world: Emulated) -> None:
    """A deployment created between two pages neither repeats nor drops one (stable tokens)."""
    expected = newest_first(world)
    items = deployments_v3_iter_deployments(world.core)
    seen = [(await anext(items)).unwrap().deployment_id]
    newer = await seed(world.core)
    seen += [item.unwrap().deployment_id async for item in items]
    assert seen == expected
    assert newer.deployment_id not in seen


async def test_no_deployments_yields_nothing(world: Emulated) -> None:
    """An app without deployments gives an empty iteration after one request."""
    world.fake.add_app("app-empty")
    assert await collect(world.core, "app-empty") == []
    assert len(world.sent("GetDeployments")) == 1


async def test_an_unknown_app_is_a_single_err(world: Emulated) -> None:
    """An app the service does not know: the iterator yields its 404 ApiError and stops."""
    items = await collect(world.core, "app-nope")
    assert len(items) == 1
    assert isinstance(items[0], Err)
    assert isinstance(items[0].error, ApiError)
    assert items[0].error.status_code == 404


async def test_a_failed_page_ends_with_err(world: Emulated) -> None:
    """When page two fails, the first page's items come out, then one Err, then nothing more."""
    items = deployments_v3_iter_deployments(world.core)
    first_page = [await anext(items), await anext(items)]
    world.fake.inject(FaultRule.status_code(404, operation="GetDeployments"))
    rest = [item async for item in items]
    assert [item.unwrap().deployment_id for item in first_page] == newest_first(world)[:2]
    (failure,) = rest
    assert isinstance(failure, Err)
    assert isinstance(failure.error, ApiError)
    assert failure.error.status_code == 404
    assert len(world.sent("GetDeployments")) == 2


async def test_a_page_that_does_not_fit_ends_with_err(world: Emulated) -> None:
    """A page whose deployment lacks a required key: ResponseValidationError ends the walk."""
    broken = FaultRule.invalid_schema(
        "missing", operation="GetDeployments", field="deployments.1.createdAt"
    )
    world.fake.inject(broken)
    items = await collect(world.core)
    (failure,) = items
    assert isinstance(failure, Err)
    assert isinstance(failure.error, ResponseValidationError)
    assert "createdAt" in failure.error.message


async def test_missing_app_id_is_a_single_err(world: Emulated) -> None:
    """Without an app id the iterator yields one Err(SDKValidationError) and sends nothing."""
    mark = len(world.fake.requests)
    async with connect(world.fake) as core:
        items = await collect(core, None)
    assert len(items) == 1
    assert isinstance(items[0], Err)
    assert isinstance(items[0].error, SDKValidationError)
    assert world.operations(mark) == []


async def test_pages_are_fetched_lazily(world: Emulated) -> None:
    """Stopping after the first deployment leaves the later pages unrequested."""
    items = deployments_v3_iter_deployments(world.core)
    first = await anext(items)
    await items.aclose()
    assert first.unwrap().deployment_id == newest_first(world)[0]
    assert len(world.sent("GetDeployments")) == 1


def facade(world: Emulated) -> HathoraCloud:
    """The raising facade on the emulator's app."""
    fake = world.fake
    return HathoraCloud(hathora_dev_token=fake.token, server_url=fake.url, app_id=fake.app_id)


async def test_facade_iterator_yields_deployments(world: Emulated) -> None:
    """hathora.deployments_v3.iter_deployments yields bare DeploymentV3 values from every page."""
    async with facade(world) as sdk:
        found = [d.deployment_id async for d in sdk.deployments_v3.iter_deployments()]
        tagged = [
            d.deployment_id async for d in sdk.deployments_v3.iter_deployments(deployment_tag="b")
        ]
    assert found == newest_first(world)
    assert tagged == newest_first(world, "b")


async def test_facade_iterator_raises_the_page_error(world: Emulated) -> None:
    """The facade iterator yields the first page, then raises the failing page's error."""
    async with facade(world) as sdk:
        items = sdk.deployments_v3.iter_deployments()
        assert (await anext(items)).deployment_id == newest_first(world)[0]
        await anext(items)
        world.fake.inject(FaultRule.status_code(401, operation="GetDeployments"))
        with pytest.raises(ApiError, match="Injected fault: HTTP 401"):
            await anext(items)
        with pytest.raises(StopAsyncIteration):
            await anext(items)
    assert "nextPageToken" in world.sent("GetDeployments")[1].query
