"""The text forms of list settings: ``NAME=VALUE`` variables and ``[NAME:]PORT[/TRANSPORT]`` ports.

A variable's value is never echoed (values are often secrets): a malformed entry is named by its
position, and by its text only when that reads like a variable name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ..models import ContainerPort, EnvVar, TransportType
from ._errors import UsageError

__all__ = (
    "ENV_VARIABLE",
    "TRANSPORTS",
    "env_secrets",
    "official_env_list",
    "parse_env_entry",
    "parse_port",
    "port_text",
)

TRANSPORTS = ("tcp", "udp", "tls")
ENV_VARIABLE = "HATHORA_DEPLOYMENT_ENV"
_NAME_LIKE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_PORT = re.compile(r"(?:(?P<name>[A-Za-z0-9_-]*):)?(?P<port>\d{1,5})(?:/(?P<transport>\w+))?")


def parse_env_entry(entry: str, where: str) -> EnvVar:
    """Read one ``NAME=VALUE``, split at the first ``=`` (the value may hold ``=`` and ``,``).

    Args:
        entry: The text as given.
        where: How to name the entry in an error, such as ``--env entry 2``.

    Raises:
        UsageError: No ``=``, or the name is empty or holds whitespace; the value is never shown.
    """
    name, equals, value = entry.partition("=")
    if not equals:
        shown = (
            f": {entry!r}" if _NAME_LIKE.fullmatch(entry) else " (not shown: it may be a secret)"
        )
        raise UsageError(f"{where} is not NAME=VALUE{shown}")
    if not name or any(character.isspace() or character == "\0" for character in name):
        raise UsageError(f"{where}: the variable name {name!r} must be non-empty, without spaces")
    return EnvVar(name=name, value=value)


def official_env_list(text: str) -> list[str]:
    """Split ``HATHORA_DEPLOYMENT_ENV`` into ``NAME=VALUE`` entries as the official CLI does.

    It splits on commas and glues a piece without ``=`` back onto the entry before (so a comma
    in a value survives, but not a comma followed by an ``=``); names and values are trimmed and
    one pair of surrounding double quotes is removed from a value.
    """
    entries: list[str] = []
    for piece in text.split(","):
        if "=" in piece or not entries:
            entries.append(piece)
        else:
            entries[-1] += "," + piece
    cleaned = []
    for entry in entries:
        name, equals, value = entry.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        cleaned.append(f"{name.strip()}{equals}{value}")
    return cleaned


def parse_port(text: str, where: str) -> ContainerPort:
    """Read ``[NAME:]PORT[/TRANSPORT]``, the official CLI's shorthand (transport: tcp by default).

    Raises:
        UsageError: Not that shape, a port outside 1-65535 or an unknown transport.
    """
    match = _PORT.fullmatch(text.strip())
    if match is None:
        raise UsageError(
            f"{where} {text!r} is not [NAME:]PORT[/TRANSPORT] (a name of letters, digits, _ and -)"
        )
    port = int(match["port"])
    transport = (match["transport"] or "tcp").lower()
    if not 1 <= port <= 65535:
        raise UsageError(f"{where} {text!r}: the port must be from 1 to 65535")
    if transport not in TRANSPORTS:
        raise UsageError(f"{where} {text!r}: the transport must be tcp, udp or tls")
    return ContainerPort(
        transport_type=TransportType(transport), port=port, name=match["name"] or ""
    )


def port_text(port: ContainerPort) -> str:
    """Return a port in the shorthand it is given in: ``chat:7001/tcp`` (``7001/tcp`` unnamed)."""
    return f"{port.name + ':' if port.name else ''}{port.port}/{port.transport_type}"


def env_secrets(argv: Sequence[str], environ: Mapping[str, str]) -> list[str]:
    """Return the variable values a command line gives, to mask them in diagnostics.

    Nothing is returned when ``--show-env`` asks for the values to be shown.
    """
    if "--show-env" in argv:
        return []
    entries = [argv[index + 1] for index, arg in enumerate(argv[:-1]) if arg == "--env"]
    entries += [arg.partition("=")[2] for arg in argv if arg.startswith("--env=")]
    entries += official_env_list(environ.get(ENV_VARIABLE, ""))
    return [entry.partition("=")[2] for entry in entries if "=" in entry]
