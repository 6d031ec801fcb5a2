"""What every command shares: the consoles, the output mode and the configured core."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rich.console import Console

from .._core import DEFAULT_SERVER_URL, HathoraCloudCore
from ._errors import UsageError

__all__ = ("DEFAULT_LOG_DELAY", "App", "configure_logging", "log_delay", "open_app")

DEFAULT_LOG_DELAY = 0.03
"""Seconds between two log lines of the embedded emulator, so a person sees the log stream."""
_LOG_DELAY_ENV = "HATHORA_CLOUD_EMULATOR_LOG_DELAY"
_PIPE_WIDTH = 200


class _Console(Console):
    """A console that lets a closed stdout reach the CLI's one handler (rich would exit 1)."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


class App:
    """The output channels and the core one command runs with.

    Attributes:
        out: The console for results (stdout); unused in ``--json`` mode except for JSON.
        err: The console for progress, log lines and messages (stderr).
        json: Whether results are printed as JSON.
        quiet: Whether the progress bar and the live build log are hidden.
        core: The configured core.
    """

    def __init__(self, args: argparse.Namespace, core: HathoraCloudCore) -> None:
        self.out = _Console(highlight=False, width=None if sys.stdout.isatty() else _PIPE_WIDTH)
        self.err = Console(stderr=True, highlight=False)
        self.json: bool = args.json
        self.quiet: bool = args.quiet
        self.verbose: bool = args.verbose
        self.core = core

    @property
    def shows_bar(self) -> bool:
        """Whether to draw a progress bar: stderr is a terminal and ``--quiet`` was not given."""
        return not self.quiet and self.err.is_terminal

    def emit_json(self, data: object) -> None:
        """Print ``data`` as JSON on stdout, one document."""
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        sys.stdout.flush()

    def note(self, text: str) -> None:
        """Print an informational line on stderr unless ``--quiet``."""
        if not self.quiet:
            self.err.print(text, markup=False, soft_wrap=True, style="dim")


def log_delay(args: argparse.Namespace) -> float:
    """Return the embedded emulator's seconds between log lines (option, env, default)."""
    if args.emulator_log_delay is not None:
        return float(args.emulator_log_delay)
    raw = os.environ.get(_LOG_DELAY_ENV)
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_LOG_DELAY
    except ValueError:
        raise UsageError(f"{_LOG_DELAY_ENV} must be a number of seconds, got {raw!r}") from None


@asynccontextmanager
async def open_app(args: argparse.Namespace) -> AsyncIterator[App]:
    """Yield the app for ``args``, starting an embedded emulator for ``--emulator``; close all."""
    if args.emulator:
        from ..testing import FakeHathora  # only --emulator pays for the emulator's import

        org_id = args.org_id or "org-fake-0001"
        async with FakeHathora(org_id=org_id, log_line_delay=log_delay(args)) as fake:
            core = HathoraCloudCore(
                hathora_dev_token=fake.token, org_id=org_id, server_url=fake.url
            )
            async with core:
                app = App(args, core)
                app.note(f"Using an embedded emulator at {fake.url}")
                yield app
        return
    token = args.token or os.environ.get("HATHORA_TOKEN")
    if not token:
        raise UsageError(
            "no developer token: pass --token or set HATHORA_TOKEN (or use --emulator)"
        )
    server_url = args.server_url or os.environ.get("HATHORA_CLOUD_ENDPOINT") or DEFAULT_SERVER_URL
    async with HathoraCloudCore(
        hathora_dev_token=token, org_id=args.org_id, server_url=server_url
    ) as core:
        yield App(args, core)


class _RedactFilter(logging.Filter):
    """Replace every secret in a record's final message by ``***`` (belt and braces)."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for secret in self._secrets:
            message = message.replace(secret, "***")
        record.msg, record.args = message, None
        return True


def configure_logging(secrets: tuple[str, ...]) -> None:
    """Send the ``hathora_cloud`` logger's DEBUG records to stderr, secrets redacted."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_RedactFilter(secrets))
    logger = logging.getLogger("hathora_cloud")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
