"""Validation of a ``DeploymentConfigV3`` body, field by field.

What the contract states is checked exactly: required keys, JSON types (integers are integers,
``env`` entries are ``{name, value}`` strings), and no ``null`` anywhere. Where the API documents
nothing, the emulator's own choices are the plain sanity ranges listed in ``docs/emulator.md``
(ports 1-65535, at least one room per process, positive memory and CPU, non-negative GPUs,
transports ``tcp``/``udp``/``tls``). Unknown keys are ignored, as JSON body parsers do.
"""

from __future__ import annotations

import math
from typing import Any, TypeGuard

import attrs

from ._deploy_state import PortState

TRANSPORT_TYPES = ("tcp", "udp", "tls")
"""The transports the emulator accepts (the SDK's open enum sends any string)."""
_REQUIRED = (
    "buildId",
    "idleTimeoutEnabled",
    "env",
    "roomsPerProcess",
    "transportType",
    "containerPort",
    "requestedMemoryMB",
    "requestedCPU",
)
_OPTIONAL = (
    "additionalContainerPorts",
    "requestedGPU",
    "experimentalRequestedGPU",
    "fleetId",
    "deploymentTag",
)


@attrs.frozen
class DeploymentRequest:
    """A validated createDeployment body."""

    build_id: str
    idle_timeout_enabled: bool
    env: tuple[tuple[str, str], ...]
    rooms_per_process: int
    default_port: PortState
    requested_memory_mb: float
    requested_cpu: float
    additional_ports: tuple[PortState, ...] = ()
    requested_gpu: float | None = None
    experimental_requested_gpu: float | None = None
    fleet_id: str | None = None
    deployment_tag: str | None = None


def _is_number(value: object) -> TypeGuard[float]:
    """Whether ``value`` is a finite JSON number (``true`` is not a number)."""
    is_numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    return is_numeric and math.isfinite(value)  # type: ignore[arg-type]


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Checker:
    """Collects every problem of one body, so that a single 422 lists them all."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, key: str, expected: str, value: object) -> None:
        self.problems.append(f"{key} must be {expected}, got {_show(value)}")

    def string(self, key: str, value: object, *, non_empty: bool = False) -> str:
        if not isinstance(value, str) or (non_empty and not value):
            self.fail(key, "a non-empty string" if non_empty else "a string", value)
            return ""
        return value

    def boolean(self, key: str, value: object) -> bool:
        if not isinstance(value, bool):
            self.fail(key, "a boolean", value)
            return False
        return value

    def integer(self, key: str, value: object, low: int, high: int | None = None) -> int:
        # An integral float (2.0) is an integer on the wire: JavaScript cannot tell them apart.
        top = math.inf if high is None else high
        if _is_number(value) and float(value).is_integer() and low <= value <= top:
            return int(value)
        limits = f"from {low} to {high}" if high is not None else f"at least {low}"
        self.fail(key, f"an integer {limits}", value)
        return low

    def number(self, key: str, value: object, *, allow_zero: bool) -> float:
        if _is_number(value) and (value > 0 or (allow_zero and value == 0)):
            return value
        self.fail(key, "a non-negative number" if allow_zero else "a positive number", value)
        return 0.0

    def port(self, key: str, value: object) -> PortState:
        if not isinstance(value, dict):
            self.fail(key, "an object {transportType, port, name}", value)
            return PortState("tcp", 1, "")
        for field in ("transportType", "port", "name"):
            if value.get(field) is None:
                self.problems.append(f"{key}.{field} is required and must not be null")
        return PortState(
            transport_type=self.transport(f"{key}.transportType", value.get("transportType")),
            port=self.integer(f"{key}.port", value.get("port"), 1, 65535),
            name=self.string(f"{key}.name", value.get("name")),
        )

    def transport(self, key: str, value: object) -> str:
        if value not in TRANSPORT_TYPES:
            self.fail(key, "one of tcp, udp, tls", value)
            return "tcp"
        return str(value)

    def env(self, value: object) -> tuple[tuple[str, str], ...]:
        if not isinstance(value, list):
            self.fail("env", "an array of {name, value}", value)
            return ()
        entries = []
        for index, entry in enumerate(value):
            if not isinstance(entry, dict):
                self.fail(f"env[{index}]", "an object {name, value}", entry)
                continue
            name = self.string(f"env[{index}].name", entry.get("name"), non_empty=True)
            text = self.string(f"env[{index}].value", entry.get("value"))
            entries.append((name, text))
        return tuple(entries)

    def ports(self, value: object) -> tuple[PortState, ...]:
        if not isinstance(value, list):
            self.fail("additionalContainerPorts", "an array of ContainerPort", value)
            return ()
        return tuple(
            self.port(f"additionalContainerPorts[{index}]", item)
            for index, item in enumerate(value)
        )


def parse_deployment_config(body: dict[str, Any]) -> DeploymentRequest | str:
    """Validate a createDeployment body.

    Returns:
        The request, or one message naming every problem (for a 422).
    """
    check = _Checker()
    for key in _REQUIRED:
        if key not in body:
            check.problems.append(f"{key} is required")
    for key in (*_REQUIRED, *_OPTIONAL):
        if key in body and body[key] is None:
            check.problems.append(f"{key} must not be null")
    if check.problems:
        return "; ".join(check.problems)
    request = DeploymentRequest(
        build_id=check.string("buildId", body["buildId"], non_empty=True),
        idle_timeout_enabled=check.boolean("idleTimeoutEnabled", body["idleTimeoutEnabled"]),
        env=check.env(body["env"]),
        rooms_per_process=check.integer("roomsPerProcess", body["roomsPerProcess"], 1),
        default_port=PortState(
            transport_type=check.transport("transportType", body["transportType"]),
            port=check.integer("containerPort", body["containerPort"], 1, 65535),
            name="default",
        ),
        requested_memory_mb=check.number(
            "requestedMemoryMB", body["requestedMemoryMB"], allow_zero=False
        ),
        requested_cpu=check.number("requestedCPU", body["requestedCPU"], allow_zero=False),
        additional_ports=check.ports(body.get("additionalContainerPorts", [])),
        requested_gpu=_optional_number(check, "requestedGPU", body.get("requestedGPU")),
        experimental_requested_gpu=_optional_number(
            check, "experimentalRequestedGPU", body.get("experimentalRequestedGPU")
        ),
        fleet_id=_optional_string(check, "fleetId", body, non_empty=True),
        deployment_tag=_optional_string(check, "deploymentTag", body, non_empty=False),
    )
    return "; ".join(check.problems) if check.problems else request


def _optional_number(check: _Checker, key: str, value: object) -> float | None:
    return None if value is None else check.number(key, value, allow_zero=True)


def _optional_string(
    check: _Checker, key: str, body: dict[str, Any], *, non_empty: bool
) -> str | None:
    return None if key not in body else check.string(key, body[key], non_empty=non_empty)
