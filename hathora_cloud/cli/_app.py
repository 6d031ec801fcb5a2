"""What every command shares: the terminal, the output mode and the configured core."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, TextIO, cast

from .. import HathoraCloudCore, _logging
from ..hooks import HookContext, HookRequest, Hooks
from ._errors import UsageError
from ._terminal import Redactor, SafeConsole, Terminal
from ._values import dump_json

if TYPE_CHECKING:
    from ..testing import FakeHathora

__all__ = ("DEFAULT_LOG_DELAY", "App", "CallWatch", "configure_logging", "log_delay", "open_app")

DEFAULT_LOG_DELAY = 0.03
"""Seconds between two log lines of ``hathora-cloud emulator``, so a person sees the stream."""
_LOG_DELAY_ENV = "HATHORA_CLOUD_EMULATOR_LOG_DELAY"
_BUILD_DURATION_ENV = "HATHORA_CLOUD_EMULATOR_BUILD_DURATION"


class CallWatch(Hooks):
    """Call a listener when an operation is attempted for the first time: a flow's milestones.

    ``deploy`` is one SDK call; its first ``RunBuild`` attempt tells that the upload completed,
    its first ``CreateDeployment`` that the build succeeded. A listener must not raise (the call
    would fail with it).
    """

    def __init__(self) -> None:
        self._listeners: dict[str, Callable[[], None]] = {}
        self._seen: set[str] = set()

    def on(self, operation_id: str, listener: Callable[[], None]) -> None:
        """Call ``listener`` when ``operation_id`` (``RunBuild``...) is first attempted."""
        self._listeners[operation_id] = listener

    async def before_request(self, context: HookContext, request: HookRequest) -> HookRequest:
        """Note the operation; call its listener the first time."""
        if context.operation_id not in self._seen:
            self._seen.add(context.operation_id)
            listener = self._listeners.get(context.operation_id)
            if listener is not None:
                listener()
        return request


class App:
    """The output channels and the core one command runs with.

    Attributes:
        out: The console for results (stdout); unused in ``--json`` mode except for JSON.
        err: The console for progress, log lines and messages (stderr).
        json: Whether results are printed as JSON.
        quiet: Whether the progress bar and the live build log are hidden.
        show_env: Whether deployments are shown with their environment values (``--show-env``).
        core: The configured core.
        embedded: Whether the core talks to an emulator started for this command alone.
        app_id: The application of DeploymentsV3 commands: ``--app-id``, else
            ``HATHORA_APP_ID``, else (``--emulator``) the embedded emulator's.
        watch: The core's hook, telling a flow's milestones (see :class:`CallWatch`).
    """

    def __init__(
        self,
        args: argparse.Namespace,
        core: HathoraCloudCore,
        terminal: Terminal,
        watch: CallWatch | None = None,
    ) -> None:
        self.terminal = terminal
        self.out: SafeConsole = terminal.out
        self.err: SafeConsole = terminal.err
        self.json: bool = args.json
        self.quiet: bool = args.quiet
        self.verbose: bool = args.verbose
        self.show_env: bool = getattr(args, "show_env", False)
        self.core = core
        self.embedded: bool = args.emulator
        self.app_id: str | None = core.app_id
        self.watch = watch or CallWatch()

    def require_app_id(self) -> str:
        """Return the application id.

        Raises:
            UsageError: There is none (no ``--app-id``, no ``HATHORA_APP_ID``).
        """
        if not self.app_id:
            raise UsageError(
                "no application id: pass --app-id or set HATHORA_APP_ID (or use --emulator)"
            )
        return self.app_id

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


def _seconds(option: float | None, env: str, default: float | None) -> float | None:
    """Return the hidden option's value, else the environment's, else ``default`` (seconds)."""
    if option is not None:
        return max(0.0, float(option))
    raw = os.environ.get(env)
    try:
        return max(0.0, float(raw)) if raw else default
    except ValueError:
        raise UsageError(f"{env} must be a number of seconds, got {raw!r}") from None


def log_delay(args: argparse.Namespace, default: float = DEFAULT_LOG_DELAY) -> float:
    """Return the emulator's seconds between log lines (hidden option, env, ``default``)."""
    delay = _seconds(args.emulator_log_delay, _LOG_DELAY_ENV, default)
    return default if delay is None else delay


def _embedded_emulator(
    args: argparse.Namespace, org_id: str, app_id: str | None = None
) -> FakeHathora:
    """The ``--emulator`` server: realistic builds (a few seconds of a docker build log).

    Its one application is ``app_id`` when the command names one, else the emulator's default.

    Tests make it instant with ``--emulator-log-delay 0 --emulator-build-duration 0`` (or
    ``HATHORA_CLOUD_EMULATOR_LOG_DELAY`` / ``HATHORA_CLOUD_EMULATOR_BUILD_DURATION``).
    """
    from ..testing import FakeHathora  # only --emulator pays for the emulator's import
    from ..testing._deploy_state import DEFAULT_APP_ID

    duration = _seconds(args.emulator_build_duration, _BUILD_DURATION_ENV, None)
    return FakeHathora(
        org_id=org_id,
        apps=(app_id or DEFAULT_APP_ID,),
        realistic=True,
        log_line_delay=log_delay(args, default=0.0),  # the build's duration paces the log
        build_duration=duration,
    )


@asynccontextmanager
async def open_app(args: argparse.Namespace, terminal: Terminal) -> AsyncIterator[App]:
    """Yield the app for ``args``, starting an embedded emulator for ``--emulator``; close all."""
    watch = CallWatch()
    app_id = getattr(args, "app_id", None) or os.environ.get("HATHORA_APP_ID") or None
    if args.emulator:
        org_id = args.org_id or "org-fake-0001"
        async with _embedded_emulator(args, org_id, app_id) as fake:
            core = HathoraCloudCore(
                hathora_dev_token=fake.token,
                org_id=org_id,
                app_id=fake.app_id,
                server_url=fake.url,
                hooks=watch,
            )
            async with core:
                app = App(args, core, terminal, watch)
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
        hathora_dev_token=token,
        org_id=args.org_id,
        app_id=app_id,
        server_url=args.server_url or None,
        hooks=watch,
    ) as core:
        yield App(args, core, terminal, watch)


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
        handler.addFilter(_RedactFilter(terminal.err_redactor))
