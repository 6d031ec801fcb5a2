"""The one-call deploy against FakeHathora: check everything first, inherit, build, then deploy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest

from hathora_cloud import Err, HathoraCloud, Ok
from hathora_cloud.errors import (
    ApiError,
    BuildFailedError,
    HTTPConnectionError,
    ResponseValidationError,
    SDKValidationError,
)
from hathora_cloud.funcs import deployments_v3_deploy
from hathora_cloud.models import (
    BuildStatus,
    ContainerPort,
    Deployed,
    DeploymentSettings,
    DeploymentV3,
    EnvVar,
    TransportType,
)
from hathora_cloud.testing import FaultRule, PortState, make_tarball

from ._deployments import Emulated, connect, emulated, post_raw, seed

pytestmark = pytest.mark.anyio

GOOD = make_tarball({"Dockerfile": "FROM alpine\nCMD ['./server']\n", "server": "#!/bin/sh\n"})
BROKEN = make_tarball({"Dockerfile": "FROM alpine\nRUN false\n"})  # the build fails
SETTINGS = DeploymentSettings(
    idle_timeout_enabled=True,
    env=(EnvVar(name="MODE", value="prod"),),
    rooms_per_process=4,
    transport_type=TransportType.UDP,
    container_port=7777,
    requested_memory_mb=1024.0,
    requested_cpu=0.5,
)
BUILD_THEN_DEPLOY = ["CreateBuild", "UploadPart", "CompleteUpload", "RunBuild", "GetBuild"]


@pytest.fixture
async def world(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Emulated]:
    """FakeHathora and a core on its app (no HATHORA_APP_ID from the developer's shell)."""
    monkeypatch.delenv("HATHORA_APP_ID", raising=False)
    async with emulated() as running:
        yield running


async def test_deploy_builds_then_creates_the_deployment(world: Emulated) -> None:
    """deploy uploads and runs the build, then creates that build's deployment: Ok(Deployed)."""
    lines: list[str] = []
    result = await deployments_v3_deploy(
        world.core, GOOD, SETTINGS, build_tag="1.5.0", on_log_line=lines.append
    )
    assert isinstance(result, Ok), result
    deployed = result.value
    assert isinstance(deployed, Deployed)
    assert deployed.build.status is BuildStatus.SUCCEEDED
    assert deployed.build.build_tag == "1.5.0"
    assert deployed.deployment.build_id == deployed.build.build_id
    assert deployed.deployment.build_tag == "1.5.0"
    assert deployed.deployment.app_id == world.fake.app_id
    assert lines == [
        line.rstrip("\r\n") for line in world.fake.builds[deployed.build.build_id].log_lines
    ]
    assert world.fake.uploaded_bytes(deployed.build.build_id) == GOOD
    stored = world.fake.deployments[deployed.deployment.deployment_id]
    assert (stored.idle_timeout_enabled, stored.env) == (True, (("MODE", "prod"),))
    assert stored.rooms_per_process == 4
    assert stored.default_port == PortState(transport_type="udp", port=7777, name="default")
    assert (stored.requested_memory_mb, stored.requested_cpu) == (1024, 0.5)
    # Nothing optional was sent: the service's defaults apply.
    assert stored.additional_ports == ()
    assert (stored.requested_gpu, stored.deployment_tag, stored.fleet_id) == (
        None,
        None,
        "fleet-fake-0001",
    )
    assert world.operations() == ["GetDeployments", *BUILD_THEN_DEPLOY, "CreateDeployment"]


@pytest.mark.parametrize(
    "missing", ["idle_timeout_enabled", "env", "container_port", "requested_cpu"]
)
async def test_missing_setting_is_refused_before_upload(world: Emulated, missing: str) -> None:
    """A required setting neither given nor inherited is SDKValidationError naming it, no upload."""
    settings = attrs.evolve(SETTINGS, **{missing: None})
    result = await deployments_v3_deploy(world.core, GOOD, settings)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert missing in result.error.message
    assert "from_latest" in result.error.message
    assert world.fake.requests == []


async def test_no_settings_without_from_latest_names_every_field(world: Emulated) -> None:
    """deploy with no settings at all names every required field and sends nothing."""
    result = await deployments_v3_deploy(world.core, GOOD)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    for name in ("idle_timeout_enabled", "rooms_per_process", "transport_type", "requested_cpu"):
        assert name in result.error.message
    assert world.fake.requests == []


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"container_port": 0}, "container_port"),
        ({"rooms_per_process": 0}, "rooms_per_process"),
        ({"requested_memory_mb": -1}, "requested_memory_mb"),
        ({"env": (EnvVar(name="A=B", value="s3cret"),)}, "env[0].name"),
        ({"requested_gpu": 0.5}, "requested_gpu"),
    ],
)
async def test_bad_setting_is_refused_before_anything_is_sent(
    world: Emulated, changes: dict[str, Any], named: str
) -> None:
    """An invalid setting is SDKValidationError before from_latest's read and before the upload."""
    settings = attrs.evolve(SETTINGS, **changes)
    result = await deployments_v3_deploy(world.core, GOOD, settings, from_latest=True)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert named in result.error.message
    assert "s3cret" not in str(result.error)
    assert world.fake.requests == []


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"app_id": ""}, "app_id"),
        ({"from_latest": "yes"}, "from_latest"),
        ({"delete_on_failure": None}, "delete_on_failure"),
        ({"concurrency": 0}, "concurrency"),
        ({"on_log_line": "print"}, "on_log_line"),
        ({"on_progress": 3}, "on_progress"),
        ({"build_tag": ""}, "build_tag"),
        ({"options": {"timeout": 1}}, "options"),
    ],
)
async def test_bad_argument_is_refused_before_anything_is_sent(
    world: Emulated, kwargs: dict[str, Any], named: str
) -> None:
    """A bad argument of deploy itself is SDKValidationError naming it; nothing is sent."""
    result = await deployments_v3_deploy(world.core, GOOD, SETTINGS, **kwargs)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert named in result.error.message
    assert world.fake.requests == []


async def test_settings_of_the_wrong_type_are_refused(world: Emulated) -> None:
    """settings must be a DeploymentSettings (a dict is refused), nothing sent."""
    result = await deployments_v3_deploy(world.core, GOOD, {"rooms_per_process": 1})  # type: ignore[arg-type]
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert "settings" in result.error.message
    assert world.fake.requests == []


async def test_no_app_id_is_refused_before_upload(world: Emulated) -> None:
    """A core without app_id and no per-call app_id: SDKValidationError, nothing uploaded."""
    async with connect(world.fake) as core:
        result = await deployments_v3_deploy(core, GOOD, SETTINGS)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert "HATHORA_APP_ID" in result.error.message
    assert world.fake.requests == []


async def test_per_call_app_id_wins(world: Emulated) -> None:
    """deploy(app_id=...) deploys to that app, not the core's."""
    world.fake.add_app("app/2")
    result = await deployments_v3_deploy(world.core, GOOD, SETTINGS, app_id="app/2")
    deployment = result.unwrap().deployment
    assert deployment.app_id == "app/2"
    assert [d.deployment_id for d in world.fake.deployments_for("app/2")] == [
        deployment.deployment_id
    ]
    assert world.fake.deployments_for() == []


async def _seed_latest(world: Emulated) -> DeploymentV3:
    """An earlier deployment of another build, with every optional field set."""
    world.fake.add_build(build_id="bld-old", build_tag="0.9")
    return await seed(
        world.core,
        build_id="bld-old",
        env=(EnvVar(name="OLD", value="1"),),
        rooms_per_process=3,
        transport_type=TransportType.TLS,
        container_port=4000,
        additional_container_ports=(ContainerPort(transport_type="tcp", port=9000, name="admin"),),
        requested_cpu=1.5,
        requested_gpu=1,
        experimental_requested_gpu=2,
        fleet_id="fleet-7",
        deployment_tag="old-tag",
    )


async def test_from_latest_fills_only_what_was_not_given(world: Emulated) -> None:
    """from_latest fills what is missing; explicit False, () and 0 stay; tag and build are not."""
    await _seed_latest(world)
    settings = DeploymentSettings(
        idle_timeout_enabled=False,
        env=(),
        additional_container_ports=(),
        requested_gpu=0,
        container_port=5000,
    )
    deployed = (await deployments_v3_deploy(world.core, GOOD, settings, from_latest=True)).unwrap()
    stored = world.fake.deployments[deployed.deployment.deployment_id]
    assert stored.build_id == deployed.build.build_id != "bld-old"
    assert (stored.idle_timeout_enabled, stored.env, stored.additional_ports) == (False, (), ())
    assert stored.rooms_per_process == 3
    assert stored.default_port == PortState(transport_type="tls", port=5000, name="default")
    assert (stored.requested_memory_mb, stored.requested_cpu) == (2048, 1.5)
    assert (stored.requested_gpu, stored.experimental_requested_gpu) == (0, 2)
    assert (stored.fleet_id, stored.deployment_tag) == ("fleet-7", None)


async def test_from_latest_with_no_settings_copies_everything_inheritable(world: Emulated) -> None:
    """With from_latest and no settings, every field but build and tag comes from the latest."""
    latest = await _seed_latest(world)
    result = await deployments_v3_deploy(world.core, GOOD, from_latest=True, build_tag="2.0")
    deployment = result.unwrap().deployment
    inherited = (
        *("env", "rooms_per_process", "default_container_port", "requested_memory_mb"),
        *("additional_container_ports", "requested_cpu", "requested_gpu", "fleet_id"),
        *("idle_timeout_enabled", "experimental_requested_gpu"),
    )
    assert {name: getattr(deployment, name) for name in inherited} == {
        name: getattr(latest, name) for name in inherited
    }
    assert (deployment.build_tag, deployment.deployment_tag) == ("2.0", None)
    assert deployment.default_container_port == ContainerPort(
        transport_type=TransportType.TLS, port=4000, name="default"
    )


async def test_from_latest_reads_the_latest_before_building(world: Emulated) -> None:
    """The latest deployment is read first, before any build request."""
    await _seed_latest(world)
    mark = len(world.fake.requests)
    assert (await deployments_v3_deploy(world.core, GOOD, SETTINGS, from_latest=True)).ok
    assert world.operations(mark) == ["GetLatestDeployment", *BUILD_THEN_DEPLOY, "CreateDeployment"]


async def test_from_latest_failure_is_the_err_and_nothing_is_built(world: Emulated) -> None:
    """An app without deployments: from_latest returns the 404 ApiError, nothing is uploaded."""
    result = await deployments_v3_deploy(world.core, GOOD, SETTINGS, from_latest=True)
    assert isinstance(result, Err)
    assert isinstance(result.error, ApiError)
    assert result.error.status_code == 404
    assert result.error.build_id is None
    assert world.operations() == ["GetLatestDeployment"]


async def test_inherited_value_that_is_invalid_is_refused_before_upload(world: Emulated) -> None:
    """A value inherited from the latest deployment gets the same checks, naming that deployment."""
    # The emulator accepts an env name with "=" (it only needs a non-empty string); the SDK
    # would never send one, so it is posted directly.
    body = {
        "buildId": "bld-42",
        "idleTimeoutEnabled": True,
        "env": [{"name": "A=B", "value": "s3cret"}],
        "roomsPerProcess": 1,
        "transportType": "udp",
        "containerPort": 7777,
        "requestedMemoryMB": 512,
        "requestedCPU": 0.5,
    }
    latest = await post_raw(world.fake, body)
    mark = len(world.fake.requests)
    result = await deployments_v3_deploy(world.core, GOOD, from_latest=True)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert "env[0].name" in result.error.message
    assert latest["deploymentId"] in result.error.message
    assert "s3cret" not in str(result.error)
    assert world.operations(mark) == ["GetLatestDeployment"]


async def test_failed_build_creates_no_deployment(world: Emulated) -> None:
    """A build that ends failed is Err(BuildFailedError) with the build; no deployment is posted."""
    result = await deployments_v3_deploy(world.core, BROKEN, SETTINGS)
    assert isinstance(result, Err)
    assert isinstance(result.error, BuildFailedError)
    assert result.error.build.status is BuildStatus.FAILED
    assert world.fake.builds[result.error.build.build_id].status == "failed"
    assert world.fake.deployments == {}
    assert "CreateDeployment" not in world.operations()


async def test_deployment_refused_by_the_service_names_the_built_build(world: Emulated) -> None:
    """A deployment the service refuses (422) is an Err naming the succeeded build, kept."""
    # The SDK sends any transport (an open enum); this service only knows tcp, udp and tls.
    settings = attrs.evolve(SETTINGS, transport_type="quic")
    result = await deployments_v3_deploy(world.core, GOOD, settings)
    assert isinstance(result, Err)
    assert isinstance(result.error, ApiError)
    assert result.error.status_code == 422
    assert "transportType" in result.error.message
    build_id = result.error.build_id
    assert build_id is not None
    assert world.fake.builds[build_id].status == "succeeded"
    assert world.fake.deployments == {}


async def test_an_unknown_app_is_refused_before_building(world: Emulated) -> None:
    """An app the service does not know is its 404 before anything is uploaded: no build."""
    result = await deployments_v3_deploy(world.core, GOOD, SETTINGS, app_id="app-gone")
    assert isinstance(result, Err)
    assert isinstance(result.error, ApiError)
    assert result.error.status_code == 404
    assert result.error.build_id is None
    assert world.fake.requests_for("CreateBuild") == []
    assert world.operations() == ["GetDeployments"]


@pytest.mark.parametrize(
    ("rule", "error", "created"),
    [
        (FaultRule.status_code(500, operation="CreateDeployment"), ApiError, False),
        (FaultRule.drop(operation="CreateDeployment", times=1), HTTPConnectionError, False),
        (FaultRule.invalid_schema(operation="CreateDeployment"), ResponseValidationError, True),
    ],
    ids=["500", "dropped", "unreadable-answer"],
)
async def test_a_failed_create_is_not_repeated_and_names_the_build(
    world: Emulated, rule: FaultRule, error: type[Exception], created: bool
) -> None:
    """A create that may have reached the service is not repeated; the Err names the build."""
    world.fake.inject(rule)
    result = await deployments_v3_deploy(world.core, GOOD, SETTINGS)
    assert isinstance(result, Err)
    assert type(result.error) is error
    assert result.error.build_id is not None
    assert world.fake.builds[result.error.build_id].status == "succeeded"
    assert len(world.sent("CreateDeployment")) == 1
    # Why the docstring says to look before retrying: only the service knows whether it applied.
    assert len(world.fake.deployments) == created


async def test_facade_deploy_returns_deployed_or_raises(world: Emulated) -> None:
    """The facade deploy returns Deployed, or raises BuildFailedError for a failed build."""
    fake = world.fake
    async with HathoraCloud(
        hathora_dev_token=fake.token, server_url=fake.url, app_id=fake.app_id
    ) as sdk:
        deployed = await sdk.deployments_v3.deploy(GOOD, SETTINGS)
        assert deployed.deployment.build_id == deployed.build.build_id
        with pytest.raises(BuildFailedError):
            await sdk.deployments_v3.deploy(BROKEN, SETTINGS)
    assert list(fake.deployments) == [deployed.deployment.deployment_id]
