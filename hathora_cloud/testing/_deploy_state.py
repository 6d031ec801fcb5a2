"""In-memory state of DeploymentsV3: apps, their deployments, and list page tokens."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Any

import attrs

from ._state import format_timestamp

DEFAULT_APP_ID = "app-fake-0001"
"""The application a :class:`FakeHathora` creates unless told otherwise."""
DEFAULT_FLEET_ID = "fleet-fake-0001"
"""The organisation's default fleet, reported when a deployment names none."""


def new_deployment_id() -> str:
    """Return a fresh server-chosen deployment id (``dep-<uuid4>``)."""
    return f"dep-{uuid.uuid4()}"


def wire_number(value: float) -> float:
    """Return ``value`` as JSON would carry it from JavaScript: ``1024.0`` becomes ``1024``."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


@attrs.frozen
class PortState:
    """One container port of a deployment (the wire's ``ContainerPort``)."""

    transport_type: str
    """``tcp``, ``udp`` or ``tls``."""
    port: int
    """The port number, 1-65535."""
    name: str
    """The port's readable name; the default port is always ``"default"``."""

    def to_json(self) -> dict[str, Any]:
        """Return the ``ContainerPort`` JSON object."""
        return {"transportType": self.transport_type, "port": self.port, "name": self.name}


@attrs.frozen
class DeploymentState:
    """The emulator's record of one deployment: a DeploymentV3 plus its place in the app."""

    deployment_id: str
    """The ``deploymentId``."""
    app_id: str
    """The app it belongs to."""
    build_id: str
    """The deployed build."""
    created_at: datetime
    """The ``createdAt`` time (UTC)."""
    created_by: str
    """The ``createdBy`` identity."""
    idle_timeout_enabled: bool
    """``idleTimeoutEnabled`` as sent."""
    env: tuple[tuple[str, str], ...]
    """``env`` entries as ``(name, value)`` pairs, in the order sent."""
    rooms_per_process: int
    """``roomsPerProcess``."""
    default_port: PortState
    """The request's ``transportType`` and ``containerPort``, named ``"default"``."""
    additional_ports: tuple[PortState, ...]
    """``additionalContainerPorts`` (empty when none were sent)."""
    requested_memory_mb: float
    """``requestedMemoryMB``."""
    requested_cpu: float
    """``requestedCPU``."""
    fleet_id: str
    """``fleetId`` as sent, else the organisation's default fleet."""
    sequence: int
    """Creation order across the emulator (newest has the highest number)."""
    build_tag: str | None = None
    """The build's ``buildTag`` at creation time, if it had one."""
    deployment_tag: str | None = None
    """``deploymentTag`` as sent."""
    requested_gpu: float | None = None
    """``requestedGPU`` as sent."""
    experimental_requested_gpu: float | None = None
    """``experimentalRequestedGPU`` as sent."""

    def to_json(self) -> dict[str, Any]:
        """Return the DeploymentV3 JSON object (optional keys only when set; never ``null``)."""
        body: dict[str, Any] = {
            "deploymentId": self.deployment_id,
            "appId": self.app_id,
            "buildId": self.build_id,
            "createdAt": format_timestamp(self.created_at),
            "createdBy": self.created_by,
            "idleTimeoutEnabled": self.idle_timeout_enabled,
            "env": [{"name": name, "value": value} for name, value in self.env],
            "roomsPerProcess": self.rooms_per_process,
            "defaultContainerPort": self.default_port.to_json(),
            "additionalContainerPorts": [port.to_json() for port in self.additional_ports],
            "requestedMemoryMB": wire_number(self.requested_memory_mb),
            "requestedCPU": wire_number(self.requested_cpu),
            "fleetId": self.fleet_id,
        }
        optional = {
            "buildTag": self.build_tag,
            "deploymentTag": self.deployment_tag,
            "requestedGPU": self.requested_gpu,
            "experimentalRequestedGPU": self.experimental_requested_gpu,
        }
        for key, value in optional.items():
            if value is not None:
                body[key] = wire_number(value) if isinstance(value, float) else value
        return body


def encode_page_token(sequence: int) -> str:
    """Return the opaque ``nextPageToken`` that resumes after deployment number ``sequence``."""
    return base64.urlsafe_b64encode(f"after:{sequence}".encode()).decode().rstrip("=")


def decode_page_token(token: str) -> int | None:
    """Return the sequence a token resumes after, or ``None`` if it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    prefix, _, number = text.partition(":")
    if prefix != "after" or not number.isascii() or not number.isdigit() or len(number) > 18:
        return None
    return int(number)
