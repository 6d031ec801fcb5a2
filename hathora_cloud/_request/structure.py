"""Structuring: a JSON success body into the operation's model, or ``ResponseValidationError``."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any, TypeVar

from .. import _converter
from .._construct import fast_ok
from .._operations import Operation
from .._transport import NO_SECRETS, Secrets, redact
from ..errors import OperationError, ResponseValidationError
from ..result import CallMeta, Err, Ok, Result
from .classify import Reply, parse_json

__all__ = ("LARGE_BODY", "invalid", "structure_large_reply", "structure_reply")

LARGE_BODY = 256 * 1024
"""Bodies at least this long are parsed and structured in slices (:mod:`.cooperative`)."""

T = TypeVar("T")

_GC_PAUSE_MIN_BYTES = 1 << 16


def structure_reply(
    op: Operation[T], reply: Reply, meta: CallMeta, secrets: Callable[[], Secrets]
) -> Result[T, OperationError]:
    """Decode and structure ``reply``; a body that does not fit is ``ResponseValidationError``.

    Decoding a large page allocates hundreds of thousands of objects that all survive, and the
    cyclic GC would traverse them again and again (a quarter of the time for 10,000 builds)
    although none can be garbage yet: it is paused for large bodies (nothing here awaits).
    """
    paused = len(reply.body) >= _GC_PAUSE_MIN_BYTES and gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _structure_body(op, reply, meta, secrets)
    finally:
        if paused:
            gc.enable()


def _structure_body(
    op: Operation[T], reply: Reply, meta: CallMeta, secrets: Callable[[], Secrets]
) -> Result[T, OperationError]:
    assert op.response_type is not None
    try:
        data = parse_json(reply.body)
    except ValueError as exc:
        return _not_json(reply, meta, secrets, exc)
    try:
        return fast_ok(_converter.structure(data, op.response_type), meta)
    except Exception as exc:  # any mismatch, however deep: the body does not fit the schema
        return _not_fitting(op, reply, meta, secrets, data, exc)


async def structure_large_reply(
    op: Operation[T], reply: Reply, meta: CallMeta, secrets: Callable[[], Secrets]
) -> Result[T, OperationError]:
    """:func:`structure_reply` for a large body, in slices that yield to the loop."""
    from . import cooperative  # only large bodies need it: kept off the import path

    assert op.response_type is not None
    async with cooperative.gc_paused():
        try:
            data = await cooperative.parse(reply.body)
        except ValueError as exc:
            return _not_json(reply, meta, secrets, exc)
        try:
            return Ok(await cooperative.structure(data, op.response_type), meta=meta)
        except Exception as exc:  # any mismatch, however deep: the body does not fit the schema
            return _not_fitting(op, reply, meta, secrets, data, exc)


def _not_json(
    reply: Reply, meta: CallMeta, secrets: Callable[[], Secrets], exc: ValueError
) -> Err[OperationError]:
    detail = f"the body is not valid JSON ({_short(exc)})"
    return Err(invalid(reply, detail, None, secrets()), meta=meta)


def _not_fitting(
    op: Operation[Any],
    reply: Reply,
    meta: CallMeta,
    secrets: Callable[[], Secrets],
    data: object,
    exc: Exception,
) -> Err[OperationError]:
    detail = _explain(data, op.response_type, exc)  # type: ignore[arg-type]
    return Err(invalid(reply, detail, data, secrets()), meta=meta)


def _explain(data: object, cls: type[Any], exc: Exception) -> str:
    try:
        return _converter.explain(data, cls, exc)
    except Exception:  # explaining must never fail the call: fall back to the exception's type
        return f"{type(exc).__name__}"


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) <= 120 else text[:120] + "..."


def invalid(
    reply: Reply, detail: str, raw_value: object, secrets: Secrets = NO_SECRETS
) -> ResponseValidationError:
    """A ``ResponseValidationError`` for ``reply`` (``raw_value``: parsed JSON, else the text).

    ``detail`` may quote a value from the body: it is redacted like any body text.
    """
    text = reply.text()
    return ResponseValidationError(
        f"Response validation failed: {redact(detail, secrets)}",
        status_code=reply.status,
        body=text,
        headers=reply.headers,
        content_type=reply.content_type,
        raw_value=text if raw_value is None else raw_value,
    )
