"""The argument parser: global options (accepted before or after the command) and the commands.

Habits of the official Go CLI are accepted too: a group's singular name (``build list``,
``deployment latest``), ``--build-id ID`` / ``--deployment-id ID`` wherever the id is a
positional argument, and ``deploy --file PATH``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..testing._options import add_emulator_arguments
from ._settings import add_settings_arguments
from ._terminal import Terminal

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = ("add_group", "parse")

_EPILOG = """\
exit codes: 0 success, 1 the build did not succeed, 2 usage error, 3 API or transport error,
4 declined at a confirmation prompt, 70 internal error, 130 interrupted, 141 stdout closed early

environment: HATHORA_TOKEN, HATHORA_ORG_ID, HATHORA_APP_ID, HATHORA_CLOUD_ENDPOINT,
HATHORA_DEPLOYMENT_<OPTION> and HATHORA_BUILD_TAG (deploy's options, as the official CLI),
HATHORA_LOG=debug|info|warning (the SDK's log lines on stderr, like --verbose),
XDG_CACHE_HOME (where `builds create --size` keeps upload URLs, privately)

example: hathora-cloud --emulator deploy examples/game-server"""
_OPERANDS = "[ID] IMAGE"


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Show ``run-registry``'s operands as ``[ID] IMAGE`` rather than argparse's ``X [X ...]``."""

    def _format_args(self, action: argparse.Action, default_metavar: str) -> str:
        if action.metavar == _OPERANDS:
            return _OPERANDS
        return super()._format_args(action, default_metavar)


class _Parser(argparse.ArgumentParser):
    """A parser that prints through the CLI's terminal: escaped, the token masked, written whole."""

    terminal: Terminal | None = None

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message and self.terminal is not None:
            self.terminal.write_plain(message, stderr=file is not sys.stdout)
        elif message:
            super()._print_message(message, file)


_TOKEN_HELP = "developer token (default: $HATHORA_TOKEN); never printed"
_ORG_HELP = "organization id (default: $HATHORA_ORG_ID)"
_VALUE_OPTIONS = (
    ("--token", "TOKEN", _TOKEN_HELP),
    ("--org-id", "ORG", _ORG_HELP),
    ("--server-url", "URL", "API base URL (default: $HATHORA_CLOUD_ENDPOINT or api.hathora.dev)"),
)
_FLAGS = (
    ("--emulator", "run against an embedded local emulator started for this command"),
    ("--json", "print machine-readable JSON on stdout (and nothing else there)"),
    ("--verbose", "debug logs and tracebacks on stderr (secrets redacted)"),
    ("--quiet", "no progress bars and no live build log (build ids and errors still shown)"),
)
# What `emulator` understands: the token and org it accepts, the announcement as JSON, logs.
_EMULATOR_VALUE_OPTIONS = (
    ("--token", "TOKEN", "the token the emulator accepts (default: a random one, printed)"),
    ("--org-id", "ORG", "the organization id it reports (default: org-fake-0001)"),
)
_EMULATOR_FLAGS = (
    ("--json", "announce the URL, org id and token as one JSON line"),
    ("--verbose", "show the server's errors with their tracebacks"),
)


def _global_options(
    *,
    suppress: bool,
    values: Sequence[tuple[str, str, str]] = _VALUE_OPTIONS,
    flags: Sequence[tuple[str, str]] = _FLAGS,
) -> _Parser:
    """Return the global options; with ``suppress`` their defaults do not override earlier ones."""
    parent = _Parser(add_help=False)
    group = parent.add_argument_group("global options")
    for name, metavar, help_text in values:
        default = argparse.SUPPRESS if suppress else None
        group.add_argument(name, default=default, metavar=metavar, help=help_text)
    for name, help_text in flags:
        flag_default: object = argparse.SUPPRESS if suppress else False
        group.add_argument(name, action="store_true", default=flag_default, help=help_text)
    # The embedded emulator's pace (seconds), for tests and recordings: not in --help.
    for hidden in ("--emulator-log-delay", "--emulator-build-duration"):
        group.add_argument(
            hidden,
            type=float,
            default=argparse.SUPPRESS if suppress else None,
            help=argparse.SUPPRESS,
        )
    return parent


def add_group(commands: Any, name: str, common: list[_Parser], help_text: str) -> Any:
    """Add a command group (``builds``) that also answers to its singular (``build``).

    Returns:
        The group's subparsers action, to add the group's actions to. ``args.command`` is the
        group's plural name however it was typed.
    """
    aliases = [name[:-1]] if name.endswith("s") else []
    group = commands.add_parser(
        name,
        aliases=aliases,
        parents=common,
        help=help_text,
        description=help_text[0].upper() + help_text[1:] + ".",
        formatter_class=_Formatter,
    )
    group.set_defaults(command=name)
    return group.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=type(group)
    )


def _add_build_id(parser: argparse.ArgumentParser) -> None:
    """Take the build id as ``ID`` or as ``--build-id ID`` (the Go CLI's spelling)."""
    parser.add_argument("build_id", nargs="?", metavar="ID", help="the build id")
    parser.add_argument(
        "--build-id", dest="build_id_option", metavar="ID", help="the build id, as an option"
    )
    parser.set_defaults(parser=parser)


_SOURCE_COMMANDS = (
    ("upload", "upload a directory or .tgz as a new build (without running it)"),
    ("upload-and-run", "upload, run with the live log, and show the final build"),
    ("deploy", "deprecated: the old name of upload-and-run"),
)
_APP_HELP = "application id (default: $HATHORA_APP_ID; with --emulator, the emulator's)"
_SHOW_ENV_HELP = "show environment values (hidden by default: they are often secrets)"


def _add_command(actions: Any, name: str, common: list[_Parser], help_text: str) -> Any:
    parser = actions.add_parser(
        name,
        parents=common,
        help=help_text,
        description=help_text[0].upper() + help_text[1:] + ".",
        formatter_class=_Formatter,
    )
    parser.set_defaults(parser=parser)
    return parser


def _add_deployment_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--app-id", metavar="APP", help=_APP_HELP)
    parser.add_argument("--show-env", action="store_true", help=_SHOW_ENV_HELP)


def _add_deploy(commands: Any, common: list[_Parser]) -> None:
    deploy = _add_command(
        commands,
        "deploy",
        common,
        "build PATH and deploy it: pack, upload, run with the live log, create the deployment",
    )
    deploy.set_defaults(command="deploy", action="deploy")
    deploy.add_argument(
        "path", nargs="?", metavar="PATH", help="a directory with a Dockerfile, or a .tgz"
    )
    deploy.add_argument("--file", dest="path_option", metavar="PATH", help="PATH, as an option")
    _add_deployment_options(deploy)
    add_settings_arguments(deploy, build=True)


def _add_deployments(commands: Any, common: list[_Parser]) -> None:
    actions = add_group(commands, "deployments", common, "manage DeploymentsV3 deployments")
    listing = _add_command(actions, "list", common, "list the app's deployments, newest first")
    listing.add_argument("--deployment-tag", metavar="TAG", help="only deployments with this tag")
    listing.add_argument("--build-tag", metavar="TAG", help="only deployments of builds so tagged")
    get = _add_command(actions, "get", common, "show one deployment")
    get.add_argument("deployment_id", nargs="?", metavar="ID", help="the deployment id")
    get.add_argument(
        "--deployment-id", dest="deployment_id_option", metavar="ID", help="the id, as an option"
    )
    latest = _add_command(
        actions, "latest", common, "show the app's latest deployment (the one new rooms use)"
    )
    create = _add_command(
        actions, "create", common, "deploy an existing build that succeeded (deploy builds one)"
    )
    _add_build_id(create)
    add_settings_arguments(create, build=False)
    for parser in (listing, get, latest, create):
        _add_deployment_options(parser)


def _add_builds(commands: Any, common: list[_Parser]) -> None:
    actions = add_group(commands, "builds", common, "manage BuildsV3 builds")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(
            name,
            parents=common,
            help=help_text,
            description=help_text[0].upper() + help_text[1:] + ".",
            formatter_class=_Formatter,
        )
        return parser

    add("list", "list the builds, newest first")
    _add_build_id(add("get", "show one build"))
    delete = add("delete", "delete a build")
    _add_build_id(delete)
    delete.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    create = add(
        "create",
        "create a build: for `builds upload --build-id` (--size) or a registry image (--registry)",
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
        if name == "upload":
            source.add_argument(
                "--build-id",
                metavar="ID",
                help="upload the .tgz into a build made by `builds create --size` on this machine",
            )
    _add_build_id(add("run", "run an uploaded build, streaming its log"))
    _add_run_registry(
        add("run-registry", "build from a container registry image, streaming the log")
    )


def _add_run_registry(registry: argparse.ArgumentParser) -> None:
    # One positional list, split after parsing: argparse cannot tell an optional ID from IMAGE.
    registry.add_argument(
        "operands",
        nargs="+",
        metavar=_OPERANDS,
        help="the build id (a build made by `builds create --registry`; or --build-id ID) "
        "and the image, such as ghcr.io/org/server:1.2",
    )
    registry.add_argument(
        "--build-id", dest="build_id_option", metavar="ID", help="the build id, as an option"
    )
    registry.add_argument("--registry-url", help="registry host (default: split off IMAGE)")
    registry.add_argument(
        "--auth-from-env",
        metavar="VAR",
        help="read the registry credential from this environment variable",
    )
    registry.set_defaults(parser=registry)


def _add_emulator(commands: Any) -> None:
    common = [_global_options(suppress=True, values=_EMULATOR_VALUE_OPTIONS, flags=_EMULATOR_FLAGS)]
    emulator = commands.add_parser(
        "emulator",
        parents=common,
        help="serve a local BuildsV3 and DeploymentsV3 emulator until Ctrl-C",
        description="Serve a local BuildsV3 and DeploymentsV3 emulator until Ctrl-C.",
    )
    emulator.add_argument("--port", type=int, default=8080, help="port (0 picks a free one)")
    emulator.add_argument("--host", default="127.0.0.1", help="interface to bind")
    add_emulator_arguments(emulator, identity=False)  # the knobs, shared with the testing module


def _build_parser(terminal: Terminal | None) -> _Parser:
    """Return the ``hathora-cloud`` parser, printing through ``terminal``."""
    parser_class: type[_Parser] = type("_Parser", (_Parser,), {"terminal": terminal})
    parser = parser_class(
        prog="hathora-cloud",
        description="Hathora Cloud BuildsV3 and DeploymentsV3 from the command line.",
        epilog=_EPILOG,
        formatter_class=_Formatter,
        parents=[_global_options(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"hathora-cloud {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=parser_class
    )
    _add_builds(commands, [_global_options(suppress=True)])
    _add_deploy(commands, [_global_options(suppress=True)])
    _add_deployments(commands, [_global_options(suppress=True)])
    _add_emulator(commands)
    return parser


def _resolve_build_id(args: argparse.Namespace) -> None:
    """Set ``args.build_id`` from ``ID`` or ``--build-id`` (exactly one of them)."""
    parser: argparse.ArgumentParser = args.parser
    option = args.build_id_option
    if args.action == "run-registry":
        operands: list[str] = args.operands
        expected = 1 if option else 2
        if len(operands) > expected:
            detail = "the build id is given twice" if option else "unexpected arguments"
            parser.error(f"{detail}: {' '.join(operands[expected:])} (usage: [ID] IMAGE)")
        if len(operands) < expected:
            parser.error("a build id is required: ID IMAGE, or --build-id ID IMAGE")
        args.build_id, args.image = (option, operands[0]) if option else operands
        return
    if args.build_id and option:
        parser.error("give the build id once: as ID or as --build-id ID, not both")
    if not (args.build_id or option):
        parser.error("a build id is required: ID or --build-id ID")
    args.build_id = args.build_id or option


def parse(argv: Sequence[str], terminal: Terminal | None = None) -> argparse.Namespace:
    """Parse the command line; usage errors exit (``SystemExit``) as argparse's do.

    Args:
        argv: The arguments without the program name.
        terminal: Where help and errors are printed (escaped, secrets masked).
    """
    parser = _build_parser(terminal)
    args, extras = parser.parse_known_args(argv)
    # argparse fills a positional list from one run of words only: `run-registry ID --registry-url
    # R IMAGE` leaves IMAGE over. Words left over there are more operands; anything else is not.
    if extras and getattr(args, "action", None) == "run-registry":
        words = [extra for extra in extras if not extra.startswith("-")]
        args.operands, extras = [*args.operands, *words], [e for e in extras if e not in words]
    if extras:
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
    if hasattr(args, "build_id_option"):
        _resolve_build_id(args)
    for name, option, noun, spellings in (
        ("deployment_id", "deployment_id_option", "a deployment id", ("ID", "--deployment-id ID")),
        ("path", "path_option", "the path", ("PATH", "--file PATH")),
    ):
        if hasattr(args, option):
            _resolve_one(args, (name, option), noun, spellings)
    return args


def _resolve_one(
    args: argparse.Namespace, names: tuple[str, str], noun: str, spellings: tuple[str, str]
) -> None:
    """Set ``args.<name>`` from its positional or its option (exactly one of them)."""
    parser: argparse.ArgumentParser = args.parser
    name, option = names
    positional, spelled = getattr(args, name), getattr(args, option)
    if positional and spelled:
        parser.error(f"give {noun} once: as {spellings[0]} or as {spellings[1]}, not both")
    if not (positional or spelled):
        parser.error(f"{noun} is required: {spellings[0]} or {spellings[1]}")
    setattr(args, name, positional or spelled)
