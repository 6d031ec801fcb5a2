"""The four DeploymentsV3 operations against FakeHathora: routes, app ids, input checks, errors.

Exact bytes on the wire (percent-encoding, query order, the body) are checked against a recording
server in ``test_deployments_wire.py``.
"""

from __future__ import annotations

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
from hathora_cloud.models import ContainerPort, DeploymentV3, EnvVar, TransportType
from hathora_cloud.testing import FakeHathora, FaultRule

from ._deployments import CONFIG, Emulated, connect, emulated, seed

pytestmark = pytest.mark.anyio

Call = Callable[..., Awaitable[Result[Any, Any]]]


@attrs.frozen
class Op:
    """One operation as the tests drive it: ``call(core, app_id, deployment_id)``."""

    name: str
    operation_id: str
    call: Call
    method: str
    suffix: str
    status: int
    api_errors: frozenset[int]


OPS = [
    Op(
        "get_deployments",
        "GetDeployments",
        lambda core, app=None, dep="": deployments_v3_get_deployments(core, app),
        "GET",
        "",
        200,
        frozenset((401, 404, 408, 422, 429)),
    ),
    Op(
        "create_deployment",
        "CreateDeployment",
        lambda core, app=None, dep="": deployments_v3_create_deployment(core, CONFIG, app),
        "POST",
        "",
        201,
        frozenset((400, 401, 404, 408, 422, 429, 500)),
    ),
    Op(
        "get_latest_deployment",
        "GetLatestDeployment",
        lambda core, app=None, dep="": deployments_v3_get_latest_deployment(core, app),
        "GET",
        "/latest",
        200,
        frozenset((401, 404, 408, 422, 429)),
    ),
    Op(
        "get_deployment",
        "GetDeployment",
        lambda core, app=None, dep="dep-none": deployments_v3_get_deployment(core, dep, app),
        "GET",
        "/{dep}",
        200,
        frozenset((401, 404, 408, 429)),
    ),
]
ids = [op.name for op in OPS]


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's environment out of these tests."""
    for name in ("HATHORA_TOKEN", "HATHORA_ORG_ID", "HATHORA_APP_ID", "HATHORA_CLOUD_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def world() -> AsyncIterator[Emulated]:
    """FakeHathora with the example build, and a core on its app."""
    async with emulated() as running:
        yield running


@pytest.mark.parametrize("op", OPS, ids=ids)
async def test_each_operation_reaches_its_route(op: Op, world: Emulated) -> None:
    """Each operation is the emulator's: method, path, Accept, bearer, a body on POST only."""
    existing = await seed(world.core)
    mark = len(world.fake.requests)
    result = await op.call(world.core, world.fake.app_id, existing.deployment_id)
    assert result.ok, result
    (request,) = world.fake.requests[mark:]
    assert request.operation == op.operation_id
    assert request.status == op.status
    assert request.method == op.method
    suffix = op.suffix.format(dep=existing.deployment_id)
    assert request.path == f"/deployments/v3/apps/{world.fake.app_id}/deployments{suffix}"
    assert request.query == {}
    assert request.headers["Accept"] == "application/json"
    assert request.auth_scheme == "Bearer"
    if op.method == "POST":
        assert request.headers["Content-Type"] == "application/json"
        assert request.body_length > 0
    else:
        assert "Content-Type" not in request.headers
        assert request.body_length == 0


@pytest.mark.parametrize("app_id", ["app/x y", ".", "..", "äpp✓", "a?b#c"])
async def test_an_awkward_app_id_reaches_its_own_app(app_id: str) -> None:
    """An app id with a slash, dots, non-ASCII or ?/# is one segment the server decodes back."""
    async with emulated() as world:
        world.fake.add_app(app_id)
        created = await seed(world.core, app_id)
        got = await deployments_v3_get_deployment(world.core, created.deployment_id, app_id)
        latest = await deployments_v3_get_latest_deployment(world.core, app_id)
        page = await deployments_v3_get_deployments(world.core, app_id)
    assert created.app_id == app_id
    assert got.unwrap() == latest.unwrap() == created
    assert page.unwrap().deployments == (created,)
    assert [d.deployment_id for d in world.fake.deployments_for(app_id)] == [created.deployment_id]
    assert world.fake.deployments_for() == []


@pytest.mark.parametrize("deployment_id", ["dep/1 2", ".", "..", "dép", "latest?x"])
async def test_an_awkward_deployment_id_is_one_segment(world: Emulated, deployment_id: str) -> None:
    """A deployment id with a slash, dots or '?' reaches GetDeployment whole (a 404 naming it)."""
    result = await deployments_v3_get_deployment(world.core, deployment_id)
    assert isinstance(result, Err)
    assert isinstance(result.error, ApiError)
    assert result.error.status_code == 404
    assert deployment_id in result.error.message
    assert world.operations() == ["GetDeployment"]


@pytest.mark.parametrize("bad", [None, "", 5, "a\udc00"])
async def test_bad_deployment_id_sends_nothing(world: Emulated, bad: Any) -> None:
    """A missing, empty, non-string or unencodable deployment id is SDKValidationError."""
    result = await deployments_v3_get_deployment(world.core, bad)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert "deployment_id" in result.error.message
    assert world.fake.requests == []


@pytest.mark.parametrize("op", OPS, ids=ids)
async def test_no_org_id_even_when_the_core_has_one(op: Op, world: Emulated) -> None:
    """The routes take no orgId: the core's org_id is not sent."""
    existing = await seed(world.core)
    async with connect(world.fake, org_id=world.fake.org_id) as core:
        assert (await op.call(core, world.fake.app_id, existing.deployment_id)).ok
    assert all(request.query == {} for request in world.fake.requests)


async def test_a_non_string_filter_sends_nothing(world: Emulated) -> None:
    """A filter that is not a string is SDKValidationError naming it; nothing is sent."""
    result = await deployments_v3_get_deployments(world.core, build_tag=3)  # type: ignore[arg-type]
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert "build_tag" in result.error.message
    assert world.fake.requests == []


async def test_filters_select_on_the_server(world: Emulated) -> None:
    """deployment_tag and build_tag are sent and applied: only matching deployments come back."""
    world.fake.add_build(build_id="bld-other", build_tag="2.0.0")
    blue = await seed(world.core, deployment_tag="blue")
    await seed(world.core, deployment_tag="green")
    await seed(world.core, build_id="bld-other", deployment_tag="blue")
    page = await deployments_v3_get_deployments(
        world.core, deployment_tag="blue", build_tag="1.4.0"
    )
    assert page.unwrap().deployments == (blue,)
    (request,) = world.sent("GetDeployments")
    assert request.query == {"deploymentTag": "blue", "buildTag": "1.4.0"}


async def test_create_returns_the_deployment(world: Emulated) -> None:
    """A 201 is structured into the DeploymentV3 the emulator stored, every field included."""
    config = attrs.evolve(
        CONFIG,
        additional_container_ports=(ContainerPort(transport_type="tcp", port=9000, name="admin"),),
        requested_cpu=0.5,
        requested_gpu=1,
        fleet_id="fleet-7",
        deployment_tag="blue",
    )
    deployment = (await deployments_v3_create_deployment(world.core, config)).unwrap()
    assert isinstance(deployment, DeploymentV3)
    (stored,) = world.fake.deployments.values()
    assert deployment.deployment_id == stored.deployment_id
    # The wire carries milliseconds.
    assert deployment.created_at == stored.created_at.replace(
        microsecond=stored.created_at.microsecond // 1000 * 1000
    )
    assert deployment.default_container_port == ContainerPort(
        transport_type=TransportType.UDP, port=7777, name="default"
    )
    assert deployment.additional_container_ports[0].transport_type is TransportType.TCP
    assert (deployment.requested_memory_mb, deployment.requested_cpu) == (2048.0, 0.5)
    assert deployment.env == (EnvVar(name="MODE", value="prod"),)
    assert (deployment.build_id, deployment.build_tag) == ("bld-42", "1.4.0")
    assert (deployment.fleet_id, deployment.deployment_tag) == ("fleet-7", "blue")
    assert (deployment.requested_gpu, deployment.experimental_requested_gpu) == (1, None)
    assert deployment.created_by == stored.created_by


STATUSES = (400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("op", OPS, ids=ids)
async def test_error_statuses_per_contract(op: Op, status: int) -> None:
    """A JSON {"message"} error is ApiError on the operation's listed statuses, else SDKError."""
    rule = FaultRule.status_code(status, operation=op.operation_id)
    async with emulated(faults=[rule]) as world:
        async with connect(world.fake, retry_config=RetryConfig(strategy="none")) as core:
            result = await op.call(core, world.fake.app_id)
        assert len(world.fake.requests) == 1
    assert isinstance(result, Err)
    expected = ApiError if status in op.api_errors else SDKError
    assert type(result.error) is expected
    assert result.error.status_code == status
    if expected is ApiError:
        assert result.error.message == f"Injected fault: HTTP {status}"


@pytest.mark.parametrize("op", OPS, ids=ids)
async def test_app_id_call_beats_core_beats_env(op: Op, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app id is the call's, else the core's, else HATHORA_APP_ID."""
    monkeypatch.setenv("HATHORA_APP_ID", "app-env")
    async with FakeHathora(apps=("app-env", "app-core", "app-call")) as fake:
        async with connect(fake) as from_env, connect(fake, app_id="app-core") as core:
            await op.call(from_env)
            await op.call(core)
            await op.call(core, "app-call")
        apps = [request.path.split("/")[4] for request in fake.requests]
        assert all(request.operation == op.operation_id for request in fake.requests)
    assert apps == ["app-env", "app-core", "app-call"]


@pytest.mark.parametrize("env", [None, ""])
@pytest.mark.parametrize("op", OPS, ids=ids)
async def test_missing_app_id_sends_nothing(
    op: Op, monkeypatch: pytest.MonkeyPatch, env: str | None
) -> None:
    """No app id anywhere (an empty HATHORA_APP_ID counts as none) is SDKValidationError."""
    if env is not None:
        monkeypatch.setenv("HATHORA_APP_ID", env)
    async with FakeHathora() as fake:
        async with connect(fake) as core:
            result = await op.call(core)
        assert fake.requests == []
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert "app_id" in result.error.message
    assert "HATHORA_APP_ID" in result.error.message


@pytest.mark.parametrize("op", OPS, ids=ids)
async def test_empty_app_id_sends_nothing(op: Op, world: Emulated) -> None:
    """An empty per-call app id is refused, even when the core has one: no // path is sent."""
    result = await op.call(world.core, "")
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert "app_id" in result.error.message
    assert world.fake.requests == []


def test_empty_core_app_id_is_refused() -> None:
    """HathoraCloudCore(app_id="") raises SDKValidationError."""
    with pytest.raises(SDKValidationError, match="app_id"):
        HathoraCloudCore(hathora_dev_token="t", app_id="")
