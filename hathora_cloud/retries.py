"""Retry and per-call configuration: ``RetryConfig``, ``BackoffStrategy`` and ``RequestOptions``.

The TypeScript SDK's shapes, in **seconds**:

* ``RetryConfig(strategy="backoff", ...)`` retries every operation on the retry codes (and on
  connection errors when ``retry_connection_errors``), until ``max_elapsed_time`` runs out.
* ``RetryConfig(strategy="none")`` never retries.

With no ``retry_config`` at all the SDK applies a *safe default* (``API_RETRY``): at most 3
attempts within 30 s; ``GET``/``DELETE`` retry on the codes and on connection errors; ``POST``
retries only on 429 and on failures where the request provably never reached the server (connection
refused, DNS); a run stream is never retried once its response began. Presigned upload requests
(part PUTs and the completion) default to ``UPLOAD_RETRY``: 5 attempts within 5 minutes. One engine
(``hathora_cloud._retry``) applies all of them; ``hathora_cloud.testing.set_testing`` makes its
waits zero in tests.

Every field is checked when the object is built: a bad value raises ``SDKValidationError`` (a
``ValueError``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import attrs

from . import _checks
from .errors import SDKValidationError

__all__ = (
    "API_RETRY",
    "DEFAULT_RETRY_CODES",
    "UPLOAD_RETRY",
    "BackoffStrategy",
    "RequestOptions",
    "RetryConfig",
    "parse_codes",
)

DEFAULT_RETRY_CODES: tuple[str, ...] = ("429", "500", "502", "503", "504")
"""The statuses retried unless a call names its own."""

_seconds = _checks.as_validator(_checks.seconds)


@attrs.frozen(kw_only=True)
class BackoffStrategy:
    """How long to wait between attempts (all durations in seconds).

    The n-th retry (n = 0, 1, ...) waits ``initial_interval * exponent ** n``, capped at
    ``max_interval``, with jitter (a uniform draw between half and all of it). A ``Retry-After``
    from the server replaces the computed wait: never shorter, up to 10 % (at most 1 s) longer,
    still capped at ``max_interval``.
    """

    initial_interval: float = attrs.field(default=0.5, validator=_seconds)
    """The first wait, in seconds."""
    max_interval: float = attrs.field(default=60.0, validator=_seconds)
    """The longest single wait, in seconds (``Retry-After`` included)."""
    exponent: float = attrs.field(
        default=1.5, validator=_checks.as_validator(_checks.number, positive=True)
    )
    """The growth factor of the wait between retries."""
    max_elapsed_time: float = attrs.field(default=3600.0, validator=_seconds)
    """No retry starts once this many seconds have passed since the first attempt."""


def _strategy(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if value not in ("backoff", "none"):
        raise SDKValidationError('strategy must be "backoff" or "none"', raw_value=value)


@attrs.frozen(kw_only=True)
class RetryConfig:
    """Whether and how calls are retried; the TypeScript SDK's ``RetryConfig`` in seconds.

    Args:
        strategy: ``"backoff"`` retries; ``"none"`` never does.
        backoff: The waits between attempts.
        retry_connection_errors: Also retry when the connection failed or timed out.
        max_attempts: An optional cap on attempts, on top of ``backoff.max_elapsed_time``.
    """

    strategy: Literal["backoff", "none"] = attrs.field(default="backoff", validator=_strategy)
    backoff: BackoffStrategy = attrs.field(
        factory=BackoffStrategy,
        validator=_checks.as_validator(_checks.instance, cls=BackoffStrategy),
    )
    retry_connection_errors: bool = attrs.field(
        default=True, validator=_checks.as_validator(_checks.instance, cls=bool)
    )
    max_attempts: int | None = attrs.field(
        default=None, validator=_checks.as_validator(_checks.integer, minimum=1, optional=True)
    )


API_RETRY = RetryConfig(
    backoff=BackoffStrategy(
        initial_interval=0.5, max_interval=10.0, exponent=2.0, max_elapsed_time=30.0
    ),
    max_attempts=3,
)
"""The safe default of API calls when no ``retry_config`` is given (see the module docstring)."""

UPLOAD_RETRY = RetryConfig(
    backoff=BackoffStrategy(
        initial_interval=0.5, max_interval=10.0, exponent=2.0, max_elapsed_time=300.0
    ),
    max_attempts=5,
)
"""The default of presigned part uploads and the completion: 5 attempts within 5 minutes."""


def parse_codes(codes: Sequence[str | int]) -> tuple[frozenset[int], frozenset[int]]:
    """Split ``("429", "5XX")`` into exact statuses and status families (hundreds digits).

    Raises:
        SDKValidationError: An entry is neither a status (100-599) nor an ``NXX`` family.
    """
    if isinstance(codes, (str, bytes)) or not isinstance(codes, Sequence):
        raise SDKValidationError('retry_codes must be a sequence such as ("429", "5XX")')
    exact: set[int] = set()
    families: set[int] = set()
    for code in codes:
        text = str(code).strip().upper() if isinstance(code, (str, int)) else ""
        if len(text) == 3 and text[0] in "12345" and text[1:] == "XX":
            families.add(int(text[0]))
        elif text.isascii() and text.isdigit() and 100 <= int(text) <= 599:
            exact.add(int(text))
        else:
            raise SDKValidationError(
                f"retry_codes: not a status code or range: {code!r}", raw_value=code
            )
    return frozenset(exact), frozenset(families)


def _codes(
    _: object, attribute: attrs.Attribute[Sequence[str] | None], value: Sequence[str] | None
) -> None:
    if value is not None:
        parse_codes(value)


def _redacted(headers: Mapping[str, str] | None) -> str:
    """Show header names only: a value may be a credential (an ``Authorization`` override)."""
    if headers is None:
        return "None"
    return repr(dict.fromkeys(headers, "<redacted>"))


@attrs.frozen(kw_only=True)
class RequestOptions:
    """Per-call overrides of the core's settings (checked when built).

    Args:
        timeout: Seconds one attempt of a unary call may take (a positive, finite number).
        retries: The retry configuration for this call.
        retry_codes: Statuses to retry, such as ``("429", "5XX")``.
        server_url: The base URL for this call only (one that is not an absolute http(s) URL
            makes the call return ``Err(InvalidRequestError)``, like the core's).
        headers: Extra request headers; they override the SDK's own, ``Authorization`` included.
            Values are treated as secrets: never shown in ``repr``, errors or logs.
    """

    timeout: float | None = attrs.field(
        default=None, validator=_checks.as_validator(_checks.seconds, optional=True)
    )
    retries: RetryConfig | None = attrs.field(
        default=None,
        validator=_checks.as_validator(_checks.instance, cls=RetryConfig, optional=True),
    )
    retry_codes: Sequence[str] | None = attrs.field(default=None, validator=_codes)
    server_url: str | None = attrs.field(
        default=None, validator=_checks.as_validator(_checks.text, optional=True)
    )
    headers: Mapping[str, str] | None = attrs.field(
        default=None,
        repr=_redacted,
        validator=_checks.as_validator(_checks.headers, optional=True),
    )
