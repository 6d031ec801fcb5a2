"""The CLI's exit codes: usage errors, a declined prompt, Ctrl-C, a closed stdout, a bug."""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import pty
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from hathora_cloud.cli import _main
from hathora_cloud.cli._parser import parse
from hathora_cloud.testing import FakeHathora
from tests._cli import TOKEN, background_fake, background_server, cli, cli_env, restored_logging
from tests._server import RecordingServer, build_json, respond

MANY_BUILDS = 600


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeHathora]:
    """A FakeHathora served from a background event loop for the whole module."""
    with background_fake(token=TOKEN) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def many_builds() -> Iterator[RecordingServer]:
    """A server whose build list holds 600 builds (about 180 KB of JSON)."""
    builds = [build_json(buildId=f"bld-{n:08d}", buildTag=f"v{n}") for n in range(MANY_BUILDS)]
    with background_server(respond(200, json={"builds": builds})) as server:
        yield server


def test_usage_errors_exit_2_without_echoing_the_token() -> None:
    """Argparse errors, a missing token and an unconfirmed delete exit 2; a token is masked."""
    secret = "tok-secret-0a1b2c3d4e"
    misplaced = cli("--token", secret, "builds", "list", secret)
    assert misplaced.returncode == 2
    assert secret not in misplaced.stderr
    assert "***" in misplaced.stderr
    assert cli("builds", "list").returncode == 2  # no token anywhere
    unconfirmed = cli("--emulator", "builds", "delete", "bld-1")
    assert unconfirmed.returncode == 2
    assert "--yes" in unconfirmed.stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["builds", "get"], "a build id is required: ID or --build-id ID"),
        (["builds", "get", "a", "--build-id", "b"], "give the build id once"),
        (["builds", "delete", "--yes"], "a build id is required"),
        (["builds", "run", "a", "--build-id", "b"], "give the build id once"),
        (["builds", "run-registry", "img"], "a build id is required: ID IMAGE"),
        (["builds", "run-registry", "a", "img", "--build-id", "b"], "the build id is given twice"),
    ],
)
def test_build_id_given_twice_or_never_is_a_usage_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """ID and --build-id together, or neither, is a usage error (exit 2) that says which."""
    with pytest.raises(SystemExit) as exit_:
        parse(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["build", "run-registry", "bld-1", "--registry-url", "r.io", "img"],
        ["builds", "run-registry", "--build-id", "bld-1", "img", "--registry-url", "r.io"],
        ["build", "run-registry", "img", "--build-id", "bld-1", "--registry-url", "r.io"],
    ],
)
def test_run_registry_takes_the_id_either_way(argv: list[str]) -> None:
    """run-registry reads ID IMAGE or --build-id ID IMAGE, with options anywhere between."""
    args = parse(argv)
    assert (args.command, args.build_id, args.image, args.registry_url) == (
        "builds",
        "bld-1",
        "img",
        "r.io",
    )


def test_emulator_help_shows_only_options_that_apply(capsys: pytest.CaptureFixture[str]) -> None:
    """`emulator --help` lists --token, --org-id, --json, --verbose, but no client-only option."""
    with pytest.raises(SystemExit):
        parse(["emulator", "--help"])
    shown = capsys.readouterr().out
    for option in ("--token", "--org-id", "--json", "--verbose", "--port"):
        assert option in shown
    for option in ("--server-url", "--emulator ", "--quiet"):
        assert option not in shown
    with pytest.raises(SystemExit):
        parse(["emulator", "--server-url", "http://127.0.0.1:1"])


def test_emulator_rejects_a_client_option_given_before_it() -> None:
    """`--server-url URL emulator` is a usage error saying the option does not apply."""
    done = cli("--server-url", "http://127.0.0.1:9", "emulator", "--port", "0")
    assert done.returncode == 2
    assert "--server-url does not apply to `emulator`" in done.stderr


def _delete_on_a_terminal(server_url: str, build_id: str, answer: bytes) -> tuple[int, str]:
    """Run `builds delete ID` with stdin on a pseudo-terminal, type ``answer``; code, stderr."""
    controller, terminal = pty.openpty()
    argv = ["--server-url", server_url, "builds", "delete", build_id]
    with subprocess.Popen(
        [sys.executable, "-m", "hathora_cloud.cli", *argv],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(TOKEN),
    ) as process:
        os.close(terminal)
        os.write(controller, answer)
        code = process.wait(30)
        assert process.stderr is not None
        stderr = process.stderr.read().decode()
    os.close(controller)
    return code, stderr


def test_declining_the_delete_prompt_exits_4_and_keeps_the_build(fake: FakeHathora) -> None:
    """Answering no (or Ctrl-D) exits 4 ("declined") and deletes nothing; yes deletes (0)."""
    created = cli("--server-url", fake.url, "--json", "builds", "create", "--registry", token=TOKEN)
    build_id = json.loads(created.stdout)["buildId"]
    for answer, code in ((b"n\n", 4), (b"\x04", 4), (b"y\n", 0)):
        got, stderr = _delete_on_a_terminal(fake.url, build_id, answer)
        assert got == code, stderr
        assert f"Delete build {build_id}? This cannot be undone." in stderr
        deleted = fake.builds[build_id].deleted_at is not None
        assert (deleted, "Not deleted." in stderr) == (code == 0, code == 4)


def test_the_delete_prompt_shows_a_strange_id_as_text(fake: FakeHathora) -> None:
    """An id that looks like markup or carries an escape is shown escaped in the prompt."""
    code, stderr = _delete_on_a_terminal(fake.url, "[/oops]\x1b[2J", b"n\n")
    assert code == 4, stderr
    assert "Delete build [/oops]\\x1b[2J?" in stderr


def test_ctrl_c_exits_130_without_traceback() -> None:
    """Ctrl-C (SIGINT) while the emulator serves exits 130 with no traceback."""
    with subprocess.Popen(
        [sys.executable, "-m", "hathora_cloud.cli", "--json", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        assert json.loads(process.stdout.readline())["url"].startswith("http://127.0.0.1:")
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 130
        assert "Traceback" not in process.stderr.read()


def _run_into_pipe(argv: list[str], *, read_first: int | None) -> tuple[int, str]:
    """Run the CLI with stdout on a pipe whose reader leaves early; return code and stderr.

    Args:
        argv: The CLI's arguments.
        read_first: Bytes the reader takes before closing its end (the ``| head -c N`` case,
            on a pipe shrunk to 4 KiB so the writer is mid-output); ``None`` closes it first.
    """
    read_end, write_end = os.pipe()
    with contextlib.suppress(AttributeError, OSError):  # Linux: make any output outgrow it
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    if read_first is None:
        os.close(read_end)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "hathora_cloud.cli", *argv],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=cli_env(TOKEN),
        )
    finally:
        os.close(write_end)
    with process:
        if read_first is not None:
            assert os.read(read_end, read_first)
            os.close(read_end)
        assert process.stderr is not None
        stderr = process.stderr.read().decode()
        return process.wait(30), stderr


@pytest.mark.parametrize("mode", [["--json"], []], ids=["json", "table"])
def test_reader_leaving_mid_output_exits_141(mode: list[str], many_builds: RecordingServer) -> None:
    """`builds list | head -c 10` with 600 builds exits 141 with no traceback, JSON or table."""
    argv = ["--server-url", many_builds.url, *mode, "builds", "list"]
    code, stderr = _run_into_pipe(argv, read_first=10)
    assert code == 141, stderr
    assert stderr == ""


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["--version"],
        ["builds", "get", "--help"],
        ["--emulator", "--quiet", "--json", "builds", "create", "--registry"],
        ["--emulator", "--quiet", "builds", "create", "--registry"],
    ],
    ids=["help", "version", "command-help", "json", "table"],
)
def test_closed_stdout_exits_141_for_every_command(argv: list[str]) -> None:
    """Any command whose stdout was closed before it wrote exits 141, quietly."""
    code, stderr = _run_into_pipe(argv, read_first=None)
    assert code == 141, stderr
    assert "Traceback" not in stderr


def test_a_bug_exits_70_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """An unexpected exception inside a command is one line and exit 70, not a traceback."""

    async def broken(app: object, args: argparse.Namespace) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setitem(_main._BUILDS, "list", broken)
    monkeypatch.setenv("HATHORA_TOKEN", TOKEN)
    with restored_logging():
        assert _main.run(["--server-url", "http://127.0.0.1:9", "builds", "list"]) == 70
    err = capfd.readouterr().err
    assert "internal error: RuntimeError: a bug" in err
    assert "Traceback" not in err


def test_connection_error_exits_3() -> None:
    """An unreachable server exits 3 with a hint about --server-url."""
    done = cli("--server-url", "http://127.0.0.1:9", "builds", "list", token=TOKEN)
    assert done.returncode == 3
    assert "--server-url" in done.stderr
    assert "Traceback" not in done.stderr


def test_unusable_server_url_exits_2() -> None:
    """A --server-url that is not an http(s) URL is input rejected before sending: exit 2."""
    done = cli("--server-url", "api.hathora.dev", "builds", "list", token=TOKEN)
    assert done.returncode == 2, done.stderr
    assert "--server-url" in done.stderr
    assert "Traceback" not in done.stderr
