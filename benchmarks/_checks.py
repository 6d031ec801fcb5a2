"""The targets: per-round values (ratios within a round), their median and spread, the verdict.

A ratio is always computed inside one round, between samples taken seconds apart, so a slow
minute on the shared machine moves both contenders of that round together; the verdict uses the
median over rounds, and the spread (min-max) shows how much the rounds disagreed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ._harness import Outcome, median
from ._scenarios import LINES, RAW, SDK, SDK_BATCHES, TS

STALL_MS = 16.0
"""The longest event-loop stall an SDK operation may cause: one 60 Hz frame."""


@dataclass(frozen=True)
class Target:
    """A bound on a check's value, as shown (``>= 0.90x``) and as applied."""

    text: str
    passes: Callable[[float], bool]


def at_least(bound: float, unit: str = "x") -> Target:
    """The value must be ``bound`` or more."""
    return Target(f">= {bound:g}{unit if unit == 'x' else ' ' + unit}", lambda v: v >= bound)


def at_most(bound: float, unit: str = "x") -> Target:
    """The value must be ``bound`` or less."""
    return Target(f"<= {bound:g}{unit if unit == 'x' else ' ' + unit}", lambda v: v <= bound)


@dataclass
class Verdict:
    """One line of the targets table."""

    key: str
    label: str
    values: list[float]
    unit: str
    target: Target | None = None
    worst: bool = False
    """Judge the worst round (largest value) instead of the median (memory bounds)."""

    @property
    def value(self) -> float:
        """The median over rounds, or the largest value for a worst-round check."""
        if not self.values:
            return math.nan
        return max(self.values) if self.worst else median(self.values)

    @property
    def result(self) -> str:
        """``PASS``, ``FAIL``, ``info`` (no target) or ``n/a`` (no data)."""
        if self.target is None:
            return "info"
        if math.isnan(self.value):
            return "n/a"
        return "PASS" if self.target.passes(self.value) else "FAIL"


def _pairs(outcome: Outcome, a: str, b: str, metric: str) -> list[tuple[float, float]]:
    # A round without one of the two (a failed Node run) gives no value.
    return [
        (r[a][metric], r[b][metric])
        for r in outcome.rounds
        if metric in r.get(a, {}) and metric in r.get(b, {})
    ]


def ratio(outcome: Outcome, a: str, b: str, metric: str) -> list[float]:
    """``a``'s ``metric`` over ``b``'s, one value per round holding both."""
    return [x / y for x, y in _pairs(outcome, a, b, metric) if y]


def difference(outcome: Outcome, a: str, b: str, metric: str) -> list[float]:
    """``a``'s ``metric`` minus ``b``'s, one value per round holding both."""
    return [x - y for x, y in _pairs(outcome, a, b, metric)]


def stall(outcome: Outcome, contender: str = SDK, label: str = "SDK loop stall") -> Verdict:
    """The longest loop stall per round, against one 60 Hz frame."""
    values = outcome.values(contender, "stall_ms")
    return Verdict(outcome.key, label, values, "ms", at_most(STALL_MS, "ms"))


def _rate(outcome: Outcome, floor: float) -> list[Verdict]:
    """get_build: SDK/raw calls/s, the stall, SDK/TS and the live CPU difference (info)."""
    key = outcome.key
    return [
        Verdict(
            key, "SDK/raw calls/s", ratio(outcome, SDK, RAW, "calls_per_s"), "x", at_least(floor)
        ),
        stall(outcome),
        Verdict(key, "SDK/TS calls/s", ratio(outcome, SDK, TS, "calls_per_s"), "x"),
        Verdict(
            key, "SDK - raw CPU/call, live", difference(outcome, SDK, RAW, "cpu_us_per_call"), "µs"
        ),
    ]


def _page(outcome: Outcome) -> list[Verdict]:
    key = outcome.key
    return [
        Verdict(key, "SDK/raw time", ratio(outcome, SDK, RAW, "ms_per_call"), "x", at_most(1.6)),
        Verdict(
            key, "TS time / SDK time", ratio(outcome, TS, SDK, "ms_per_call"), "x", at_least(3)
        ),
        stall(outcome),
    ]


def _logs(outcome: Outcome) -> list[Verdict]:
    key = outcome.key
    return [
        Verdict(
            key,
            "SDK lines/raw splitter",
            ratio(outcome, SDK, RAW, "mib_per_s"),
            "x",
            at_least(0.70),
        ),
        stall(outcome, SDK, "SDK loop stall, lines"),
        Verdict(
            "4b",
            "SDK batches/raw splitter",
            ratio(outcome, SDK_BATCHES, RAW, "mib_per_s"),
            "x",
            at_least(0.95),
        ),
        stall(outcome, SDK_BATCHES, "SDK loop stall, batches"),
        Verdict(key, "SDK lines/aiohttp lines", ratio(outcome, SDK, LINES, "mib_per_s"), "x"),
        Verdict(key, "SDK lines/TS SDK", ratio(outcome, SDK, TS, "mib_per_s"), "x"),
    ]


def _upload(outcome: Outcome) -> list[Verdict]:
    key = outcome.key
    rss = outcome.values(SDK, "rss_growth_mib")
    return [
        Verdict(key, "SDK/raw MiB/s", ratio(outcome, SDK, RAW, "mib_per_s"), "x", at_least(0.90)),
        stall(outcome),
        Verdict(
            key, "SDK peak RSS growth, worst round", rss, "MiB", at_most(32, "MiB"), worst=True
        ),
        Verdict(key, "SDK/raw CPU per GiB", ratio(outcome, SDK, RAW, "cpu_s_per_gib"), "x"),
    ]


def _pack(outcome: Outcome) -> list[Verdict]:
    packing = outcome.values(SDK, "packing_stall_ms")
    return [
        stall(outcome, SDK, "SDK loop stall, whole upload_build"),
        Verdict(outcome.key, "SDK loop stall, packing phase", packing, "ms"),
    ]


def _cpu(outcome: Outcome) -> list[Verdict]:
    overhead = outcome.values(SDK, "overhead_us")
    relative = ratio(outcome, SDK, RAW, "stub_cpu_us_per_call")
    return [
        Verdict(outcome.key, "SDK overhead per get_build", overhead, "µs", at_most(8, "µs")),
        Verdict(outcome.key, "SDK/raw CPU per get_build, stubbed", relative, "x"),
    ]


def _imports(outcome: Outcome) -> list[Verdict]:
    own = ratio(outcome, SDK, RAW, "ms")
    return [Verdict(outcome.key, "own import/dependencies' import", own, "x", at_most(0.25))]


_BY_KEY: dict[str, Callable[[Outcome], list[Verdict]]] = {
    "1": lambda o: _rate(o, 0.90),
    "2": lambda o: _rate(o, 0.85),
    "3": _page,
    "4": _logs,
    "5": _upload,
    "6": _imports,
    "7": _pack,
    "8": _cpu,
}


def verdicts(outcomes: list[Outcome]) -> list[Verdict]:
    """Every check of every scenario that ran, in table order (info rows only with data)."""
    rows = [v for outcome in outcomes if outcome.rounds for v in _BY_KEY[outcome.key](outcome)]
    return [v for v in rows if v.values or v.target is not None]
