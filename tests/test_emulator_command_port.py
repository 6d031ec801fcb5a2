"""``hathora-cloud emulator`` and ``python -m hathora_cloud.testing`` on a port they cannot use."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A 127.0.0.1 port another socket is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


@pytest.mark.parametrize(
    "module", [["hathora_cloud.cli", "emulator"], ["hathora_cloud.testing"]], ids=["cli", "module"]
)
@pytest.mark.parametrize("port", ["busy", "99999"])
def test_unusable_port_is_one_line_exit_2(module: list[str], port: str, busy_port: int) -> None:
    """A port in use or out of range gives one error line and exit code 2, no traceback."""
    number = str(busy_port) if port == "busy" else port
    done = subprocess.run(
        [sys.executable, "-m", *module, "--port", number],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert f"cannot listen on 127.0.0.1:{number}" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
