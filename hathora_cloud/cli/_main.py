"""Parse, dispatch, and turn every outcome into an exit code and at most one error line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence

from ..errors import HathoraError
from . import _builds
from ._app import App, configure_logging, open_app
from ._emulator import run_emulator
from ._errors import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CommandError,
    UsageError,
    describe,
)
from ._parser import parse
from ._settings import requested
from ._shorthand import env_secrets
from ._terminal import Terminal

__all__ = ("run",)

Command = Callable[[App, argparse.Namespace], Awaitable[int]]
_BUILDS: dict[str, Command] = {
    "list": _builds.builds_list,
    "get": _builds.builds_get,
    "delete": _builds.builds_delete,
    "create": _builds.builds_create,
    "run": _builds.builds_run,
    "run-registry": _builds.builds_run_registry,
}


def _secrets(argv: Sequence[str]) -> tuple[str, ...]:
    """Return every token this process might print by mistake, to mask it everywhere."""
    found = [os.environ.get("HATHORA_TOKEN", "")]
    for index, arg in enumerate(argv):
        if arg == "--token" and index + 1 < len(argv):
            found.append(argv[index + 1])
        elif arg.startswith("--token="):
            found.append(arg.partition("=")[2])
    return tuple(secret for secret in found if secret)


def _fail(terminal: Terminal, message: str) -> None:
    terminal.err.print(f"hathora-cloud: error: {message}", soft_wrap=True, style="red")


def _check_emulator_options(args: argparse.Namespace) -> None:
    for option in ("server_url", "emulator"):
        if getattr(args, option):
            flag = "--" + option.replace("_", "-")
            raise UsageError(f"{flag} does not apply to `emulator` (it serves one itself)")


def _command(args: argparse.Namespace) -> tuple[Command, str]:
    """The coroutine that runs ``args``, and the name its error hints are keyed by."""
    if args.command == "builds":
        command = _BUILDS.get(args.action)
        if command is None:  # upload, upload-and-run, deploy: only they load the uploader
            from . import _uploads

            command = {
                "upload": _uploads.builds_upload,
                "upload-and-run": _uploads.builds_upload_and_run,
                "deploy": _uploads.builds_deploy,
            }[args.action]
        return command, args.action
    if args.command == "deploy":
        from ._deploy import deploy

        return deploy, "deploy"
    from . import _deployments

    actions: dict[str, Command] = {
        "list": _deployments.deployments_list,
        "get": _deployments.deployments_get,
        "latest": _deployments.deployments_latest,
        "create": _deployments.deployments_create,
    }
    return actions[args.action], f"deployments {args.action}"


async def _dispatch(args: argparse.Namespace, terminal: Terminal) -> int:
    if args.command == "emulator":
        _check_emulator_options(args)
        return await run_emulator(args)
    if args.emulator and args.server_url:
        raise UsageError("--emulator and --server-url cannot be used together")
    command, name = _command(args)
    if hasattr(args, "from_latest"):  # deploy, deployments create: check before starting anything
        args.requested = requested(args, embedded=args.emulator, build=name == "deploy")
    async with open_app(args, terminal) as app:
        try:
            return await command(app, args)
        except HathoraError as error:
            code, message = describe(error, app.core.server_url, name)
            raise CommandError(message, code) from error


def _stop_on_closed_stdout() -> int:
    """Exit code 141, with stdout pointed at /dev/null so the interpreter's flush is silent."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_BROKEN_PIPE


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    terminal = Terminal(_secrets(argv), hidden=env_secrets(argv, os.environ))
    try:
        code = _run(argv, terminal)
        sys.stdout.flush()  # anything written past the terminal fails here, not at exit
    except BrokenPipeError:  # stdout closed early (say, `| head`): stop quietly
        return _stop_on_closed_stdout()
    return code


async def _cancelled_by_ctrl_c(command: Awaitable[int]) -> int:
    """Run the command so that a first Ctrl-C cancels it, on every Python.

    From 3.11 on ``asyncio.run`` does this itself: the first SIGINT cancels the main task (every
    ``finally`` and cleanup runs, such as deleting a half-uploaded build) and a second one raises
    ``KeyboardInterrupt``. On 3.10 the first would raise ``KeyboardInterrupt`` wherever the code
    happens to be, so here the same two steps are installed by hand.
    """
    if sys.version_info >= (3, 11):
        return await command
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    interrupted = False

    def on_ctrl_c() -> None:
        nonlocal interrupted
        interrupted = True
        loop.remove_signal_handler(signal.SIGINT)  # a second Ctrl-C raises KeyboardInterrupt
        if task is not None:
            task.cancel()

    try:
        loop.add_signal_handler(signal.SIGINT, on_ctrl_c)
    except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
        return await command
    try:
        return await command
    except asyncio.CancelledError:
        if interrupted:
            raise KeyboardInterrupt from None
        raise
    finally:
        if not interrupted:
            loop.remove_signal_handler(signal.SIGINT)


def _run(argv: list[str], terminal: Terminal) -> int:
    try:
        args = parse(argv, terminal)
    except SystemExit as exit_:  # argparse: --help, --version, or a usage error
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    configure_logging(terminal, verbose=args.verbose)
    if not args.verbose:
        # An embedded emulator's aiohttp server logs handler errors (say, a client gone on
        # Ctrl-C) with tracebacks; without --verbose the CLI shows only its own one-line errors.
        logging.getLogger("aiohttp").addHandler(logging.NullHandler())
    try:
        return asyncio.run(_cancelled_by_ctrl_c(_dispatch(args, terminal)))
    except KeyboardInterrupt:
        _fail(terminal, "interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        raise
    except CommandError as error:
        if args.verbose:
            terminal.print_traceback(error)
        _fail(terminal, str(error))
        return error.code
    except Exception as error:  # a bug: one line, not a traceback (unless --verbose)
        if args.verbose:
            terminal.print_traceback(error)
        _fail(terminal, f"internal error: {type(error).__name__}: {error} (please report it)")
        return EXIT_INTERNAL
