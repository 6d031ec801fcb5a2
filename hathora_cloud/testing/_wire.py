"""JSON on the wire: ``{"message"}`` errors and request bodies read defensively.

Every JSON route reads its body through :func:`read_json_object`, which refuses what the real
service would (a non-JSON ``Content-Type``, a body too large, text that is not a JSON object)
with a 4xx ``{"message"}`` answer, whatever the client sends: deeply nested arrays, numbers
with thousands of digits, ``NaN``, invalid UTF-8 or a connection that dies half-way.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from aiohttp import hdrs, web
from aiohttp.http_exceptions import HttpProcessingError

from ._context import note_body_length

MAX_JSON_BODY = 1024 * 1024
"""The largest JSON request body the emulator reads, in bytes (larger ones get 413)."""
_BIG_INT_DIGITS = 300
UNREADABLE_BODY = (
    web.RequestPayloadError,
    HttpProcessingError,
    aiohttp.ClientError,
    ConnectionError,
)
"""What reading a body raises when it is cut short or its ``Content-Encoding`` does not decode."""


def json_response(status: int, body: Any) -> web.Response:
    """Return a JSON response with ``status``."""
    return web.json_response(body, status=status)


def json_error(status: int, message: str) -> web.Response:
    """Return an ApiError-shaped response: ``{"message": ...}``."""
    return json_response(status, {"message": message})


def is_json_media_type(content_type: str) -> bool:
    """Return whether a media type (parameters already removed) denotes JSON."""
    kind = content_type.strip().lower()
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


def _refuse_constant(name: str) -> Any:
    # JavaScript's JSON.parse rejects NaN and Infinity; Python's json would accept them.
    raise ValueError(f"{name} is not valid JSON")


def _parse_int(text: str) -> int | float:
    # JavaScript reads every JSON number as a double; so do huge ones here instead of tripping
    # Python's limit on integer digits. Validation then refuses them as out of range.
    return float(text) if len(text) > _BIG_INT_DIGITS else int(text)


def parse_json(raw: bytes) -> Any:
    """Parse ``raw`` as JSON the way a JavaScript server would.

    Raises:
        ValueError: The text is not JSON (or not UTF-8), or nests too deeply to parse.
    """
    try:
        return json.loads(
            raw.decode("utf-8"), parse_constant=_refuse_constant, parse_int=_parse_int
        )
    except RecursionError:
        raise ValueError("JSON nests too deeply") from None


class BodyError(Exception):
    """The request body cannot be used: too large (413) or unreadable (400)."""

    def __init__(self, status: int, message: str) -> None:
        """Remember the status to answer with and the reason."""
        super().__init__(message)
        self.status = status
        self.message = message


async def read_body(request: web.Request, limit: int) -> bytes:
    """Read the request body, at most ``limit`` bytes of it.

    Raises:
        BodyError: 413 when the body (or its declared ``Content-Length``) exceeds ``limit``,
            checked before reading what is declared; 400 when it cannot be read (a
            ``Content-Encoding`` that does not decode, a connection cut mid-body).
    """
    declared = request.content_length
    if declared is not None and declared > limit:
        raise BodyError(413, f"Request body is larger than {limit} bytes")
    received = bytearray()
    try:
        async for chunk in request.content.iter_chunked(64 * 1024):
            received += chunk
            if len(received) > limit:
                raise BodyError(413, f"Request body is larger than {limit} bytes")
    except UNREADABLE_BODY as exc:
        raise BodyError(400, f"Request body could not be read: {type(exc).__name__}") from None
    finally:
        note_body_length(len(received))
    return bytes(received)


async def read_json_object(request: web.Request) -> dict[str, Any] | web.Response:
    """Read the body as a JSON object, or return the 4xx response explaining why not.

    * 415 when a body comes without a JSON ``Content-Type`` (the emulator's choice: the service
      documents none; an API behind a JSON body parser would not even see such a body);
    * 413 above :data:`MAX_JSON_BODY` bytes;
    * 400 when the body cannot be read, or its text is not a JSON object.
    """
    if request.body_exists and not is_json_media_type(request.content_type):
        given = request.headers.get(hdrs.CONTENT_TYPE, "none")
        return json_error(415, f"Content-Type must be application/json, got {given[:100]}")
    try:
        raw = await read_body(request, MAX_JSON_BODY)
    except BodyError as exc:
        return json_error(exc.status, exc.message)
    try:
        body = parse_json(raw)
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError included
        return json_error(400, f"Invalid JSON body: {exc}")
    if not isinstance(body, dict):
        return json_error(400, "Request body must be a JSON object")
    return body
