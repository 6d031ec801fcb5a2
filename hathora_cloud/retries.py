"""Retry configuration and the policy that decides whether, and how long, to wait before retrying.

Two shapes, as in the TypeScript SDK but in **seconds**:

* ``RetryConfig(strategy="backoff", ...)`` retries every operation on the retry codes (and on
  connection errors when ``retry_connection_errors``), until ``max_elapsed_time`` runs out.
* ``RetryConfig(strategy="none")`` never retries.

With no ``retry_config`` at all the SDK applies a *safe default*: at most 3 attempts within 30 s;
``GET``/``DELETE`` retry on the codes and on connection errors; ``POST`` retries only on 429 and on
failures where the request provably never reached the server (connection refused, DNS); a run
stream is never retried once its response began.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Literal

import attrs

__all__ = ("DEFAULT_RETRY_CODES", "BackoffStrategy", "RequestOptions", "RetryConfig")

DEFAULT_RETRY_CODES: tuple[str, ...] = ("429", "500", "502", "503", "504")
"""The statuses retried unless a call names its own."""


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{attribute.name} must be a positive number of seconds, got {value!r}")


@attrs.frozen(kw_only=True)
class BackoffStrategy:
    """How long to wait between attempts (all durations in seconds).

    The n-th retry (n = 0, 1, ...) waits ``initial_interval * exponent ** n``, capped at
    ``max_interval``, with jitter (a uniform draw between half and all of it). A ``Retry-After``
    from the server replaces the computed wait: never shorter, up to 10 % (at most 1 s) longer,
    still capped at ``max_interval``.
    """

    initial_interval: float = attrs.field(default=0.5, validator=_positive)
    """The first wait, in seconds."""
    max_interval: float = attrs.field(default=60.0, validator=_positive)
    """The longest single wait, in seconds (``Retry-After`` included)."""
    exponent: float = attrs.field(default=1.5, validator=_positive)
    """The growth factor of the wait between retries."""
    max_elapsed_time: float = attrs.field(default=3600.0, validator=_positive)
    """No retry starts once this many seconds have passed since the first attempt."""

    def delay(self, retry_index: int, retry_after: float | None = None) -> float:
        """Return the wait before retry number ``retry_index`` (0-based), in seconds."""
        if retry_after is not None:
            # Never sooner than the server asked, a little later: clients told the same moment
            # spread out instead of returning together.
            base = min(retry_after, self.max_interval)
            return min(base + random.random() * min(0.1 * base, 1.0), self.max_interval)
        try:
            grown = self.initial_interval * self.exponent**retry_index
        except OverflowError:  # after enough retries exponent**n no longer fits a float
            grown = self.max_interval
        base = min(grown, self.max_interval)
        return base * (0.5 + random.random() / 2)


@attrs.frozen(kw_only=True)
class RetryConfig:
    """Whether and how calls are retried; the TypeScript SDK's ``RetryConfig`` in seconds.

    Args:
        strategy: ``"backoff"`` retries; ``"none"`` never does.
        backoff: The waits between attempts.
        retry_connection_errors: Also retry when the connection failed or timed out.
        max_attempts: An optional cap on attempts, on top of ``backoff.max_elapsed_time``.
    """

    strategy: Literal["backoff", "none"] = attrs.field(
        default="backoff", validator=attrs.validators.in_(("backoff", "none"))
    )
    backoff: BackoffStrategy = attrs.field(factory=BackoffStrategy)
    retry_connection_errors: bool = True
    max_attempts: int | None = None


SAFE_DEFAULT = RetryConfig(
    backoff=BackoffStrategy(
        initial_interval=0.5, max_interval=10.0, exponent=2.0, max_elapsed_time=30.0
    ),
    max_attempts=3,
)
"""The policy used when the caller gives no ``retry_config`` (see the module docstring)."""


def _redacted(headers: Mapping[str, str] | None) -> str:
    """Show header names only: a value may be a credential (an ``Authorization`` override)."""
    if headers is None:
        return "None"
    return repr(dict.fromkeys(headers, "<redacted>"))


@attrs.frozen(kw_only=True)
class RequestOptions:
    """Per-call overrides of the core's settings.

    Args:
        timeout: Seconds one attempt of a unary call may take.
        retries: The retry configuration for this call.
        retry_codes: Statuses to retry, such as ``("429", "5XX")``.
        server_url: The base URL for this call only.
        headers: Extra request headers; they override the SDK's own, ``Authorization`` included.
    """

    timeout: float | None = None
    retries: RetryConfig | None = None
    retry_codes: Sequence[str] | None = None
    server_url: str | None = None
    headers: Mapping[str, str] | None = attrs.field(default=None, repr=_redacted)


@attrs.frozen
class RetryPolicy:
    """The resolved policy of one call (private machinery; built by the request path)."""

    config: RetryConfig
    codes: frozenset[int]
    families: frozenset[int]
    is_safe_default: bool
    idempotent: bool

    @classmethod
    def resolve(
        cls,
        config: RetryConfig | None,
        codes: Sequence[str] | None,
        *,
        idempotent: bool,
    ) -> RetryPolicy:
        """Combine the call's and the core's settings into one policy."""
        exact, families = parse_codes(codes if codes is not None else DEFAULT_RETRY_CODES)
        return cls(config or SAFE_DEFAULT, exact, families, config is None, idempotent)

    def retries_status(self, status: int) -> bool:
        """Whether a response with ``status`` may be retried."""
        if self.config.strategy == "none":
            return False
        if not (status in self.codes or status // 100 in self.families):
            return False
        return self.idempotent or not self.is_safe_default or status == 429

    def retries_connection_error(self, *, reached_server: bool) -> bool:
        """Whether a failed connection may be retried (``reached_server``: bytes may have left)."""
        if self.config.strategy == "none" or not self.config.retry_connection_errors:
            return False
        return self.idempotent or not self.is_safe_default or not reached_server

    def may_retry(self, attempts: int, elapsed: float) -> bool:
        """Whether another attempt fits the attempt cap and the elapsed-time budget."""
        cap = self.config.max_attempts
        if cap is not None and attempts >= cap:
            return False
        return elapsed < self.config.backoff.max_elapsed_time

    def delay(self, retry_index: int, retry_after: float | None, elapsed: float) -> float | None:
        """Return the wait before the next attempt, or ``None`` if it would overrun the budget."""
        wait = self.config.backoff.delay(retry_index, retry_after)
        if elapsed + wait > self.config.backoff.max_elapsed_time:
            return None
        return wait


def parse_codes(codes: Sequence[str | int]) -> tuple[frozenset[int], frozenset[int]]:
    """Split ``("429", "5XX")`` into exact statuses and status families (hundreds digits)."""
    exact: set[int] = set()
    families: set[int] = set()
    for code in codes:
        text = str(code).strip().upper()
        if len(text) == 3 and text[0] in "12345" and text[1:] == "XX":
            families.add(int(text[0]))
        elif text.isdigit() and 100 <= int(text) <= 599:
            exact.add(int(text))
        else:
            raise ValueError(f"not a status code or range: {code!r}")
    return frozenset(exact), frozenset(families)
