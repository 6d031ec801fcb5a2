"""The one-call deploy: check everything first, inherit with from_latest, build, then deploy.

FakeHathora serves the builds; the deployment operations of the same core are sent to the
in-memory deployments server by a hook (see ``tests/_deployments_server.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest

from hathora_cloud import Err, HathoraCloud, HathoraCloudCore, Ok
from hathora_cloud.errors import ApiError, BuildFailedError, SDKValidationError
from hathora_cloud.funcs import deployments_v3_deploy
from hathora_cloud.models import (
    BuildStatus,
    ContainerPort,
    Deployed,
    DeploymentSettings,
    EnvVar,
    TransportType,
)
from hathora_cloud.testing import FakeHathora, make_tarball

from ._deployments_server import DeploymentsServer, RedirectDeployments, serve_deployments

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


@attrs.frozen
class World:
    """The emulator, the deployments server and a core wired to both."""

    fake: FakeHathora
    deployments: DeploymentsServer
    hooks: RedirectDeployments
    core: HathoraCloudCore

    @property
    def build_requests(self) -> list[Any]:
        """Every request FakeHathora received."""
        return list(self.fake.requests)


@pytest.fixture
async def world(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    """FakeHathora plus the deployments server; the core's app is app-1."""
    monkeypatch.delenv("HATHORA_APP_ID", raising=False)
    async with (
        FakeHathora() as fake,
        serve_deployments(fake.token) as deployments,
    ):
        hooks = RedirectDeployments(deployments.url)
        core = HathoraCloudCore(
            hathora_dev_token=fake.token, server_url=fake.url, app_id="app-1", hooks=hooks
        )
        async with core:
            yield World(fake, deployments, hooks, core)


async def test_deploy_builds_then_creates_the_deployment(world: World) -> None:
    """deploy uploads and runs the build, then posts the deployment of that build: Ok(Deployed)."""
    lines: list[str] = []
    result = await deployments_v3_deploy(
        world.core, GOOD, SETTINGS, build_tag="1.4.0", on_log_line=lines.append
    )
    assert isinstance(result, Ok), result
    deployed = result.value
    assert isinstance(deployed, Deployed)
    assert deployed.build.status is BuildStatus.SUCCEEDED
    assert deployed.build.build_tag == "1.4.0"
    assert deployed.deployment.build_id == deployed.build.build_id
    assert deployed.deployment.app_id == "app-1"
    assert lines
    (body,) = world.deployments.created
    assert body == {
        "buildId": deployed.build.build_id,
        "idleTimeoutEnabled": True,
        "env": [{"name": "MODE", "value": "prod"}],
        "roomsPerProcess": 4,
        "transportType": "udp",
        "containerPort": 7777,
        "requestedMemoryMB": 1024,
        "requestedCPU": 0.5,
    }
    assert world.hooks.operations[0] == "CreateBuild"
    assert world.hooks.operations[-1] == "CreateDeployment"
    assert "GetLatestDeployment" not in world.hooks.operations


@pytest.mark.parametrize(
    "missing", ["idle_timeout_enabled", "env", "container_port", "requested_cpu"]
)
async def test_missing_setting_is_refused_before_upload(world: World, missing: str) -> None:
    """A required setting neither given nor inherited is SDKValidationError naming it, no upload."""
    settings = attrs.evolve(SETTINGS, **{missing: None})
    result = await deployments_v3_deploy(world.core, GOOD, settings)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert missing in result.error.message
    assert "from_latest" in result.error.message
    assert world.build_requests == []
    assert world.deployments.requests == []


async def test_no_settings_without_from_latest_names_every_field(world: World) -> None:
    """deploy with no settings at all names every required field and sends nothing."""
    result = await deployments_v3_deploy(world.core, GOOD)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    for name in ("idle_timeout_enabled", "rooms_per_process", "transport_type", "requested_cpu"):
        assert name in result.error.message
    assert world.build_requests == []


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
    world: World, changes: dict[str, Any], named: str
) -> None:
    """An invalid setting is SDKValidationError before from_latest's read and before the upload."""
    settings = attrs.evolve(SETTINGS, **changes)
    result = await deployments_v3_deploy(world.core, GOOD, settings, from_latest=True)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert named in result.error.message
    assert "s3cret" not in str(result.error)
    assert world.build_requests == []
    assert world.deployments.requests == []


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
    world: World, kwargs: dict[str, Any], named: str
) -> None:
    """A bad argument of deploy itself is SDKValidationError naming it; nothing is sent."""
    result = await deployments_v3_deploy(world.core, GOOD, SETTINGS, **kwargs)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert named in result.error.message
    assert world.build_requests == []
    assert world.deployments.requests == []


async def test_settings_of_the_wrong_type_are_refused(world: World) -> None:
    """settings must be a DeploymentSettings (a DeploymentConfigV3 is refused), nothing sent."""
    result = await deployments_v3_deploy(world.core, GOOD, {"rooms_per_process": 1})  # type: ignore[arg-type]
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert "settings" in result.error.message
    assert world.build_requests == []


async def test_no_app_id_is_refused_before_upload(world: World) -> None:
    """A core without app_id and no per-call app_id: SDKValidationError, nothing uploaded."""
    async with HathoraCloudCore(hathora_dev_token="t", server_url=world.fake.url) as core:
        result = await deployments_v3_deploy(core, GOOD, SETTINGS)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert "HATHORA_APP_ID" in result.error.message
    assert world.build_requests == []


async def test_per_call_app_id_wins(world: World) -> None:
    """deploy(app_id=...) deploys to that app, not the core's."""
    result = await deployments_v3_deploy(world.core, GOOD, SETTINGS, app_id="app/2")
    assert result.unwrap().deployment.app_id == "app/2"
    assert world.deployments.requests[-1] == ("POST", "/deployments/v3/apps/app%2F2/deployments")


def _seed_latest(deployments: DeploymentsServer) -> dict[str, Any]:
    return deployments.add(
        "app-1",
        buildId="bld-old",
        idleTimeoutEnabled=True,
        env=[{"name": "OLD", "value": "1"}],
        roomsPerProcess=3,
        defaultContainerPort={"transportType": "tls", "port": 4000, "name": "default"},
        additionalContainerPorts=[{"transportType": "tcp", "port": 9000, "name": "admin"}],
        requestedMemoryMB=2048,
        requestedCPU=1.5,
        requestedGPU=1,
        experimentalRequestedGPU=2,
        fleetId="fleet-7",
        deploymentTag="old-tag",
    )


async def test_from_latest_fills_only_what_was_not_given(world: World) -> None:
    """from_latest fills what is missing; explicit False, () and 0 stay; tag and build are not."""
    _seed_latest(world.deployments)
    settings = DeploymentSettings(
        idle_timeout_enabled=False,
        env=(),
        additional_container_ports=(),
        requested_gpu=0,
        container_port=5000,
    )
    result = await deployments_v3_deploy(world.core, GOOD, settings, from_latest=True)
    deployed = result.unwrap()
    (body,) = world.deployments.created
    assert body == {
        "buildId": deployed.build.build_id,
        "idleTimeoutEnabled": False,
        "env": [],
        "roomsPerProcess": 3,
        "transportType": "tls",
        "containerPort": 5000,
        "requestedMemoryMB": 2048,
        "requestedCPU": 1.5,
        "additionalContainerPorts": [],
        "requestedGPU": 0,
        "experimentalRequestedGPU": 2,
        "fleetId": "fleet-7",
    }
    assert deployed.build.build_id != "bld-old"


async def test_from_latest_with_no_settings_copies_everything_inheritable(world: World) -> None:
    """With from_latest and no settings, every field but build and tag comes from the latest."""
    _seed_latest(world.deployments)
    deployed = (
        await deployments_v3_deploy(world.core, GOOD, from_latest=True, build_tag="2.0")
    ).unwrap()
    (body,) = world.deployments.created
    assert body["env"] == [{"name": "OLD", "value": "1"}]
    assert body["additionalContainerPorts"] == [
        {"transportType": "tcp", "port": 9000, "name": "admin"}
    ]
    assert (body["transportType"], body["containerPort"]) == ("tls", 4000)
    assert "deploymentTag" not in body
    assert deployed.deployment.default_container_port == ContainerPort(
        transport_type=TransportType.TLS, port=4000, name="default"
    )


async def test_from_latest_reads_the_latest_before_building(world: World) -> None:
    """The latest deployment is read first, before any build request."""
    _seed_latest(world.deployments)
    assert (await deployments_v3_deploy(world.core, GOOD, SETTINGS, from_latest=True)).ok
    assert world.hooks.operations[0] == "GetLatestDeployment"
    assert world.hooks.operations[1] == "CreateBuild"


async def test_from_latest_failure_is_the_err_and_nothing_is_built(world: World) -> None:
    """An app without deployments: from_latest returns the 404 ApiError, nothing is uploaded."""
    result = await deployments_v3_deploy(world.core, GOOD, SETTINGS, from_latest=True)
    assert isinstance(result, Err)
    assert isinstance(result.error, ApiError)
    assert result.error.status_code == 404
    assert result.error.build_id is None
    assert world.build_requests == []


async def test_inherited_value_that_is_invalid_is_refused_before_upload(world: World) -> None:
    """A value inherited from the latest deployment gets the same checks, naming that deployment."""
    latest = world.deployments.add(
        "app-1", defaultContainerPort={"transportType": "udp", "port": 0, "name": "default"}
    )
    settings = attrs.evolve(SETTINGS, container_port=None)
    result = await deployments_v3_deploy(world.core, GOOD, settings, from_latest=True)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert "container_port" in result.error.message
    assert latest["deploymentId"] in result.error.message
    assert world.build_requests == []


async def test_failed_build_creates_no_deployment(world: World) -> None:
    """A build that ends failed is Err(BuildFailedError) with the build; no deployment is posted."""
    result = await deployments_v3_deploy(world.core, BROKEN, SETTINGS)
    assert isinstance(result, Err)
    assert isinstance(result.error, BuildFailedError)
    assert result.error.build.status is BuildStatus.FAILED
    assert world.deployments.created == []
    assert "CreateDeployment" not in world.hooks.operations


async def test_deployment_failure_names_the_built_build(world: World) -> None:
    """If creating the deployment fails, the Err carries the succeeded build's id; it is kept."""
    world.deployments.create_error = (422, {"message": "fleet is full"})
    result = await deployments_v3_deploy(world.core, GOOD, SETTINGS)
    assert isinstance(result, Err)
    assert isinstance(result.error, ApiError)
    assert result.error.message == "fleet is full"
    build_id = result.error.build_id
    assert build_id is not None
    assert world.fake.builds[build_id].status == "succeeded"
    assert world.deployments.created[0]["buildId"] == build_id


async def test_deployment_create_is_not_retried_on_500(world: World) -> None:
    """A 500 from the deployment create is not repeated by the default policy: one POST."""
    world.deployments.create_error = (500, {"message": "internal"})
    result = await deployments_v3_deploy(world.core, GOOD, SETTINGS)
    assert isinstance(result, Err)
    assert isinstance(result.error, ApiError)
    assert len(world.deployments.created) == 1


async def test_facade_deploy_returns_deployed_or_raises(world: World) -> None:
    """The facade deploy returns Deployed, or raises BuildFailedError for a failed build."""
    async with HathoraCloud(
        hathora_dev_token=world.fake.token,
        server_url=world.fake.url,
        app_id="app-1",
        hooks=world.hooks,
    ) as sdk:
        deployed = await sdk.deployments_v3.deploy(GOOD, SETTINGS)
        assert deployed.deployment.build_id == deployed.build.build_id
        with pytest.raises(BuildFailedError):
            await sdk.deployments_v3.deploy(BROKEN, SETTINGS)
    assert len(world.deployments.created) == 1
