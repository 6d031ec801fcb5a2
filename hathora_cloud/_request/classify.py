"""Classification: what a reply that is not the operation's success means (contract §4).

The one place that turns statuses, content types and error bodies into ``ApiError``,
``SDKError`` or ``ResponseValidationError``. Text from the body reaches a message only through
:func:`~hathora_cloud._transport.redact`: a server may echo the token, and a createBuild reply
carries presigned URLs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

from .._operations import JSON, OCTET_STREAM, Operation
from .._transport import NO_SECRETS, Secrets, redact
from ..errors import ApiError, ResponseValidationError, SDKError

__all__ = ("Reply", "error_for", "media_type", "parse_json")


def media_type(header: str | None) -> str:
    """The media type of a ``Content-Type`` header: lowercased, parameters dropped, and
    ``application/octet-stream`` when the header is missing or not ``type/subtype``.

    What aiohttp 3.12+ reports as ``ClientResponse.content_type``, for every aiohttp the package
    admits: before 3.12 that property ran the ``email`` package's header parser on every
    response, 60-100 µs per call (a third of a whole ``get_build`` on aiohttp 3.11), and called a
    malformed type ``text/plain``.
    """
    if header is None:
        return OCTET_STREAM
    kind = header.partition(";")[0].strip().lower()
    return kind if kind.count("/") == 1 else OCTET_STREAM


@attrs.define
class Reply:
    """A complete (non-streamed) reply: status, headers, media type and decoded body."""

    status: int
    headers: Mapping[str, str]
    mimetype: str
    body: bytes

    @property
    def content_type(self) -> str:
        """The raw ``Content-Type`` header (``""`` when missing)."""
        return self.headers.get("Content-Type", "")

    def text(self) -> str:
        """The body as text, invalid UTF-8 replaced."""
        return self.body.decode("utf-8", "replace")


def parse_json(body: bytes | str) -> object:
    """Decode JSON; every way it can fail (depth, number size, encoding) is a ``ValueError``."""
    try:
        return json.loads(body)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None


def error_for(
    op: Operation[Any], reply: Reply, secrets: Secrets = NO_SECRETS
) -> ApiError | SDKError | ResponseValidationError:
    """Classify a reply that is not the operation's success (contract §4)."""
    text = reply.text()
    common: dict[str, Any] = {
        "status_code": reply.status,
        "body": text,
        "headers": reply.headers,
        "content_type": reply.content_type,
    }
    if reply.status in op.api_error_statuses and reply.mimetype == JSON:
        try:
            data = parse_json(reply.body)
        except ValueError:
            return ResponseValidationError(
                "Response validation failed: the error body is not valid JSON",
                raw_value=text,
                **common,
            )
        if isinstance(data, dict) and isinstance(data.get("message"), str):
            message = data["message"] or f"API error occurred: {text}"
            return ApiError(redact(message, secrets), **common)
        return ResponseValidationError(
            'Response validation failed: the error body has no string "message"',
            raw_value=data,
            **common,
        )
    prefix = (
        "API error occurred" if 400 <= reply.status < 600 else "Unexpected Status or Content-Type"
    )
    error = SDKError.from_response(prefix, **{**common, "body": redact(text, secrets)})
    error.body = text
    return error
