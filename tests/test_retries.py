"""Retries: the safe default, explicit backoff, retry codes, Retry-After, budgets, policies."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import attrs
import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

from hathora_cloud import BackoffStrategy, Err, HathoraCloudCore, Ok, RequestOptions, RetryConfig
from hathora_cloud._retry import policy_for
from hathora_cloud.errors import ApiError, HTTPConnectionError, RequestTimeoutError, SDKError
from hathora_cloud.funcs import (
    builds_v3_create_build,
    builds_v3_delete_build,
    builds_v3_get_build,
    builds_v3_run_build,
)
from hathora_cloud.models import CreateMultipartBuildParams
from hathora_cloud.retries import parse_codes

from ._server import Handler, RecordingServer, build_json, created_json, respond, sequence, serve

pytestmark = pytest.mark.anyio

TINY = BackoffStrategy(initial_interval=0.01, max_interval=0.02, max_elapsed_time=5.0)
FAST = RetryConfig(backoff=TINY)
PARAMS = CreateMultipartBuildParams(build_size_in_bytes=1)


def busy(status: int = 503, retry_after: str | None = "0") -> Handler:
    """An error answer, by default asking to retry at once."""
    headers = {"Retry-After": retry_after} if retry_after is not None else None
    return respond(status, json={"message": "busy"}, headers=headers)


@pytest.fixture
async def server() -> AsyncIterator[RecordingServer]:
    """A recording server; each test sets its answers."""
    async with serve() as running:
        yield running


def core_for(server: RecordingServer, retry_config: RetryConfig | None = None) -> HathoraCloudCore:
    """A core for the server with the given retry configuration (None: the safe default)."""
    return HathoraCloudCore(
        hathora_dev_token="test-token", server_url=server.url, retry_config=retry_config
    )


def _refused_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def test_safe_default_retries_get_on_503(server: RecordingServer) -> None:
    """With no retry_config a GET answered 503 is retried and then succeeds."""
    server.handler = sequence(busy(503), respond(200, json=build_json()))
    async with core_for(server) as core:
        result = await builds_v3_get_build(core, "b")
    assert isinstance(result, Ok)
    assert result.meta is not None
    assert result.meta.attempts == 2
    assert len(server.requests) == 2


async def test_safe_default_retries_delete_on_500(server: RecordingServer) -> None:
    """With no retry_config a DELETE answered 500 is retried."""
    server.handler = sequence(busy(500), respond(200, json={}))
    async with core_for(server) as core:
        result = await builds_v3_delete_build(core, "b")
    assert result.ok
    assert result.meta is not None
    assert result.meta.attempts == 2


async def test_safe_default_at_most_three_attempts(server: RecordingServer) -> None:
    """The safe default stops after 3 attempts and returns the last answer, classified."""
    server.handler = busy(503)
    async with core_for(server) as core:
        result = await builds_v3_get_build(core, "b")
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKError)
    assert result.error.status_code == 503
    assert result.meta is not None
    assert result.meta.attempts == 3
    assert len(server.requests) == 3


async def test_safe_default_does_not_retry_create_on_503(server: RecordingServer) -> None:
    """With no retry_config a create POST answered 503 is not repeated."""
    server.handler = sequence(busy(503), respond(201, json=created_json()))
    async with core_for(server) as core:
        result = await builds_v3_create_build(core, PARAMS)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKError)
    assert len(server.requests) == 1


async def test_safe_default_retries_create_on_429(server: RecordingServer) -> None:
    """With no retry_config a create POST answered 429 (Retry-After: 0) is retried."""
    server.handler = sequence(busy(429), respond(201, json=created_json()))
    async with core_for(server) as core:
        result = await builds_v3_create_build(core, PARAMS)
    assert result.ok, result
    assert len(server.requests) == 2


async def test_safe_default_gives_up_429_as_api_error(server: RecordingServer) -> None:
    """A 429 that persists ends as Err(ApiError) with the server's message and Retry-After."""
    server.handler = busy(429)
    async with core_for(server) as core:
        result = await builds_v3_create_build(core, PARAMS)
    assert isinstance(result, Err)
    assert isinstance(result.error, ApiError)
    assert (result.error.message, result.error.retry_after) == ("busy", 0.0)
    assert len(server.requests) == 3


async def test_safe_default_never_retries_run_on_500(server: RecordingServer) -> None:
    """With no retry_config a run answered 500 is not repeated."""
    server.handler = sequence(busy(500), respond(200, body=b"log\n"))
    async with core_for(server) as core:
        result = await builds_v3_run_build(core, "b")
    assert isinstance(result, Err)
    assert isinstance(result.error, ApiError)
    assert len(server.requests) == 1


async def test_safe_default_retries_post_not_sent(server: RecordingServer) -> None:
    """A create POST whose connection was refused (nothing sent) is retried by the safe default."""
    async with HathoraCloudCore(hathora_dev_token="test-token", server_url=_refused_url()) as core:
        result = await builds_v3_create_build(core, PARAMS)
    assert isinstance(result, Err)
    assert isinstance(result.error, HTTPConnectionError)
    assert result.meta is not None
    assert result.meta.attempts == 3


async def test_safe_default_does_not_retry_post_timeout(server: RecordingServer) -> None:
    """A create POST that timed out after reaching the server is not repeated."""

    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(3)
        return web.json_response(created_json(), status=201)

    server.handler = slow
    async with core_for(server) as core:
        options = RequestOptions(timeout=0.2)
        result = await builds_v3_create_build(core, PARAMS, options=options)
    assert isinstance(result, Err)
    assert isinstance(result.error, RequestTimeoutError)
    assert len(server.requests) == 1


async def test_explicit_backoff_retries_post_on_503(server: RecordingServer) -> None:
    """An explicit RetryConfig(strategy="backoff") retries a create POST on 503, as TS does."""
    server.handler = sequence(busy(503, None), respond(201, json=created_json()))
    async with core_for(server, FAST) as core:
        result = await builds_v3_create_build(core, PARAMS)
    assert result.ok, result
    assert len(server.requests) == 2


async def test_explicit_backoff_retries_run_on_503(server: RecordingServer) -> None:
    """An explicit backoff config retries a run whose answer was 503, then streams."""
    server.handler = sequence(busy(503, None), respond(200, body=b"log\n"))
    async with core_for(server, FAST) as core:
        result = await builds_v3_run_build(core, "b")
        assert isinstance(result, Ok)
        async with result.value as log:
            assert [line async for line in log] == ["log"]
    assert result.meta is not None
    assert result.meta.attempts == 2


@pytest.mark.parametrize("status", [429, 503])
async def test_strategy_none_retries_nothing(server: RecordingServer, status: int) -> None:
    """RetryConfig(strategy="none") never retries, not even a GET on 429."""
    server.handler = sequence(busy(status), respond(200, json=build_json()))
    async with core_for(server, RetryConfig(strategy="none")) as core:
        result = await builds_v3_get_build(core, "b")
    assert isinstance(result, Err)
    assert len(server.requests) == 1


async def test_per_call_retries_override_core(server: RecordingServer) -> None:
    """RequestOptions(retries=...) replaces the core's retry configuration for that call."""
    server.handler = sequence(busy(503), respond(200, json=build_json()))
    async with core_for(server, FAST) as core:
        options = RequestOptions(retries=RetryConfig(strategy="none"))
        result = await builds_v3_get_build(core, "b", options=options)
    assert isinstance(result, Err)
    assert len(server.requests) == 1


@pytest.mark.parametrize(("codes", "attempts"), [(None, 1), (("5XX",), 2), (("501",), 2)])
async def test_retry_codes_per_call(
    server: RecordingServer, codes: tuple[str, ...] | None, attempts: int
) -> None:
    """A 501 is not a default retry code, but retry_codes=("5XX",) or ("501",) retries it."""
    server.handler = sequence(busy(501), respond(200, json=build_json()))
    async with core_for(server, FAST) as core:
        result = await builds_v3_get_build(core, "b", options=RequestOptions(retry_codes=codes))
    assert len(server.requests) == attempts
    assert result.ok is (attempts == 2)


async def test_retry_after_capped_at_max_interval(server: RecordingServer) -> None:
    """A Retry-After of 100 s waits only max_interval."""
    server.handler = sequence(busy(503, "100"), respond(200, json=build_json()))
    config = RetryConfig(backoff=BackoffStrategy(initial_interval=0.01, max_interval=0.05))
    async with core_for(server, config) as core:
        result = await asyncio.wait_for(builds_v3_get_build(core, "b"), 5)
    assert result.ok
    assert len(server.requests) == 2


async def test_retry_after_honoured(server: RecordingServer) -> None:
    """A Retry-After of 0.3 s is waited out even when the computed backoff is far shorter."""
    server.handler = sequence(busy(503, "0.3"), respond(200, json=build_json()))
    loop = asyncio.get_running_loop()
    config = RetryConfig(backoff=BackoffStrategy(initial_interval=0.001, max_interval=1.0))
    async with core_for(server, config) as core:
        started = loop.time()
        result = await builds_v3_get_build(core, "b")
        elapsed = loop.time() - started
    assert result.ok
    assert elapsed >= 0.3


async def test_max_elapsed_time_bounds_retries(server: RecordingServer) -> None:
    """No retry starts once max_elapsed_time has passed; the last answer is returned."""
    server.handler = busy(503, None)
    backoff = BackoffStrategy(initial_interval=0.05, max_interval=0.05, max_elapsed_time=0.3)
    async with core_for(server, RetryConfig(backoff=backoff)) as core:
        result = await asyncio.wait_for(builds_v3_get_build(core, "b"), 5)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKError)
    assert 2 <= len(server.requests) <= 12


@pytest.mark.parametrize(("retry_connection_errors", "attempts"), [(False, 1), (True, 3)])
async def test_retry_connection_errors_flag(retry_connection_errors: bool, attempts: int) -> None:
    """retry_connection_errors=False makes a refused connection final at once."""
    config = RetryConfig(
        backoff=TINY, retry_connection_errors=retry_connection_errors, max_attempts=3
    )
    async with HathoraCloudCore(
        hathora_dev_token="test-token", server_url=_refused_url(), retry_config=config
    ) as core:
        result = await builds_v3_get_build(core, "b")
    assert isinstance(result, Err)
    assert isinstance(result.error, HTTPConnectionError)
    assert result.meta is not None
    assert result.meta.attempts == attempts


@given(
    initial=st.floats(min_value=1e-6, max_value=100),
    maximum=st.floats(min_value=1e-6, max_value=100),
    exponent=st.floats(min_value=0.1, max_value=10),
    index=st.integers(min_value=0, max_value=10**6),
)
def test_backoff_delay_bounds(initial: float, maximum: float, exponent: float, index: int) -> None:
    """A computed wait lies between half and all of min(initial * exponent**n, max_interval)."""
    backoff = BackoffStrategy(
        initial_interval=initial, max_interval=maximum, exponent=exponent, max_elapsed_time=1e9
    )
    policy = policy_for(RetryConfig(backoff=backoff), None, True)
    delay = policy.wait(index + 1, 0.0, None)
    assert delay is not None
    try:
        grown = initial * exponent**index
    except OverflowError:
        grown = maximum
    cap = min(grown, maximum)
    assert cap / 2 <= delay <= cap


@given(
    maximum=st.floats(min_value=1e-6, max_value=100),
    retry_after=st.floats(min_value=0, max_value=1e6),
    index=st.integers(min_value=0, max_value=100),
)
def test_backoff_retry_after_bounds(maximum: float, retry_after: float, index: int) -> None:
    """A server's Retry-After replaces the computed wait (plus up to 10 % jitter), capped."""
    backoff = BackoffStrategy(max_interval=maximum)
    policy = policy_for(RetryConfig(backoff=backoff), None, True)
    floor = min(retry_after, maximum)
    delay = policy.wait(index + 1, 0.0, retry_after)
    assert delay is not None
    assert floor <= delay <= min(maximum, floor + min(0.1 * floor, 1.0))


@pytest.mark.parametrize("junk", ["abc", "600", "99", "5X", "XX5", "", "6XX", "0XX", "4.29"])
def test_parse_codes_rejects_junk(junk: str) -> None:
    """parse_codes refuses anything that is not a status or an NXX family."""
    with pytest.raises(ValueError, match="not a status code"):
        parse_codes([junk])


def test_parse_codes_accepts_codes_and_families() -> None:
    """parse_codes splits exact statuses from families, case- and space-insensitively."""
    assert parse_codes(["429", " 5xx ", 503, "4XX"]) == (
        frozenset({429, 503}),
        frozenset({5, 4}),
    )


def test_retry_config_is_validated_and_frozen() -> None:
    """RetryConfig refuses unknown strategies and non-positive durations; evolve changes it."""
    with pytest.raises(ValueError, match="strategy"):
        RetryConfig(strategy="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="initial_interval"):
        BackoffStrategy(initial_interval=0)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        FAST.strategy = "none"  # type: ignore[misc]
    assert attrs.evolve(FAST, strategy="none").strategy == "none"
    assert FAST.strategy == "backoff"


def test_request_options_repr_hides_header_values() -> None:
    """repr(RequestOptions) names the extra headers but never shows a value (a token override)."""
    options = RequestOptions(headers={"Authorization": "Bearer SECRET-TOKEN"})
    assert "SECRET-TOKEN" not in repr(options)
    assert "Authorization" in repr(options)
    assert "headers=None" in repr(RequestOptions())
