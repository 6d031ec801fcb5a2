"""The machinery of the interop table: cases, outcomes, and the Python side of each call.

A :class:`Case` is one call made by both SDKs against the same emulator. Each side gets a fresh
:func:`Case.setup` (faults, builds, deployments it needs), then its outcome is recorded in one
vocabulary: ``kind`` is ``"ok"``, an error class name in the TypeScript SDK's words (``ApiError``,
``SDKError``, ``ResponseValidationError``, ``ConnectionError``...), or ``"raw:<name>"`` when the
TS SDK threw something that is not its own error.

Only the Python SDK's public API is used (``hathora_cloud``, ``.funcs``, ``.models``,
``.errors``, ``.streams``), so refactoring its internals cannot break the table.

Adding the Python side of an operation (DeploymentsV3 once ``hathora_cloud.funcs`` has it): add
its entry to :data:`PY_CALLS` (the arguments are the TS call's: ``appId``, ``deploymentTag``,
``buildTag``, ``config`` as the camelCase JSON of a DeploymentConfigV3, ``deploymentId``) and remove
the name from :data:`PYTHON_PENDING`. Every row of that operation is then checked on the Python
side too: against the TS outcome for ``same`` rows, against its own ``py`` expectation otherwise.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timezone
from typing import Any

import aiohttp
import attrs

from hathora_cloud import Err, HathoraCloudCore, Ok
from hathora_cloud.errors import HathoraError
from hathora_cloud.funcs import (
    builds_v3_create_build,
    builds_v3_create_build_registry,
    builds_v3_delete_build,
    builds_v3_get_build,
    builds_v3_get_builds,
    builds_v3_run_build,
    builds_v3_run_build_registry,
    deployments_v3_create_deployment,
    deployments_v3_get_deployment,
    deployments_v3_get_deployments,
    deployments_v3_get_latest_deployment,
)
from hathora_cloud.models import (
    ContainerPort,
    CreateBuildV3Params,
    CreateMultipartBuildParams,
    DeploymentConfigV3,
    EnvVar,
    RegistryConfig,
)
from hathora_cloud.streams import BuildLogStream
from hathora_cloud.testing import FakeHathora

ANY = "<any>"
SAME = "same"
PYTHON_BETTER = "python-better"
PYTHON_STRICTER = "python-stricter"
# Python names of the error classes, in the TS SDK's vocabulary.
_PY_KINDS = {"HTTPConnectionError": "ConnectionError"}
# Wire names that camelCase alone does not give.
_WIRE_NAMES = {
    "requested_memory_mb": "requestedMemoryMB",
    "requested_cpu": "requestedCPU",
    "requested_gpu": "requestedGPU",
    "experimental_requested_gpu": "experimentalRequestedGPU",
}
# Required-but-nullable keys: present as null on both sides; other None fields are absent.
_NULLABLE = frozenset({"startedAt", "finishedAt", "deletedAt"})


@attrs.frozen
class Expect:
    """What one SDK should do on a case."""

    kind: str
    """``ok``, an error class name (TS words) or ``raw:<name>``."""
    status: int | None = None
    """The HTTP status the error carries, if any."""
    unhandled: bool = False
    """TS only: the call also leaves an unhandled promise rejection behind."""
    stream_error: str | None = None
    """For log streams: what reading the stream ends with (``None``: it ends cleanly)."""
    attempts: int | None = None
    """How many requests the emulator saw for the operation (``None``: not checked)."""
    org_id: str | None = ANY
    """The ``orgId`` query parameter the emulator saw (``None``: not sent; default: any)."""


@attrs.define
class Context:
    """What a case's setup can use: the emulator, a Python core, a raw session, a tarball."""

    fake: FakeHathora
    core: HathoraCloudCore
    session: aiohttp.ClientSession
    tarball: bytes
    memo: dict[str, Any] = attrs.Factory(dict)


Setup = Callable[[Context, str], Awaitable[Mapping[str, Any]]]


async def no_setup(ctx: Context, side: str) -> Mapping[str, Any]:
    """A case that needs nothing prepared."""
    return {}


@attrs.frozen
class Case:
    """One row: the same call through both SDKs, and what each must do."""

    id: str
    op: str
    """The TS function name without its group prefix, e.g. ``getBuild``."""
    ts: Expect
    relation: str = SAME
    """``same`` (outcomes must correspond), ``python-better`` or ``python-stricter``."""
    py: Expect | None = None
    """Python's expectation when it differs from TS (``relation`` is not ``same``)."""
    args: Mapping[str, Any] = attrs.field(factory=dict)
    client: Mapping[str, Any] = attrs.field(factory=dict)
    """``token`` (``valid``/``none``/a string), ``orgId``, ``retries`` (bool)."""
    setup: Setup = no_setup
    fields: tuple[str, ...] = ()
    """Value fields that must be equal on both sides (e.g. ``status``)."""
    compare_value: bool = False
    """The whole value must be equal on both sides (state does not change between them)."""
    echo: tuple[str, str] | None = None
    """``(argument path, value key)``: the value must repeat that argument (``params.buildId``)."""
    check: Callable[[str, Mapping[str, Any]], object] | None = None
    """Extra assertions on each side's ok value, given the side (``"ts"`` or ``"py"``)."""
    same_wire: bool = True
    """For ``same`` rows: both sides also sent the same ``orgId`` and request count."""
    note: str = ""

    @property
    def operation(self) -> str:
        """The operation id the emulator records, e.g. ``GetBuild``."""
        return self.op[0].upper() + self.op[1:]

    @property
    def py_expect(self) -> Expect:
        """What Python must do."""
        return self.ts if self.py is None else self.py

    def to_json(self) -> dict[str, Any]:
        """The part of the case the TS driver needs."""
        return {"id": self.id, "op": self.op, "args": dict(self.args), "client": dict(self.client)}


def _wire_name(name: str) -> str:
    return _WIRE_NAMES.get(name) or re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


def wire(value: Any) -> Any:
    """A Python model as the JSON the TS SDK reports for the same value."""
    if attrs.has(type(value)):
        out = {}
        for field in attrs.fields(type(value)):
            key = field.metadata.get("wire") or _wire_name(field.name)
            item = getattr(value, field.name)
            if item is not None or key in _NULLABLE:
                out[key] = wire(item)
        return out
    if isinstance(value, (list, tuple)):
        return [wire(item) for item in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _snake(params: Mapping[str, Any]) -> dict[str, Any]:
    return {re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), k): v for k, v in params.items()}


PyCall = Callable[[HathoraCloudCore, Mapping[str, Any]], Awaitable[Any]]
PY_CALLS: dict[str, PyCall] = {
    "getBuilds": lambda core, a: builds_v3_get_builds(core, org_id=a.get("orgId")),
    "createBuild": lambda core, a: builds_v3_create_build(
        core, CreateMultipartBuildParams(**_snake(a["params"])), org_id=a.get("orgId")
    ),
    "getBuild": lambda core, a: builds_v3_get_build(core, a["buildId"], org_id=a.get("orgId")),
    "deleteBuild": lambda core, a: builds_v3_delete_build(
        core, a["buildId"], org_id=a.get("orgId")
    ),
    "createBuildRegistry": lambda core, a: builds_v3_create_build_registry(
        core, CreateBuildV3Params(**_snake(a["params"])), org_id=a.get("orgId")
    ),
    "runBuild": lambda core, a: builds_v3_run_build(core, a["buildId"], org_id=a.get("orgId")),
    "runBuildRegistry": lambda core, a: builds_v3_run_build_registry(
        core, a["buildId"], RegistryConfig(**_snake(a["registryConfig"])), org_id=a.get("orgId")
    ),
    "getDeployments": lambda core, a: deployments_v3_get_deployments(
        core, a.get("appId"), deployment_tag=a.get("deploymentTag"), build_tag=a.get("buildTag")
    ),
    "createDeployment": lambda core, a: deployments_v3_create_deployment(
        core, _deployment_config(a["config"]), a.get("appId")
    ),
    "getLatestDeployment": lambda core, a: deployments_v3_get_latest_deployment(
        core, a.get("appId")
    ),
    "getDeployment": lambda core, a: deployments_v3_get_deployment(
        core, a["deploymentId"], a.get("appId")
    ),
}
"""How each operation's JSON arguments become a Python call."""
PYTHON_PENDING: frozenset[str] = frozenset()
"""Operations the Python SDK does not have yet (TS rows only, for now)."""


def _ports(items: Any) -> tuple[ContainerPort, ...] | None:
    if items is None:
        return None
    return tuple(
        ContainerPort(transport_type=p["transportType"], port=p["port"], name=p["name"])
        for p in items
    )


def _deployment_config(data: Mapping[str, Any]) -> DeploymentConfigV3:
    """The camelCase JSON of a DeploymentConfigV3 (as the TS call takes it), as the model."""
    return DeploymentConfigV3(
        build_id=data["buildId"],
        idle_timeout_enabled=data["idleTimeoutEnabled"],
        env=tuple(EnvVar(name=e["name"], value=e["value"]) for e in data["env"]),
        rooms_per_process=data["roomsPerProcess"],
        transport_type=data["transportType"],
        container_port=data["containerPort"],
        requested_memory_mb=data["requestedMemoryMB"],
        requested_cpu=data["requestedCPU"],
        additional_container_ports=_ports(data.get("additionalContainerPorts")),
        requested_gpu=data.get("requestedGPU"),
        experimental_requested_gpu=data.get("experimentalRequestedGPU"),
        fleet_id=data.get("fleetId"),
        deployment_tag=data.get("deploymentTag"),
    )


def error_kind(error: BaseException) -> str:
    """The TS-vocabulary kind of a Python SDK error."""
    name = type(error).__name__
    return _PY_KINDS.get(name, name) if isinstance(error, HathoraError) else f"raw:{name}"


async def _drain(stream: BuildLogStream) -> dict[str, Any]:
    lines: list[str] = []
    error = None
    async with stream:
        try:
            async for line in stream:  # a loop, not a comprehension: keep lines before a cut
                lines.append(line)  # noqa: PERF401
        except HathoraError as exc:
            error = error_kind(exc)
    return {
        "lines": len(lines),
        "first": lines[0] if lines else None,
        "last": lines[-1] if lines else None,
        "error": error,
    }


async def python_outcome(result: Any) -> dict[str, Any]:
    """Record a Python ``Result`` in the table's vocabulary."""
    match result:
        case Ok(value=BuildLogStream() as stream):
            return {"kind": "ok", "stream": await _drain(stream)}
        case Ok(value=value):
            return {"kind": "ok", "value": wire(value)}
        case Err(error=error):
            outcome: dict[str, Any] = {"kind": error_kind(error), "message": str(error)[:300]}
            status = getattr(error, "status_code", None)
            if isinstance(status, int):
                outcome["status"] = status
            return outcome
    raise AssertionError(f"not a Result: {result!r}")


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def normalise(value: Any) -> Any:
    """JSON-like value with date-times as canonical UTC instants (TS and Python differ there)."""
    if isinstance(value, dict):
        return {key: normalise(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalise(item) for item in value]
    if isinstance(value, str) and _ISO_DATE.match(value):
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.astimezone(timezone.utc).isoformat(timespec="microseconds")
    return value


def _dig(data: Mapping[str, Any], path: str) -> Any:
    for part in path.split("."):
        data = data[part]
    return data


def _against(side: str, outcome: Mapping[str, Any], expect: Expect) -> list[str]:
    """How ``outcome`` departs from ``expect``."""
    problems = []
    seen = (outcome.get("kind"), outcome.get("status"))
    if outcome.get("kind") != expect.kind or (expect.status not in (None, seen[1])):
        problems.append(f"{side}: expected {expect.kind} {expect.status or ''}, got {seen}")
    if side == "ts" and bool(outcome.get("unhandled")) != expect.unhandled:
        problems.append(f"ts: unhandled rejections {outcome.get('unhandled')}")
    stream = outcome.get("stream")
    if stream is not None and stream["error"] != expect.stream_error:
        problems.append(f"{side}: stream ended with {stream['error']}, not {expect.stream_error}")
    if stream is not None and stream["error"] is None and stream["lines"] != outcome["logLines"]:
        problems.append(f"{side}: read {stream['lines']} lines of {outcome['logLines']}")
    if expect.attempts is not None and outcome["attempts"] != expect.attempts:
        problems.append(f"{side}: {outcome['attempts']} requests, not {expect.attempts}")
    if expect.org_id != ANY and outcome["orgId"] != expect.org_id:
        problems.append(f"{side}: orgId sent {outcome['orgId']!r}, not {expect.org_id!r}")
    return problems


def _value_checks(case: Case, side: str, outcome: Mapping[str, Any]) -> list[str]:
    value = outcome.get("value")
    if outcome.get("kind") != "ok" or not isinstance(value, dict):
        return []
    problems = []
    if case.echo is not None and value.get(case.echo[1]) != _dig(outcome["args"], case.echo[0]):
        problems.append(f"{side}: {case.echo[1]}={value.get(case.echo[1])!r} does not echo")
    if case.check is not None:
        try:
            case.check(side, value)
        except AssertionError as exc:
            problems.append(f"{side}: {exc}")
    return problems


def _correspondence(case: Case, ts: Mapping[str, Any], py: Mapping[str, Any]) -> list[str]:
    """For ``same`` rows: the two outcomes must say the same thing."""
    keys = ["kind", "status"] + (["attempts", "orgId"] if case.same_wire else [])
    problems = [f"ts {k}={ts.get(k)!r} vs py {py.get(k)!r}" for k in keys if ts.get(k) != py.get(k)]
    if "stream" in ts and "stream" in py:
        ts_stream, py_stream = ts["stream"], py["stream"]
        problems += [
            f"stream {key}: ts {ts_stream[key]!r} vs py {py_stream[key]!r}"
            for key in ("first", "error")
            if ts_stream[key] != py_stream[key]
        ]
    ts_value, py_value = normalise(ts.get("value")), normalise(py.get("value"))
    if isinstance(ts_value, dict) and isinstance(py_value, dict):
        if set(ts_value) != set(py_value):
            problems.append(
                f"keys differ: ts-only {set(ts_value) - set(py_value)}, "
                f"py-only {set(py_value) - set(ts_value)}"
            )
        problems += [
            f"{field}: ts {ts_value.get(field)!r} vs py {py_value.get(field)!r}"
            for field in case.fields
            if ts_value.get(field) != py_value.get(field)
        ]
        if case.compare_value and ts_value != py_value:
            problems.append("values differ")
    return problems


def verdict(case: Case, ts: Mapping[str, Any], py: Mapping[str, Any] | None) -> list[str]:
    """Every way this row's outcomes miss their expectations (empty: the row holds)."""
    problems = _against("ts", ts, case.ts) + _value_checks(case, "ts", ts)
    if py is None:
        if case.op not in PYTHON_PENDING:
            problems.append("py: no Python outcome for an operation the Python SDK has")
        return problems
    problems += _against("py", py, case.py_expect) + _value_checks(case, "py", py)
    if case.relation == SAME:
        problems += _correspondence(case, ts, py)
    return problems
