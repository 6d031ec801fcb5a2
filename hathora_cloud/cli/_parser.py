"""The argument parser: global options (accepted before or after the command) and the commands."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from .._version import __version__
from ..testing._options import add_emulator_arguments

__all__ = ("build_parser",)

_EPILOG = """\
exit codes: 0 success, 1 the build failed, 2 usage error, 3 API or transport error, 130 interrupted,
141 stdout closed early

example: hathora-cloud --emulator builds deploy examples/game-server"""


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose error messages never show a secret (say, a misplaced token)."""

    secrets: tuple[str, ...] = ()

    def error(self, message: str) -> NoReturn:
        for secret in self.secrets:
            message = message.replace(secret, "***")
        super().error(message)


_VALUE_OPTIONS = (
    ("--token", "TOKEN", "developer token (default: $HATHORA_TOKEN); never printed"),
    ("--org-id", "ORG", "organization id (default: $HATHORA_ORG_ID)"),
    ("--server-url", "URL", "API base URL (default: $HATHORA_CLOUD_ENDPOINT or api.hathora.dev)"),
)
_FLAGS = (
    ("--emulator", "run against an embedded local emulator started for this command"),
    ("--json", "print machine-readable JSON on stdout (and nothing else there)"),
    ("--verbose", "debug logs and tracebacks on stderr (secrets redacted)"),
    ("--quiet", "no progress bar and no live build log"),
)


def _global_options(*, suppress: bool) -> _Parser:
    """Return the global options; with ``suppress`` their defaults do not override earlier ones."""
    parent = _Parser(add_help=False)
    group = parent.add_argument_group("global options")
    for name, metavar, help_text in _VALUE_OPTIONS:
        default = argparse.SUPPRESS if suppress else None
        group.add_argument(name, default=default, metavar=metavar, help=help_text)
    for name, help_text in _FLAGS:
        flag_default: object = argparse.SUPPRESS if suppress else False
        group.add_argument(name, action="store_true", default=flag_default, help=help_text)
    group.add_argument(
        "--emulator-log-delay",
        type=float,
        default=argparse.SUPPRESS if suppress else None,
        help=argparse.SUPPRESS,
    )
    return parent


_SOURCE_COMMANDS = (
    ("upload", "upload a directory or .tgz as a new build (without running it)"),
    ("deploy", "upload, run with the live log, and show the final build"),
)


def _add_builds(commands: Any, common: list[_Parser], parser_class: Any) -> None:
    builds = commands.add_parser(
        "builds",
        parents=common,
        help="manage BuildsV3 builds",
        description="Manage BuildsV3 builds.",
    )
    actions = builds.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=parser_class
    )

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(
            name,
            parents=common,
            help=help_text,
            description=help_text[0].upper() + help_text[1:] + ".",
        )
        return parser

    add("list", "list the builds, newest first")
    add("get", "show one build").add_argument("build_id", metavar="ID")
    delete = add("delete", "delete a build")
    delete.add_argument("build_id", metavar="ID")
    delete.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    create = add(
        "create", "create a build: for an upload (--size) or a registry image (--registry)"
    )
    create.add_argument("--tag", help="your version label, such as 1.4.2")
    kind = create.add_mutually_exclusive_group(required=True)
    kind.add_argument(
        "--size", type=int, metavar="BYTES", help="exact byte size of the .tgz to upload"
    )
    kind.add_argument(
        "--registry", action="store_true", help="a build for `builds run-registry` (no upload)"
    )
    for name, help_text in _SOURCE_COMMANDS:
        source = add(name, help_text)
        source.add_argument("path", metavar="PATH", help="a directory with a Dockerfile, or a .tgz")
        source.add_argument("--tag", help="your version label, such as 1.4.2")
    add("run", "run an uploaded build, streaming its log").add_argument("build_id", metavar="ID")
    registry = add("run-registry", "build from a container registry image, streaming the log")
    registry.add_argument("build_id", metavar="ID", help="a build made by the registry create call")
    registry.add_argument("image", metavar="IMAGE", help="such as ghcr.io/org/server:1.2")
    registry.add_argument("--registry-url", help="registry host (default: split off IMAGE)")
    registry.add_argument(
        "--auth-from-env",
        metavar="VAR",
        help="read the registry credential from this environment variable",
    )


def build_parser(secrets: tuple[str, ...] = ()) -> argparse.ArgumentParser:
    """Return the ``hathora-cloud`` parser; ``secrets`` are masked in its error messages."""
    parser_class: type[_Parser] = type("_Parser", (_Parser,), {"secrets": secrets})
    parser = parser_class(
        prog="hathora-cloud",
        description="Hathora Cloud BuildsV3 from the command line.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_global_options(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"hathora-cloud {__version__}")
    common = [_global_options(suppress=True)]
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=parser_class
    )
    _add_builds(commands, common, parser_class)
    emulator = commands.add_parser(
        "emulator",
        parents=common,
        help="serve a local BuildsV3 emulator until Ctrl-C",
        description="Serve a local BuildsV3 emulator until Ctrl-C.",
    )
    emulator.add_argument("--port", type=int, default=8080, help="port (0 picks a free one)")
    emulator.add_argument("--host", default="127.0.0.1", help="interface to bind")
    add_emulator_arguments(emulator, identity=False)  # the knobs, shared with the testing module
    return parser
