"""The emulator's knobs as command-line options, shared by both ways of serving it standalone.

``python -m hathora_cloud.testing`` and ``hathora-cloud emulator`` both call
:func:`add_emulator_arguments` on their parser and :func:`config_from_args` on the result, so every
constructor knob of :class:`FakeHathora` has the same flag in both. Values are parsed here rather
than by argparse so that a bad one is a single error line naming the option.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ._fault_spec import parse_fault_spec
from ._faults import FaultRule

if TYPE_CHECKING:
    from ._fake import FakeHathora

_SIZE = re.compile(r"\s*([0-9]+)\s*([kmg]i?b|b)?\s*", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "kib": 1024, "mib": 1024**2}
_UNITS["gib"] = 1024**3
T = TypeVar("T")


@attrs.frozen(kw_only=True)
class EmulatorSettings:
    """The knobs given on a command line; ``None`` means the constructor's default."""

    token: str | None = None
    org_id: str | None = None
    max_chunk_size: int | None = None
    min_part_size: int | None = None
    log_line_delay: float | None = None
    build_duration: float | None = None
    realistic: bool = False
    upload_url_ttl: float | None = None
    apps: tuple[str, ...] = ()
    deployments_page_size: int | None = None
    faults: tuple[FaultRule, ...] = ()

    def create(
        self, *, host: str = "127.0.0.1", port: int = 0, default_log_line_delay: float = 0.0
    ) -> FakeHathora:
        """Return a configured (not started) :class:`FakeHathora`.

        Args:
            host: Interface to bind.
            port: Port to bind (0 picks a free one).
            default_log_line_delay: Seconds between log lines when no option set them and
                the realistic preset is off (a person watching wants to see lines arrive).

        Raises:
            ValueError: The knobs do not fit together (one line, naming the problem).
        """
        from ._fake import FakeHathora  # the server machinery only once a server is wanted

        delay = self.log_line_delay
        if delay is None:
            delay = 0.0 if self.realistic else default_log_line_delay
        optional: dict[str, Any] = {
            "token": self.token,
            "org_id": self.org_id,
            "max_chunk_size": self.max_chunk_size,
            "upload_url_ttl": self.upload_url_ttl,
            "deployments_page_size": self.deployments_page_size,
            "apps": self.apps or None,
        }
        return FakeHathora(
            host=host,
            port=port,
            min_part_size=self.min_part_size,
            log_line_delay=delay,
            build_duration=self.build_duration,
            realistic=self.realistic,
            faults=self.faults,
            **{key: value for key, value in optional.items() if value is not None},
        )


def add_emulator_arguments(parser: argparse.ArgumentParser, *, identity: bool = True) -> None:
    """Add the emulator's knobs to ``parser`` (values stay strings until :func:`config_from_args`).

    Args:
        parser: The parser (or subcommand parser) to extend.
        identity: Also add ``--token`` and ``--org-id``; pass ``False`` when the parser
            already has them (the ``hathora-cloud`` global options).
    """
    group = parser.add_argument_group("emulator options")
    if identity:
        group.add_argument("--token", help="bearer token to accept (random if unset)")
        group.add_argument("--org-id", help="organisation id of builds (org-fake-0001)")
    group.add_argument("--chunk-size", metavar="SIZE", help="maxChunkSize of uploads (8MiB)")
    group.add_argument(
        "--min-part-size",
        metavar="SIZE",
        help="smallest part but the last that completion accepts (5MiB, at most the chunk size)",
    )
    group.add_argument(
        "--build-duration", metavar="SECONDS", help="seconds a run takes beyond the line delays"
    )
    group.add_argument("--log-line-delay", metavar="SECONDS", help="seconds between log lines")
    group.add_argument(
        "--realistic",
        action="store_true",
        help="demo preset: builds take seconds and print a full docker build transcript",
    )
    group.add_argument("--upload-url-ttl", metavar="SECONDS", help="presigned URL lifetime (3600)")
    group.add_argument(
        "--app",
        action="append",
        metavar="APP_ID",
        help="an application for DeploymentsV3 (repeatable; default app-fake-0001)",
    )
    group.add_argument(
        "--deployments-page-size", metavar="N", help="deployments per GetDeployments page (20)"
    )
    group.add_argument(
        "--fault",
        action="append",
        metavar="SPEC",
        help="inject a fault, e.g. 'GetBuild:status=503:times=2' (repeatable; docs/emulator.md)",
    )


def parse_size(text: str) -> int:
    """Parse ``"1048576"``, ``"64KiB"``, ``"5MiB"``, ``"1MB"``... into bytes.

    Raises:
        ValueError: Not a size.
    """
    match = _SIZE.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a size (bytes, or a number with KiB, MiB, GiB, KB...)")
    return int(match.group(1)) * _UNITS[(match.group(2) or "b").lower()]


def _chunk_size(text: str) -> int:
    size = parse_size(text)
    if size < 1:
        raise ValueError("must be at least 1 byte")
    return size


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value < math.inf:
        raise ValueError(f"{text!r} is not a number of seconds >= 0")
    return value


def _count(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise ValueError(f"{text!r} is not a whole number >= 1")
    return int(text)


def _option(raw: dict[str, Any], option: str, convert: Callable[[str], T]) -> T | None:
    text = raw.get(option.lstrip("-").replace("-", "_"))
    if text is None:
        return None
    try:
        return convert(str(text))
    except ValueError as exc:
        raise ValueError(f"{option}: {exc}") from None


def config_from_args(args: argparse.Namespace) -> EmulatorSettings:
    """Read the options :func:`add_emulator_arguments` defined.

    Raises:
        ValueError: One value is invalid; the one-line message names the option.
    """
    raw = vars(args)
    return EmulatorSettings(
        token=raw.get("token") or None,
        org_id=raw.get("org_id") or None,
        max_chunk_size=_option(raw, "--chunk-size", _chunk_size),
        min_part_size=_option(raw, "--min-part-size", parse_size),
        log_line_delay=_option(raw, "--log-line-delay", _seconds),
        build_duration=_option(raw, "--build-duration", _seconds),
        realistic=bool(raw.get("realistic")),
        upload_url_ttl=_option(raw, "--upload-url-ttl", _seconds),
        apps=tuple(raw.get("app") or ()),
        deployments_page_size=_option(raw, "--deployments-page-size", _count),
        faults=tuple(parse_fault_spec(spec) for spec in raw.get("fault") or ()),
    )
