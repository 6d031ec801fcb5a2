"""Every error the SDK produces on purpose.

Callers catch one base class, :class:`HathoraError`. The tree::

    HathoraError                         base of everything the SDK produces on purpose
    ├── HathoraCloudError                an error HTTP response: status_code, headers, body, ...
    │   ├── ApiError                     a listed status with a JSON {"message"}: .message
    │   ├── SDKError                     any other error status, unexpected status / content type
    │   └── ResponseValidationError      the body does not fit the schema (invalid JSON included)
    ├── SDKValidationError               bad input, caught before anything is sent
    ├── HTTPClientError                  no usable response; __cause__ is the underlying error
    │   ├── HTTPConnectionError          connect / DNS / reset / server went away (also mid-stream)
    │   ├── RequestTimeoutError          also a builtin TimeoutError
    │   ├── RequestAbortedError          the stream or core was closed under the request
    │   ├── InvalidRequestError          the request cannot be built (no server URL, closed core)
    │   └── UnexpectedClientError        anything else from the transport
    ├── UploadError                      a part or the completion failed after retries
    └── BuildFailedError                 the build ended ``failed``

No message, ``repr`` or attribute of these errors ever contains the developer token or the query
string of a presigned upload URL.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from .models import BuildV3

__all__ = (
    "ApiError",
    "BuildFailedError",
    "HTTPClientError",
    "HTTPConnectionError",
    "HathoraCloudError",
    "HathoraError",
    "InvalidRequestError",
    "OperationError",
    "RequestAbortedError",
    "RequestTimeoutError",
    "ResponseValidationError",
    "SDKError",
    "SDKValidationError",
    "UnexpectedClientError",
    "UploadAndRunError",
    "UploadBuildError",
    "UploadError",
)

_BODY_LIMIT = 10_000
_EMPTY_HEADERS: Mapping[str, str] = {}


class HathoraError(Exception):
    """Base class of every error the SDK produces on purpose.

    Attributes:
        build_id: The build an upload, run, wait or deploy flow was working on when this error
            happened (``None`` outside those flows, or before the build existed).
        build_deleted: Whether the flow deleted that build on the way out (it created the
            build itself and the upload never finished); ``False`` means it is still there.
    """

    build_id: str | None = None
    build_deleted: bool = False

    @property
    def message(self) -> str:
        """The human-readable message."""
        return str(self.args[0]) if self.args else ""


class HathoraCloudError(HathoraError):
    """The server answered with a status or body the operation does not accept.

    Attributes:
        status_code: The HTTP status of the response.
        headers: The response headers.
        body: The response body as text (``""`` when empty).
        content_type: The response's media type, ``""`` when the header was missing.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: str = "",
        headers: Mapping[str, str] | None = None,
        content_type: str = "",
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body
        self.headers: Mapping[str, str] = headers if headers is not None else _EMPTY_HEADERS
        self.content_type = content_type

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait (``Retry-After``), or ``None`` when it did not say."""
        return parse_retry_after(self.headers.get("Retry-After"))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, message={self.message!r})"


class ApiError(HathoraCloudError):
    """A documented error status whose JSON body carries the server's ``message``."""


class SDKError(HathoraCloudError):
    """Any other error status, or a status / content type the operation does not expect."""

    @classmethod
    def from_response(
        cls,
        prefix: str,
        *,
        status_code: int,
        body: str,
        headers: Mapping[str, str],
        content_type: str,
    ) -> SDKError:
        """Build the error with a message that shows the status, content type and body."""
        message = f"{prefix}: Status {status_code}"
        if content_type != "application/json":
            shown = f'"{content_type}"' if " " in content_type else content_type or '""'
            message += f" Content-Type {shown}"
        if body:
            cut = body[:_BODY_LIMIT]
            if len(body) > _BODY_LIMIT:
                cut += f"...and {len(body) - _BODY_LIMIT} more chars"
            message += ("\n" if len(body) > 100 else ". Body: ") + cut
        return cls(
            message, status_code=status_code, body=body, headers=headers, content_type=content_type
        )


class ResponseValidationError(HathoraCloudError):
    """The response body does not fit the operation's schema (invalid JSON included).

    Attributes:
        raw_value: The parsed JSON value when the body was valid JSON, else the raw body text.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: str = "",
        headers: Mapping[str, str] | None = None,
        content_type: str = "",
        raw_value: object = None,
    ) -> None:
        super().__init__(
            message, status_code=status_code, body=body, headers=headers, content_type=content_type
        )
        self.raw_value = raw_value


class SDKValidationError(HathoraError, ValueError):
    """The input is invalid; nothing was sent.

    Attributes:
        raw_value: The offending value.
    """

    def __init__(self, message: str, *, raw_value: object = None) -> None:
        super().__init__(f"Input validation failed: {message}")
        self.raw_value = raw_value


class HTTPClientError(HathoraError):
    """No usable HTTP response; ``__cause__`` holds the underlying error when there was one."""


class HTTPConnectionError(HTTPClientError):
    """The connection failed: connect refused, DNS, reset, or the server went away mid-stream."""


class RequestTimeoutError(HTTPClientError, TimeoutError):
    """The request took longer than ``timeout``, or a stream was silent past its idle timeout."""


class RequestAbortedError(HTTPClientError):
    """The stream or core was closed while the request was still using it."""


class InvalidRequestError(HTTPClientError):
    """The request cannot be built: no usable server URL, a closed core, or the wrong event loop."""


class UnexpectedClientError(HTTPClientError):
    """The transport failed in a way no other class describes."""


class UploadError(HathoraError):
    """A part upload or the upload's completion failed for good.

    Attributes:
        build_id: The build whose upload failed.
        part_number: The 1-based part that failed, or ``None`` for the completion step.
        attempts: How many attempts were made.
        status_code: The last HTTP status seen, when there was a response.
    """

    def __init__(
        self,
        message: str,
        *,
        part_number: int | None,
        attempts: int,
        status_code: int | None = None,
        build_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.part_number = part_number
        self.attempts = attempts
        self.status_code = status_code
        self.build_id = build_id

    def __repr__(self) -> str:
        return (
            f"UploadError(build_id={self.build_id!r}, part_number={self.part_number}, "
            f"attempts={self.attempts}, message={self.message!r})"
        )


class BuildFailedError(HathoraError):
    """The build ran and ended ``failed``.

    Attributes:
        build: The final state of the build.
        log_tail: The last lines of the build log (at most 50).
    """

    def __init__(self, message: str, *, build: BuildV3, log_tail: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.build = build
        self.log_tail = log_tail
        self.build_id = build.build_id


OperationError: TypeAlias = (
    ApiError
    | SDKError
    | ResponseValidationError
    | SDKValidationError
    | HTTPConnectionError
    | RequestTimeoutError
    | RequestAbortedError
    | InvalidRequestError
    | UnexpectedClientError
)
"""Every error an API operation can return in its ``Err``."""


def parse_retry_after(value: str | None) -> float | None:
    """Return the delay a ``Retry-After`` header asks for, in seconds, or ``None``.

    Accepts a number of seconds or an HTTP date; a date in the past gives ``0.0``.
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        return max(0.0, when.timestamp() - time.time())
    return seconds if seconds >= 0 and seconds == seconds else None


UploadBuildError: TypeAlias = OperationError | UploadError
"""Every error :func:`~hathora_cloud.funcs.builds_v3_upload_build` can return in its ``Err``."""

UploadAndRunError: TypeAlias = OperationError | UploadError | BuildFailedError
"""Every error :func:`~hathora_cloud.funcs.builds_v3_upload_and_run` can return in its ``Err``."""
