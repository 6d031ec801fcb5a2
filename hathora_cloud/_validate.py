"""Input checks that run before anything is sent: bad input becomes ``SDKValidationError``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs

from . import _converter
from ._operations import Operation
from .errors import SDKValidationError
from .retries import RequestOptions, parse_codes

__all__ = ("check_body", "check_input")


def check_input(
    op: Operation[Any],
    path: Mapping[str, object] | None,
    body: object,
    org_id: object,
    options: object,
) -> SDKValidationError | None:
    for name, value in (path or {}).items():
        if not isinstance(value, str) or not value:
            return SDKValidationError(f"{_snake(name)} must be a non-empty string", raw_value=value)
        if not _encodable(value):
            return SDKValidationError(f"{_snake(name)} is not valid Unicode", raw_value=value)
    if org_id is not None and not isinstance(org_id, str):
        return SDKValidationError("org_id must be a string or None", raw_value=org_id)
    if org_id is not None and not _encodable(org_id):
        return SDKValidationError("org_id is not valid Unicode", raw_value=org_id)
    if options is not None and not isinstance(options, RequestOptions):
        return SDKValidationError("options must be a RequestOptions", raw_value=options)
    if options is not None and options.timeout is not None:
        timeout = options.timeout
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, (int, float))
            or not (0 < timeout < math.inf)
        ):
            return SDKValidationError(
                "timeout must be a positive, finite number", raw_value=timeout
            )
    if options is not None and options.retry_codes is not None:
        try:
            parse_codes(options.retry_codes)
        except (TypeError, ValueError) as exc:
            return SDKValidationError(f"retry_codes: {exc}", raw_value=options.retry_codes)
    if op.body_type is not None:
        return check_body(op.body_type, body)
    return None


def _snake(name: str) -> str:
    """The Python name of a wire parameter (``buildId`` -> ``build_id``), for messages."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _encodable(value: str) -> bool:
    """Whether ``value`` can be percent-encoded as UTF-8 (a lone surrogate cannot)."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def check_body(body_type: type[object], body: object) -> SDKValidationError | None:
    if not isinstance(body, body_type):
        return SDKValidationError(
            f"expected {body_type.__name__}, got {type(body).__name__}", raw_value=body
        )
    try:
        # Round-trip through the strict converter: every field must have its declared type.
        _converter.structure(_converter.unstructure(body), body_type)
    except Exception as exc:
        wire = _converter.unstructure(body)
        detail = _converter.explain(wire, body_type, exc)
        return SDKValidationError(f"{body_type.__name__}: {detail}", raw_value=body)
    for field in attrs.fields(type(body)):  # type: ignore[arg-type]
        value = getattr(body, field.name)
        if isinstance(value, int) and value < 0:
            return SDKValidationError(f"{field.name} must not be negative", raw_value=body)
        if value == "" and field.default is attrs.NOTHING:
            return SDKValidationError(f"{field.name} must not be empty", raw_value=body)
    return None
