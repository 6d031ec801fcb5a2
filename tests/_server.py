"""A tiny recording HTTP server for the SDK's tests: a real ``aiohttp.web`` app on 127.0.0.1:0.

Each test states what the server answers with a handler (``respond``, ``sequence``, ``stream``
or any ``async def handler(request)``) and then inspects ``server.requests``: the method, the
raw (still percent-encoded) path, the raw query, the headers and the body of every request.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import attrs
from aiohttp import web
from multidict import CIMultiDictProxy

from hathora_cloud.testing import make_tarball

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

BUILD: dict[str, Any] = {
    "buildId": "bld-1",
    "orgId": "org-1",
    "createdBy": "dev@example.com",
    "createdAt": "2024-05-01T10:00:00Z",
    "startedAt": None,
    "finishedAt": None,
    "deletedAt": None,
    "status": "created",
    "imageSize": 0,
}
"""A minimal valid BuildV3 document (only the required keys)."""


def tarball_of(size: int) -> bytes:
    """A valid tar.gz (its Dockerfile first) padded after its end with random bytes to ``size``.

    The padding lies past the gzip stream, where readers stop: uploads of any exact size.
    """
    head = make_tarball({"Dockerfile": "FROM alpine\n"})
    if size < len(head):
        raise ValueError(f"the smallest tarball is {len(head)} bytes")
    return head + os.urandom(size - len(head))


def build_json(**changes: Any) -> dict[str, Any]:
    """Return a valid BuildV3 document with ``changes`` applied (camelCase keys)."""
    return {**BUILD, **changes}


def created_json(**changes: Any) -> dict[str, Any]:
    """Return a valid CreatedBuildV3WithMultipartUrls document with ``changes`` applied."""
    document = {
        **BUILD,
        "completeUploadPostRequestUrl": "http://s3.invalid/complete?sig=1",
        "maxChunkSize": 1024,
        "uploadParts": [
            {"partNumber": 1, "putRequestUrl": "http://s3.invalid/p1"},
            {"partNumber": 2, "putRequestUrl": "http://s3.invalid/p2"},
        ],
    }
    return {**document, **changes}


@attrs.frozen
class Recorded:
    """One request as the server received it."""

    method: str
    path: str
    """The raw path, percent-encoding kept (``/builds/v3/builds/a%2Fb``)."""
    query: str
    """The raw query string without ``?`` (``""`` when there was none)."""
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        """Decode the body as JSON."""
        return json.loads(self.body)


@attrs.define
class RecordingServer:
    """A running server: its base ``url``, the ``requests`` it saw, the current ``handler``."""

    handler: Handler
    url: str = ""
    requests: list[Recorded] = attrs.Factory(list)
    disconnected: asyncio.Event = attrs.Factory(asyncio.Event)
    """Set by :func:`stream` handlers when the client went away mid-response."""

    @property
    def methods_and_paths(self) -> list[tuple[str, str]]:
        """Return ``(method, path)`` of every request, in arrival order."""
        return [(r.method, r.path) for r in self.requests]


@asynccontextmanager
async def serve(handler: Handler | None = None) -> AsyncIterator[RecordingServer]:
    """Run a recording server on 127.0.0.1 with a free port until the block exits."""
    server = RecordingServer(handler or respond(200, json={}))

    async def dispatch(request: web.Request) -> web.StreamResponse:
        path, _, query = request.raw_path.partition("?")
        body = await request.read()
        server.requests.append(Recorded(request.method, path, query, request.headers, body))
        return await server.handler(request)

    app = web.Application()
    app.on_response_prepare.append(_drop_content_type)
    app.router.add_route("*", "/{tail:.*}", dispatch)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    sock = socket.socket(socket.AF_INET)
    sock.bind(("127.0.0.1", 0))
    site = web.SockSite(runner, sock)
    try:
        await site.start()
        server.url = "http://127.0.0.1:{}".format(*sock.getsockname()[1:2])
        yield server
    finally:
        await runner.cleanup()
        sock.close()


def respond(
    status: int = 200,
    *,
    json: Any = None,
    body: bytes | str | None = None,
    content_type: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Handler:
    """Answer every request with a fixed status and a JSON document, raw body, or nothing.

    ``content_type=None`` with a raw body sends no ``Content-Type`` header at all.
    """
    if json is not None:
        payload = _json_dumps(json).encode()
        content_type = content_type or "application/json"
    else:
        payload = body.encode() if isinstance(body, str) else (body or b"")

    async def handler(request: web.Request) -> web.StreamResponse:
        if content_type is None:
            return _UntypedResponse(status=status, body=payload, headers=headers)
        response = web.Response(status=status, body=payload, headers=headers)
        response.headers["Content-Type"] = content_type
        return response

    return handler


def sequence(*handlers: Handler) -> Handler:
    """Use the handlers in turn, one per request; the last one answers all later requests."""
    remaining = list(handlers)

    async def handler(request: web.Request) -> web.StreamResponse:
        current = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        return await current(request)

    return handler


def stream(
    server: RecordingServer,
    chunks: Iterable[bytes],
    *,
    delay: float = 0.0,
    content_type: str | None = None,
    then_hang: float = 0.0,
    cut: bool = False,
) -> Handler:
    """Stream ``chunks`` with ``delay`` seconds before each, like the run endpoints do.

    Args:
        server: Whose ``disconnected`` event to set when the client goes away.
        chunks: The byte chunks to send, in order.
        delay: Seconds to wait before each chunk.
        content_type: The Content-Type to send; ``None`` sends none (the real service).
        then_hang: Seconds to stay silent after the last chunk before ending (a client
            disconnect during the silence sets ``server.disconnected`` and ends the handler).
        cut: Drop the connection after the chunks instead of ending the body properly.
    """
    parts = list(chunks)

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200) if content_type else _UntypedStream(status=200)
        if content_type is not None:
            response.headers["Content-Type"] = content_type
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            for part in parts:
                if delay:
                    await asyncio.sleep(delay)
                await response.write(part)
            if then_hang and await _client_left(request, then_hang):
                server.disconnected.set()
                return response
        except (ConnectionResetError, asyncio.CancelledError):
            server.disconnected.set()
            raise
        if cut:
            assert request.transport is not None
            request.transport.abort()
            return response
        await response.write_eof()
        return response

    return handler


async def _client_left(request: web.Request, seconds: float) -> bool:
    """Stay silent for ``seconds``; return early (True) if the client disconnects meanwhile."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        transport = request.transport
        if transport is None or transport.is_closing():
            return True
        await asyncio.sleep(0.01)
    return False


class _UntypedStream(web.StreamResponse):
    """A streamed response sent with no Content-Type (aiohttp would add octet-stream)."""


class _UntypedResponse(web.Response):
    """A response sent with no Content-Type."""


async def _drop_content_type(request: web.Request, response: web.StreamResponse) -> None:
    if isinstance(response, (_UntypedStream, _UntypedResponse)):
        response.headers.pop("Content-Type", None)


def _json_dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
