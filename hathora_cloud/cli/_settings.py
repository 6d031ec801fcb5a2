"""The deployment options of ``deploy`` and ``deployments create``: flags, variables, checks.

Each setting comes from its flag, else from the official CLI's ``HATHORA_DEPLOYMENT_*``
variable (an empty variable counts as unset), else it is not given (``None``): with
``--from-latest`` the SDK then takes it from the app's latest deployment, so an explicit
``--no-idle-timeout`` or ``0`` is kept. Without ``--from-latest`` the idle timeout defaults to on
and the environment to none (as the official CLI does), and the five sizing options are
required; the embedded emulator (``--emulator``) fills those in from the example game server.
Every value is checked here, naming the flag or variable, before anything is sent.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from ..models import ContainerPort, DeploymentSettings, EnvVar, TransportType
from ._errors import UsageError
from ._shorthand import (
    ENV_VARIABLE,
    TRANSPORTS,
    official_env_list,
    parse_env_entry,
    parse_port,
    port_text,
)

__all__ = ("DEMO_DEFAULTS", "Requested", "add_settings_arguments", "requested")

_INTEGER = re.compile(r"\d+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_PORTS_VARIABLE = "HATHORA_DEPLOYMENT_ADDITIONAL_CONTAINER_PORTS"


def _integer(low: int, high: int | None = None) -> Callable[[str], object]:
    bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"

    def convert(text: str) -> object:
        if not _INTEGER.fullmatch(text) or int(text) < low or (high and int(text) > high):
            raise ValueError(f"an integer {bounds}")
        return int(text)

    return convert


def _positive(text: str) -> object:
    if not _NUMBER.fullmatch(text) or float(text) <= 0:
        raise ValueError("a positive number, such as 1024 or 0.5")
    return float(text)


def _whole(text: str) -> object:
    if not _NUMBER.fullmatch(text) or not float(text).is_integer():
        raise ValueError("a whole number of at least 0")
    return float(text)


def _transport(text: str) -> object:
    if text.lower() not in TRANSPORTS:
        raise ValueError("tcp, udp or tls")
    return TransportType(text.lower())


def _label(text: str) -> object:
    if not text:
        raise ValueError("a non-empty string")
    return text


@attrs.frozen
class _Option:
    """A setting given as one value: its flag, its variable and how its text is read."""

    name: str
    """The ``DeploymentSettings`` field (or ``build_tag``), and the argparse ``dest``."""
    flag: str
    variable: str
    """The official CLI's variable (``HATHORA_DEPLOYMENT_DEPLOYMENT_TAG``: its doubled word too)."""
    metavar: str
    help: str
    convert: Callable[[str], object]


_D = "HATHORA_DEPLOYMENT_"
_OPTIONS = (
    _Option("transport_type", "--transport-type", f"{_D}TRANSPORT_TYPE", "{tcp,udp,tls}",
            "protocol of the default port", _transport),
    _Option("container_port", "--container-port", f"{_D}CONTAINER_PORT", "N",
            "the default port the server listens on (1-65535)", _integer(1, 65535)),
    _Option("rooms_per_process", "--rooms-per-process", f"{_D}ROOMS_PER_PROCESS", "N",
            "rooms one process can host (at least 1)", _integer(1)),
    _Option("requested_memory_mb", "--requested-memory-mb", f"{_D}REQUESTED_MEMORY_MB", "MB",
            "memory per process in MB, such as 1024", _positive),
    _Option("requested_cpu", "--requested-cpu", f"{_D}REQUESTED_CPU", "CORES",
            "cores per process, such as 0.5", _positive),
    _Option("requested_gpu", "--requested-gpu", f"{_D}REQUESTED_GPU", "N",
            "GPUs per process, a whole number (the service's default: 0)", _whole),
    _Option("fleet_id", "--fleet-id", f"{_D}FLEET_ID", "FLEET",
            "the fleet to run on (default: the organization's)", _label),
    _Option("deployment_tag", "--deployment-tag", f"{_D}DEPLOYMENT_TAG", "TAG",
            "a label of your own for the deployment (never inherited)", _label),
)  # fmt: skip
_BUILD_TAG = _Option(
    "build_tag", "--build-tag", "HATHORA_BUILD_TAG", "TAG",
    "your version label for the new build, such as 1.4.2", _label,
)  # fmt: skip
_REQUIRED = _OPTIONS[:5]
"""What the API requires and nothing defaults: given, inherited, or (emulator) the demo's."""

DEMO_DEFAULTS: Mapping[str, object] = {
    "transport_type": TransportType.UDP,
    "container_port": 7777,
    "rooms_per_process": 1,
    "requested_memory_mb": 1024.0,
    "requested_cpu": 0.5,
}
"""What ``--emulator`` uses for a required option not given: examples/game-server's needs."""


def add_settings_arguments(parser: argparse.ArgumentParser, *, build: bool) -> None:
    """Add the deployment options (and, for ``deploy``, ``--build-tag``) to ``parser``."""
    group = parser.add_argument_group("deployment options (default: $HATHORA_DEPLOYMENT_<NAME>)")
    group.add_argument(
        "--from-latest",
        action="store_true",
        default=None,
        help="take every option not given from the app's latest deployment",
    )
    for option in (*_OPTIONS, _BUILD_TAG) if build else _OPTIONS:
        group.add_argument(option.flag, dest=option.name, metavar=option.metavar, help=option.help)
    group.add_argument(
        "--idle-timeout",
        action=argparse.BooleanOptionalAction,
        help="stop processes idle for five minutes (default: on, or inherited)",
    )
    # The official CLI's spelling: --idle-timeout-enabled [true|false].
    group.add_argument(
        "--idle-timeout-enabled", nargs="?", const="true", metavar="BOOL", help=argparse.SUPPRESS
    )
    group.add_argument(
        "--env",
        action="append",
        metavar="NAME=VALUE",
        help="an environment variable of the processes (repeatable; the value may hold = and ,)",
    )
    for flag, help_text in (
        ("--additional-port", "a further port, such as chat:7001/udp (repeatable or comma-"
         "separated; the transport defaults to tcp)"),
        ("--additional-container-ports", argparse.SUPPRESS),  # the official CLI's spelling
    ):  # fmt: skip
        group.add_argument(
            flag,
            dest="additional_ports",
            action="append",
            metavar="[NAME:]PORT[/TRANSPORT]",
            help=help_text,
        )


@attrs.frozen
class Requested:
    """The deployment options of one command line, checked."""

    settings: DeploymentSettings
    """What was given (``None`` for the rest), with the defaults described above."""
    from_latest: bool
    build_tag: str | None
    demo: tuple[str, ...]
    """The options the embedded emulator filled with :data:`DEMO_DEFAULTS`, as flags."""
    flags: tuple[str, ...]
    """The options as flags, to repeat in a retry command; ``--env`` values are not shown."""


def requested(args: argparse.Namespace, *, embedded: bool, build: bool = False) -> Requested:
    """Read the deployment options of ``args`` and their variables; check them.

    Args:
        args: The parsed command line.
        embedded: The command runs against the embedded emulator (demo defaults, no latest).
        build: The command builds (``deploy``): ``--build-tag`` / ``HATHORA_BUILD_TAG`` apply.

    Raises:
        UsageError: A value is malformed, or a required option is missing (not with
            ``--emulator``, which fills them in, nor with ``--from-latest``).
    """
    values: dict[str, Any] = {}
    flags: list[str] = []
    for option in _OPTIONS:
        text, source = _raw(args, option)
        if text is not None:
            values[option.name] = _convert(option, text, source)
            flags.append(f"{option.flag} {shlex.quote(text)}")
    from_latest = _from_latest(args)
    idle = _idle_timeout(args)
    env = _env(args)
    ports = _additional_ports(args)
    if idle is not None:
        flags.append("--idle-timeout" if idle else "--no-idle-timeout")
    flags.extend(f"--env {shlex.quote(item.name)}=…" for item in env or ())
    flags.extend(f"--additional-port {port_text(port)}" for port in ports or ())
    flags.extend(["--from-latest"] if from_latest else [])
    demo = _complete(values, from_latest=from_latest, embedded=embedded)
    if not from_latest:
        idle = True if idle is None else idle
        env = () if env is None else env
    given = DeploymentSettings(idle_timeout_enabled=idle, env=env, additional_container_ports=ports)
    return Requested(
        settings=attrs.evolve(given, **values),
        from_latest=from_latest,
        build_tag=_build_tag(args) if build else None,
        demo=demo,
        flags=tuple(flags),
    )


def _raw(args: argparse.Namespace, option: _Option) -> tuple[str | None, str]:
    """The option's text and where it came from: the flag, else a non-empty variable."""
    flag = getattr(args, option.name, None)
    if flag is not None:
        return flag, option.flag
    value = os.environ.get(option.variable)
    return (value.strip(), option.variable) if value else (None, option.variable)


def _convert(option: _Option, text: str, source: str) -> Any:
    try:
        return option.convert(text)
    except ValueError as error:
        raise UsageError(f"{source} must be {error}, got {text!r}") from None


def _build_tag(args: argparse.Namespace) -> str | None:
    text, source = _raw(args, _BUILD_TAG)
    return None if text is None else str(_convert(_BUILD_TAG, text, source))


def _complete(values: dict[str, Any], *, from_latest: bool, embedded: bool) -> tuple[str, ...]:
    """Check that the required options are there; with ``--emulator``, fill in the demo's."""
    if from_latest:
        if embedded:
            raise UsageError(
                "--from-latest cannot be used with --emulator: the embedded emulator starts "
                "empty, with no deployment to inherit from"
            )
        return ()
    missing = [option for option in _REQUIRED if option.name not in values]
    if missing and not embedded:
        raise UsageError(
            f"missing {', '.join(option.flag for option in missing)}: the API requires "
            f"{'it' if len(missing) == 1 else 'them'} (or HATHORA_DEPLOYMENT_<NAME>); "
            "--from-latest takes what is not given from the app's latest deployment"
        )
    demo = []
    for option in missing:
        value = DEMO_DEFAULTS[option.name]
        values[option.name] = value
        shown = int(value) if isinstance(value, float) and value.is_integer() else value
        demo.append(f"{option.flag} {shown}")
    return tuple(demo)


def _boolean(text: str, source: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise UsageError(f"{source} must be true or false, got {text!r}")


def _from_latest(args: argparse.Namespace) -> bool:
    if args.from_latest:
        return True
    text = os.environ.get("HATHORA_DEPLOYMENT_FROM_LATEST")
    return _boolean(text, "HATHORA_DEPLOYMENT_FROM_LATEST") if text else False


def _idle_timeout(args: argparse.Namespace) -> bool | None:
    """``--[no-]idle-timeout``, else the official ``--idle-timeout-enabled [BOOL]``, else env."""
    spelled = args.idle_timeout_enabled
    official = None if spelled is None else _boolean(spelled, "--idle-timeout-enabled")
    flag: bool | None = args.idle_timeout
    if flag is not None and official is not None and official != flag:
        raise UsageError("--idle-timeout-enabled contradicts --[no-]idle-timeout: give one")
    if flag is not None or official is not None:
        return flag if flag is not None else official
    text = os.environ.get("HATHORA_DEPLOYMENT_IDLE_TIMEOUT_ENABLED")
    return _boolean(text, "HATHORA_DEPLOYMENT_IDLE_TIMEOUT_ENABLED") if text else None


def _env(args: argparse.Namespace) -> tuple[EnvVar, ...] | None:
    """The ``--env`` entries (else ``HATHORA_DEPLOYMENT_ENV``'s); ``None`` when there are none."""
    given: Sequence[str] | None = args.env
    label = "--env entry"
    if given is None:
        text = os.environ.get(ENV_VARIABLE)
        if not text:
            return None
        given, label = official_env_list(text), f"{ENV_VARIABLE} entry"
    variables = [parse_env_entry(entry, f"{label} {n}") for n, entry in enumerate(given, 1)]
    seen: set[str] = set()
    for variable in variables:
        if variable.name in seen:
            raise UsageError(f"the environment variable {variable.name!r} is given twice")
        seen.add(variable.name)
    return tuple(variables)


def _additional_ports(args: argparse.Namespace) -> tuple[ContainerPort, ...] | None:
    given: Sequence[str] | None = args.additional_ports
    where = "--additional-port"
    if given is None:
        text = os.environ.get(_PORTS_VARIABLE)
        if not text:
            return None
        given, where = [text], _PORTS_VARIABLE
    # A port entry holds no comma, so a comma always separates two of them.
    return tuple(parse_port(piece, where) for entry in given for piece in entry.split(","))
