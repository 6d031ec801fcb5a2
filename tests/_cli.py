"""Helpers for the CLI's tests: run the command as a subprocess, serve a test server beside it.

The CLI runs in a child process (it owns its event loop, its stdout and its exit code), so a
test's server runs on a background event loop in the test process: :func:`background_server`
for a ``tests._server`` handler, :func:`background_fake` for the emulator.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web

from hathora_cloud.cli import main
from hathora_cloud.testing import FakeHathora
from tests._server import Handler, RecordingServer, build_json, serve

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TOKEN = "tok-cli-test-8d1f2c0b7a"
T = TypeVar("T")


_CACHE = tempfile.TemporaryDirectory(prefix="hathora-cli-tests-")
"""The cache home of every CLI run of the tests (stored upload URLs), removed at exit."""


def cli_env(token: str | None = None, env: dict[str, str] | None = None) -> dict[str, str]:
    """Return the child's environment: no HATHORA_ variable of ours leaks in, no pacing.

    The embedded emulator builds instantly, and stored upload URLs go to a temporary cache
    home, never the user's.
    """
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HATHORA_")}
    environment.update(
        {
            "HATHORA_CLOUD_EMULATOR_LOG_DELAY": "0",
            "HATHORA_CLOUD_EMULATOR_BUILD_DURATION": "0",
            "COLUMNS": "200",
            "XDG_CACHE_HOME": _CACHE.name,
        }
    )
    if token is not None:
        environment["HATHORA_TOKEN"] = token
    environment.update(env or {})
    return environment


@contextmanager
def restored_logging() -> Iterator[None]:
    """Restore the ``hathora_cloud`` and ``aiohttp`` loggers' handlers and levels afterwards.

    An in-process CLI run configures them (``--verbose``, ``HATHORA_LOG``) as a process would.
    """
    loggers = [logging.getLogger(name) for name in ("hathora_cloud", "aiohttp")]
    saved = [(list(logger.handlers), logger.level) for logger in loggers]
    try:
        yield
    finally:
        for logger, (handlers, level) in zip(loggers, saved, strict=True):
            logger.handlers[:] = handlers
            logger.setLevel(level)


def in_process(
    capfd: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[int, str, str]]:
    """Return a runner of the CLI's ``main`` in this process (no interpreter start-up).

    The runner returns the exit code and stdout and stderr, decoded as strict UTF-8 (output
    that is not valid UTF-8 fails the test). The environment is the one :func:`cli_env` gives.
    """

    def run(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        for name in [name for name in os.environ if name.startswith("HATHORA_")]:
            monkeypatch.delenv(name)
        for name, value in cli_env(TOKEN, env).items():
            monkeypatch.setenv(name, value)
        with restored_logging():
            code = main(list(argv))
        out, err = capfd.readouterr()
        return code, out.decode(), err.decode()

    return run


def cli(
    *args: str, token: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m hathora_cloud.cli`` with ``args`` (stdin, stdout, stderr not terminals)."""
    return subprocess.run(
        [sys.executable, "-m", "hathora_cloud.cli", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=cli_env(token, env),
        timeout=60,
        check=False,
    )


class _Loop:
    """An event loop running in a daemon thread, for servers the child process talks to."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def call(self, coroutine: Awaitable[T]) -> T:
        """Run ``coroutine`` on the loop and return its result."""
        return asyncio.run_coroutine_threadsafe(_wrap(coroutine), self.loop).result(30)

    def close(self) -> None:
        """Stop the loop and its thread."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


async def _wrap(awaitable: Awaitable[T]) -> T:
    return await awaitable


@contextmanager
def background_server(handler: Handler) -> Iterator[RecordingServer]:
    """Serve ``handler`` (see ``tests._server``) on 127.0.0.1 from a background loop."""
    runner = _Loop()
    context = serve(handler)
    try:
        server = runner.call(context.__aenter__())
        try:
            yield server
        finally:
            runner.call(context.__aexit__(None, None, None))
    finally:
        runner.close()


@contextmanager
def background_fake(**options: Any) -> Iterator[FakeHathora]:
    """Serve a FakeHathora (``options`` go to its constructor) from a background loop."""
    runner = _Loop()
    fake = FakeHathora(**options)
    try:
        runner.call(fake.start())
        try:
            yield fake
        finally:
            runner.call(fake.aclose())
    finally:
        runner.close()


def run_in(server_url: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Return :func:`cli` bound to ``--server-url server_url`` and the test token."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return cli("--server-url", server_url, *args, token=TOKEN, env=env)

    return run


HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202eevil\ud800\x00\x7f"
"""Text that would retitle, clear and recolour a terminal, flip text direction, and break UTF-8."""
HOSTILE_LOG = (
    b"\x1b]0;pwned\x07Step 1/2 : FROM scratch\n",
    "\u202eevil \x9b31m red\n".encode(),
    b"\xff\xfe not UTF-8 \x1b[2J\n",
    b"Successfully built\n",
)
"""A build log whose lines carry escape sequences, a C1 CSI, a bidi override, invalid UTF-8."""


def hostile_build(**changes: Any) -> dict[str, Any]:
    """Return a valid BuildV3 document whose every string is hostile and whose dates are extreme."""
    hostile = {
        "buildId": "bld-1",
        "orgId": HOSTILE,
        "createdBy": HOSTILE,
        "buildTag": HOSTILE,
        "status": "succeeded",
        "createdAt": "0001-01-01T00:00:00+14:00",
        "startedAt": "2024-05-01T10:00:00.123456-03:30",
        "finishedAt": "9999-12-31T23:59:59.999999-14:00",
        "shareUrl": f"http://share.invalid/{HOSTILE}",
        "contentHash": HOSTILE,
        "imageSize": 123_456_789,
    }
    return build_json(**{**hostile, **changes})


def hostile_hathora() -> Handler:
    """Answer every BuildsV3 call, the presigned upload included, with hostile data."""

    async def handler(request: web.Request) -> web.StreamResponse:
        method, path = request.method, request.path
        base = str(request.url.origin())
        if path.endswith(("/run", "/runRegistry")):
            return await _stream_log(request)
        if path.startswith("/s3/"):
            etag = {"ETag": '"etag-1"'} if method == "PUT" else None
            return web.Response(status=200, headers=etag)
        if method == "POST" and path == "/builds/v3/builds":
            return web.json_response(_created(base), status=201, dumps=_dumps)
        if method == "POST":  # /builds/v3/builds/registry
            return web.json_response(hostile_build(status="created"), status=201, dumps=_dumps)
        if method == "DELETE":
            return web.json_response({}, dumps=_dumps)
        if path == "/builds/v3/builds":
            newest = hostile_build(
                buildId=f"bld-2{HOSTILE}", status=HOSTILE, createdAt="9999-12-31T23:00:00-14:00"
            )
            builds = [hostile_build(), newest]
            return web.json_response({"builds": builds}, dumps=_dumps)
        return web.json_response(hostile_build(buildId=request.match_info["tail"].split("/")[-1]))

    return handler


def _created(base: str) -> dict[str, Any]:
    return hostile_build(
        status="created",
        completeUploadPostRequestUrl=f"{base}/s3/complete?X-Amz-Signature=sig-complete-5a1e",
        maxChunkSize=64 * 1024 * 1024,
        uploadParts=[{"partNumber": 1, "putRequestUrl": f"{base}/s3/1?X-Amz-Signature=sig-5a1e"}],
    )


async def _stream_log(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(status=200)
    await response.prepare(request)
    for line in HOSTILE_LOG:
        await response.write(line)
    await response.write_eof()
    return response


def _dumps(value: Any) -> str:
    # ensure_ascii keeps the lone surrogate as a \\ud800 escape, as a JSON server would send it.
    return json.dumps(value, ensure_ascii=True)
