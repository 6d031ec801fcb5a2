"""An operation's input checks, run before anything is sent: bad input is ``SDKValidationError``.

The rules themselves live in :mod:`hathora_cloud._checks`; this module applies them to what an
:class:`~hathora_cloud._operations.Operation` takes (path and query parameters, ``org_id``,
``options``, the body model).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .. import _checks, _converter
from .._operations import Operation
from ..errors import SDKValidationError
from ..retries import RequestOptions

__all__ = ("check_body", "check_input", "snake")


def check_input(
    op: Operation[Any],
    path: Mapping[str, object] | None,
    body: object,
    org_id: object,
    options: object,
    query: Mapping[str, object] | None = None,
) -> SDKValidationError | None:
    """Return the first problem with a call's input, or ``None``."""
    for name, value in (path or {}).items():
        # The common case first: one type check and a cheap encodability test.
        if type(value) is str and value and value.isascii():
            continue
        if value is None and any(name == wire for wire, _ in op.path_defaults):
            return _missing_default(op, name)
        problem = _checks.text(snake(name), value)
        if problem is not None:
            return problem
    if org_id is not None:
        problem = _checks.text("org_id", org_id, empty=True)
        if problem is not None:
            return problem
    if options is not None and not isinstance(options, RequestOptions):
        return SDKValidationError("options must be a RequestOptions", raw_value=options)
    for name, value in (query or {}).items():
        problem = _checks.text(snake(name), value, optional=True, empty=True)
        if problem is not None:
            return problem
    if op.body_type is not None:
        return check_body(op.body_type, body)
    return None


def _missing_default(op: Operation[Any], wire: str) -> SDKValidationError:
    attribute = dict(op.path_defaults)[wire]
    env = "HATHORA_" + attribute.upper()
    return SDKValidationError(
        f"{attribute} is required: pass {attribute}= to the call, or set "
        f"HathoraCloudCore({attribute}=...) or the {env} environment variable; nothing was sent"
    )


def snake(name: str) -> str:
    """The Python name of a wire parameter (``buildId`` -> ``build_id``), for messages."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def check_body(body_type: type[object], body: object) -> SDKValidationError | None:
    """Check a request body model: its type, the model's own rules, every field's type.

    A model may define ``problems() -> str | None``, returning the first problem with its
    values as a message (wrapped here in ``SDKValidationError``) or ``None``.
    """
    if not isinstance(body, body_type):
        return SDKValidationError(
            f"expected {body_type.__name__}, got {type(body).__name__}", raw_value=body
        )
    # The model's own rules first: they name the field in Python terms and explain the limit.
    # A model returns a message, not an error: models sit below errors.py in the import graph.
    check = getattr(body, "problems", None)
    if callable(check):
        message = check()
        if message is not None:
            return SDKValidationError(f"{body_type.__name__}: {message}", raw_value=body)
    try:
        # Round-trip through the strict converter: every field must have its declared type.
        wire = _converter.unstructure(body)
        _converter.structure(wire, body_type)
    except Exception as exc:
        try:
            detail = _converter.explain(_converter.unstructure(body), body_type, exc)
        except Exception:
            detail = f"{type(exc).__name__}"
        return SDKValidationError(f"{body_type.__name__}: {detail}", raw_value=body)
    for field in attrs.fields(type(body)):  # type: ignore[arg-type]
        value = getattr(body, field.name)
        if isinstance(value, str) and not _checks.is_encodable(value):
            return SDKValidationError(f"{field.name} is not valid Unicode", raw_value=body)
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            return SDKValidationError(f"{field.name} must not be negative", raw_value=body)
        if value == "" and field.default is attrs.NOTHING:
            return SDKValidationError(f"{field.name} must not be empty", raw_value=body)
    return None
