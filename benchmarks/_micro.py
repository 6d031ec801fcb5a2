"""Scenario 8: the CPU one ``get_build`` costs with the network stubbed out.

Both contenders get an ``aiohttp.ClientSession`` whose connector is :class:`StubConnector`: a
``BaseConnector`` subclass whose connections are in memory. Its transport collects what aiohttp
writes and, once a request head is complete, feeds a canned HTTP/1.1 response (the benchmark
server's exact ``get_build`` reply, headers included) into aiohttp's own response protocol on the
next loop iteration. Everything above the socket runs for real and unmodified: aiohttp's request
building, connection pool, HTTP parser and ``ClientResponse``, and the SDK's whole call path on a
borrowed session (``HathoraCloudCore(session=...)``). Nothing is patched, so the SDK can change
freely; the only aiohttp surface used is the connector extension point (``_create_connection``,
which ``TCPConnector`` and ``UnixConnector`` override the same way) and its ``ResponseHandler``.

With no syscalls and no server competing for the CPU, a call's cost is pure client CPU; measured
in alternating blocks in one process (:func:`measure`), SDK minus raw aiohttp is the SDK's own
overhead per call. Both sessions are configured alike (no session-wide timeout, as the SDK's own
session), so the difference is what the SDK adds, including how it asks aiohttp for a request.
On a shared machine, absolute CPU per call inflates when other processes compete for caches and
cores; the SDK/raw ratio beside it is steadier.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import aiohttp
from aiohttp.client_proto import ResponseHandler
from aiohttp.tracing import Trace

from ._fixtures import build_body

Sample = dict[str, float]
Call = Callable[[], Awaitable[object]]

__all__ = ("StubConnector", "measure", "stub_session")

STUB_URL = "http://127.0.0.1:9"
"""The base URL the stubbed sessions talk to; nothing ever connects to it."""


def canned_reply(body: bytes) -> bytes:
    """Return a complete HTTP/1.1 response carrying ``body``, headers as ``aiohttp.web`` sends."""
    head = (
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Date: Mon, 30 Nov 2026 12:00:00 GMT\r\n"
        f"Server: Python/{sys.version_info[0]}.{sys.version_info[1]} aiohttp/{aiohttp.__version__}"
        "\r\n\r\n"
    )
    return head.encode("ascii") + body


class _Loopback(asyncio.Transport):
    """An in-memory transport: every complete request head is answered with the canned reply."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, protocol: ResponseHandler, reply: bytes
    ) -> None:
        super().__init__()
        self._loop, self._protocol, self._reply = loop, protocol, reply
        self._pending = bytearray()
        self._closing = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._pending += data
        # The benchmark only sends GETs: the head's blank line ends the request.
        if self._pending.endswith(b"\r\n\r\n"):
            self._pending.clear()
            self._loop.call_soon(self._protocol.data_received, self._reply)

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview]) -> None:
        for data in list_of_data:
            self.write(data)

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        if not self._closing:
            self._closing = True
            self._loop.call_soon(self._protocol.connection_lost, None)

    def abort(self) -> None:
        self.close()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default

    def is_reading(self) -> bool:
        return not self._closing

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def can_write_eof(self) -> bool:
        return False


class StubConnector(aiohttp.BaseConnector):
    """A connector whose connections answer every request with one canned response."""

    def __init__(self, reply: bytes) -> None:
        super().__init__()
        self._reply = reply

    async def _create_connection(
        self, req: aiohttp.ClientRequest, traces: list[Trace], timeout: aiohttp.ClientTimeout
    ) -> ResponseHandler:
        loop = asyncio.get_running_loop()
        protocol = ResponseHandler(loop)
        protocol.connection_made(_Loopback(loop, protocol, self._reply))
        return protocol


def stub_session() -> aiohttp.ClientSession:
    """Return a session (configured like the SDK's own) answered by :class:`StubConnector`."""
    connector = StubConnector(canned_reply(build_body()))
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=None))


async def _block(call: Call, calls: int) -> float:
    cpu = time.process_time()
    for _ in range(calls):
        await call()
    return (time.process_time() - cpu) / calls * 1e6


async def measure(sdk: Call, raw: Call, calls: int, blocks: int = 10, flip: bool = False) -> Sample:
    """Warm both up, then alternate blocks of ``calls // blocks`` calls: CPU µs per call.

    Returns each contender's cheapest block and the median over adjacent block pairs of SDK
    minus raw. Interleaving in one process puts both contenders of a pair under the same
    conditions on a shared machine, where other processes only ever add CPU (cache and core
    contention, frequency), so the pair difference cancels most interference and the cheapest
    block is the best estimate of a call's own cost. ``flip`` runs raw first in each pair.
    """
    for _ in range(min(2000, calls)):
        await sdk()
        await raw()
    per_block = max(1, calls // blocks)
    sdk_costs, raw_costs = [], []
    for _ in range(blocks):
        if flip:
            raw_costs.append(await _block(raw, per_block))
        sdk_costs.append(await _block(sdk, per_block))
        if not flip:
            raw_costs.append(await _block(raw, per_block))
    pairs = [s - r for s, r in zip(sdk_costs, raw_costs, strict=True)]
    return {
        "sdk_us": min(sdk_costs),
        "raw_us": min(raw_costs),
        "overhead_us": statistics.median(pairs),
    }
