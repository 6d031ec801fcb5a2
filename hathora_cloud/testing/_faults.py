"""Fault injection: rules that make the emulator misbehave on purpose, for resilience tests."""

from __future__ import annotations

import random
from collections.abc import Iterator

import attrs

from ._state import FaultKind

_STREAMING_OPERATIONS = frozenset({"RunBuild", "RunBuildRegistry"})
OPERATIONS = frozenset(
    {
        "GetBuilds",
        "CreateBuild",
        "CreateBuildRegistry",
        "GetBuild",
        "DeleteBuild",
        "RunBuild",
        "RunBuildRegistry",
        "UploadPart",
        "CompleteUpload",
        "SharePage",
    }
)
"""Every operation id a rule can target (besides ``"*"``)."""


def _check_operation(_: object, __: attrs.Attribute[str], value: str) -> None:
    # A misspelt operation would never fire, and the user's test would pass without its fault.
    if value != "*" and value not in OPERATIONS:
        raise ValueError(f"unknown operation {value!r}; use '*' or one of {sorted(OPERATIONS)}")


def _check_probability(_: object, __: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"probability must be within [0, 1], got {value}")


def _check_times(_: object, __: attrs.Attribute[int | None], value: int | None) -> None:
    if value is not None and value < 1:
        raise ValueError(f"times must be >= 1 or None, got {value}")


@attrs.frozen
class FaultRule:
    """One injected fault: what to do, to which operation, and how often.

    Build rules with the class methods (:meth:`status_code`, :meth:`latency`, :meth:`drop`,
    :meth:`cut_stream`, :meth:`malformed_json`) rather than the constructor.
    """

    kind: FaultKind
    """What the fault does."""
    operation: str = attrs.field(default="*", validator=_check_operation)
    """Operation id to match (``"GetBuild"``, ``"UploadPart"``, ...) or ``"*"`` for every call."""
    status: int = 503
    """HTTP status for :attr:`FaultKind.STATUS` faults."""
    body: str = "json"
    """Error body format for status faults: ``"json"`` (``{"message"}``), ``"html"``,
    ``"xml"`` (S3 style) or ``"empty"``."""
    retry_after: str | None = None
    """``Retry-After`` header value for status faults (seconds or an HTTP date)."""
    delay: float = 0.0
    """Seconds to wait before the fault (or, for latency faults, before handling)."""
    after_lines: int | None = None
    """For cut streams on the run endpoints: log lines sent before the cut
    (``None`` means half of the log). Other operations get half of their body."""
    times: int | None = attrs.field(default=None, validator=_check_times)
    """How many matching calls the rule fires for; ``None`` means every one."""
    probability: float = attrs.field(default=1.0, validator=_check_probability)
    """Chance that a matching call fires the rule; draws use :attr:`seed`."""
    seed: int | None = None
    """Seed of the rule's own random generator, for deterministic probabilities."""

    @classmethod
    def status_code(
        cls,
        status: int,
        *,
        operation: str = "*",
        retry_after: float | str | None = None,
        body: str = "json",
        delay: float = 0.0,
        times: int | None = None,
        probability: float = 1.0,
        seed: int | None = None,
    ) -> FaultRule:
        """Answer matching calls with ``status`` instead of handling them.

        Args:
            status: The HTTP status, e.g. 429 or 503.
            operation: Operation id to match, or ``"*"``.
            retry_after: ``Retry-After`` header value; numbers are seconds.
            body: ``"json"``, ``"html"``, ``"xml"`` or ``"empty"``.
            delay: Seconds to wait before answering.
            times: Fire for this many matching calls (``None``: all).
            probability: Chance of firing per matching call.
            seed: Seed for the probability draws.

        Returns:
            The rule, to pass to :meth:`FaultRegistry.add`.
        """
        header = None if retry_after is None else _format_retry_after(retry_after)
        return cls(
            FaultKind.STATUS,
            operation=operation,
            status=status,
            body=body,
            retry_after=header,
            delay=delay,
            times=times,
            probability=probability,
            seed=seed,
        )

    @classmethod
    def latency(cls, delay: float, *, operation: str = "*", times: int | None = None) -> FaultRule:
        """Delay matching calls by ``delay`` seconds, then handle them normally."""
        return cls(FaultKind.LATENCY, operation=operation, delay=delay, times=times)

    @classmethod
    def drop(cls, *, operation: str = "*", times: int | None = None) -> FaultRule:
        """Close the connection of matching calls without any response (nothing is handled)."""
        return cls(FaultKind.DROP, operation=operation, times=times)

    @classmethod
    def cut_stream(
        cls, *, operation: str = "*", after_lines: int | None = None, times: int | None = None
    ) -> FaultRule:
        """Send part of the response, then abort the connection.

        On ``RunBuild``/``RunBuildRegistry`` the build itself carries on to the end; the
        client just stops receiving after ``after_lines`` lines (default: half the log).
        Other operations are handled, then half of their body is sent.
        """
        return cls(FaultKind.CUT_STREAM, operation=operation, after_lines=after_lines, times=times)

    @classmethod
    def malformed_json(cls, *, operation: str = "*", times: int | None = None) -> FaultRule:
        """Answer matching calls with 200, ``application/json`` and a truncated JSON body."""
        return cls(FaultKind.MALFORMED_JSON, operation=operation, times=times)

    def matches(self, operation: str) -> bool:
        """Return whether this rule targets ``operation``."""
        return self.operation in ("*", operation)


def _format_retry_after(value: float | str) -> str:
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else str(value)


@attrs.define
class _ActiveRule:
    rule: FaultRule
    remaining: int | None
    rng: random.Random


class FaultRegistry:
    """The ordered list of active fault rules of one emulator (``fake.faults``)."""

    def __init__(self) -> None:
        """Create an empty registry."""
        self._rules: list[_ActiveRule] = []

    def add(self, rule: FaultRule) -> FaultRule:
        """Append ``rule``; earlier rules are tried first.

        Args:
            rule: The rule to activate.

        Returns:
            The same rule, for chaining or later inspection.
        """
        self._rules.append(_ActiveRule(rule, rule.times, random.Random(rule.seed)))
        return rule

    def clear(self) -> None:
        """Remove every rule."""
        self._rules.clear()

    def __iter__(self) -> Iterator[FaultRule]:
        """Iterate over the rules still active, in matching order."""
        return iter([active.rule for active in self._rules])

    def __len__(self) -> int:
        """Return how many rules are still active."""
        return len(self._rules)

    def take(self, operation: str) -> FaultRule | None:
        """Return the first rule that fires for ``operation``, consuming one of its uses.

        A rule whose probability draw fails does not fire and keeps its uses; the next
        rule is tried instead. Exhausted rules are removed.
        """
        for active in list(self._rules):
            if not active.rule.matches(operation):
                continue
            if active.rule.probability < 1.0 and active.rng.random() >= active.rule.probability:
                continue
            if active.remaining is not None:
                active.remaining -= 1
                if active.remaining == 0:
                    self._rules.remove(active)
            return active.rule
        return None


def is_streaming(operation: str) -> bool:
    """Return whether ``operation`` answers with a streamed build log."""
    return operation in _STREAMING_OPERATIONS
