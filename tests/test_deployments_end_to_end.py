"""End to end on FakeHathora: deploy a directory, then read it back every way the SDK offers."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import attrs
import pytest

from hathora_cloud import HathoraCloud, HathoraCloudCore
from hathora_cloud.funcs import (
    deployments_v3_deploy,
    deployments_v3_get_deployment,
    deployments_v3_get_deployments,
    deployments_v3_get_latest_deployment,
    deployments_v3_iter_deployments,
)
from hathora_cloud.models import DeploymentSettings, DeploymentV3, EnvVar, TransportType
from hathora_cloud.testing import FakeHathora

from ._deployments import CONFIG

pytestmark = pytest.mark.anyio

GAME_SERVER = Path(__file__).resolve().parent.parent / "examples" / "game-server"
SETTINGS = DeploymentSettings(
    idle_timeout_enabled=True,
    env=(EnvVar(name="MODE", value="prod"),),
    rooms_per_process=4,
    transport_type=TransportType.UDP,
    container_port=7777,
    requested_memory_mb=1024,
    requested_cpu=0.5,
)


def packed_names(archive: bytes) -> set[str]:
    """The member names of an uploaded tar.gz."""
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(archive))) as tar:
        return {name.removeprefix("./") for name in tar.getnames()}


async def read_back_four_ways(core: HathoraCloudCore, deployment_id: str) -> list[DeploymentV3]:
    """The deployment as get, latest, the first page and the full walk each give it."""
    page = (await deployments_v3_get_deployments(core)).unwrap()
    walked = [item.unwrap() async for item in deployments_v3_iter_deployments(core)]
    return [
        (await deployments_v3_get_deployment(core, deployment_id)).unwrap(),
        (await deployments_v3_get_latest_deployment(core)).unwrap(),
        page.deployments[0],
        walked[0],
    ]


async def test_deploy_a_directory_then_read_it_back() -> None:
    """A deployed directory reads back identical through the four functions and the facade."""
    async with FakeHathora(deployments_page_size=2) as fake:
        async with HathoraCloud(
            hathora_dev_token=fake.token, server_url=fake.url, app_id=fake.app_id
        ) as sdk:
            first = (
                await deployments_v3_deploy(sdk, GAME_SERVER, SETTINGS, build_tag="1")
            ).unwrap()
            second = await sdk.deployments_v3.deploy(GAME_SERVER, build_tag="2", from_latest=True)
            deployment = second.deployment
            functions = await read_back_four_ways(sdk, deployment.deployment_id)
            facade = [
                await sdk.deployments_v3.get_deployment(deployment.deployment_id),
                await sdk.deployments_v3.get_latest_deployment(),
                (await sdk.deployments_v3.get_deployments()).deployments[0],
            ]
            walked = [d async for d in sdk.deployments_v3.iter_deployments()]
            tagged = await sdk.deployments_v3.get_deployments(build_tag="1")
        assert functions == [*facade, walked[0]] == [deployment] * 4
        assert walked == [deployment, first.deployment]
        assert tagged.deployments == (first.deployment,)
        assert (deployment.app_id, deployment.build_tag) == (fake.app_id, "2")
        assert deployment.build_id == second.build.build_id != first.build.build_id
        assert fake.builds[deployment.build_id].status == "succeeded"
        assert {"Dockerfile", "server.py"} <= packed_names(
            fake.uploaded_bytes(first.build.build_id)
        )
        # from_latest took every setting of the first deployment.
        assert settings_of(deployment) == settings_of(first.deployment)


def settings_of(deployment: DeploymentV3) -> tuple[object, ...]:
    """The settings of a deployment, without what identifies it."""
    return (
        deployment.idle_timeout_enabled,
        deployment.env,
        deployment.rooms_per_process,
        deployment.default_container_port,
        deployment.additional_container_ports,
        deployment.requested_memory_mb,
        deployment.requested_cpu,
        deployment.fleet_id,
    )


async def test_iter_deployments_walks_several_emulator_pages() -> None:
    """With two per page, seven deployments come out once each, newest first, over four pages."""
    async with FakeHathora(deployments_page_size=2) as fake:
        for tag in ("a", "b", "c"):
            fake.add_build(build_id=f"bld-{tag}", build_tag=tag)
        async with HathoraCloud(
            hathora_dev_token=fake.token, server_url=fake.url, app_id=fake.app_id
        ) as sdk:
            for number in range(7):
                build_id = f"bld-{'abc'[number % 3]}"
                config = attrs.evolve(CONFIG, build_id=build_id, deployment_tag=f"d{number}")
                await sdk.deployments_v3.create_deployment(config)
            walked = [item.unwrap() async for item in deployments_v3_iter_deployments(sdk)]
            raised = [d async for d in sdk.deployments_v3.iter_deployments()]
            only_a = [d async for d in sdk.deployments_v3.iter_deployments(build_tag="a")]
        expected = fake.deployments_for()
        pages = fake.requests_for("GetDeployments")
    assert [d.deployment_id for d in walked] == [d.deployment_id for d in expected]
    assert [d.deployment_tag for d in walked] == [f"d{n}" for n in reversed(range(7))]
    assert raised == walked
    assert [d.deployment_tag for d in only_a] == ["d6", "d3", "d0"]
    assert len(pages) == 4 + 4 + 2
    assert [("nextPageToken" in p.query) for p in pages[:4]] == [False, True, True, True]
