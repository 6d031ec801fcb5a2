"""Turn any failure into one human line on stderr and the command's exit code."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..errors import (
    BuildFailedError,
    HathoraCloudError,
    HathoraError,
    HTTPClientError,
    HTTPConnectionError,
    InvalidRequestError,
    RequestTimeoutError,
    SDKValidationError,
    UploadError,
)
from ..models import BuildV3

__all__ = (
    "EXIT_API",
    "EXIT_BROKEN_PIPE",
    "EXIT_BUILD_FAILED",
    "EXIT_DECLINED",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "CommandError",
    "UsageError",
    "describe",
    "failure_message",
)

EXIT_BUILD_FAILED = 1
EXIT_USAGE = 2
EXIT_API = 3
EXIT_DECLINED = 4
"""The user answered no at a confirmation prompt: nothing was changed."""
EXIT_INTERNAL = 70
"""A bug in the CLI (``EX_SOFTWARE`` of sysexits.h); ``--verbose`` shows the traceback."""
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
"""stdout was closed early; 128 + SIGPIPE, as a shell reports a process SIGPIPE ended."""

_LINE_LIMIT = 300
_HINTS = {
    400: "check the arguments",
    401: "check --token / HATHORA_TOKEN",
    403: "check that the token may use this organization (--org-id / HATHORA_ORG_ID)",
    404: "check the build id (`hathora-cloud builds list`) and --org-id",
    408: "the service timed out; try again",
    422: "check the arguments",
    429: "rate limited; wait a little and try again",
}
_APP = "--app-id / HATHORA_APP_ID"
_OPTIONS = "check the deployment options; the service's limits depend on the plan"
# A 400 from a run command most often means the build is of the other kind; a 404 of the
# deployment commands names the app or the deployment, not a build.
_COMMAND_HINTS = {
    ("run", 400): "a build from `builds create --registry` runs with "
    "`hathora-cloud builds run-registry ID IMAGE`",
    ("run-registry", 400): "an uploaded build runs with `hathora-cloud builds run ID`; "
    "run-registry needs a build from `builds create --registry`",
    ("deploy", 400): _OPTIONS,
    ("deploy", 404): f"check {_APP}; --from-latest needs a deployment to inherit from",
    ("deploy", 422): _OPTIONS,
    ("deployments list", 404): f"check {_APP}",
    ("deployments get", 404): "check the deployment id (`hathora-cloud deployments list`) "
    f"and {_APP}",
    ("deployments latest", 404): f"check {_APP}; an app without deployments has no latest one",
    ("deployments create", 400): _OPTIONS,
    ("deployments create", 404): f"check the build id (`hathora-cloud builds list`) and {_APP}",
    ("deployments create", 422): _OPTIONS,
}


# The SDK ends a flow error's message with the fate of its build; the CLI says that on a line of
# its own (with the command that deletes a build left behind), so it is not said twice.
_SDK_FATE = re.compile(
    r"\s*\(build \S+ (?:was deleted: its upload never finished"
    r"|could not be deleted and was left)\)$"
)


class CommandError(Exception):
    """A failure the CLI has already put into one line, with its exit code.

    Args:
        message: The line (without the ``hathora-cloud: error:`` prefix).
        code: The exit code.
    """

    code = EXIT_API

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class UsageError(CommandError):
    """A command line the CLI cannot act on, found after argparse accepted it (exit code 2)."""

    code = EXIT_USAGE


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _LINE_LIMIT else line[: _LINE_LIMIT - 1] + "…"


def _hint_for_status(status: int, command: str | None) -> str:
    if status >= 500:
        return "the service failed; try again later"
    hint = _COMMAND_HINTS.get((command or "", status))
    return hint or _HINTS.get(status, "see --verbose for details")


def failure_message(build: BuildV3, log_tail: Sequence[str], note: str = "") -> str:
    """Return why a build did not succeed: its status and its last non-empty log line.

    ``builds run``, ``builds upload-and-run`` and ``deploy`` all say it this way, whatever the
    SDK's wording; ``note`` follows the status (before a log line that may be cut).
    """
    last = next((line.strip() for line in reversed(log_tail) if line.strip()), None)
    message = f"build {build.build_id} ended {build.status}{note}"
    return f"{message}: {last}" if last else message


def describe(error: HathoraError, server_url: str, command: str | None = None) -> tuple[int, str]:
    """Return the exit code and the one-line message for an SDK error.

    Args:
        error: What the SDK returned.
        server_url: The API base URL, named in connection errors.
        command: The command that failed (``run``, ``get``, ``deploy``, ``deployments get``...),
            for a more precise hint.

    Returns:
        The exit code and the message (without a trailing newline).
    """
    if isinstance(error, BuildFailedError):
        note = " (no deployment was created)" if command == "deploy" else ""
        return EXIT_BUILD_FAILED, _one_line(failure_message(error.build, error.log_tail, note))
    message = _one_line(_SDK_FATE.sub("", error.message))
    if isinstance(error, SDKValidationError):
        return EXIT_USAGE, message
    if isinstance(error, InvalidRequestError):  # an unusable --server-url: nothing was sent
        return EXIT_USAGE, _transport_line(error, message, server_url)
    if isinstance(error, HathoraCloudError):
        hint = _hint_for_status(error.status_code, command)
        return EXIT_API, f"{error.status_code}: {message} ({hint})"
    if isinstance(error, UploadError):
        part = "completion" if error.part_number is None else f"part {error.part_number}"
        return EXIT_API, (
            f"upload failed at {part} after {error.attempts} attempt(s): {message} "
            "(run the command again)"
        )
    return EXIT_API, _transport_line(error, message, server_url)


def _transport_line(error: HathoraError, message: str, server_url: str) -> str:
    if isinstance(error, RequestTimeoutError):
        return f"timed out talking to {server_url}: {message} (check the network, then retry)"
    if isinstance(error, HTTPConnectionError):
        return (
            f"cannot reach {server_url}: {message} "
            "(check --server-url / HATHORA_CLOUD_ENDPOINT and the network)"
        )
    if isinstance(error, InvalidRequestError):
        return f"invalid request: {message} (check --server-url / HATHORA_CLOUD_ENDPOINT)"
    if isinstance(error, HTTPClientError):
        return f"transport error talking to {server_url}: {message}"
    return message
