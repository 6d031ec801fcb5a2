"""The argument rules, each written once: every public entry point checks its input with these.

Each rule returns ``None`` when the value is acceptable and an :class:`SDKValidationError` naming
the parameter otherwise, so Result-returning functions can hand it back as an ``Err`` and
constructors can raise it (:func:`require`). Messages never show a value that may be a secret:
strings are described by their kind, not echoed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from .errors import SDKValidationError

__all__ = (
    "as_validator",
    "callback",
    "first",
    "headers",
    "http_url",
    "instance",
    "integer",
    "number",
    "require",
    "seconds",
    "text",
)

Problem = SDKValidationError | None


def seconds(name: str, value: object, *, optional: bool = False) -> Problem:
    """A positive, finite number of seconds (``None`` too when ``optional``)."""
    if value is None and optional:
        return None
    if _is_number(value) and 0 < value < math.inf:  # type: ignore[operator]
        return None
    return SDKValidationError(
        f"{name} must be a positive, finite number of seconds", raw_value=value
    )


def number(name: str, value: object, *, positive: bool = False, optional: bool = False) -> Problem:
    """A finite ``int`` or ``float`` (not ``bool``), above zero when ``positive``."""
    if value is None and optional:
        return None
    if _is_number(value) and math.isfinite(value) and (not positive or value > 0):  # type: ignore[arg-type, operator]
        return None
    kind = "a positive, finite number" if positive else "a finite number"
    return SDKValidationError(f"{name} must be {kind}", raw_value=value)


def integer(
    name: str,
    value: object,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    optional: bool = False,
) -> Problem:
    """An ``int`` (not ``bool``) within ``[minimum, maximum]``."""
    if value is None and optional:
        return None
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and (minimum is None or value >= minimum)
        and (maximum is None or value <= maximum)
    ):
        return None
    if minimum is not None and maximum is not None:
        bounds = f" from {minimum} to {maximum}"
    elif minimum is not None:
        bounds = f" of at least {minimum}"
    elif maximum is not None:
        bounds = f" of at most {maximum}"
    else:
        bounds = ""
    return SDKValidationError(f"{name} must be an integer{bounds}", raw_value=value)


def text(name: str, value: object, *, optional: bool = False, empty: bool = False) -> Problem:
    """A ``str`` that can be sent as UTF-8 (no lone surrogates), non-empty unless ``empty``."""
    if value is None and optional:
        return None
    suffix = " or None" if optional else ""
    if not isinstance(value, str) or (not value and not empty):
        kind = "a string" if empty else "a non-empty string"
        return SDKValidationError(f"{name} must be {kind}{suffix}", raw_value=value)
    if not is_encodable(value):
        return SDKValidationError(
            f"{name} is not valid Unicode (a lone surrogate)", raw_value=value
        )
    return None


def instance(name: str, value: object, cls: type[Any], *, optional: bool = False) -> Problem:
    """An instance of ``cls`` (``None`` too when ``optional``)."""
    if (value is None and optional) or isinstance(value, cls):
        return None
    suffix = " or None" if optional else ""
    return SDKValidationError(
        f"{name} must be a {cls.__name__}{suffix}, got {type(value).__name__}", raw_value=value
    )


def callback(name: str, value: object) -> Problem:
    """A callable, or ``None``."""
    if value is None or callable(value):
        return None
    return SDKValidationError(f"{name} must be callable or None", raw_value=value)


def http_url(name: str, value: object, *, optional: bool = False) -> Problem:
    """An absolute ``http://`` or ``https://`` URL with a host."""
    problem = text(name, value, optional=optional)
    if problem is not None or value is None:
        return problem
    assert isinstance(value, str)
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in ("http", "https") or not rest.split("/", 1)[0]:
        return SDKValidationError(f"{name} must be an absolute http(s) URL", raw_value=value)
    if any(char.isspace() or ord(char) < 0x20 for char in value):
        return SDKValidationError(f"{name} must not contain spaces or controls", raw_value=value)
    return None


def headers(name: str, value: object, *, optional: bool = False) -> Problem:
    """A mapping of header names to values, both strings without line breaks or controls.

    Values are never shown in the message: one may be a credential.
    """
    if value is None and optional:
        return None
    if not isinstance(value, Mapping):
        return SDKValidationError(f"{name} must be a mapping of strings", raw_value=None)
    for key, item in value.items():
        if not isinstance(key, str) or not _is_token(key):
            return SDKValidationError(f"{name} has an invalid header name", raw_value=key)
        if not isinstance(item, str) or not _header_value_ok(item):
            return SDKValidationError(
                f"{name}[{key!r}] must be a string without line breaks or controls",
                raw_value=None,
            )
    return None


def first(*problems: Problem) -> Problem:
    """The first problem of several checks, or ``None``."""
    for problem in problems:
        if problem is not None:
            return problem
    return None


def require(problem: Problem) -> None:
    """Raise ``problem`` (constructors raise; Result functions return it in an ``Err``)."""
    if problem is not None:
        raise problem


def as_validator(rule: Callable[..., Problem], **options: Any) -> Callable[..., None]:
    """Turn a rule into an attrs validator that raises its :class:`SDKValidationError`."""

    def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        require(rule(attribute.name, value, **options))

    return validate


def is_encodable(value: str) -> bool:
    """Whether ``value`` can be encoded as UTF-8 (a lone surrogate cannot)."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


def _is_token(name: str) -> bool:
    return bool(name) and all(char in _TOKEN_CHARS for char in name)


def _header_value_ok(value: str) -> bool:
    return all(char == "\t" or 0x20 <= ord(char) != 0x7F for char in value) and is_encodable(value)
