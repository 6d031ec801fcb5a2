"""Fault rules written as one compact string, for command lines and environment variables.

Grammar (``docs/emulator.md`` has the full table)::

    SPEC   = TARGET ":" ACTION *(":" OPTION)
    TARGET = an operation id ("GetBuild", "UploadPart", "CreateDeployment", ...) or "*"
    ACTION = "status=" CODE | "latency=" SECONDS | "drop" | "cut" | "malformed-json"
           | "invalid-schema" ["=" ("missing" | "wrong-type" | "null")]
    OPTION = KEY "=" VALUE
             times, probability, seed       every action
             delay                          every action but latency
             retry-after, body              status only (body: json | html | xml | empty)
             after-lines                    cut only
             field                          invalid-schema only (dotted path: builds.0.status)

Examples: ``GetBuild:status=503:times=2``, ``*:status=429:retry-after=1:times=3``,
``RunBuild:cut:after-lines=3``, ``GetDeployment:invalid-schema=null:field=fleetId``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._faults import FaultRule

_COMMON = frozenset({"times", "probability", "seed", "delay"})
_EXTRA = {
    "status": frozenset({"retry_after", "body"}),
    "latency": frozenset(),
    "drop": frozenset(),
    "cut": frozenset({"after_lines"}),
    "malformed-json": frozenset(),
    "invalid-schema": frozenset({"field"}),
}
_BODIES = ("json", "html", "xml", "empty")


def _integer(low: int, high: int | None = None) -> Callable[[str], int]:
    def convert(text: str) -> int:
        value = int(text)
        if value < low or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f">= {low}"
            raise ValueError(f"must be an integer {bounds}")
        return value

    return convert


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 <= value < float("inf"):
        raise ValueError("must be a number of seconds >= 0")
    return value


def _probability(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise ValueError("must be within 0..1")
    return value


def _body(text: str) -> str:
    if text not in _BODIES:
        raise ValueError(f"must be one of {', '.join(_BODIES)}")
    return text


_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "times": _integer(1),
    "probability": _probability,
    "seed": int,
    "delay": _seconds,
    "retry_after": _seconds,
    "body": _body,
    "after_lines": _integer(0),
    "field": str,
}


def _options(action: str, items: list[str]) -> dict[str, Any]:
    """Convert ``key=value`` items into keyword arguments of the action's factory."""
    allowed = (_COMMON - {"delay"} if action == "latency" else _COMMON) | _EXTRA[action]
    options: dict[str, Any] = {}
    for item in items:
        key, equals, text = item.partition("=")
        name = key.strip().lower().replace("-", "_")
        if not equals or not text:
            raise ValueError(f"option {item!r} needs a value (key=value)")
        if name not in allowed:
            names = ", ".join(sorted(n.replace("_", "-") for n in allowed))
            raise ValueError(f"option {key!r} does not apply to {action} (use: {names})")
        if name in options:
            raise ValueError(f"option {key!r} given twice")
        try:
            options[name] = _CONVERTERS[name](text.strip())
        except ValueError as exc:
            reason = str(exc) if str(exc).startswith("must") else "is not a valid value"
            raise ValueError(f"{key}={text!r} {reason}") from None
    return options


def _rule(operation: str, action: str, value: str, options: dict[str, Any]) -> FaultRule:
    if action == "status":
        if not value.isdigit() or not 100 <= int(value) <= 599:
            raise ValueError(f"status={value!r} is not an HTTP status (100-599)")
        return FaultRule.status_code(int(value), operation=operation, **options)
    if action == "latency":
        try:
            seconds = _seconds(value)
        except ValueError:
            raise ValueError(f"latency={value!r} is not a number of seconds >= 0") from None
        return FaultRule.latency(seconds, operation=operation, **options)
    if action == "invalid-schema":
        mode = (value or "missing").replace("-", "_")
        return FaultRule.invalid_schema(mode, operation=operation, **options)
    if value:
        raise ValueError(f"{action} takes no value")
    factory = {
        "drop": FaultRule.drop,
        "cut": FaultRule.cut_stream,
        "malformed-json": FaultRule.malformed_json,
    }[action]
    return factory(operation=operation, **options)


def parse_fault_spec(spec: str) -> FaultRule:
    """Turn one fault spec into a :class:`FaultRule`.

    Args:
        spec: Such as ``"GetBuild:status=503:times=2"`` (grammar in the module docstring).

    Returns:
        The rule.

    Raises:
        ValueError: The spec does not parse; the message says why in one line.
    """
    target, _, rest = spec.strip().partition(":")
    head, *items = rest.split(":") if rest else [""]
    action, equals, value = head.partition("=")
    action = action.strip().lower()
    try:
        if not target or not action:
            raise ValueError("expected OPERATION:ACTION[:KEY=VALUE...]")
        if action not in _EXTRA:
            raise ValueError(f"unknown action {action!r} (use: {', '.join(_EXTRA)})")
        if action in ("status", "latency") and not (equals and value):
            example = "status=503" if action == "status" else "latency=1.5"
            raise ValueError(f"{action} needs a value, e.g. {example}")
        return _rule(target.strip(), action, value.strip(), _options(action, items))
    except ValueError as exc:
        raise ValueError(f"bad fault spec {spec!r}: {exc}") from None
