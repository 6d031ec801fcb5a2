"""Models of the DeploymentsV3 API group: what the four operations send and receive, and deploy's.

A deployment maps one build to one application with the runtime settings its processes get.
Requests use a flat default port (``transport_type`` + ``container_port``); responses carry it as
``default_container_port``. Memory, CPU and GPU are numbers that may be fractional; an integral
one is sent as a JSON integer (``1024.0`` as ``1024``).

Checks before sending (``problems()``) hold only what the service documents or what cannot work
anywhere: integers where the schema says integer, ports 1-65535, at least one room per process,
positive finite memory and CPU, whole non-negative GPU counts, environment names a process
environment can hold. The service states no upper limits (they depend on the plan: memory is
capped at 8192 MB by default), so none is invented here; it answers 400/422 itself.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import attrs

from .builds_v3 import BuildV3

__all__ = (
    "ContainerPort",
    "Deployed",
    "DeploymentConfigV3",
    "DeploymentSettings",
    "DeploymentV3",
    "DeploymentsV3Page",
    "EnvVar",
    "TransportType",
)


def _wire(name: str) -> dict[str, str]:
    # The converter reads "wire" as the JSON key: MB/CPU/GPU are upper-case on the wire, which
    # the generic snake_case -> camelCase rule cannot produce.
    return {"wire": name}


class TransportType(str, enum.Enum):
    """The known port protocols; a port's ``transport_type`` keeps any other value as a ``str``."""

    TCP = "tcp"
    """Plain TCP."""
    UDP = "udp"
    """UDP."""
    TLS = "tls"
    """TCP with TLS terminated by Hathora."""

    def __str__(self) -> str:
        return self.value


@attrs.frozen(kw_only=True)
class ContainerPort:
    """A port the game server listens on."""

    transport_type: TransportType | str
    """The protocol; a value this SDK does not know is kept as a plain string."""
    port: int
    """The port number inside the container (1-65535)."""
    name: str
    """A readable name for the port (the default port is named ``default``)."""


@attrs.frozen(kw_only=True)
class EnvVar:
    """One environment variable of the server processes; ``repr`` hides the value."""

    name: str
    """The variable's name."""
    value: str = attrs.field(repr=False)
    """The variable's value (often a secret: never shown in ``repr``)."""


@attrs.frozen(kw_only=True)
class DeploymentConfigV3:
    """The body of ``createDeployment``: which build runs, and how.

    Fields left ``None`` are not sent (the service never receives ``null``). See the module
    docstring for the checks made before sending.
    """

    build_id: str
    """The build to deploy (a BuildsV3 id; builds are org-wide, usable by any app)."""
    idle_timeout_enabled: bool
    """Stop processes that had no new connection or room for five minutes."""
    env: tuple[EnvVar, ...]
    """The environment of every process (``()`` for none)."""
    rooms_per_process: int
    """How many rooms one process can host (at least 1)."""
    transport_type: TransportType | str
    """The protocol of the default port."""
    container_port: int
    """The default port the server listens on (1-65535)."""
    requested_memory_mb: float = attrs.field(metadata=_wire("requestedMemoryMB"))
    """Memory per process in MB (positive; the plan sets the maximum, 8192 by default)."""
    requested_cpu: float = attrs.field(metadata=_wire("requestedCPU"))
    """Cores per process, fractional allowed such as ``0.5`` (positive)."""
    additional_container_ports: tuple[ContainerPort, ...] | None = None
    """Further ports the server listens on."""
    requested_gpu: float | None = attrs.field(default=None, metadata=_wire("requestedGPU"))
    """GPUs per process, a whole number (the service's default is 0)."""
    experimental_requested_gpu: float | None = attrs.field(
        default=None, metadata=_wire("experimentalRequestedGPU")
    )
    """The closed-beta GPU field, a whole number; prefer ``requested_gpu``."""
    fleet_id: str | None = None
    """The fleet to run on; the service picks the organization's default when omitted."""
    deployment_tag: str | None = None
    """A label of your own, usable as a ``get_deployments`` filter."""

    def problems(self) -> str | None:
        """Return what is wrong with the values (the first problem), or ``None``."""
        return _first_problem(self)


@attrs.frozen(kw_only=True)
class DeploymentSettings:
    """A ``DeploymentConfigV3`` without ``build_id``, every field optional: deploy's input.

    ``None`` means "not given". ``deployments_v3_deploy`` requires every field that
    ``DeploymentConfigV3`` requires, unless ``from_latest=True`` inherits it from the app's
    latest deployment; an explicit ``False``, ``0`` or ``()`` counts as given.
    """

    idle_timeout_enabled: bool | None = None
    """Stop processes that had no new connection or room for five minutes."""
    env: tuple[EnvVar, ...] | None = None
    """The environment of every process (``()`` for none)."""
    rooms_per_process: int | None = None
    """How many rooms one process can host (at least 1)."""
    transport_type: TransportType | str | None = None
    """The protocol of the default port."""
    container_port: int | None = None
    """The default port the server listens on (1-65535)."""
    requested_memory_mb: float | None = attrs.field(
        default=None, metadata=_wire("requestedMemoryMB")
    )
    """Memory per process in MB (positive)."""
    requested_cpu: float | None = attrs.field(default=None, metadata=_wire("requestedCPU"))
    """Cores per process (positive)."""
    additional_container_ports: tuple[ContainerPort, ...] | None = None
    """Further ports the server listens on."""
    requested_gpu: float | None = attrs.field(default=None, metadata=_wire("requestedGPU"))
    """GPUs per process, a whole number."""
    experimental_requested_gpu: float | None = attrs.field(
        default=None, metadata=_wire("experimentalRequestedGPU")
    )
    """The closed-beta GPU field, a whole number."""
    fleet_id: str | None = None
    """The fleet to run on."""
    deployment_tag: str | None = None
    """A label of your own (never inherited by ``from_latest``)."""

    def problems(self) -> str | None:
        """Return what is wrong with the given values (the first problem), or ``None``."""
        return _first_problem(self)


@attrs.frozen(kw_only=True)
class DeploymentV3:
    """A deployment: a build bound to an app with its runtime settings (it has no status).

    Optional fields also accept ``null`` from the service (read as ``None``), although the
    schema does not allow it: a stricter reading would fail every call over a harmless gap.
    """

    deployment_id: str
    """The deployment's id, such as ``dep-6d4c6a71-...``."""
    app_id: str
    """The application it belongs to."""
    build_id: str
    """The build it runs."""
    created_at: datetime
    """When it was created (timezone-aware)."""
    created_by: str
    """Who created it."""
    idle_timeout_enabled: bool
    """Whether idle processes are stopped after five minutes."""
    env: tuple[EnvVar, ...]
    """The environment of every process."""
    rooms_per_process: int
    """How many rooms one process can host."""
    default_container_port: ContainerPort
    """The default port (the request's ``transport_type`` and ``container_port``)."""
    additional_container_ports: tuple[ContainerPort, ...]
    """Further ports the server listens on."""
    requested_memory_mb: float = attrs.field(metadata=_wire("requestedMemoryMB"))
    """Memory per process in MB."""
    requested_cpu: float = attrs.field(metadata=_wire("requestedCPU"))
    """Cores per process."""
    build_tag: str | None = None
    """The build's tag, when it has one."""
    requested_gpu: float | None = attrs.field(default=None, metadata=_wire("requestedGPU"))
    """GPUs per process, when reported."""
    experimental_requested_gpu: float | None = attrs.field(
        default=None, metadata=_wire("experimentalRequestedGPU")
    )
    """The closed-beta GPU field, when reported."""
    fleet_id: str | None = None
    """The fleet it runs on, when reported."""
    deployment_tag: str | None = None
    """The label given at creation, if any."""


@attrs.frozen(kw_only=True)
class DeploymentsV3Page:
    """One page of an application's deployments."""

    deployments: tuple[DeploymentV3, ...]
    """The deployments, in the order the service returned them (not documented as sorted)."""
    next_page_token: str | None = None
    """Pass it as ``next_page_token`` to get the next page; ``None`` on the last page."""


@attrs.frozen(kw_only=True)
class Deployed:
    """What ``deployments_v3_deploy`` made: the succeeded build and the deployment running it."""

    build: BuildV3
    """The build, in its final (``succeeded``) state."""
    deployment: DeploymentV3
    """The new deployment; new rooms of the app use it."""


REQUIRED_FIELDS = (
    "idle_timeout_enabled",
    "env",
    "rooms_per_process",
    "transport_type",
    "container_port",
    "requested_memory_mb",
    "requested_cpu",
)
"""The fields of ``DeploymentSettings`` that ``DeploymentConfigV3`` requires (all but build_id)."""


def _first_problem(model: DeploymentConfigV3 | DeploymentSettings) -> str | None:
    return next(_problems(model), None)


def _problems(model: DeploymentConfigV3 | DeploymentSettings) -> Iterator[str]:
    """Every problem of ``model``'s given (non-``None``) values, as messages naming the field."""
    if isinstance(model, DeploymentConfigV3):
        names = ("build_id", *REQUIRED_FIELDS)
        missing = [name for name in names if getattr(model, name) is None]
        if missing:
            yield f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} required"
        yield from _text("build_id", model.build_id)
    idle: object = model.idle_timeout_enabled  # typed bool, but any object may arrive
    if idle is not None and type(idle) is not bool:
        yield "idle_timeout_enabled must be a bool"
    if model.env is not None:
        yield from _env(model.env)
    yield from _integer("rooms_per_process", model.rooms_per_process, 1, None, optional=True)
    if model.transport_type is not None:
        yield from _text("transport_type", model.transport_type)
    yield from _integer("container_port", model.container_port, 1, 65535, optional=True)
    yield from _positive("requested_memory_mb", model.requested_memory_mb)
    yield from _positive("requested_cpu", model.requested_cpu)
    if model.additional_container_ports is not None:
        yield from _ports(model.additional_container_ports)
    yield from _gpu("requested_gpu", model.requested_gpu)
    yield from _gpu("experimental_requested_gpu", model.experimental_requested_gpu)
    for name in ("fleet_id", "deployment_tag"):
        value = getattr(model, name)
        if value is not None:
            yield from _text(name, value)


def _text(name: str, value: object, *, empty: bool = False) -> Iterator[str]:
    if not isinstance(value, str) or (not value and not empty):
        yield f"{name} must be {'a string' if empty else 'a non-empty string'}"
    elif not _encodable(value):
        yield f"{name} is not valid Unicode (a lone surrogate)"


def _integer(
    name: str, value: object, low: int, high: int | None, *, optional: bool = False
) -> Iterator[str]:
    if value is None and optional:
        return
    if not _is_int(value) or value < low or (high is not None and value > high):  # type: ignore[operator]
        bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
        yield f"{name} must be an integer {bounds}"


def _positive(name: str, value: object) -> Iterator[str]:
    if value is not None and not (_is_number(value) and 0 < value < math.inf):  # type: ignore[operator]
        yield f"{name} must be a positive, finite number"


def _gpu(name: str, value: object) -> Iterator[str]:
    # "Must be an integer. If not provided, the requested GPU is 0." (the service's description)
    if value is not None and not (_is_number(value) and _whole(value) and value >= 0):  # type: ignore[operator]
        yield f"{name} must be a whole number of at least 0"


def _env(env: object) -> Iterator[str]:
    if not isinstance(env, (tuple, list)):
        yield "env must be a tuple of EnvVar"
        return
    for index, item in enumerate(env):
        if not isinstance(item, EnvVar):
            yield f"env[{index}] must be an EnvVar"
            continue
        yield from _text(f"env[{index}].name", item.name)
        yield from _text(f"env[{index}].value", item.value, empty=True)
        # A process environment is a list of NUL-terminated NAME=value strings: a name with
        # "=" or a NUL anywhere cannot reach the process (the value is never echoed here).
        if isinstance(item.name, str) and ("=" in item.name or "\0" in item.name):
            yield f"env[{index}].name must not contain '=' or NUL"
        if isinstance(item.value, str) and "\0" in item.value:
            yield f"env[{index}].value must not contain NUL"


def _ports(ports: object) -> Iterator[str]:
    if not isinstance(ports, (tuple, list)):
        yield "additional_container_ports must be a tuple of ContainerPort"
        return
    for index, port in enumerate(ports):
        where = f"additional_container_ports[{index}]"
        if not isinstance(port, ContainerPort):
            yield f"{where} must be a ContainerPort"
            continue
        yield from _text(f"{where}.transport_type", port.transport_type)
        yield from _integer(f"{where}.port", port.port, 1, 65535)
        yield from _text(f"{where}.name", port.name, empty=True)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _whole(value: Any) -> bool:
    return isinstance(value, int) or (math.isfinite(value) and float(value).is_integer())


def _encodable(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True
