"""The DeploymentsV3 models: reading responses strictly but leniently, checking requests first."""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hathora_cloud import Err, HathoraCloudCore
from hathora_cloud import _converter as converter
from hathora_cloud.errors import ResponseValidationError, SDKValidationError
from hathora_cloud.funcs import (
    deployments_v3_create_deployment,
    deployments_v3_get_deployment,
    deployments_v3_get_deployments,
)
from hathora_cloud.models import (
    ContainerPort,
    DeploymentConfigV3,
    DeploymentSettings,
    DeploymentV3,
    EnvVar,
    TransportType,
)

from ._deployments_server import REQUIRED_KEYS, deployment_json
from ._server import RecordingServer, respond, serve

pytestmark = pytest.mark.anyio

CONFIG = DeploymentConfigV3(
    build_id="bld-1",
    idle_timeout_enabled=False,
    env=(),
    rooms_per_process=1,
    transport_type="tcp",
    container_port=7777,
    requested_memory_mb=512,
    requested_cpu=0.25,
)


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


@pytest.mark.parametrize("key", REQUIRED_KEYS)
async def test_missing_required_key_is_response_validation_error(
    server: RecordingServer, core: HathoraCloudCore, key: str
) -> None:
    """A DeploymentV3 without one of its required keys is ResponseValidationError naming it."""
    document = deployment_json()
    del document[key]
    result = await fetch(server, core, document)
    assert isinstance(result, Err)
    assert isinstance(result.error, ResponseValidationError)
    assert key in result.error.message
    assert result.error.raw_value == document


@pytest.mark.parametrize("key", REQUIRED_KEYS)
async def test_null_in_required_key_is_response_validation_error(
    server: RecordingServer, core: HathoraCloudCore, key: str
) -> None:
    """A null in a required key is ResponseValidationError."""
    result = await fetch(server, core, deployment_json(**{key: None}))
    assert isinstance(result, Err)
    assert isinstance(result.error, ResponseValidationError)


OPTIONAL = {
    "buildTag": "build_tag",
    "requestedGPU": "requested_gpu",
    "experimentalRequestedGPU": "experimental_requested_gpu",
    "fleetId": "fleet_id",
    "deploymentTag": "deployment_tag",
}


@pytest.mark.parametrize(("key", "attribute"), OPTIONAL.items())
async def test_null_in_optional_key_reads_as_none(
    server: RecordingServer, core: HathoraCloudCore, key: str, attribute: str
) -> None:
    """Unlike TypeScript, a null in an optional field is read as None instead of failing."""
    document = deployment_json(**{k: 1 if "GPU" in k else "x" for k in OPTIONAL})
    deployment = (await fetch(server, core, {**document, key: None})).unwrap()
    assert getattr(deployment, attribute) is None
    assert all(
        getattr(deployment, other) is not None for other in OPTIONAL.values() if other != attribute
    )


async def test_every_field_is_read(server: RecordingServer, core: HathoraCloudCore) -> None:
    """Every field of the contract is read, MB/CPU/GPU wire names included; extra keys ignored."""
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
        ({"roomsPerProcess": "2"}, "roomsPerProcess"),
        ({"requestedCPU": True}, "requestedCPU"),
        ({"requestedMemoryMB": "2048"}, "requestedMemoryMB"),
        ({"idleTimeoutEnabled": "true"}, "idleTimeoutEnabled"),
        ({"idleTimeoutEnabled": 1}, "idleTimeoutEnabled"),
        ({"env": [{"name": "A"}]}, "env"),
        ({"defaultContainerPort": {"transportType": 5, "port": 1, "name": "d"}}, "transportType"),
        ({"defaultContainerPort": {"transportType": "udp", "port": 1.5, "name": "d"}}, "port"),
        ({"createdAt": "2025-11-20T09:12:44"}, "createdAt"),
    ],
)
async def test_wrong_types_are_response_validation_errors(
    server: RecordingServer, core: HathoraCloudCore, changes: dict[str, Any], where: str
) -> None:
    """A value of the wrong type (int vs float, bool vs string, naive time) fails, naming where."""
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


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("tcp", TransportType.TCP),
        ("udp", TransportType.UDP),
        ("tls", TransportType.TLS),
        ("quic", "quic"),
    ],
)
async def test_transport_type_is_an_open_enum(
    server: RecordingServer, core: HathoraCloudCore, wire: str, expected: TransportType | str
) -> None:
    """Known transport types become TransportType members; an unknown one stays a plain string."""
    port = {"transportType": wire, "port": 1, "name": "default"}
    deployment = (await fetch(server, core, deployment_json(defaultContainerPort=port))).unwrap()
    assert deployment.default_container_port.transport_type == expected
    assert type(deployment.default_container_port.transport_type) is type(expected)
    assert str(deployment.default_container_port.transport_type) == wire


async def test_integral_float_integers_are_read(
    server: RecordingServer, core: HathoraCloudCore
) -> None:
    """An integer field sent as 2.0 is read as the int 2, as BuildV3's sizes are."""
    deployment = (await fetch(server, core, deployment_json(roomsPerProcess=2.0))).unwrap()
    assert deployment.rooms_per_process == 2
    assert type(deployment.rooms_per_process) is int


@pytest.mark.parametrize(
    "document", [[deployment_json()], {"items": []}, {"deployments": None}, {"deployments": [1]}]
)
async def test_page_shape_is_checked(
    server: RecordingServer, core: HathoraCloudCore, document: Any
) -> None:
    """A page that is a bare array, lacks "deployments" or holds non-objects fails validation."""
    server.handler = respond(200, json=document)
    result = await deployments_v3_get_deployments(core)
    assert isinstance(result, Err)
    assert isinstance(result.error, ResponseValidationError)


async def test_page_token_is_optional(server: RecordingServer, core: HathoraCloudCore) -> None:
    """A page without nextPageToken (TS 2.25 servers) has next_page_token None."""
    server.handler = respond(200, json={"deployments": [deployment_json()]})
    page = (await deployments_v3_get_deployments(core)).unwrap()
    assert page.next_page_token is None
    assert [d.deployment_id for d in page.deployments] == ["dep-9f1e"]


def test_env_values_are_hidden_from_repr() -> None:
    """EnvVar, and every model holding one, never shows the value in repr."""
    secret = "s3cr3t-value"
    config = attrs.evolve(CONFIG, env=(EnvVar(name="API_KEY", value=secret),))
    settings_ = DeploymentSettings(env=(EnvVar(name="API_KEY", value=secret),))
    for shown in (repr(config.env[0]), repr(config), repr(settings_)):
        assert "API_KEY" in shown
        assert secret not in shown


BAD_CONFIGS: list[tuple[dict[str, Any], str]] = [
    ({"build_id": ""}, "build_id"),
    ({"build_id": None}, "build_id is required"),
    ({"idle_timeout_enabled": 1}, "idle_timeout_enabled"),
    ({"idle_timeout_enabled": None}, "idle_timeout_enabled is required"),
    ({"rooms_per_process": 0}, "rooms_per_process"),
    ({"rooms_per_process": 2.0}, "rooms_per_process"),
    ({"rooms_per_process": True}, "rooms_per_process"),
    ({"transport_type": ""}, "transport_type"),
    ({"transport_type": 6}, "transport_type"),
    ({"container_port": 0}, "container_port"),
    ({"container_port": 65536}, "container_port"),
    ({"container_port": "7777"}, "container_port"),
    ({"requested_memory_mb": 0}, "requested_memory_mb"),
    ({"requested_memory_mb": -512}, "requested_memory_mb"),
    ({"requested_memory_mb": math.inf}, "requested_memory_mb"),
    ({"requested_cpu": math.nan}, "requested_cpu"),
    ({"requested_cpu": "1"}, "requested_cpu"),
    ({"requested_cpu": False}, "requested_cpu"),
    ({"requested_gpu": -1}, "requested_gpu"),
    ({"requested_gpu": 0.5}, "requested_gpu"),
    ({"experimental_requested_gpu": math.inf}, "experimental_requested_gpu"),
    ({"env": [("A", "b")]}, "env[0]"),
    ({"env": "A=b"}, "env"),
    ({"env": (EnvVar(name="", value="x"),)}, "env[0].name"),
    ({"env": (EnvVar(name="A=B", value="x"),)}, "env[0].name"),
    ({"env": (EnvVar(name="A", value="x\0y"),)}, "env[0].value"),
    ({"env": (EnvVar(name="A\udc00", value="x"),)}, "env[0].name"),
    (
        {"additional_container_ports": (ContainerPort(transport_type="tcp", port=0, name="a"),)},
        "additional_container_ports[0].port",
    ),
    (
        {"additional_container_ports": (ContainerPort(transport_type="", port=1, name="a"),)},
        "additional_container_ports[0].transport_type",
    ),
    ({"additional_container_ports": (5,)}, "additional_container_ports[0]"),
    ({"fleet_id": ""}, "fleet_id"),
    ({"deployment_tag": ""}, "deployment_tag"),
]


@pytest.mark.parametrize(("changes", "named"), BAD_CONFIGS)
async def test_bad_config_is_refused_before_sending(
    server: RecordingServer, core: HathoraCloudCore, changes: dict[str, Any], named: str
) -> None:
    """An invalid DeploymentConfigV3 value is SDKValidationError naming the field, nothing sent."""
    result = await deployments_v3_create_deployment(core, attrs.evolve(CONFIG, **changes))
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert named in result.error.message
    assert "x\0y" not in result.error.message
    assert server.requests == []


GOOD_CONFIGS: list[dict[str, Any]] = [
    {"container_port": 1, "rooms_per_process": 10**6},
    {"container_port": 65535, "requested_memory_mb": 0.5, "requested_cpu": 0.01},
    {"requested_gpu": 0, "experimental_requested_gpu": 3.0},
    {"transport_type": "quic", "requested_memory_mb": 10**6},
    {"env": (EnvVar(name="EMPTY", value=""), EnvVar(name="EMPTY", value="twice"))},
    {"env": [EnvVar(name="LIST", value="ok")]},
    {"additional_container_ports": (ContainerPort(transport_type="udp", port=9, name=""),)},
]


@pytest.mark.parametrize("changes", GOOD_CONFIGS)
async def test_limits_the_service_does_not_state_are_not_invented(
    server: RecordingServer, core: HathoraCloudCore, changes: dict[str, Any]
) -> None:
    """Edge values the contract allows (no maximum, fractional CPU, unknown transport) are sent."""
    server.handler = respond(201, json=deployment_json())
    result = await deployments_v3_create_deployment(core, attrs.evolve(CONFIG, **changes))
    assert result.ok, result
    assert len(server.requests) == 1


def test_settings_problems_check_only_given_fields() -> None:
    """DeploymentSettings() has no problem; a given bad value has one, named."""
    assert DeploymentSettings().problems() is None
    assert (
        DeploymentSettings(idle_timeout_enabled=False, env=(), requested_gpu=0).problems() is None
    )
    problem = DeploymentSettings(container_port=70000).problems()
    assert problem is not None
    assert "container_port" in problem


finite = st.floats(min_value=0.01, max_value=1e9, allow_nan=False, allow_infinity=False)
ports = st.builds(
    ContainerPort,
    transport_type=st.sampled_from(TransportType) | st.text(min_size=1, max_size=8),
    port=st.integers(1, 65535),
    name=st.text(max_size=10),
)
deployments = st.builds(
    DeploymentV3,
    deployment_id=st.text(max_size=20),
    app_id=st.text(max_size=20),
    build_id=st.text(max_size=20),
    created_at=st.datetimes(timezones=st.just(timezone.utc)),
    created_by=st.text(max_size=20),
    idle_timeout_enabled=st.booleans(),
    env=st.lists(st.builds(EnvVar, name=st.text(max_size=8), value=st.text(max_size=8))).map(tuple),
    rooms_per_process=st.integers(1, 10**6),
    default_container_port=ports,
    additional_container_ports=st.lists(ports, max_size=3).map(tuple),
    requested_memory_mb=finite,
    requested_cpu=finite,
    build_tag=st.none() | st.text(max_size=8),
    requested_gpu=st.none() | st.integers(0, 8).map(float),
    experimental_requested_gpu=st.none() | finite,
    fleet_id=st.none() | st.text(max_size=8),
    deployment_tag=st.none() | st.text(max_size=8),
)


@settings(max_examples=60)
@given(deployments)
def test_deployment_round_trips_through_json(deployment: DeploymentV3) -> None:
    """Any DeploymentV3 survives unstructure -> JSON text -> structure unchanged."""
    wire = json.loads(json.dumps(converter.unstructure(deployment)))
    assert "requestedMemoryMB" in wire
    assert converter.structure(wire, DeploymentV3) == deployment
