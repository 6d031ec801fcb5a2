"""``python -m hathora_cloud.testing`` serves the emulator standalone."""

from __future__ import annotations

import asyncio
import signal
import sys

import aiohttp
import pytest

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
async def test_module_prints_url_and_token_and_serves(stop: signal.Signals) -> None:
    """The module prints its URL and token lines, serves the API, and exits 0 on Ctrl-C/SIGTERM."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hathora_cloud.testing",
        "--port",
        "0",
        "--token",
        "secret-token",
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        url_line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        token_line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        assert url_line.startswith("FakeHathora listening on http://127.0.0.1:")
        assert token_line == "Token: secret-token\n"
        url = url_line.rsplit(" ", 1)[1].strip()
        headers = {"Authorization": "Bearer secret-token"}
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{url}/builds/v3/builds", headers=headers) as response,
        ):
            assert response.status == 200
            assert await response.json() == {"builds": []}
        process.send_signal(stop)
        assert await asyncio.wait_for(process.wait(), 10) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await process.stdout.read()
