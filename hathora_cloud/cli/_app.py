"""What every command shares: the terminal, the output mode and the configured core."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TextIO, cast

from .. import HathoraCloudCore, _logging
from ._errors import UsageError
from ._terminal import Redactor, SafeConsole, Terminal
from ._values import dump_json

__all__ = ("DEFAULT_LOG_DELAY", "App", "configure_logging", "log_delay", "open_app")

DEFAULT_LOG_DELAY = 0.03
"""Seconds between two log lines of the embedded emulator, so a person sees the log stream."""
_LOG_DELAY_ENV = "HATHORA_CLOUD_EMULATOR_LOG_DELAY"


class App:
    """The output channels and the core one command runs with.

    Attributes:
        out: The console for results (stdout); unused in ``--json`` mode except for JSON.
        err: The console for progress, log lines and messages (stderr).
        json: Whether results are printed as JSON.
        quiet: Whether the progress bar and the live build log are hidden.
        core: The configured core.
    """

    def __init__(
        self, args: argparse.Namespace, core: HathoraCloudCore, terminal: Terminal
    ) -> None:
        self.terminal = terminal
        self.out: SafeConsole = terminal.out
        self.err: SafeConsole = terminal.err
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
        self.terminal.out_file.write(dump_json(data) + "\n")

    def note(self, text: str) -> None:
        """Print an informational line on stderr unless ``--quiet``."""
        if not self.quiet:
            self.err.print(text, soft_wrap=True, style="dim")


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
async def open_app(args: argparse.Namespace, terminal: Terminal) -> AsyncIterator[App]:
    """Yield the app for ``args``, starting an embedded emulator for ``--emulator``; close all."""
    if args.emulator:
        from ..testing import FakeHathora  # only --emulator pays for the emulator's import

        org_id = args.org_id or "org-fake-0001"
        async with FakeHathora(org_id=org_id, log_line_delay=log_delay(args)) as fake:
            core = HathoraCloudCore(
                hathora_dev_token=fake.token, org_id=org_id, server_url=fake.url
            )
            async with core:
                app = App(args, core, terminal)
                app.note(f"Using an embedded emulator at {fake.url}")
                yield app
        return
    token = args.token or os.environ.get("HATHORA_TOKEN")
    if not token:
        raise UsageError(
            "no developer token: pass --token or set HATHORA_TOKEN (or use --emulator)"
        )
    # The core falls back on HATHORA_CLOUD_ENDPOINT, then on the public API.
    async with HathoraCloudCore(
        hathora_dev_token=token, org_id=args.org_id, server_url=args.server_url or None
    ) as core:
        yield App(args, core, terminal)


class _RedactFilter(logging.Filter):
    """Mask secrets and URL query strings in a record's final message (belt and braces)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self._redactor.diagnostic(record.getMessage()), None
        return True


def configure_logging(terminal: Terminal, *, verbose: bool) -> None:
    """Show the ``hathora_cloud`` logger's records on stderr for ``--verbose`` or ``HATHORA_LOG``.

    ``--verbose`` means DEBUG, through the same handler and format as ``HATHORA_LOG=debug`` (one
    handler, even when both are used). Either way the handler writes through the terminal's
    stderr, so secrets are masked there too.
    """
    stream = cast(TextIO, terminal.err_file)
    handler: logging.StreamHandler[TextIO] | None
    if verbose:
        handler = _logging.enable(logging.DEBUG, stream=stream)
    else:
        handler = _logging.installed()  # HATHORA_LOG, applied when hathora_cloud was imported
        if handler is not None:
            handler.setStream(stream)
    if handler is not None and not any(
        isinstance(existing, _RedactFilter) for existing in handler.filters
    ):
        handler.addFilter(_RedactFilter(terminal.redactor))
