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

from .._operations import JSON, Operation
from .._transport import NO_SECRETS, Secrets, redact
from ..errors import ApiError, ResponseValidationError, SDKError

__all__ = ("Reply", "error_for", "parse_json")


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
