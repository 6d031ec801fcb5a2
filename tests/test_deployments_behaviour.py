"""DeploymentsV3 beyond the wire shape, against FakeHathora: retry safety, hooks, facade, match."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from hathora_cloud import Err, HathoraCloud, Ok
from hathora_cloud.errors import ApiError, SDKError
from hathora_cloud.funcs import (
    deployments_v3_create_deployment,
    deployments_v3_get_deployment,
    deployments_v3_get_deployments,
    deployments_v3_get_latest_deployment,
)
from hathora_cloud.hooks import HookContext, HookRequest, Hooks
from hathora_cloud.models import DeploymentsV3Page
from hathora_cloud.testing import FaultRule, set_testing

from ._deployments import CONFIG, Emulated, connect, emulated, seed

pytestmark = pytest.mark.anyio


@pytest.fixture
async def world() -> AsyncIterator[Emulated]:
    """FakeHathora with the example build, and a core on its app."""
    async with emulated() as running:
        yield running


@pytest.fixture(autouse=True)
def _instant_retries() -> Iterator[None]:
    """Retry waits are zero (the documented testing switch); attempts and decisions unchanged."""
    with set_testing(True):
        yield


async def test_create_is_not_retried_on_5xx_by_default(world: Emulated) -> None:
    """With the safe default a create answered 503 or 500 is not repeated (no duplicate)."""
    world.fake.inject(FaultRule.status_code(503, operation="CreateDeployment", times=1))
    world.fake.inject(FaultRule.status_code(500, operation="CreateDeployment", times=1))
    first = await deployments_v3_create_deployment(world.core, CONFIG)
    second = await deployments_v3_create_deployment(world.core, CONFIG)
    assert isinstance(first, Err)
    assert isinstance(first.error, SDKError)
    assert first.error.status_code == 503
    assert isinstance(second, Err)
    assert isinstance(second.error, ApiError)
    assert second.error.status_code == 500
    assert len(world.sent("CreateDeployment")) == 2
    assert world.fake.deployments == {}


async def test_create_is_retried_on_429_by_default(world: Emulated) -> None:
    """With the safe default a create answered 429 is retried (it was refused): one is made."""
    world.fake.inject(
        FaultRule.status_code(429, operation="CreateDeployment", retry_after=0, times=1)
    )
    result = await deployments_v3_create_deployment(world.core, CONFIG)
    assert result.ok, result
    assert [request.status for request in world.sent("CreateDeployment")] == [429, 201]
    assert list(world.fake.deployments) == [result.value.deployment_id]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_gets_are_retried_on_5xx_by_default(world: Emulated, status: int) -> None:
    """With the safe default the idempotent GETs are retried on the retry codes."""
    created = await seed(world.core)
    world.fake.inject(FaultRule.status_code(status, operation="GetLatestDeployment", times=1))
    result = await deployments_v3_get_latest_deployment(world.core)
    assert result.unwrap() == created
    assert [request.status for request in world.sent("GetLatestDeployment")] == [status, 200]


async def test_a_dropped_get_is_retried(world: Emulated) -> None:
    """A GET whose connection is closed without an answer is repeated by the safe default."""
    created = await seed(world.core)
    world.fake.inject(FaultRule.drop(operation="GetDeployment", times=1))
    result = await deployments_v3_get_deployment(world.core, created.deployment_id)
    assert result.unwrap() == created
    assert [request.status for request in world.sent("GetDeployment")] == [None, 200]


class _Seen(Hooks):
    """Record the operation id of every attempt."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    async def before_request(self, context: HookContext, request: HookRequest) -> HookRequest:
        """Record the operation id."""
        self.ids.append(context.operation_id)
        return request


async def test_hooks_see_the_operation_ids_the_emulator_sees(world: Emulated) -> None:
    """Hooks see GetDeployments, CreateDeployment, GetLatestDeployment, GetDeployment: TS's ids."""
    hooks = _Seen()
    async with connect(world.fake, app_id=world.fake.app_id, hooks=hooks) as core:
        assert (await deployments_v3_get_deployments(core)).ok
        created = (await deployments_v3_create_deployment(core, CONFIG)).unwrap()
        assert (await deployments_v3_get_latest_deployment(core)).ok
        assert (await deployments_v3_get_deployment(core, created.deployment_id)).ok
    expected = ["GetDeployments", "CreateDeployment", "GetLatestDeployment", "GetDeployment"]
    assert hooks.ids == expected
    assert world.operations() == expected


async def test_facade_methods_return_values_and_raise(world: Emulated) -> None:
    """hathora.deployments_v3 methods return the value, or raise the error."""
    fake = world.fake
    async with HathoraCloud(
        hathora_dev_token=fake.token, server_url=fake.url, app_id=fake.app_id
    ) as sdk:
        with pytest.raises(ApiError, match="no deployments yet") as caught:
            await sdk.deployments_v3.get_latest_deployment()
        assert caught.value.status_code == 404
        created = await sdk.deployments_v3.create_deployment(CONFIG)
        assert await sdk.deployments_v3.get_deployment(created.deployment_id) == created
        assert await sdk.deployments_v3.get_latest_deployment() == created
        page = await sdk.deployments_v3.get_deployments(build_tag="1.4.0")
        assert page == DeploymentsV3Page(deployments=(created,), next_page_token=None)
        assert await sdk.deployments_v3.get_deployments(build_tag="other") == DeploymentsV3Page(
            deployments=()
        )


async def test_results_match_on_ok_and_err(world: Emulated) -> None:
    """The results support match with Ok(value=...) and Err(error=...)."""
    match await deployments_v3_get_latest_deployment(world.core):
        case Ok(value=deployment):
            pytest.fail(f"unexpected {deployment!r}")
        case Err(error=ApiError(status_code=404)):
            pass
        case other:
            pytest.fail(f"unexpected {other!r}")
    await seed(world.core)
    match await deployments_v3_get_latest_deployment(world.core):
        case Ok(value=deployment):
            assert deployment.build_tag == "1.4.0"
        case Err(error=error):
            pytest.fail(f"unexpected {error!r}")
