"""A bounded load test: thousands of calls and hundreds of abandoned streams leak nothing."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Callable

import anyio
import pytest
from aiohttp import web

from hathora_cloud import HathoraCloudCore, Ok, RequestOptions
from hathora_cloud.funcs import builds_v3_get_build, builds_v3_run_build
from hathora_cloud.streams import BuildLogStream

pytestmark = pytest.mark.anyio

_BUILD = json.dumps(
    {
        "buildId": "bld-load",
        "orgId": "org-1",
        "createdBy": "ci@example.com",
        "createdAt": "2026-11-28T03:45:47.123Z",
        "startedAt": None,
        "finishedAt": None,
        "deletedAt": None,
        "status": "created",
        "imageSize": 0,
    }
).encode()


class _Server:
    """An API double: instant GETs and endless run streams that count who is still connected."""

    def __init__(self) -> None:
        self.open_streams = 0
        self.url = ""

    async def get_build(self, request: web.Request) -> web.Response:
        return web.Response(body=_BUILD, content_type="application/json")

    async def run(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        self.open_streams += 1
        try:
            while True:
                await response.write(b"Step 1/1 : RUN make\n")
                await asyncio.sleep(0.01)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.open_streams -= 1
        return response


@pytest.fixture
async def server() -> AsyncIterator[_Server]:
    double = _Server()
    app = web.Application()
    app.router.add_get("/builds/v3/builds/{id}", double.get_build)
    app.router.add_post("/builds/v3/builds/{id}/run", double.run)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    double.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield double
    await runner.cleanup()


def _socket_fds() -> int:
    return sum(_is_socket(fd) for fd in os.listdir("/proc/self/fd"))


def _is_socket(fd: str) -> bool:
    try:
        return os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
    except OSError:  # closed between listdir and readlink
        return False


async def _abandon_by_break(core: HathoraCloudCore) -> None:
    async with (await builds_v3_run_build(core, "bld-load")).unwrap() as stream:
        async for _ in stream:
            break


async def _abandon_by_aclose(core: HathoraCloudCore) -> None:
    stream = (await builds_v3_run_build(core, "bld-load")).unwrap()
    await stream.__anext__()
    await stream.aclose()


async def _abandon_by_cancel(core: HathoraCloudCore) -> None:
    with anyio.move_on_after(0.05):
        async with (await builds_v3_run_build(core, "bld-load")).unwrap() as stream:
            await _read_forever(stream)


async def _read_forever(stream: BuildLogStream) -> None:
    async for _ in stream:
        pass


async def _wait_until(predicate: Callable[[], bool], seconds: float) -> bool:
    """Poll ``predicate``: the server's handlers and the kernel settle on their own time."""
    with anyio.move_on_after(seconds):
        while not predicate():  # noqa: ASYNC110 - nothing to wait on but the clock
            await asyncio.sleep(0.02)
        return True
    return False


async def test_thousands_of_calls_and_abandoned_streams_leave_no_connection(
    server: _Server,
) -> None:
    """3,000 concurrent calls and 300 abandoned streams end with no stream or socket left open."""
    baseline = _socket_fds()
    core = HathoraCloudCore(hathora_dev_token="t", server_url=server.url, connection_limit=50)
    try:
        results = await asyncio.gather(
            *(builds_v3_get_build(core, "bld-load") for _ in range(3000))
        )
        assert all(isinstance(r, Ok) for r in results)
        # A leaked stream would hold its pooled connection: the pool (50) would run dry and
        # the next stream would wait forever, so the phase has a deadline.
        with anyio.fail_after(15):
            for abandon in (_abandon_by_break, _abandon_by_aclose, _abandon_by_cancel):
                async with anyio.create_task_group() as group:
                    for _ in range(100):
                        group.start_soon(abandon, core)
        assert await _wait_until(lambda: server.open_streams == 0, 5.0), server.open_streams
        # With every connection back in the pool, a full pool's worth of calls goes through fast.
        quick = RequestOptions(timeout=2.0)
        again = await asyncio.gather(
            *(builds_v3_get_build(core, "bld-load", options=quick) for _ in range(50))
        )
        assert all(isinstance(r, Ok) for r in again)
    finally:
        await core.aclose()
    assert await _wait_until(lambda: _socket_fds() <= baseline, 5.0), (_socket_fds(), baseline)
