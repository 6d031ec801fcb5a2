"""The one retry engine: which outcomes are retried, how long to wait, and the loop itself.

API calls and presigned upload requests both resolve a :class:`RetryPolicy` with
:func:`policy_for` and run their attempts through :func:`run`. Only this module reads
``Retry-After`` into a wait and computes backoff delays. :func:`set_testing` (public as
``hathora_cloud.testing.set_testing``) makes every wait zero - attempts and decisions stay the
same, so tests still see the retries they provoke.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import attrs

from ._transport import Failure
from .errors import parse_retry_after
from .retries import API_RETRY, DEFAULT_RETRY_CODES, BackoffStrategy, RetryConfig, parse_codes

__all__ = ("RetryPolicy", "is_testing", "policy_for", "retry_after", "run", "set_testing")

T = TypeVar("T")
logger = logging.getLogger("hathora_cloud")
_testing = False


class _TestingSwitch(contextlib.AbstractContextManager[None]):
    """Returned by :func:`set_testing`; as a context manager it restores the previous state."""

    def __init__(self, previous: bool) -> None:
        self._previous = previous

    def __exit__(self, *exc_info: object) -> None:
        global _testing
        _testing = self._previous


def set_testing(enabled: bool = True) -> _TestingSwitch:
    """Make every retry wait zero (``True``) or real again (``False``).

    Takes effect at once; used as ``with set_testing():`` it also restores the previous state
    on exit.
    """
    global _testing
    previous, _testing = _testing, bool(enabled)
    return _TestingSwitch(previous)


def is_testing() -> bool:
    """Whether retry waits are currently skipped (see :func:`set_testing`)."""
    return _testing


def retry_after(value: str | None) -> float | None:
    """The wait a ``Retry-After`` header asks for, in seconds (``None`` when absent or junk)."""
    return parse_retry_after(value)


@attrs.frozen
class RetryPolicy:
    """The resolved policy of one kind of request.

    Attributes:
        config: The configuration in force.
        codes: Statuses retried exactly; ``families`` retried by hundreds digit.
        cautious: The safe default's rule: a request that may have reached the server and is
            not idempotent is retried only on 429.
        idempotent: Whether repeating the request cannot duplicate work.
    """

    config: RetryConfig
    codes: frozenset[int]
    families: frozenset[int]
    cautious: bool
    idempotent: bool

    @property
    def enabled(self) -> bool:
        """Whether this policy ever retries."""
        return self.config.strategy != "none"

    def retries_status(self, status: int) -> bool:
        """Whether a response with ``status`` may be retried."""
        if not self.enabled or not (status in self.codes or status // 100 in self.families):
            return False
        return self.idempotent or not self.cautious or status == 429

    def retries_failure(self, kind: Failure) -> bool:
        """Whether a transport failure of ``kind`` may be retried."""
        if not self.enabled or not self.config.retry_connection_errors:
            return False
        if kind is Failure.NOT_SENT:
            return True
        if kind in (Failure.CONNECTION, Failure.TIMEOUT):
            return self.idempotent or not self.cautious
        return False  # aborted, permanent, invalid, unexpected: a retry cannot help

    def wait(self, attempt: int, elapsed: float, after: float | None) -> float | None:
        """The seconds to wait before attempt ``attempt + 1``, or ``None`` to stop.

        ``after`` is the server's ``Retry-After``: never waited less, up to 10 % (at most
        1 s) more so that clients told the same moment spread out; capped at ``max_interval``.
        """
        config = self.config
        if config.max_attempts is not None and attempt >= config.max_attempts:
            return None
        backoff = config.backoff
        if elapsed >= backoff.max_elapsed_time:
            return None
        delay = _delay(backoff, attempt - 1, after)
        return None if elapsed + delay > backoff.max_elapsed_time else delay


def _delay(backoff: BackoffStrategy, retry_index: int, after: float | None) -> float:
    if after is not None:
        base = min(after, backoff.max_interval)
        return min(base + random.random() * min(0.1 * base, 1.0), backoff.max_interval)
    try:
        grown = backoff.initial_interval * backoff.exponent**retry_index
    except OverflowError:  # after enough retries exponent**n no longer fits a float
        grown = backoff.max_interval
    return min(grown, backoff.max_interval) * (0.5 + random.random() / 2)


@functools.lru_cache(maxsize=256)
def policy_for(
    config: RetryConfig | None,
    codes: Sequence[str] | None,
    idempotent: bool,
    default: RetryConfig = API_RETRY,
) -> RetryPolicy:
    """Resolve the caller's configuration (``None``: ``default``) into a policy.

    Cached: every argument is a frozen, hashable value, and nothing here reads module state.
    """
    exact, families = parse_codes(codes if codes is not None else DEFAULT_RETRY_CODES)
    # (callers pass codes as a tuple: the cache needs hashable arguments)
    return RetryPolicy(config or default, exact, families, config is None, idempotent)


async def run(
    policy: RetryPolicy,
    attempt: Callable[[int], Awaitable[T]],
    judge: Callable[[T], float | bool | None],
    *,
    first: T | None = None,
    started: float | None = None,
    describe: Callable[[T, int, float, float | None], None] | None = None,
    interrupt: asyncio.Event | None = None,
) -> tuple[T, int]:
    """Run ``attempt(1)``, ``attempt(2)``... until an outcome is final or the policy stops.

    Args:
        policy: When to retry and how long to wait.
        attempt: Makes attempt number ``n`` and returns its outcome (never raises for a
            run-time failure).
        judge: ``False``/``None``: the outcome is final; ``True``: retryable; a float:
            retryable, and the server asked to wait that many seconds.
        first: The outcome of attempt 1 when the caller already made it (the hot path makes
            the first attempt without entering this coroutine).
        started: ``time.monotonic()`` when attempt 1 began (the elapsed-time budget).
        describe: Called after every attempt with the outcome, its number, the elapsed
            seconds and the wait before the next one (``None``: no next one), for logging.
        interrupt: An event that ends a wait early (the core was closed); the next attempt
            then reports it.

    Returns:
        The last outcome and the number of attempts made.
    """
    started = time.monotonic() if started is None else started
    number = 1
    outcome = await attempt(1) if first is None else first
    while True:
        verdict = judge(outcome)
        wait = None
        if verdict is not None and verdict is not False:
            after = None if verdict is True else float(verdict)
            wait = policy.wait(number, time.monotonic() - started, after)
        if describe is not None:
            describe(outcome, number, time.monotonic() - started, wait)
        if wait is None:
            return outcome, number
        await _sleep(wait, interrupt)
        number += 1
        outcome = await attempt(number)


async def _sleep(seconds: float, interrupt: asyncio.Event | None) -> None:
    if _testing:
        seconds = 0.0
    if interrupt is None or seconds <= 0:
        await asyncio.sleep(seconds)
        return
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(interrupt.wait(), seconds)
