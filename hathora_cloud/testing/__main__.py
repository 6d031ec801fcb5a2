"""Serve the emulator standalone: ``python -m hathora_cloud.testing --port 8080``.

Every knob of :class:`FakeHathora` has an option (``--help`` lists them); ``--fault`` takes the
compact specs described in ``docs/emulator.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from ._fake import FakeHathora, serve
from ._options import add_emulator_arguments, config_from_args

_DEFAULT_LOG_LINE_DELAY = 0.05


def _announce(fake: FakeHathora) -> None:
    print(f"FakeHathora listening on {fake.url}", flush=True)
    print(f"Token: {fake.token}", flush=True)
    print(f"Org id: {fake.org_id}", flush=True)
    print(f"App id: {', '.join(fake.apps)}", flush=True)


async def _serve_until_stopped(fake: FakeHathora) -> None:
    """Serve; SIGTERM (like Ctrl-C) cancels, so the temporary storage is removed."""
    task = asyncio.current_task()
    if task is not None:
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await serve(fake, on_ready=_announce)


def build_parser() -> argparse.ArgumentParser:
    """Return the command line of ``python -m hathora_cloud.testing``."""
    parser = argparse.ArgumentParser(
        prog="python -m hathora_cloud.testing",
        description="Run the local Hathora Cloud emulator (BuildsV3 and DeploymentsV3).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind")
    parser.add_argument("--port", type=int, default=0, help="port (0 picks a free one)")
    add_emulator_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve until Ctrl-C or SIGTERM."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = config_from_args(args)
        fake = settings.create(
            host=args.host, port=args.port, default_log_line_delay=_DEFAULT_LOG_LINE_DELAY
        )
    except ValueError as error:
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve_until_stopped(fake))
    except (OSError, OverflowError) as error:  # port in use, bad --host or --port
        reason = getattr(error, "strerror", None) or str(error)
        parser.exit(
            2, f"{parser.prog}: error: cannot listen on {args.host}:{args.port}: {reason}\n"
        )


if __name__ == "__main__":
    main()
