"""Reading DeploymentsV3 answers that FakeHathora never writes, served by a recording server.

The emulator writes exact, canonical JSON (integers as integers, known transports, no extra
keys), and its schema faults only remove a field, null it or swap its JSON type. The contract's
own example with unknown keys, subtler type mistakes, ``NaN``, unknown transports and integral
floats are served here as literal documents.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any

import pytest

from hathora_cloud import Err, HathoraCloudCore
from hathora_cloud.errors import ResponseValidationError
from hathora_cloud.funcs import deployments_v3_get_deployment, deployments_v3_get_deployments
from hathora_cloud.models import ContainerPort, DeploymentV3, EnvVar, TransportType

from ._deployments import deployment_json
from ._server import RecordingServer, respond, serve

pytestmark = pytest.mark.anyio


@pytest.fixture
async def server() -> AsyncIterator[RecordingServer]:
    """A recording server; each test sets its answer."""
    async with serve() as running:
        yield running


@pytest.fixture
async def core(server: RecordingServer) -> AsyncIterator[HathoraCloudCore]:
    """A core with a token and an app id, pointed at the recording server."""
    async with HathoraCloudCore(
        hathora_dev_token="t", server_url=server.url, app_id="app-1"
    ) as made:
        yield made


async def fetch(server: RecordingServer, core: HathoraCloudCore, document: Any) -> Any:
    """Serve ``document`` to get_deployment and return the result."""
    server.handler = respond(200, json=document)
    return await deployments_v3_get_deployment(core, "dep-1")


async def test_the_contract_example_is_read_and_unknown_keys_ignored(
    server: RecordingServer, core: HathoraCloudCore
) -> None:
    """The contract's example reads field by field (MB/CPU/GPU wire names); extra keys ignored."""
    document = deployment_json(
        requestedGPU=1,
        experimentalRequestedGPU=2.0,
        deploymentTag="blue",
        requestedCPU=0.5,
        planName="tiny",
        somethingNew={"x": 1},
    )
    deployment = (await fetch(server, core, document)).unwrap()
    assert deployment == DeploymentV3(
        deployment_id="dep-9f1e",
        app_id="app-1b2c",
        build_id="bld-42",
        build_tag="1.4.0",
        created_at=datetime(2025, 11, 20, 9, 12, 44, 101000, tzinfo=timezone.utc),
        created_by="ci@example.com",
        idle_timeout_enabled=True,
        env=(EnvVar(name="MODE", value="prod"),),
        rooms_per_process=2,
        default_container_port=ContainerPort(transport_type="udp", port=7777, name="default"),
        additional_container_ports=(ContainerPort(transport_type="tcp", port=9000, name="admin"),),
        requested_memory_mb=2048,
        requested_cpu=0.5,
        requested_gpu=1,
        experimental_requested_gpu=2,
        fleet_id="fleet-7",
        deployment_tag="blue",
    )
    assert type(deployment.requested_memory_mb) is float


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"roomsPerProcess": 1.5}, "roomsPerProcess"),
        ({"requestedCPU": True}, "requestedCPU"),
        ({"idleTimeoutEnabled": 1}, "idleTimeoutEnabled"),
        ({"defaultContainerPort": {"transportType": "udp", "port": 1.5, "name": "d"}}, "port"),
        ({"createdAt": "2025-11-20T09:12:44"}, "createdAt"),
    ],
)
async def test_subtle_wrong_types_are_response_validation_errors(
    server: RecordingServer, core: HathoraCloudCore, changes: dict[str, Any], where: str
) -> None:
    """A fractional integer, a bool for a number or vice versa, a naive time fails, naming where."""
    result = await fetch(server, core, deployment_json(**changes))
    assert isinstance(result, Err)
    assert isinstance(result.error, ResponseValidationError)
    assert where in result.error.message


async def test_non_finite_numbers_are_refused(
    server: RecordingServer, core: HathoraCloudCore
) -> None:
    """NaN or Infinity (which Python's JSON parser accepts) is not a valid memory size."""
    server.handler = respond(
        200,
        body=json.dumps(deployment_json(requestedMemoryMB=math.nan)),
        content_type="application/json",
    )
    result = await deployments_v3_get_deployment(core, "dep-1")
    assert isinstance(result, Err)
    assert isinstance(result.error, ResponseValidationError)
    assert "requestedMemoryMB" in result.error.message


async def test_an_unknown_transport_type_stays_a_string(
    server: RecordingServer, core: HathoraCloudCore
) -> None:
    """A transport type this SDK does not know is kept as the plain string, not an error."""
    port = {"transportType": "quic", "port": 1, "name": "default"}
    deployment = (await fetch(server, core, deployment_json(defaultContainerPort=port))).unwrap()
    assert deployment.default_container_port.transport_type == "quic"
    assert type(deployment.default_container_port.transport_type) is str
    assert deployment.default_container_port.transport_type not in set(TransportType)


async def test_integral_float_integers_are_read(
    server: RecordingServer, core: HathoraCloudCore
) -> None:
    """An integer field sent as 2.0 is read as the int 2, as BuildV3's sizes are."""
    deployment = (await fetch(server, core, deployment_json(roomsPerProcess=2.0))).unwrap()
    assert deployment.rooms_per_process == 2
    assert type(deployment.rooms_per_process) is int


async def test_a_bare_array_is_not_a_page(server: RecordingServer, core: HathoraCloudCore) -> None:
    """A list answer that is a bare array of deployments fails validation."""
    server.handler = respond(200, json=[deployment_json()])
    result = await deployments_v3_get_deployments(core)
    assert isinstance(result, Err)
    assert isinstance(result.error, ResponseValidationError)
