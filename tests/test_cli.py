"""The ``hathora-cloud`` command, run as a subprocess against the emulator.

Each test starts few processes (about 0.5 s each); the embedded emulator's log pace is set to
zero through ``HATHORA_CLOUD_EMULATOR_LOG_DELAY``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hathora_cloud.testing import FakeHathora

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TOKEN = "tok-cli-test-8d1f2c0b7a"


def cli(
    *args: str, token: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m hathora_cloud.cli`` with ``args`` (stdin, stdout, stderr not terminals)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HATHORA_")}
    environment.update({"HATHORA_CLOUD_EMULATOR_LOG_DELAY": "0", "COLUMNS": "200"})
    if token is not None:
        environment["HATHORA_TOKEN"] = token
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "hathora_cloud.cli", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=environment,
        timeout=60,
        check=False,
    )


def as_json(done: subprocess.CompletedProcess[str]) -> Any:
    """Parse stdout as one JSON document, after checking the command succeeded."""
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeHathora]:
    """A FakeHathora served from a background event loop for the whole module."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    emulator = FakeHathora(token=TOKEN)
    asyncio.run_coroutine_threadsafe(emulator.start(), loop).result(10)
    try:
        yield emulator
    finally:
        asyncio.run_coroutine_threadsafe(emulator.aclose(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_version() -> None:
    """--version prints the package version and exits 0."""
    from hathora_cloud import __version__

    done = cli("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"hathora-cloud {__version__}"


def test_create_list_get_delete_as_json(fake: FakeHathora) -> None:
    """create, list (newest first), get and delete print camelCase JSON and nothing else."""
    url = ["--server-url", fake.url, "--json"]
    first = as_json(cli(*url, "builds", "create", "--size", "10", "--tag", "one", token=TOKEN))
    second = as_json(cli(*url, "builds", "create", "--registry", "--tag", "two", token=TOKEN))
    assert first["uploadParts"][0]["partNumber"] == 1
    listed = as_json(cli(*url, "builds", "list", token=TOKEN))["builds"]
    ids = [build["buildId"] for build in listed]
    assert ids.index(second["buildId"]) < ids.index(first["buildId"])
    assert "uploadParts" not in listed[0]
    got = as_json(cli("builds", "get", first["buildId"], *url, token=TOKEN))
    assert (got["buildTag"], got["status"]) == ("one", "created")
    deleted = as_json(cli(*url, "builds", "delete", "--yes", first["buildId"], token=TOKEN))
    assert deleted == {"buildId": first["buildId"], "deleted": True}
    assert fake.builds[first["buildId"]].deleted_at is not None


def test_missing_build_exits_3_with_one_line(fake: FakeHathora) -> None:
    """A 404 exits 3 with one human line on stderr, nothing on stdout and no traceback."""
    done = cli("--server-url", fake.url, "builds", "get", "bld-nope", token=TOKEN)
    assert done.returncode == 3
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "404" in lines[0]
    assert "builds list" in lines[0]


def test_bad_token_exits_3_and_no_token_is_printed(fake: FakeHathora) -> None:
    """A wrong token exits 3 naming --token; neither token appears, even with --verbose."""
    wrong = "tok-wrong-5e6f7a8b9c"
    done = cli("--verbose", "--server-url", fake.url, "--token", wrong, "builds", "list")
    assert done.returncode == 3
    assert "check --token / HATHORA_TOKEN" in done.stderr
    good = cli("--verbose", "--server-url", fake.url, "builds", "list", token=TOKEN)
    assert good.returncode == 0
    assert "DEBUG" in good.stderr
    for output in (done.stdout, done.stderr, good.stdout, good.stderr):
        assert wrong not in output
        assert TOKEN not in output


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


def test_connection_error_exits_3() -> None:
    """An unreachable server exits 3 with a hint about --server-url."""
    done = cli("--server-url", "http://127.0.0.1:9", "builds", "list", token=TOKEN)
    assert done.returncode == 3
    assert "--server-url" in done.stderr
    assert "Traceback" not in done.stderr


def test_deploy_game_server_through_a_pipe() -> None:
    """Deploying the example succeeds; stdout is JSON, stderr has the notes and log, no escapes."""
    done = cli(
        "--emulator", "--json", "builds", "deploy", str(EXAMPLES / "game-server"), "--tag", "v1"
    )
    build = as_json(done)
    assert (build["status"], build["buildTag"]) == ("succeeded", "v1")
    assert build["imageSize"] > 0
    assert "Successfully built" in done.stderr
    assert f"Packing {EXAMPLES / 'game-server'}" in done.stderr
    assert "\x1b" not in done.stderr
    assert "\r" not in done.stderr


def test_deploy_failing_server_exits_1_with_the_log_tail() -> None:
    """A build whose Dockerfile runs `exit 1` exits 1 and, with --quiet, prints the log's tail."""
    done = cli("--emulator", "--quiet", "builds", "deploy", str(EXAMPLES / "failing-server"))
    assert done.returncode == 1
    assert "Last" in done.stderr
    assert "returned a non-zero code" in done.stderr
    assert "Traceback" not in done.stderr
    assert "failed" in done.stdout


def test_upload_then_run(fake: FakeHathora) -> None:
    """`builds upload` then `builds run` build the example; the run prints its log on stderr."""
    url = ["--server-url", fake.url, "--json"]
    uploaded = as_json(cli(*url, "builds", "upload", str(EXAMPLES / "game-server"), token=TOKEN))
    assert "completeUploadPostRequestUrl" not in uploaded
    done = cli(*url, "builds", "run", uploaded["buildId"], token=TOKEN)
    assert as_json(done)["status"] == "succeeded"
    assert "Step 1/" in done.stderr


def test_run_registry_splits_the_registry_host(fake: FakeHathora) -> None:
    """run-registry sends ghcr.io as the registry and builds the image it names."""
    url = ["--server-url", fake.url, "--json"]
    created = as_json(cli(*url, "builds", "create", "--registry", token=TOKEN))
    done = cli(
        *url, "builds", "run-registry", created["buildId"], "ghcr.io/acme/srv:2", token=TOKEN
    )
    assert as_json(done)["status"] == "succeeded"
    assert "ghcr.io/acme/srv" in done.stderr


def test_split_image() -> None:
    """A first segment with a dot, a colon or localhost is a registry host; otherwise none."""
    from hathora_cloud.cli._builds import split_image

    assert split_image("ghcr.io/org/app:1") == ("ghcr.io", "org/app:1")
    assert split_image("localhost:5000/app") == ("localhost:5000", "app")
    assert split_image("org/app:1.2") == (None, "org/app:1.2")
    assert split_image("app") == (None, "app")


def test_ctrl_c_exits_130_without_traceback() -> None:
    """Ctrl-C (SIGINT) while the emulator serves exits 130 with no traceback."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HATHORA_")}
    with subprocess.Popen(
        [sys.executable, "-m", "hathora_cloud.cli", "--json", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        assert json.loads(process.stdout.readline())["url"].startswith("http://127.0.0.1:")
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 130
        assert "Traceback" not in process.stderr.read()


def test_markup_like_tag_is_shown_verbatim() -> None:
    """A tag that looks like rich markup is printed as is, not parsed (no MarkupError)."""
    done = cli("--emulator", "builds", "create", "--registry", "--tag", "[/oops] [bold]v1")
    assert done.returncode == 0, done.stderr
    assert "[/oops] [bold]v1" in done.stdout


@pytest.mark.parametrize("json_flag", [["--json"], []], ids=["json", "table"])
def test_closed_stdout_exits_141_without_traceback(json_flag: list[str]) -> None:
    """A reader that closed stdout early (`| head`) gives exit 141 and no traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HATHORA_")}
    command = ["--emulator", "--quiet", *json_flag, "builds", "create", "--registry"]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "hathora_cloud.cli", *command],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 141, done.stderr
    assert "Traceback" not in done.stderr


def test_unusable_server_url_exits_2() -> None:
    """A --server-url that is not an http(s) URL is input rejected before sending: exit 2."""
    done = cli("--server-url", "api.hathora.dev", "builds", "list", token=TOKEN)
    assert done.returncode == 2, done.stderr
    assert "--server-url" in done.stderr
    assert "Traceback" not in done.stderr
