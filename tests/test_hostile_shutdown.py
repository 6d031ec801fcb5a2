"""A cancellation nobody asked for is not a cancellation: closing the core under load.

| attack | outcome |
| --- | --- |
| close while 300 calls wait behind a 2-connection pool | each `Err(RequestAbortedError)` |
| close while calls wait for a slow DNS answer | each `Err(RequestAbortedError)`, at once |
| close while 20 log streams are mid-read | each stream raises `RequestAbortedError` |
| close in a retry wait or between `wait_for_build` polls | `Err(RequestAbortedError)`, at once |
| cancel the caller's own task while it waits in the pool | `CancelledError` propagates untouched |

No task is ever cancelled by a close: the calls return, they do not raise.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hathora_cloud import Err, HathoraCloudCore, Ok
from hathora_cloud.errors import RequestAbortedError
from hathora_cloud.funcs import (
    builds_v3_create_build,
    builds_v3_get_build,
    builds_v3_get_builds,
    builds_v3_run_build,
    builds_v3_upload_build,
    builds_v3_wait_for_build,
)
from hathora_cloud.models import CreateMultipartBuildParams
from hathora_cloud.streams import BuildLogStream
from hathora_cloud.testing import FakeHathora, FaultRule, make_tarball

pytestmark = pytest.mark.anyio


@pytest.fixture
async def fake() -> AsyncIterator[FakeHathora]:
    """A running emulator whose build logs take a while (a line every 50 ms)."""
    async with FakeHathora(log_line_delay=0.05) as emulator:
        yield emulator


def _kinds(results: list[Any]) -> set[str]:
    return {type(r.error).__name__ if isinstance(r, Err) else type(r).__name__ for r in results}


async def test_close_under_a_queue_of_calls(fake: FakeHathora) -> None:
    """300 calls queued behind a 2-connection pool all end Err(RequestAbortedError) on close."""
    fake.inject(FaultRule.latency(1.0, operation="GetBuild"))
    core = HathoraCloudCore(hathora_dev_token=fake.token, server_url=fake.url, connection_limit=2)
    tasks = [asyncio.create_task(builds_v3_get_build(core, f"b{i}")) for i in range(300)]
    await asyncio.sleep(0.2)
    await core.aclose()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert _kinds(results) == {"RequestAbortedError"}
    assert not any(task.cancelled() for task in tasks)


async def test_close_while_dns_is_slow(fake: FakeHathora, monkeypatch: pytest.MonkeyPatch) -> None:
    """Calls waiting on a hostname that resolves slowly end Err(RequestAbortedError) at close."""
    real = socket.getaddrinfo

    def slow_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "slow-dns.invalid":
            time.sleep(0.5)
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow_getaddrinfo)
    port = fake.url.rsplit(":", 1)[1]
    core = HathoraCloudCore(
        hathora_dev_token=fake.token, server_url=f"http://slow-dns.invalid:{port}"
    )
    tasks = [asyncio.create_task(builds_v3_get_build(core, f"b{i}")) for i in range(20)]
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await core.aclose()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert time.monotonic() - started < 0.4
    assert _kinds(results) == {"RequestAbortedError"}
    assert not any(task.cancelled() for task in tasks)


async def test_close_with_streams_mid_read(fake: FakeHathora) -> None:
    """Twenty open log streams each raise RequestAbortedError once the core is closed."""
    core = HathoraCloudCore(hathora_dev_token=fake.token, server_url=fake.url)
    tarball = make_tarball({"Dockerfile": "FROM x\n" + "RUN step\n" * 50})
    streams: list[BuildLogStream] = []
    for _ in range(20):
        uploaded = await builds_v3_upload_build(core, tarball)
        run = await builds_v3_run_build(core, uploaded.unwrap().build_id)
        assert isinstance(run, Ok)
        streams.append(run.value)

    async def read(stream: BuildLogStream) -> BaseException | None:
        try:
            async for _ in stream:
                pass
        except RequestAbortedError as error:
            return error
        return None

    readers = [asyncio.create_task(read(stream)) for stream in streams]
    await asyncio.sleep(0.1)
    await core.aclose()
    outcomes = await asyncio.gather(*readers)
    assert all(isinstance(outcome, RequestAbortedError) for outcome in outcomes)
    assert all(stream.closed for stream in streams)


async def test_close_during_a_retry_wait(fake: FakeHathora) -> None:
    """A call waiting to retry (Retry-After 5 s) ends Err(RequestAbortedError) when closed."""
    fake.inject(FaultRule.status_code(503, operation="GetBuilds", retry_after=5))
    core = HathoraCloudCore(hathora_dev_token=fake.token, server_url=fake.url)
    task = asyncio.create_task(builds_v3_get_builds(core))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    await core.aclose()
    result = await task
    assert time.monotonic() - started < 0.5
    assert isinstance(result, Err)
    assert isinstance(result.error, RequestAbortedError)


async def test_close_between_polls(fake: FakeHathora) -> None:
    """wait_for_build sleeping between polls ends Err(RequestAbortedError) as the core closes."""
    core = HathoraCloudCore(hathora_dev_token=fake.token, server_url=fake.url)
    created = await builds_v3_create_build(core, CreateMultipartBuildParams(build_size_in_bytes=1))
    build_id = created.unwrap().build_id
    task = asyncio.create_task(builds_v3_wait_for_build(core, build_id, poll_interval=10.0))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    await core.aclose()
    result = await task
    assert time.monotonic() - started < 0.5
    assert isinstance(result, Err)
    assert isinstance(result.error, RequestAbortedError)


async def test_callers_own_cancellation_propagates(fake: FakeHathora) -> None:
    """Cancelling a task that waits in the pool raises CancelledError in it, as asked."""
    fake.inject(FaultRule.latency(1.0, operation="GetBuild"))
    async with HathoraCloudCore(
        hathora_dev_token=fake.token, server_url=fake.url, connection_limit=1
    ) as core:
        busy = asyncio.create_task(builds_v3_get_build(core, "busy"))
        waiting = asyncio.create_task(builds_v3_get_build(core, "waiting"))
        await asyncio.sleep(0.1)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert waiting.cancelled()
        busy.cancel()
        with pytest.raises(asyncio.CancelledError):
            await busy
