"""``HATHORA_LOG`` and ``--verbose``: the SDK's log lines on stderr, one handler, no secret."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from hathora_cloud import _logging
from hathora_cloud.testing import FakeHathora
from tests._cli import TOKEN, background_fake, cli, cli_env

# asctime, level, logger, then the SDK's per-attempt line.
LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} DEBUG hathora_cloud: "
    r"GetBuilds GET /builds/v3/builds -> 200 attempt=1 elapsed=\d+\.\d{3}s$",
    re.MULTILINE,
)
SCRIPT = """
import asyncio, sys
from hathora_cloud import HathoraCloudCore
from hathora_cloud.funcs import builds_v3_get_builds

async def main():
    async with HathoraCloudCore(server_url=sys.argv[1]) as core:  # the token: HATHORA_TOKEN
        (await builds_v3_get_builds(core)).unwrap()

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeHathora]:
    """A FakeHathora served from a background event loop for the whole module."""
    with background_fake(token=TOKEN) as emulator:
        yield emulator


def sdk_program(server_url: str, level: str) -> subprocess.CompletedProcess[str]:
    """Run a program that imports the SDK and lists builds, with ``HATHORA_LOG=level``."""
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, server_url],
        capture_output=True,
        text=True,
        env=cli_env(TOKEN, {"HATHORA_LOG": level}),
        timeout=60,
        check=False,
    )


def test_hathora_log_debug_shows_sdk_lines_without_code(fake: FakeHathora) -> None:
    """HATHORA_LOG=debug makes a program that never configures logging print one line a call."""
    done = sdk_program(fake.url, "DEBUG")
    assert done.returncode == 0, done.stderr
    assert len(LINE.findall(done.stderr)) == 1, done.stderr
    assert TOKEN not in done.stderr


def test_hathora_log_warning_hides_debug_lines(fake: FakeHathora) -> None:
    """HATHORA_LOG=warning sets the level: the per-call DEBUG lines stay hidden."""
    done = sdk_program(fake.url, "warning")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_unknown_hathora_log_is_ignored_with_one_warning(fake: FakeHathora) -> None:
    """An unknown HATHORA_LOG value gives one line on stderr and no log output; the call works."""
    done = sdk_program(fake.url, "verbose")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines == [
        "hathora_cloud: ignoring HATHORA_LOG='verbose': expected one of debug, info, warning"
    ]


@pytest.fixture
def clean_logger() -> Iterator[logging.Logger]:
    """The ``hathora_cloud`` logger, restored (handlers and level) after the test."""
    logger = logging.getLogger("hathora_cloud")
    handlers, level = list(logger.handlers), logger.level
    yield logger
    logger.handlers[:] = handlers
    logger.setLevel(level)


def test_configure_from_env_never_adds_a_second_handler(
    clean_logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Applying HATHORA_LOG again (or --verbose after it) reuses the one handler it added."""
    monkeypatch.setenv("HATHORA_LOG", "info")
    first = _logging.configure_from_env()
    second = _logging.configure_from_env()
    assert first is not None
    assert first is second
    assert _logging.enable(logging.DEBUG) is first
    assert sum(handler is first for handler in clean_logger.handlers) == 1
    assert (first.level, clean_logger.level) == (logging.DEBUG, logging.DEBUG)
    monkeypatch.setenv("HATHORA_LOG", "")
    assert _logging.configure_from_env() is None


def test_log_lines_show_control_characters_escaped(
    clean_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    """A logged message carrying an escape sequence is written with the escape visible."""
    _logging.enable(logging.DEBUG, stream=sys.stderr)
    clean_logger.debug("path %s", "/a\x1b]0;pwned\x07\u202e")
    err = capsys.readouterr().err
    assert err.endswith("DEBUG hathora_cloud: path /a\\x1b]0;pwned\\x07\\u202e\n")


def test_printable_escapes_only_what_steers_a_terminal() -> None:
    """printable escapes controls, bidi and surrogates; keeps text, emoji, tabs and newlines."""
    kept = "héllo\tworld\n👩\u200d💻 漢字"
    assert _logging.printable(kept) is kept
    assert _logging.printable("\x1b[2J\x9b\u202e\ud800\x7f") == "\\x1b[2J\\x9b\\u202e\\ud800\\x7f"
    twice = _logging.printable(_logging.printable("\x1b"))
    assert twice == "\\x1b"


@pytest.mark.parametrize(
    "how",
    [["--verbose"], ["env"], ["--verbose", "env"]],
    ids=["verbose", "HATHORA_LOG", "both"],
)
def test_cli_verbose_and_hathora_log_print_the_same_lines_once(
    fake: FakeHathora, how: list[str]
) -> None:
    """--verbose, HATHORA_LOG=debug, or both: the same line format, each call logged once."""
    env = {"HATHORA_LOG": "debug"} if "env" in how else None
    flags = [flag for flag in how if flag != "env"]
    done = cli(*flags, "--server-url", fake.url, "builds", "list", token=TOKEN, env=env)
    assert done.returncode == 0, done.stderr
    assert len(LINE.findall(done.stderr)) == 1, done.stderr
    assert TOKEN not in done.stderr + done.stdout
