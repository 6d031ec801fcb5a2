"""HathoraCloudCore: construction, environment, secrecy, lifecycle, transport errors, validation."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import anyio
import pytest
from aiohttp import web

from hathora_cloud import (
    BackoffStrategy,
    Err,
    HathoraCloudCore,
    Ok,
    RequestOptions,
    Result,
    RetryConfig,
)
from hathora_cloud.errors import (
    HTTPConnectionError,
    InvalidRequestError,
    RequestAbortedError,
    RequestTimeoutError,
    SDKValidationError,
    UnexpectedClientError,
)
from hathora_cloud.funcs import (
    builds_v3_create_build,
    builds_v3_create_build_registry,
    builds_v3_delete_build,
    builds_v3_get_build,
    builds_v3_get_builds,
    builds_v3_run_build,
    builds_v3_run_build_registry,
)
from hathora_cloud.models import (
    CreateBuildV3Params,
    CreateMultipartBuildParams,
    RegistryConfig,
)
from hathora_cloud.streams import BuildLogStream

from ._server import RecordingServer, build_json, created_json, respond, serve

pytestmark = pytest.mark.anyio

TOKEN = "tok-SECRET-9f8e7d"
NO_RETRY = RetryConfig(strategy="none")
Call = Callable[[HathoraCloudCore], Awaitable[Result[Any, Any]]]
ALL_CALLS: dict[str, Call] = {
    "get_builds": lambda core: builds_v3_get_builds(core),
    "create_build": lambda core: builds_v3_create_build(
        core, CreateMultipartBuildParams(build_size_in_bytes=3)
    ),
    "get_build": lambda core: builds_v3_get_build(core, "bld-1"),
    "delete_build": lambda core: builds_v3_delete_build(core, "bld-1"),
    "create_build_registry": lambda core: builds_v3_create_build_registry(core),
    "run_build": lambda core: builds_v3_run_build(core, "bld-1"),
    "run_build_registry": lambda core: builds_v3_run_build_registry(
        core, "bld-1", RegistryConfig(image="img", auth="registry-pass")
    ),
}


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's environment out of these tests."""
    for name in ("HATHORA_TOKEN", "HATHORA_ORG_ID", "HATHORA_CLOUD_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def server() -> AsyncIterator[RecordingServer]:
    """A recording server answering every operation with its success."""
    async with serve(_success) as running:
        yield running


async def _success(request: web.Request) -> web.StreamResponse:
    path = request.path
    if path.endswith(("/run", "/runRegistry")):
        return await respond(200, body=b"log line\n")(request)
    if request.method == "POST":
        body = created_json() if path == "/builds/v3/builds" else build_json()
        return await respond(201, json=body)(request)
    if request.method == "DELETE":
        return await respond(200, json={})(request)
    body = {"builds": [build_json()]} if path == "/builds/v3/builds" else build_json()
    return await respond(200, json=body)(request)


def _free_port() -> int:
    """Return a port on 127.0.0.1 with nothing listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def _close_stream(result: Result[Any, Any]) -> None:
    if isinstance(result, Ok) and isinstance(result.value, BuildLogStream):
        await result.value.aclose()


def test_construct_without_event_loop() -> None:
    """A core can be built outside any event loop, and its repr hides the token."""
    core = HathoraCloudCore(hathora_dev_token=TOKEN, org_id="org-1", server_url="http://h/")
    assert core.server_url == "http://h"
    assert not core.closed
    assert TOKEN not in repr(core)
    assert TOKEN not in str(core)
    assert "token=set" in repr(core)


def test_defaults_without_env() -> None:
    """With no arguments and no environment, the public endpoint is used and no org id is set."""
    core = HathoraCloudCore()
    assert core.server_url == "https://api.hathora.dev"
    assert core.org_id is None
    assert "token=unset" in repr(core)


@pytest.mark.parametrize(
    ("name", "value"),
    [("timeout", 0), ("stream_idle_timeout", -1.0), ("timeout", float("inf"))],
)
def test_constructor_rejects_bad_durations(name: str, value: float) -> None:
    """A non-positive timeout is refused when the core is built."""
    with pytest.raises(SDKValidationError, match=name):
        HathoraCloudCore(**{name: value})  # type: ignore[arg-type]


async def test_env_fallbacks(server: RecordingServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """HATHORA_TOKEN, HATHORA_ORG_ID and HATHORA_CLOUD_ENDPOINT fill in unset arguments."""
    monkeypatch.setenv("HATHORA_TOKEN", "env-token")
    monkeypatch.setenv("HATHORA_ORG_ID", "env-org")
    monkeypatch.setenv("HATHORA_CLOUD_ENDPOINT", server.url + "/")
    async with HathoraCloudCore() as core:
        assert (await builds_v3_get_build(core, "b")).ok
    (request,) = server.requests
    assert request.headers["Authorization"] == "Bearer env-token"
    assert request.query == "orgId=env-org"


async def test_arguments_beat_env(server: RecordingServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Explicit constructor arguments win over the environment variables."""
    monkeypatch.setenv("HATHORA_TOKEN", "env-token")
    monkeypatch.setenv("HATHORA_ORG_ID", "env-org")
    monkeypatch.setenv("HATHORA_CLOUD_ENDPOINT", "http://127.0.0.1:1")
    async with HathoraCloudCore(
        hathora_dev_token="arg", org_id="arg-org", server_url=server.url
    ) as core:
        assert (await builds_v3_get_build(core, "b")).ok
    (request,) = server.requests
    assert request.headers["Authorization"] == "Bearer arg"
    assert request.query == "orgId=arg-org"


async def test_token_never_leaks(server: RecordingServer, caplog: pytest.LogCaptureFixture) -> None:
    """The token appears in no log record, error message or repr over successes and failures."""
    caplog.set_level(logging.DEBUG)
    outcomes: list[Result[Any, Any]] = []
    fast = RetryConfig(
        backoff=BackoffStrategy(initial_interval=0.001, max_interval=0.002), max_attempts=2
    )
    async with HathoraCloudCore(
        hathora_dev_token=TOKEN, server_url=server.url, retry_config=fast
    ) as core:
        outcomes += [await call(core) for call in ALL_CALLS.values()]
        for status in (401, 404, 500, 403):
            server.handler = respond(status, json={"message": "denied"})
            outcomes += [await call(core) for call in ALL_CALLS.values()]
        refused = RequestOptions(server_url=f"http://127.0.0.1:{_free_port()}", retries=NO_RETRY)
        outcomes.append(await builds_v3_get_build(core, "b", options=refused))
        shown = repr(core) + str(core)
    for outcome in outcomes:
        await _close_stream(outcome)
        if isinstance(outcome, Err):
            error = outcome.error
            shown += repr(error) + str(error) + repr(error.__cause__) + repr(outcome)
    assert any(isinstance(o, Err) for o in outcomes)
    assert any(o.ok for o in outcomes)
    assert len(server.requests) >= 5 * len(ALL_CALLS)
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in server.requests)
    assert caplog.records, "the SDK should log at DEBUG"
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
    assert TOKEN not in caplog.text
    assert TOKEN not in shown
    assert "registry-pass" not in caplog.text


async def test_borrowed_session_not_closed(server: RecordingServer) -> None:
    """A session passed in is used for calls and left open by aclose()."""
    async with aiohttp.ClientSession() as session:
        core = HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url, session=session)
        assert (await builds_v3_get_build(core, "b")).ok
        await core.aclose()
        assert not session.closed
        assert len(server.requests) == 1
        async with session.get(server.url + "/still-usable") as response:
            assert response.status == 200


async def test_owned_session_closed(server: RecordingServer) -> None:
    """The session the core created is closed by aclose(), which is idempotent."""
    core = HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url)
    assert (await builds_v3_get_build(core, "b")).ok
    session = core._session
    assert session is not None
    open_before = not session.closed
    await core.aclose()
    await core.aclose()
    assert open_before
    assert session.closed
    assert core.closed


async def test_async_with_closes(server: RecordingServer) -> None:
    """Leaving `async with` closes the core."""
    async with HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url) as core:
        assert (await builds_v3_get_builds(core)).ok
    assert core.closed


@pytest.mark.parametrize("name", list(ALL_CALLS))
async def test_closed_core_sends_nothing(server: RecordingServer, name: str) -> None:
    """A call on a closed core returns Err(InvalidRequestError) and sends nothing."""
    core = HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url)
    await core.aclose()
    result = await ALL_CALLS[name](core)
    assert isinstance(result, Err)
    assert isinstance(result.error, InvalidRequestError)
    assert "closed" in result.error.message
    assert server.requests == []


def test_second_event_loop_refused() -> None:
    """A core first used in one event loop returns Err(InvalidRequestError) from another loop."""
    core = HathoraCloudCore(
        hathora_dev_token=TOKEN,
        server_url=f"http://127.0.0.1:{_free_port()}",
        retry_config=NO_RETRY,
    )
    first = asyncio.run(builds_v3_get_build(core, "b"))
    assert isinstance(first, Err)
    assert isinstance(first.error, HTTPConnectionError)
    second = asyncio.run(builds_v3_get_build(core, "b"))
    assert isinstance(second, Err)
    assert isinstance(second.error, InvalidRequestError)
    assert "another event loop" in second.error.message
    asyncio.run(core.aclose())


@pytest.mark.parametrize("url", ["localhost:8080", "ftp://example.com", "http://", "/relative"])
async def test_invalid_server_url(url: str) -> None:
    """A server URL that is not an absolute http(s) URL gives Err(InvalidRequestError)."""
    async with HathoraCloudCore(
        hathora_dev_token=TOKEN, server_url=url, retry_config=NO_RETRY
    ) as core:
        result = await builds_v3_get_builds(core)
        per_call = await builds_v3_get_builds(
            HathoraCloudCore(hathora_dev_token=TOKEN), options=RequestOptions(server_url=url)
        )
    assert isinstance(result, Err)
    assert isinstance(result.error, InvalidRequestError)
    assert isinstance(per_call, Err)
    assert isinstance(per_call.error, InvalidRequestError)


async def _slow(request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(3)
    return web.json_response(build_json())


@pytest.mark.parametrize("where", ["core", "call"])
async def test_unary_timeout(server: RecordingServer, where: str) -> None:
    """A unary call slower than the timeout (core or per call) gives Err(RequestTimeoutError)."""
    server.handler = _slow
    core_timeout = 0.2 if where == "core" else 60.0
    options = RequestOptions(timeout=0.2) if where == "call" else None
    async with HathoraCloudCore(
        hathora_dev_token=TOKEN, server_url=server.url, timeout=core_timeout, retry_config=NO_RETRY
    ) as core:
        started = asyncio.get_running_loop().time()
        result = await builds_v3_get_build(core, "b", options=options)
        elapsed = asyncio.get_running_loop().time() - started
    assert isinstance(result, Err)
    assert isinstance(result.error, RequestTimeoutError)
    assert isinstance(result.error, TimeoutError)
    assert elapsed < 2


async def test_connection_refused() -> None:
    """A refused connection gives Err(HTTPConnectionError) with the OS error as __cause__."""
    url = f"http://127.0.0.1:{_free_port()}"
    async with HathoraCloudCore(
        hathora_dev_token=TOKEN, server_url=url, retry_config=NO_RETRY
    ) as core:
        result = await builds_v3_get_builds(core)
    assert isinstance(result, Err)
    assert type(result.error) is HTTPConnectionError
    assert isinstance(result.error.__cause__, OSError)
    assert result.meta is not None
    assert result.meta.attempts == 1


async def test_cancelled_call_raises(server: RecordingServer) -> None:
    """A cancelled call raises CancelledError; it never returns an Err."""
    server.handler = _slow
    async with HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url) as core:
        task = asyncio.create_task(builds_v3_get_build(core, "b"))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


@pytest.mark.parametrize("name", ["get_build", "create_build", "run_build"])
async def test_cancel_scope_propagates(server: RecordingServer, name: str) -> None:
    """An anyio cancel scope stops a call in flight instead of the call returning Err."""
    server.handler = _slow
    returned: list[object] = []
    async with HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url) as core:
        with anyio.move_on_after(0.1) as scope:
            returned.append(await ALL_CALLS[name](core))
    assert scope.cancelled_caught
    assert returned == []


async def test_cancelled_while_retrying(server: RecordingServer) -> None:
    """Cancellation during a retry wait propagates too."""
    server.handler = respond(503, body="busy", headers={"Retry-After": "5"})
    async with HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url) as core:
        with anyio.move_on_after(0.2) as scope:
            await builds_v3_get_build(core, "b")
    assert scope.cancelled_caught
    assert len(server.requests) == 1


INVALID: dict[str, Call] = {
    "empty build_id": lambda core: builds_v3_get_build(core, ""),
    "int build_id": lambda core: builds_v3_delete_build(core, 123),  # type: ignore[arg-type]
    "None build_id": lambda core: builds_v3_run_build(core, None),  # type: ignore[arg-type]
    "dict params": lambda core: builds_v3_create_build(
        core,
        {"buildSizeInBytes": 1},  # type: ignore[arg-type]
    ),
    "wrong params class": lambda core: builds_v3_create_build_registry(
        core,
        CreateMultipartBuildParams(build_size_in_bytes=1),  # type: ignore[arg-type]
    ),
    "negative size": lambda core: builds_v3_create_build(
        core, CreateMultipartBuildParams(build_size_in_bytes=-1)
    ),
    "bool size": lambda core: builds_v3_create_build(
        core, CreateMultipartBuildParams(build_size_in_bytes=True)
    ),
    "str size": lambda core: builds_v3_create_build(
        core,
        CreateMultipartBuildParams(build_size_in_bytes="1"),  # type: ignore[arg-type]
    ),
    "empty image": lambda core: builds_v3_run_build_registry(core, "b", RegistryConfig(image="")),
    "int tag": lambda core: builds_v3_create_build_registry(
        core,
        CreateBuildV3Params(build_tag=1),  # type: ignore[arg-type]
    ),
    "int org_id": lambda core: builds_v3_get_builds(core, org_id=5),  # type: ignore[arg-type]
    "bad options": lambda core: builds_v3_get_builds(core, options={}),  # type: ignore[arg-type]
    "not a core": lambda core: builds_v3_get_builds("core"),  # type: ignore[arg-type]
}


@pytest.mark.parametrize(
    "arguments",
    [
        {"timeout": -1},
        {"timeout": float("inf")},
        {"timeout": "1"},
        {"retry_codes": ("abc",)},
        {"retry_codes": "5XX"},
        {"retries": "backoff"},
        {"server_url": 8080},
        {"headers": {"X-Ok": "a\r\nInjected: 1"}},
        {"headers": {"Bad Name": "v"}},
        {"headers": {"X-Num": 1}},
    ],
)
def test_request_options_refuse_bad_values_when_built(arguments: dict[str, object]) -> None:
    """RequestOptions checks every field as it is built: SDKValidationError, a ValueError."""
    with pytest.raises(SDKValidationError) as caught:
        RequestOptions(**arguments)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)
    assert "a\r\nInjected" not in str(caught.value)


@pytest.mark.parametrize("name", list(INVALID))
async def test_invalid_input_sends_nothing(server: RecordingServer, name: str) -> None:
    """Bad input gives Err(SDKValidationError) and nothing is sent."""
    async with HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url) as core:
        result = await INVALID[name](core)
    assert isinstance(result, Err), result
    assert isinstance(result.error, SDKValidationError)
    assert result.error.message.startswith("Input validation failed: ")
    assert server.requests == []


async def test_failing_token_callable(server: RecordingServer) -> None:
    """A token callable that raises gives Err(UnexpectedClientError) and nothing is sent."""

    async def token() -> str:
        raise RuntimeError("vault down")

    async with HathoraCloudCore(server_url=server.url, hathora_dev_token=token) as core:
        result = await builds_v3_get_builds(core)
    assert isinstance(result, Err)
    assert isinstance(result.error, UnexpectedClientError)
    assert isinstance(result.error.__cause__, RuntimeError)
    assert server.requests == []


async def test_plain_token_callable_is_called_per_call(server: RecordingServer) -> None:
    """A plain (non-async) token callable works too and is asked once per call."""
    tokens = iter(["first", "second"])
    async with HathoraCloudCore(server_url=server.url, hathora_dev_token=lambda: next(tokens)) as c:
        await builds_v3_get_builds(c)
        await builds_v3_get_builds(c)
    assert [r.headers.get("Authorization") for r in server.requests] == [
        "Bearer first",
        "Bearer second",
    ]


async def test_closed_borrowed_session(server: RecordingServer) -> None:
    """A borrowed session that its owner already closed gives Err(InvalidRequestError)."""
    session = aiohttp.ClientSession()
    await session.close()
    core = HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url, session=session)
    result = await builds_v3_get_builds(core)
    assert isinstance(result, Err)
    assert isinstance(result.error, InvalidRequestError)
    assert server.requests == []


async def test_close_during_call_aborts_it(server: RecordingServer) -> None:
    """Closing the core while a unary call waits for its answer gives Err(RequestAbortedError)."""
    server.handler = _slow
    core = HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url, retry_config=NO_RETRY)
    task = asyncio.create_task(builds_v3_get_build(core, "b"))
    await asyncio.sleep(0.1)
    await core.aclose()
    result = await asyncio.wait_for(task, 2)
    assert isinstance(result, Err)
    assert isinstance(result.error, RequestAbortedError)


async def test_changing_a_setting_after_calls_takes_effect(server: RecordingServer) -> None:
    """Requests are prepared once per argument set; changing a core setting is still honoured."""
    server.handler = respond(200, json=build_json())
    async with HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url) as core:
        assert (await builds_v3_get_build(core, "b")).ok
        assert (await builds_v3_get_build(core, "b")).ok
        core.org_id = "org-later"
        core.user_agent = "later/1.0"
        assert (await builds_v3_get_build(core, "b")).ok
    first, second, third = server.requests
    assert first.query == second.query == ""
    assert third.query == "orgId=org-later"
    assert third.headers["User-Agent"] == "later/1.0"
