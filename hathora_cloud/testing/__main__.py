"""Serve the emulator standalone: ``python -m hathora_cloud.testing --port 8080``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from ._fake import FakeHathora, serve


def _announce(fake: FakeHathora) -> None:
    print(f"FakeHathora listening on {fake.url}", flush=True)
    print(f"Token: {fake.token}", flush=True)
    print(f"Org id: {fake.org_id}", flush=True)


async def _serve_until_stopped(args: argparse.Namespace) -> None:
    """Serve; SIGTERM (like Ctrl-C) cancels, so the temporary storage is removed."""
    task = asyncio.current_task()
    if task is not None:
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await serve(
            host=args.host,
            port=args.port,
            token=args.token,
            org_id=args.org_id,
            log_line_delay=args.log_line_delay,
            on_ready=_announce,
        )


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="python -m hathora_cloud.testing", description="Run the local BuildsV3 emulator."
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind")
    parser.add_argument("--port", type=int, default=0, help="port (0 picks a free one)")
    parser.add_argument("--token", default=None, help="bearer token to accept (random if unset)")
    parser.add_argument("--org-id", default="org-fake-0001", help="organisation id of builds")
    parser.add_argument(
        "--log-line-delay", type=float, default=0.05, help="seconds between log lines"
    )
    args = parser.parse_args(argv)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve_until_stopped(args))
    except (OSError, OverflowError) as error:  # port in use, bad --host or --port
        reason = getattr(error, "strerror", None) or str(error)
        parser.exit(
            2, f"{parser.prog}: error: cannot listen on {args.host}:{args.port}: {reason}\n"
        )


if __name__ == "__main__":
    main()
