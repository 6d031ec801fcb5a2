"""Fault injection: rules that make the emulator misbehave on purpose, for resilience tests."""

from __future__ import annotations

import random
from collections.abc import Iterator

import attrs

from ._state import FaultKind

_STREAMING_OPERATIONS = frozenset({"RunBuild", "RunBuildRegistry"})
JSON_OPERATIONS = frozenset(
    {
        "GetBuilds",
        "CreateBuild",
        "CreateBuildRegistry",
        "GetBuild",
        "DeleteBuild",
        "GetDeployments",
        "CreateDeployment",
        "GetLatestDeployment",
        "GetDeployment",
    }
)
"""The operations that answer JSON (the targets of :meth:`FaultRule.invalid_schema`)."""
OPERATIONS = JSON_OPERATIONS | _STREAMING_OPERATIONS | {"UploadPart", "CompleteUpload", "SharePage"}
"""Every operation id a rule can target (besides ``"*"``)."""
SCHEMA_MODES = ("missing", "wrong_type", "null")
"""How :meth:`FaultRule.invalid_schema` breaks a field."""


def _check_operation(_: object, __: attrs.Attribute[str], value: str) -> None:
    # A misspelt operation would never fire, and the user's test would pass without its fault.
    if value != "*" and value not in OPERATIONS:
        raise ValueError(f"unknown operation {value!r}; use '*' or one of {sorted(OPERATIONS)}")


def _check_probability(_: object, __: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"probability must be within [0, 1], got {value}")


def _check_schema_mode(_: object, __: attrs.Attribute[str], value: str) -> None:
    if value not in SCHEMA_MODES:
        raise ValueError(f"schema mode must be one of {SCHEMA_MODES}, got {value!r}")


def _check_times(_: object, __: attrs.Attribute[int | None], value: int | None) -> None:
    if value is not None and value < 1:
        raise ValueError(f"times must be >= 1 or None, got {value}")


@attrs.frozen
class FaultRule:
    """One injected fault: what to do, to which operation, and how often.

    Build rules with the class methods (:meth:`status_code`, :meth:`latency`, :meth:`drop`,
    :meth:`cut_stream`, :meth:`malformed_json`, :meth:`invalid_schema`) rather than the
    constructor. Every one accepts ``times``, ``probability`` and ``seed``; all but
    :meth:`latency` also accept ``delay`` (seconds to wait before misbehaving).
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
    schema_mode: str = attrs.field(default="missing", validator=_check_schema_mode)
    """For invalid-schema faults: ``"missing"``, ``"wrong_type"`` or ``"null"``."""
    field: str | None = None
    """For invalid-schema faults: the dotted path of the field to break (``None``: a default
    required field of the operation's answer, such as ``createdAt``)."""

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
    def latency(
        cls,
        delay: float,
        *,
        operation: str = "*",
        times: int | None = None,
        probability: float = 1.0,
        seed: int | None = None,
    ) -> FaultRule:
        """Delay matching calls by ``delay`` seconds, then handle them normally."""
        return cls(
            FaultKind.LATENCY,
            operation=operation,
            delay=delay,
            times=times,
            probability=probability,
            seed=seed,
        )

    @classmethod
    def drop(
        cls,
        *,
        operation: str = "*",
        delay: float = 0.0,
        times: int | None = None,
        probability: float = 1.0,
        seed: int | None = None,
    ) -> FaultRule:
        """Close the connection of matching calls without any response (nothing is handled)."""
        return cls(
            FaultKind.DROP,
            operation=operation,
            delay=delay,
            times=times,
            probability=probability,
            seed=seed,
        )

    @classmethod
    def cut_stream(
        cls,
        *,
        operation: str = "*",
        after_lines: int | None = None,
        delay: float = 0.0,
        times: int | None = None,
        probability: float = 1.0,
        seed: int | None = None,
    ) -> FaultRule:
        """Send part of the response, then abort the connection.

        On ``RunBuild``/``RunBuildRegistry`` the build itself carries on to the end; the
        client just stops receiving after ``after_lines`` lines (default: half the log).
        Other operations are handled, then half of their body is sent.
        """
        return cls(
            FaultKind.CUT_STREAM,
            operation=operation,
            after_lines=after_lines,
            delay=delay,
            times=times,
            probability=probability,
            seed=seed,
        )

    @classmethod
    def malformed_json(
        cls,
        *,
        operation: str = "*",
        delay: float = 0.0,
        times: int | None = None,
        probability: float = 1.0,
        seed: int | None = None,
    ) -> FaultRule:
        """Answer matching calls with their success status (200, or 201 for the create
        operations), ``application/json`` and a truncated JSON body."""
        return cls(
            FaultKind.MALFORMED_JSON,
            operation=operation,
            delay=delay,
            times=times,
            probability=probability,
            seed=seed,
        )

    @classmethod
    def invalid_schema(
        cls,
        mode: str = "missing",
        *,
        operation: str = "*",
        field: str | None = None,
        delay: float = 0.0,
        times: int | None = None,
        probability: float = 1.0,
        seed: int | None = None,
    ) -> FaultRule:
        """Handle matching calls, then break one field of their JSON answer.

        The answer stays valid JSON with its usual status, so a client's schema validation
        (``ResponseValidationError``) is what must catch it. Only JSON operations can be
        targeted; with ``operation="*"`` other answers pass untouched.

        Args:
            mode: ``"missing"`` removes the field, ``"wrong_type"`` replaces it with a value of
                another JSON type, ``"null"`` sets it to ``null``.
            operation: A JSON operation id, or ``"*"``.
            field: Dotted path of the field (``"builds.0.status"``); by default a required
                field of the answer (``createdAt``, ``builds``, ``deployments``...).
            delay: Seconds to wait before handling.
            times: Fire for this many matching calls (``None``: all).
            probability: Chance of firing per matching call.
            seed: Seed for the probability draws.

        Returns:
            The rule.

        Raises:
            ValueError: ``mode`` is unknown or ``operation`` does not answer JSON.
        """
        if operation != "*" and operation in OPERATIONS and operation not in JSON_OPERATIONS:
            raise ValueError(f"{operation} does not answer JSON; invalid_schema cannot target it")
        return cls(
            FaultKind.INVALID_SCHEMA,
            operation=operation,
            schema_mode=mode,
            field=field,
            delay=delay,
            times=times,
            probability=probability,
            seed=seed,
        )

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
