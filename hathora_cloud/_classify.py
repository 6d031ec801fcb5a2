"""Classification: what a reply or a transport failure means, as contract §4 defines it.

The one place that turns statuses, content types and aiohttp exceptions into ``Ok``/``Err``.
"""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Mapping
from typing import Any, TypeVar

import aiohttp
import attrs

from . import _converter
from ._core import HathoraCloudCore
from ._operations import JSON, Operation
from .errors import (
    ApiError,
    HathoraError,
    HTTPConnectionError,
    InvalidRequestError,
    OperationError,
    RequestAbortedError,
    RequestTimeoutError,
    ResponseValidationError,
    SDKError,
    UnexpectedClientError,
)
from .result import CallMeta, Err, Ok, Result

__all__ = (
    "CONNECTION_FAILURES",
    "TIMEOUTS",
    "NotSent",
    "Reply",
    "error_for",
    "read_capped",
    "structure_reply",
    "transport_error",
)

# Before 3.11 asyncio.TimeoutError and the builtin (raised by anyio) are different classes.
TIMEOUTS = (asyncio.TimeoutError, TimeoutError, aiohttp.ServerTimeoutError)
"""Exceptions meaning a deadline passed (unary timeout, idle stream, idle upload)."""
CONNECTION_FAILURES = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, OSError)
"""Exceptions meaning the connection failed or the peer went away (check TIMEOUTS first)."""

BODY_LIMIT = 1 << 20
"""The most bytes of an error body that are read (an error answer may itself be endless)."""

T = TypeVar("T")


@attrs.define
class Reply:
    """A complete (non-streamed) reply: status, headers, media type and body."""

    status: int
    headers: Mapping[str, str]
    mimetype: str
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


class NotSent(HTTPConnectionError):
    """A connection failure before any byte of the request left (safe to retry any method).

    ``permanent`` marks failures a retry cannot fix, such as an untrusted certificate.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent

    def unwrap(self) -> HathoraError:
        error = HTTPConnectionError(self.message)
        error.__cause__ = self.__cause__
        return error


def transport_error(core: HathoraCloudCore, exc: Exception) -> HathoraError:
    """Map an aiohttp or OS exception onto the SDK's error tree."""
    if isinstance(exc, HathoraError):
        return exc
    if core.closed:
        return RequestAbortedError("the HathoraCloudCore was closed during the request")
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return NotSent(f"timed out connecting to the server: {exc}")
    if isinstance(exc, TIMEOUTS):
        return RequestTimeoutError("the request timed out")
    if isinstance(exc, aiohttp.ClientSSLError):
        return NotSent(f"TLS failed (check the ssl option or CA bundle): {exc}", permanent=True)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return NotSent(f"cannot connect to the server: {exc}")
    if isinstance(exc, aiohttp.InvalidURL):
        return InvalidRequestError(f"invalid request URL: {exc}")
    if isinstance(exc, CONNECTION_FAILURES):
        return HTTPConnectionError(f"the connection failed: {exc}")
    return UnexpectedClientError(f"unexpected HTTP client error: {exc!r}")


async def read_capped(response: aiohttp.ClientResponse, limit: int = BODY_LIMIT) -> bytes:
    """Read at most ``limit`` bytes of a body (all of it when it is shorter)."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = await response.content.read(limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def error_for(op: Operation[Any], reply: Reply) -> ApiError | SDKError | ResponseValidationError:
    """Classify a reply that is not the operation's success (contract §4)."""
    text = reply.body.decode("utf-8", "replace")
    common: dict[str, Any] = {
        "status_code": reply.status,
        "body": text,
        "headers": reply.headers,
        "content_type": reply.content_type,
    }
    if reply.status in op.api_error_statuses and reply.mimetype == JSON:
        try:
            data = json.loads(reply.body)
        except ValueError:
            return ResponseValidationError(
                "Response validation failed: the error body is not valid JSON",
                raw_value=text,
                **common,
            )
        if isinstance(data, dict) and isinstance(data.get("message"), str):
            return ApiError(data["message"] or f"API error occurred: {text}", **common)
        return ResponseValidationError(
            'Response validation failed: the error body has no string "message"',
            raw_value=data,
            **common,
        )
    prefix = (
        "API error occurred" if 400 <= reply.status < 600 else "Unexpected Status or Content-Type"
    )
    return SDKError.from_response(prefix, **common)


def structure_reply(op: Operation[T], reply: Reply, meta: CallMeta) -> Result[T, OperationError]:
    # Decoding a large page allocates hundreds of thousands of objects that all survive, and the
    # cyclic GC would traverse them again and again (a quarter of the time for 10,000 builds)
    # although none can be garbage yet. Pause it for large bodies; nothing here awaits.
    paused = len(reply.body) >= _GC_PAUSE_MIN_BYTES and gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _structure_body(op, reply, meta)
    finally:
        if paused:
            gc.enable()


_GC_PAUSE_MIN_BYTES = 1 << 16


def _structure_body(op: Operation[T], reply: Reply, meta: CallMeta) -> Result[T, OperationError]:
    assert op.response_type is not None
    try:
        data = json.loads(reply.body)
    except ValueError:
        text = reply.body.decode("utf-8", "replace")
        return Err(
            ResponseValidationError(
                "Response validation failed: the body is not valid JSON",
                status_code=reply.status,
                body=text,
                headers=reply.headers,
                content_type=reply.content_type,
                raw_value=text,
            ),
            meta=meta,
        )
    try:
        return Ok(_converter.structure(data, op.response_type), meta=meta)
    except Exception as exc:
        detail = _converter.explain(data, op.response_type, exc)
        error = ResponseValidationError(
            f"Response validation failed: {detail}",
            status_code=reply.status,
            body=reply.body.decode("utf-8", "replace"),
            headers=reply.headers,
            content_type=reply.content_type,
            raw_value=data,
        )
        return Err(error, meta=meta)
