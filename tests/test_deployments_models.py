"""The DeploymentsV3 models against FakeHathora: reading strictly but leniently, checking first.

Answers the emulator never writes (extra keys, ``NaN``, subtler type mistakes) are read in
``test_deployments_documents.py``.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator
from datetime import timezone
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hathora_cloud import Err
from hathora_cloud import _converter as converter
from hathora_cloud.errors import ApiError, ResponseValidationError, SDKValidationError
from hathora_cloud.funcs import (
    deployments_v3_create_deployment,
    deployments_v3_get_deployment,
    deployments_v3_get_deployments,
)
from hathora_cloud.models import (
    ContainerPort,
    DeploymentSettings,
    DeploymentV3,
    EnvVar,
    TransportType,
)
from hathora_cloud.testing import FaultRule

from ._deployments import CONFIG, REQUIRED_KEYS, Emulated, emulated, seed

pytestmark = pytest.mark.anyio

FULL: dict[str, Any] = {
    "additional_container_ports": (ContainerPort(transport_type="tcp", port=9000, name="admin"),),
    "requested_gpu": 1,
    "experimental_requested_gpu": 2,
    "fleet_id": "fleet-7",
    "deployment_tag": "blue",
}
"""Changes to CONFIG that make the emulator write every optional key (buildTag comes along)."""


@pytest.fixture
async def world() -> AsyncIterator[Emulated]:
    """FakeHathora with the example build, and a core on its app."""
    async with emulated() as running:
        yield running


async def fetch_broken(world: Emulated, mode: str, field: str) -> tuple[Any, dict[str, Any]]:
    """Create a full deployment, get it with ``field`` broken; return the result and intact JSON."""
    created = await seed(world.core, **FULL)
    intact = world.fake.deployments[created.deployment_id].to_json()
    world.fake.inject(FaultRule.invalid_schema(mode, operation="GetDeployment", field=field))
    return await deployments_v3_get_deployment(world.core, created.deployment_id), intact


@pytest.mark.parametrize("key", REQUIRED_KEYS)
async def test_missing_required_key_is_response_validation_error(world: Emulated, key: str) -> None:
    """A DeploymentV3 without one of its required keys is ResponseValidationError naming it."""
    result, intact = await fetch_broken(world, "missing", key)
    assert isinstance(result, Err)
    assert isinstance(result.error, ResponseValidationError)
    assert key in result.error.message
    del intact[key]
    assert result.error.raw_value == intact


@pytest.mark.parametrize("key", REQUIRED_KEYS)
async def test_null_in_required_key_is_response_validation_error(world: Emulated, key: str) -> None:
    """A null in a required key is ResponseValidationError naming it."""
    result, _ = await fetch_broken(world, "null", key)
    assert isinstance(result, Err)
    assert isinstance(result.error, ResponseValidationError)
    assert key in result.error.message


WRONG_TYPES = [
    *(key for key in REQUIRED_KEYS if key != "createdBy"),
    "env.0.name",
    "env.0.value",
    "defaultContainerPort.port",
    "defaultContainerPort.transportType",
    "additionalContainerPorts.0",
    "additionalContainerPorts.0.name",
    "requestedGPU",
]


@pytest.mark.parametrize("field", WRONG_TYPES)
async def test_wrong_json_type_is_response_validation_error(world: Emulated, field: str) -> None:
    """A value of another JSON type (a string for a number, a number for a string...) fails."""
    result, _ = await fetch_broken(world, "wrong_type", field)
    assert isinstance(result, Err)
    assert isinstance(result.error, ResponseValidationError)
    named = next(part for part in reversed(field.split(".")) if not part.isdigit())
    assert named in result.error.message


async def test_a_missing_env_value_is_response_validation_error(world: Emulated) -> None:
    """An env entry without its value fails validation (TS requires both name and value)."""
    result, _ = await fetch_broken(world, "missing", "env.0.value")
    assert isinstance(result, Err)
    assert isinstance(result.error, ResponseValidationError)
    assert "env" in result.error.message


OPTIONAL = {
    "buildTag": "build_tag",
    "requestedGPU": "requested_gpu",
    "experimentalRequestedGPU": "experimental_requested_gpu",
    "fleetId": "fleet_id",
    "deploymentTag": "deployment_tag",
}


@pytest.mark.parametrize(("key", "attribute"), OPTIONAL.items())
async def test_null_in_optional_key_reads_as_none(
    world: Emulated, key: str, attribute: str
) -> None:
    """Unlike TypeScript, a null in an optional field is read as None instead of failing."""
    result, _ = await fetch_broken(world, "null", key)
    deployment = result.unwrap()
    assert getattr(deployment, attribute) is None
    assert all(
        getattr(deployment, other) is not None for other in OPTIONAL.values() if other != attribute
    )


@pytest.mark.parametrize("transport", list(TransportType))
async def test_known_transport_types_are_enum_members(
    world: Emulated, transport: TransportType
) -> None:
    """Each transport the service knows comes back as the TransportType member, str() the wire."""
    created = await seed(world.core, transport_type=transport.value)
    got = (await deployments_v3_get_deployment(world.core, created.deployment_id)).unwrap()
    assert got.default_container_port.transport_type is transport
    assert str(got.default_container_port.transport_type) == transport.value


@pytest.mark.parametrize(
    ("mode", "field"),
    [
        ("missing", "deployments"),
        ("null", "deployments"),
        ("wrong_type", "deployments"),
        ("wrong_type", "deployments.0"),
        ("null", "deployments.0"),
    ],
)
async def test_page_shape_is_checked(world: Emulated, mode: str, field: str) -> None:
    """A page without "deployments", with a non-list there or a non-object in it, fails."""
    await seed(world.core)
    world.fake.inject(FaultRule.invalid_schema(mode, operation="GetDeployments", field=field))
    result = await deployments_v3_get_deployments(world.core)
    assert isinstance(result, Err)
    assert isinstance(result.error, ResponseValidationError)


async def test_last_page_has_no_token(world: Emulated) -> None:
    """A page without nextPageToken (the last one; TS 2.25 servers) has next_page_token None."""
    created = await seed(world.core)
    page = (await deployments_v3_get_deployments(world.core)).unwrap()
    assert page.next_page_token is None
    assert page.deployments == (created,)


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
    world: Emulated, changes: dict[str, Any], named: str
) -> None:
    """An invalid DeploymentConfigV3 value is SDKValidationError naming the field, nothing sent."""
    result = await deployments_v3_create_deployment(world.core, attrs.evolve(CONFIG, **changes))
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert named in result.error.message
    assert "x\0y" not in result.error.message
    assert world.fake.requests == []


GOOD_CONFIGS: list[dict[str, Any]] = [
    {"container_port": 1, "rooms_per_process": 10**6},
    {"container_port": 65535, "requested_memory_mb": 0.5, "requested_cpu": 0.01},
    {"requested_gpu": 0, "experimental_requested_gpu": 3.0},
    {"requested_memory_mb": 10**6},
    {"env": (EnvVar(name="EMPTY", value=""), EnvVar(name="EMPTY", value="twice"))},
    {"env": [EnvVar(name="LIST", value="ok")]},
    {"additional_container_ports": (ContainerPort(transport_type="udp", port=9, name=""),)},
]


@pytest.mark.parametrize("changes", GOOD_CONFIGS)
async def test_limits_the_service_does_not_state_are_not_invented(
    world: Emulated, changes: dict[str, Any]
) -> None:
    """Edge values the contract allows (no maximum, fractional CPU, repeated names) are created."""
    result = await deployments_v3_create_deployment(world.core, attrs.evolve(CONFIG, **changes))
    assert result.ok, result
    assert list(world.fake.deployments) == [result.value.deployment_id]


async def test_an_unknown_transport_is_left_to_the_service(world: Emulated) -> None:
    """An unknown transport is sent (an open enum); this service answers 422 naming it."""
    result = await deployments_v3_create_deployment(
        world.core, attrs.evolve(CONFIG, transport_type="quic")
    )
    assert isinstance(result, Err)
    assert isinstance(result.error, ApiError)
    assert result.error.status_code == 422
    assert "transportType" in result.error.message
    assert len(world.sent("CreateDeployment")) == 1


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
