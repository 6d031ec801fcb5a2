"""``emulator``: serve a FakeHathora until Ctrl-C, printing how to point a client at it.

Its knobs (``--chunk-size``, ``--fault``, ``--realistic``...) are defined once, in
``hathora_cloud.testing._options``, and shared with ``python -m hathora_cloud.testing``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Callable

from ..testing import FakeHathora, serve
from ..testing._options import config_from_args
from ._app import log_delay
from ._errors import UsageError

__all__ = ("run_emulator",)


def _announcer(args: argparse.Namespace, token_given: bool) -> Callable[[FakeHathora], None]:
    def announce(fake: FakeHathora) -> None:
        token = "(the one given with --token)" if token_given else fake.token
        if args.json:
            data: dict[str, object] = {"url": fake.url, "orgId": fake.org_id}
            data["appIds"] = list(fake.apps)
            if not token_given:
                data["token"] = fake.token
            sys.stdout.write(json.dumps(data) + "\n")
        else:
            sys.stdout.write(
                f"FakeHathora (BuildsV3 + DeploymentsV3 emulator) listening on {fake.url}\n"
                f"Token:  {token}\nOrg id: {fake.org_id}\nApp id: {', '.join(fake.apps)}\n\n"
                f"  export HATHORA_CLOUD_ENDPOINT={fake.url}\n"
                + ("" if token_given else f"  export HATHORA_TOKEN={fake.token}\n")
                + f"  export HATHORA_APP_ID={fake.app_id}\n"
                + "\nPress Ctrl-C to stop.\n"
            )
        sys.stdout.flush()

    return announce


def _configured(args: argparse.Namespace) -> FakeHathora:
    """Build the emulator from the options; a bad value is a usage error (exit 2)."""
    try:
        settings = config_from_args(args)
        return settings.create(
            host=args.host, port=args.port, default_log_line_delay=log_delay(args)
        )
    except ValueError as error:
        raise UsageError(str(error)) from None


async def run_emulator(args: argparse.Namespace) -> int:
    """Serve the emulator until Ctrl-C or SIGTERM; the user's token, if given, is not printed."""
    fake = _configured(args)
    task = asyncio.current_task()
    terminated = asyncio.Event()

    def on_sigterm() -> None:
        terminated.set()
        if task is not None:
            task.cancel()

    with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
        # SIGTERM cancels like Ctrl-C does, so the emulator's temporary storage is removed.
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, on_sigterm)
    try:
        await serve(fake, on_ready=_announcer(args, bool(args.token)))
    except asyncio.CancelledError:
        if not terminated.is_set():
            raise  # Ctrl-C: asyncio.run turns this into KeyboardInterrupt, exit code 130
    except (OSError, OverflowError) as error:  # port in use, bad --host or --port
        reason = getattr(error, "strerror", None) or str(error)
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {reason}") from error
    return 0
