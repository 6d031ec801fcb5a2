"""The CLI renders hostile server data safely: every command, tables and JSON, logs and errors.

A local aiohttp server answers every call with strings full of terminal escape sequences, C1
controls, bidi overrides and lone surrogates, and with dates at the edges of the calendar.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

import pytest

from hathora_cloud.cli._values import iso_utc
from tests._cli import EXAMPLES, HOSTILE, background_server, hostile_hathora, in_process
from tests._server import RecordingServer, build_json, respond

# Every character that could steer a terminal, bar newline (and tab, which nothing here prints).
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def hostile() -> Iterator[RecordingServer]:
    """A server answering every BuildsV3 call with hostile data, for the whole module."""
    with background_server(hostile_hathora()) as server:
        yield server


@pytest.fixture
def run(
    hostile: RecordingServer,
    capfdbinary: pytest.CaptureFixture[bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> Run:
    """Run the CLI in this process against the hostile server: exit code, stdout, stderr."""
    run_main = in_process(capfdbinary, monkeypatch)

    def run_cli(*args: str) -> tuple[int, str, str]:
        return run_main("--server-url", hostile.url, *args)

    return run_cli


def assert_safe(*outputs: str) -> None:
    """No output carries a control character, a bidi override, or a traceback."""
    for output in outputs:
        found = UNSAFE.findall(output)
        assert not found, f"unsafe characters {found!r} in {output!r}"
        assert "Traceback" not in output


COMMANDS = {
    "list": ["builds", "list"],
    "get": ["builds", "get", "bld-1"],
    "create-size": ["builds", "create", "--size", "10"],
    "create-registry": ["builds", "create", "--registry"],
    "run": ["builds", "run", "bld-1"],
    "run-registry": ["builds", "run-registry", "bld-1", "ghcr.io/acme/srv:1"],
    "upload": ["builds", "upload", str(EXAMPLES / "game-server")],
    "upload-and-run": ["builds", "upload-and-run", str(EXAMPLES / "game-server")],
    "delete": ["builds", "delete", "--yes", "bld-1"],
}


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_tables_and_log_lines_show_hostile_text_escaped(run: Run, command: list[str]) -> None:
    """Every command prints hostile server data with its escapes visible, never raw."""
    code, out, err = run(*command)
    assert code == 0, err
    assert_safe(out, err)
    if command[1] != "delete":  # delete prints nothing the server sent
        assert "\\x1b]0;pwned\\x07" in out + err
    if command[1] in ("run", "run-registry", "upload-and-run"):
        assert "\\u202eevil \\x9b31m red" in err  # the streamed log line, escaped


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_json_of_hostile_data_is_valid_and_ascii(run: Run, command: list[str]) -> None:
    """--json stays valid ASCII JSON: hostile text kept as escapes, lone surrogates as U+FFFD."""
    code, out, err = run("--json", *command)
    assert code == 0, err
    assert_safe(out, err)
    document = json.loads(out)
    assert out.isascii()
    if command[1] in ("list", "delete"):
        return
    assert document["buildTag"] == HOSTILE.replace("\ud800", "\ufffd")
    assert document["createdAt"] == "0001-01-01T00:00:00+14:00"
    assert document["finishedAt"] == "9999-12-31T23:59:59.999999-14:00"
    assert document["startedAt"] == "2024-05-01T13:30:00.123456Z"


def test_extreme_dates_keep_their_offsets_and_sort(run: Run) -> None:
    """Dates with no UTC equivalent show their own offset; the list still sorts newest first."""
    code, out, err = run("builds", "get", "bld-1")
    assert code == 0, err
    assert "0001-01-01T00:00:00+14:00" in out
    assert "9999-12-31T23:59:59-14:00" in out
    assert "2024-05-01T13:30:00Z" in out
    code, out, err = run("builds", "list")
    assert code == 0, err
    newest, oldest = out.index("bld-2\\x1b]0;pwned"), out.index("bld-1 ")  # ids escaped, whole
    assert newest < oldest


def test_hostile_error_message_is_escaped_on_one_line(
    capfdbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An API error whose message carries escape sequences prints them escaped, on one line."""
    body = {"message": f"no such build {HOSTILE}\nsecond line"}
    run_main = in_process(capfdbinary, monkeypatch)
    with background_server(respond(404, json=body)) as server:
        for verbose in ([], ["--verbose"]):
            code, _, err = run_main("--server-url", server.url, *verbose, "builds", "get", "x")
            assert code == 3
            assert_safe(err.replace("Traceback", "traceback"))  # --verbose prints one
            error_lines = [line for line in err.splitlines() if "error:" in line]
            assert len(error_lines) == 1
            assert "no such build \\x1b]0;pwned\\x07" in error_lines[0]


def test_iso_utc_writes_utc_with_z_and_keeps_unconvertible_offsets() -> None:
    """Times become UTC with a Z; one outside UTC's calendar keeps its offset instead of failing."""
    from datetime import datetime, timedelta, timezone

    east = timezone(timedelta(hours=14))
    assert iso_utc(datetime(2024, 5, 1, 12, 0, 30, 5, tzinfo=east)) == "2024-04-30T22:00:30Z"
    assert iso_utc(datetime(1, 1, 1, tzinfo=east)) == "0001-01-01T00:00:00+14:00"
    assert iso_utc(None) is None


@pytest.mark.parametrize("columns", [40, 60, 80, 100, 120])
def test_build_ids_never_wrap_at_any_width(
    columns: int, capfdbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At any terminal width every build id stays whole on one line; lines fit when they can."""
    ids = [f"bld-{n:04d}6d4c6a71-2f1e-4b7a-9c3d-5e6f7a8b9c0d"[:40] for n in range(3)]
    builds = [
        build_json(buildId=ids[0], buildTag="a-rather-long-release-tag-1.2.3-rc4"),
        build_json(buildId=ids[1], buildTag="v2", status="succeeded", imageSize=1 << 30),
        build_json(buildId=ids[2], finishedAt="2024-05-01T10:05:00Z", status="failed"),
    ]
    run_main = in_process(capfdbinary, monkeypatch)
    with background_server(respond(200, json={"builds": builds})) as server:
        code, out, err = run_main(
            "--server-url", server.url, "builds", "list", env={"COLUMNS": str(columns)}
        )
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 1 + len(builds)  # a header and one line per build: nothing wrapped
    for build_id in ids:
        assert any(line.startswith(build_id + " ") for line in lines)
    assert "STATUS" in lines[0]
    if columns >= 60:  # the id, the status and a tag fit: nothing is wider than the terminal
        assert max(len(line.rstrip()) for line in lines) <= columns
    if columns >= 120:
        assert "CREATED" in lines[0]
        assert "2024-05-01T10:00:00Z" in out
