"""A hostile HTTP server for adversarial tests: it answers with whatever bytes a test scripts.

Unlike ``tests/_server.py`` (a well-behaved aiohttp.web app), this speaks raw TCP so it can send
what no framework would: malformed status lines, broken chunking, oversized headers, bodies that
echo the request's secrets back. Each connection serves one request and is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

import attrs


@attrs.frozen
class RawRequest:
    """One request as it arrived: request line, headers (lower-case names), body."""

    line: str
    headers: dict[str, str]
    body: bytes

    @property
    def target(self) -> str:
        """The request target (path and query), exactly as sent."""
        return self.line.split(" ")[1] if " " in self.line else ""

    @property
    def authorization(self) -> str:
        """The ``Authorization`` header value ("" when absent)."""
        return self.headers.get("authorization", "")


Reply = bytes | Sequence[bytes]
"""Bytes to write; a sequence is written piece by piece with a short pause in between."""
Script = Callable[[RawRequest], Reply | Awaitable[Reply]]


@attrs.define
class HostileServer:
    """A running hostile server: its ``url``, the ``requests`` it saw, the current ``script``."""

    script: Script
    url: str = ""
    requests: list[RawRequest] = attrs.Factory(list)


def echo(template: str) -> Callable[[RawRequest], bytes]:
    """Answer with ``template``, its placeholders replaced by what the request carried.

    Placeholders: ``{auth}`` (the Authorization value), ``{target}`` (path and query), ``{line}``
    (the request line), ``{query}`` (the query string). Other braces are left alone (JSON).
    """

    def script(request: RawRequest) -> bytes:
        fields = {
            "{auth}": request.authorization,
            "{target}": request.target,
            "{line}": request.line,
            "{query}": request.target.partition("?")[2],
        }
        text = template
        for field, value in fields.items():
            text = text.replace(field, value)
        return text.encode("utf-8", "surrogateescape")

    return script


def response(
    status: str, body: bytes = b"", *, headers: Sequence[tuple[str, str]] = (), length: bool = True
) -> bytes:
    """A well-formed response, for the parts of a scenario that must succeed."""
    lines = [f"HTTP/1.1 {status}", *(f"{name}: {value}" for name, value in headers)]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@asynccontextmanager
async def hostile(script: Script) -> AsyncIterator[HostileServer]:
    """Serve ``script`` on 127.0.0.1 (a free port) until the block exits."""
    server = HostileServer(script)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await _read_request(reader)
            if request is None:
                return
            server.requests.append(request)
            produced = server.script(request)
            reply = await produced if inspect.isawaitable(produced) else produced
            for piece in [reply] if isinstance(reply, bytes) else reply:
                writer.write(piece)
                await writer.drain()
                if not isinstance(reply, bytes):
                    await asyncio.sleep(0.01)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0, limit=1 << 22)
    port = listener.sockets[0].getsockname()[1]
    server.url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        listener.close()
        await listener.wait_closed()


async def _read_request(reader: asyncio.StreamReader) -> RawRequest | None:
    head = await reader.readuntil(b"\r\n\r\n")
    line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for header in header_lines:
        name, sep, value = header.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    body = b""
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = await _read_chunked(reader)
    return RawRequest(line, headers, body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return bytes(body)
        body += chunk[:-2]
