"""BuildLogStream against a local server: lines, bytes, release on every exit path, errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable

import pytest
from aiohttp import web

from hathora_cloud import Err, HathoraCloudCore, Ok, RequestOptions, RetryConfig
from hathora_cloud.errors import (
    HTTPConnectionError,
    RequestAbortedError,
    RequestTimeoutError,
    SDKError,
)
from hathora_cloud.funcs import builds_v3_get_build, builds_v3_run_build
from hathora_cloud.streams import BuildLogStream

from ._server import Handler, RecordingServer, build_json, respond, serve, stream

pytestmark = pytest.mark.anyio


@pytest.fixture
async def server() -> AsyncIterator[RecordingServer]:
    """A recording server; each test sets its answer."""
    async with serve() as running:
        yield running


def routed(run: Handler) -> Handler:
    """Answer /run with ``run`` and everything else with a build."""
    get = respond(200, json=build_json())

    async def handler(request: web.Request) -> web.StreamResponse:
        return await (run if request.path.endswith("/run") else get)(request)

    return handler


def core_for(
    server: RecordingServer, *, timeout: float = 60.0, stream_idle_timeout: float = 600.0
) -> HathoraCloudCore:
    """A single-connection core, so a leaked connection blocks the next call."""
    return HathoraCloudCore(
        hathora_dev_token="t",
        server_url=server.url,
        connection_limit=1,
        timeout=timeout,
        stream_idle_timeout=stream_idle_timeout,
    )


async def open_log(core: HathoraCloudCore) -> BuildLogStream:
    """Run a build and return its open log stream."""
    result = await builds_v3_run_build(core, "bld-1")
    assert isinstance(result, Ok), result
    return result.value


async def assert_connection_free(core: HathoraCloudCore, server: RecordingServer) -> None:
    """The server saw the disconnect and the one pooled connection serves a new call at once."""
    await asyncio.wait_for(server.disconnected.wait(), 2)
    result = await builds_v3_get_build(core, "bld-1", options=RequestOptions(timeout=1))
    assert result.ok, result


async def collect(log: BuildLogStream, lines: list[str]) -> None:
    """Append every line of ``log`` to ``lines`` until it ends or fails, then close it."""
    async with log:
        async for line in log:
            lines.append(line)  # noqa: PERF401 - keep the lines read before a failure


def serve_log(
    server: RecordingServer, chunks: Iterable[bytes], *, delay: float = 0.0, **kwargs: object
) -> None:
    """Make /run stream ``chunks`` (see :func:`stream`)."""
    server.handler = routed(stream(server, chunks, delay=delay, **kwargs))  # type: ignore[arg-type]


async def test_lines_in_order(server: RecordingServer) -> None:
    """The log yields each line in order with \\n, \\r\\n and \\r terminators removed."""
    serve_log(server, [b"one\n", b"tw", b"o\r", b"\nthree\rfo", "\u20ac".encode()[:1], b"\n"])
    async with core_for(server) as core, await open_log(core) as log:
        lines = [line async for line in log]
    assert lines == ["one", "two", "three", "fo\ufffd"]
    assert log.closed


async def test_iter_bytes(server: RecordingServer) -> None:
    """iter_bytes() yields the raw bytes as sent, and the stream is closed at the end."""
    chunks = [b"a\r\n", b"\xff\xfe", b"tail"]
    serve_log(server, chunks, delay=0.01)
    async with core_for(server) as core, await open_log(core) as log:
        received = [chunk async for chunk in log.iter_bytes()]
    assert b"".join(received) == b"".join(chunks)
    assert log.closed


async def test_line_batches_match_lines(server: RecordingServer) -> None:
    """iter_line_batches() yields the same lines in the same order, one list per chunk."""
    chunks = [b"one\n", b"tw", b"o\r", b"\nthree\rfour\n", b"five"]
    serve_log(server, chunks, delay=0.01)
    async with core_for(server) as core, await open_log(core) as log:
        batches = [batch async for batch in log.iter_line_batches()]
    assert [line for batch in batches for line in batch] == ["one", "two", "three", "four", "five"]
    assert all(batches)
    assert log.closed


async def test_line_batches_continue_after_single_lines(server: RecordingServer) -> None:
    """Lines already taken one by one are not repeated by a later iter_line_batches()."""
    serve_log(server, [b"a\nb\nc\n", b"d\n"], delay=0.01)
    async with core_for(server) as core, await open_log(core) as log:
        first = await log.__anext__()
        rest = [line async for batch in log.iter_line_batches() for line in batch]
    assert first == "a"
    assert rest == ["b", "c", "d"]


async def test_silent_error_body_on_run_is_bounded_by_the_call_timeout(
    server: RecordingServer,
) -> None:
    """A run error whose body stalls is cut at the per-call timeout, not the core's."""

    async def stalled(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=500, headers={"Content-Type": "text/plain"})
        await response.prepare(request)
        await response.write(b"partial")
        await asyncio.sleep(30)
        return response

    server.handler = routed(stalled)
    async with core_for(server, timeout=60) as core:
        options = RequestOptions(timeout=0.3, retries=RetryConfig(strategy="none"))
        result = await asyncio.wait_for(builds_v3_run_build(core, "bld-1", options=options), 10)
    assert isinstance(result, Err)
    assert isinstance(result.error, RequestTimeoutError)


async def test_break_then_anext_then_a_new_loop_carry_on_from_the_same_line(
    server: RecordingServer,
) -> None:
    """Breaking out of a loop, then ``anext()``, then a second loop read every line exactly once,
    in order, whether a line is already buffered or needs the next network chunk."""
    serve_log(server, [b"a\nb\nc\n", b"d\ne\n", b"f\n"], delay=0.01)
    async with core_for(server) as core, await open_log(core) as log:
        seen = []
        async for line in log:
            seen.append(line)
            if line == "b":
                break
        seen.append(await anext(log))  # "c": buffered
        seen.append(await anext(log))  # "d": needs the next chunk
        seen += [line async for line in log]
        with pytest.raises(StopAsyncIteration):
            await anext(log)
    assert seen == ["a", "b", "c", "d", "e", "f"]


async def test_normal_end_releases_connection(server: RecordingServer) -> None:
    """A stream read to its end returns its connection to the pool."""
    serve_log(server, [b"done\n"])
    async with core_for(server) as core:
        log = await open_log(core)
        assert [line async for line in log] == ["done"]
        result = await builds_v3_get_build(core, "bld-1", options=RequestOptions(timeout=1))
        assert result.ok, result


async def test_break_releases_connection(server: RecordingServer) -> None:
    """Breaking out of `async with` early closes the connection; the next call gets the slot."""
    serve_log(server, [b"first\n"], then_hang=5)
    async with core_for(server) as core:
        async with await open_log(core) as log:
            async for line in log:
                assert line == "first"
                break
        assert log.closed
        await assert_connection_free(core, server)


async def test_exception_inside_async_with_releases_connection(server: RecordingServer) -> None:
    """An exception raised while consuming releases the connection on the way out."""
    serve_log(server, [b"first\n"], then_hang=5)

    async def consume_then_fail(core: HathoraCloudCore) -> None:
        async with await open_log(core) as log:
            await log.__anext__()
            raise KeyError("consumer failed")

    async with core_for(server) as core:
        with pytest.raises(KeyError):
            await consume_then_fail(core)
        await assert_connection_free(core, server)


async def test_cancelled_consumer_releases_connection(server: RecordingServer) -> None:
    """Cancelling the task that reads the stream releases the connection."""
    serve_log(server, [b"first\n"], then_hang=5)
    got_first = asyncio.Event()

    async def consume(core: HathoraCloudCore) -> None:
        async with await open_log(core) as log:
            async for _ in log:
                got_first.set()

    async with core_for(server) as core:
        task = asyncio.create_task(consume(core))
        await asyncio.wait_for(got_first.wait(), 2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await assert_connection_free(core, server)


async def test_aclose_idempotent(server: RecordingServer) -> None:
    """aclose() can be called repeatedly; a closed stream iterates as empty."""
    serve_log(server, [b"a\n"], then_hang=5)
    async with core_for(server) as core:
        log = await open_log(core)
        await log.aclose()
        await log.aclose()
        assert log.closed
        assert [line async for line in log] == []
        await assert_connection_free(core, server)


async def test_idle_timeout(server: RecordingServer) -> None:
    """Silence past stream_idle_timeout raises RequestTimeoutError, also a builtin TimeoutError."""
    serve_log(server, [b"first\n"], then_hang=3)
    async with core_for(server, stream_idle_timeout=0.2) as core:
        log = await open_log(core)
        lines: list[str] = []
        with pytest.raises(RequestTimeoutError) as caught:
            await collect(log, lines)
    assert lines == ["first"]
    assert isinstance(caught.value, TimeoutError)
    assert log.closed


async def test_long_stream_not_cut_by_timeout(server: RecordingServer) -> None:
    """A stream lasting longer than the unary timeout is not cut while lines keep coming."""
    serve_log(server, [f"line {i}\n".encode() for i in range(10)], delay=0.1)
    async with core_for(server, timeout=0.3) as core, await open_log(core) as log:
        lines = [line async for line in log]
    assert lines == [f"line {i}" for i in range(10)]


async def test_server_cuts_stream(server: RecordingServer) -> None:
    """A connection dropped mid-stream raises HTTPConnectionError after the lines before it."""
    serve_log(server, [b"one\n", b"two\npart"], delay=0.02, cut=True)
    lines: list[str] = []
    async with core_for(server) as core:
        log = await open_log(core)
        with pytest.raises(HTTPConnectionError):
            await collect(log, lines)
    assert log.closed
    assert lines == ["one", "two"]


async def test_core_close_aborts_next_read(server: RecordingServer) -> None:
    """Closing the core while a stream is open makes the next read raise RequestAbortedError."""
    serve_log(server, [b"one\n"], then_hang=5)
    core = core_for(server)
    log = await open_log(core)
    assert await log.__anext__() == "one"
    await core.aclose()
    with pytest.raises(RequestAbortedError):
        await log.__anext__()
    assert log.closed


async def test_core_close_aborts_pending_read(server: RecordingServer) -> None:
    """A read waiting on the stream when the core closes raises RequestAbortedError."""
    serve_log(server, [b"one\n"], then_hang=5)
    core = core_for(server)
    log = await open_log(core)
    assert await log.__anext__() == "one"
    pending = asyncio.ensure_future(log.__anext__())
    await asyncio.sleep(0.05)
    await core.aclose()
    with pytest.raises(RequestAbortedError):
        await asyncio.wait_for(pending, 2)


async def test_error_status_with_endless_body_returns(server: RecordingServer) -> None:
    """An error status on run whose body never ends still gives Err(SDKError) promptly."""

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=500, headers={"Content-Type": "text/plain"})
        await response.prepare(request)
        try:
            while True:
                await response.write(b"e" * 65536)
                await asyncio.sleep(0)
        except (ConnectionResetError, asyncio.CancelledError):
            server.disconnected.set()
            raise

    server.handler = routed(endless)
    async with core_for(server, timeout=2) as core:
        result = await builds_v3_run_build(
            core, "bld-1", options=RequestOptions(retries=RetryConfig(strategy="none"))
        )
        assert isinstance(result, Err)
        assert isinstance(result.error, SDKError)
        assert result.error.status_code == 500
        assert result.error.body.startswith("eeee")
        await assert_connection_free(core, server)
