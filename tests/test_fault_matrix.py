"""The fault matrix: every injected failure gives the right Err, attempt count and side effects.

Each case runs against FakeHathora's fault injection on a core whose pool holds ONE connection:
after every case a follow-up call must succeed at once, which proves no connection was left
checked out. ``hathora_cloud.testing.set_testing`` makes every retry wait zero while keeping the
attempts and decisions of the real policy, so the matrix stays fast.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator, Iterator

import pytest

from hathora_cloud import BackoffStrategy, Err, HathoraCloudCore, Ok, RequestOptions, RetryConfig
from hathora_cloud.errors import (
    ApiError,
    HTTPConnectionError,
    RequestTimeoutError,
    ResponseValidationError,
    SDKError,
)
from hathora_cloud.funcs import (
    builds_v3_create_build,
    builds_v3_get_build,
    builds_v3_get_builds,
    builds_v3_run_build,
)
from hathora_cloud.models import CreateMultipartBuildParams
from hathora_cloud.result import Result
from hathora_cloud.streams import BuildLogStream
from hathora_cloud.testing import FakeHathora, FaultRule, make_tarball, set_testing

pytestmark = pytest.mark.anyio

_FAST = BackoffStrategy(initial_interval=0.001, max_interval=0.02, max_elapsed_time=5.0)
_PARAMS = CreateMultipartBuildParams(build_size_in_bytes=10)


@pytest.fixture(autouse=True)
def _instant_retries() -> Iterator[None]:
    """Keep the safe default's rules and attempts, skip its waits."""
    with set_testing(True):
        yield


@pytest.fixture
async def fake() -> AsyncIterator[FakeHathora]:
    async with FakeHathora() as emulator:
        yield emulator


@pytest.fixture
async def core(fake: FakeHathora) -> AsyncIterator[HathoraCloudCore]:
    async with HathoraCloudCore(
        hathora_dev_token=fake.token, server_url=fake.url, timeout=2.0, connection_limit=1
    ) as instance:
        yield instance


async def _existing_build(core: HathoraCloudCore) -> str:
    return (await builds_v3_create_build(core, _PARAMS)).unwrap().build_id


async def _assert_pool_free(core: HathoraCloudCore) -> None:
    """With a one-connection pool, a quick follow-up call only succeeds if nothing leaked."""
    follow_up = await builds_v3_get_builds(core, options=RequestOptions(timeout=1.0))
    assert isinstance(follow_up, Ok), follow_up


def _attempts(result: Result[object, Exception]) -> int:
    assert result.meta is not None
    return result.meta.attempts


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_get_recovers_from_one_transient_status(
    fake: FakeHathora, core: HathoraCloudCore, status: int
) -> None:
    """A GET that meets one 429/5xx is retried once by the safe default and succeeds."""
    build_id = await _existing_build(core)
    fake.inject(FaultRule.status_code(status, operation="GetBuild", times=1))
    result = await builds_v3_get_build(core, build_id)
    assert isinstance(result, Ok)
    assert _attempts(result) == 2
    assert [r.status for r in fake.requests_for("GetBuild")] == [status, 200]
    await _assert_pool_free(core)


async def test_persistent_503_on_get_stops_after_three_attempts(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """A GET facing a 503 every time gives Err(SDKError 503) after exactly three attempts."""
    fake.inject(FaultRule.status_code(503, operation="GetBuilds"))
    result = await builds_v3_get_builds(core)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKError)
    assert result.error.status_code == 503
    assert _attempts(result) == 3
    assert len(fake.requests_for("GetBuilds")) == 3
    fake.faults.clear()
    await _assert_pool_free(core)


async def test_persistent_429_exposes_retry_after(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """A 429 that never ends becomes Err(ApiError) whose retry_after is the server's value."""
    fake.inject(FaultRule.status_code(429, operation="GetBuilds", retry_after=0))
    result = await builds_v3_get_builds(core)
    assert isinstance(result, Err)
    assert isinstance(result.error, ApiError)
    assert result.error.retry_after == 0.0
    assert _attempts(result) == 3
    fake.faults.clear()
    await _assert_pool_free(core)


async def test_huge_retry_after_is_capped_by_max_interval(
    fake: FakeHathora, core: HathoraCloudCore, caplog: pytest.LogCaptureFixture
) -> None:
    """A Retry-After of an hour waits the safe default's max_interval (10 s), not an hour."""
    fake.inject(FaultRule.status_code(429, operation="GetBuilds", retry_after=3600, times=1))
    with caplog.at_level(logging.DEBUG, logger="hathora_cloud"):
        result = await builds_v3_get_builds(core)
    assert isinstance(result, Ok)
    assert _attempts(result) == 2
    waits = [r.getMessage() for r in caplog.records if "retry_in=" in r.getMessage()]
    assert len(waits) == 1
    assert "retry_in=10.000s (skipped: testing)" in waits[0]


@pytest.mark.parametrize(("status", "error_class"), [(503, SDKError), (500, ApiError)])
async def test_create_is_not_replayed_after_a_5xx(
    fake: FakeHathora, core: HathoraCloudCore, status: int, error_class: type[Exception]
) -> None:
    """The safe default never retries a POST on 5xx: one attempt, and the error is returned."""
    fake.inject(FaultRule.status_code(status, operation="CreateBuild", times=1))
    result = await builds_v3_create_build(core, _PARAMS)
    assert isinstance(result, Err)
    assert isinstance(result.error, error_class)
    assert _attempts(result) == 1
    assert len(fake.requests_for("CreateBuild")) == 1
    await _assert_pool_free(core)


async def test_create_is_retried_on_429_and_creates_one_build(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """A 429 on create is retried (nothing was created) and exactly one build results."""
    fake.inject(FaultRule.status_code(429, operation="CreateBuild", retry_after=0, times=1))
    result = await builds_v3_create_build(core, _PARAMS)
    assert isinstance(result, Ok)
    assert _attempts(result) == 2
    assert list(fake.builds) == [result.value.build_id]


async def test_create_dropped_after_sending_is_not_retried(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """A connection dropped after a POST was sent gives HTTPConnectionError, one attempt."""
    fake.inject(FaultRule.drop(operation="CreateBuild", times=1))
    result = await builds_v3_create_build(core, _PARAMS)
    assert isinstance(result, Err)
    assert isinstance(result.error, HTTPConnectionError)
    assert _attempts(result) == 1
    assert len(fake.requests_for("CreateBuild")) == 1
    await _assert_pool_free(core)


async def test_get_dropped_once_is_retried(fake: FakeHathora, core: HathoraCloudCore) -> None:
    """A GET whose connection drops once is retried by the SDK (not silently by aiohttp)."""
    fake.inject(FaultRule.drop(operation="GetBuilds", times=1))
    result = await builds_v3_get_builds(core)
    assert isinstance(result, Ok)
    assert _attempts(result) == 2
    assert len(fake.requests_for("GetBuilds")) == 2


async def test_connection_refused_post_is_retried_then_reported() -> None:
    """A POST that could not connect is retried (it never left) and ends in HTTPConnectionError."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with HathoraCloudCore(hathora_dev_token="t", server_url=f"http://127.0.0.1:{port}") as c:
        result = await builds_v3_create_build(c, _PARAMS)
    assert isinstance(result, Err)
    assert isinstance(result.error, HTTPConnectionError)
    assert _attempts(result) == 3


async def test_slow_get_times_out_then_recovers(fake: FakeHathora, core: HathoraCloudCore) -> None:
    """A GET slower than timeout is abandoned and retried; the retry succeeds."""
    fake.inject(FaultRule.latency(1.0, operation="GetBuilds", times=1))
    result = await builds_v3_get_builds(core, options=RequestOptions(timeout=0.2))
    assert isinstance(result, Ok)
    assert _attempts(result) == 2
    await _assert_pool_free(core)


async def test_slow_create_times_out_once(fake: FakeHathora, core: HathoraCloudCore) -> None:
    """A POST slower than timeout gives RequestTimeoutError after one attempt (it may have run)."""
    fake.inject(FaultRule.latency(1.0, operation="CreateBuild", times=1))
    result = await builds_v3_create_build(core, _PARAMS, options=RequestOptions(timeout=0.2))
    assert isinstance(result, Err)
    assert isinstance(result.error, RequestTimeoutError)
    assert isinstance(result.error, TimeoutError)
    assert _attempts(result) == 1
    await _assert_pool_free(core)


async def test_malformed_json_is_a_validation_error_not_retried(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """A 200 with invalid JSON is Err(ResponseValidationError) carrying the raw body; no retry."""
    fake.inject(FaultRule.malformed_json(operation="GetBuilds", times=1))
    result = await builds_v3_get_builds(core)
    assert isinstance(result, Err)
    assert isinstance(result.error, ResponseValidationError)
    assert result.error.body
    assert result.error.raw_value == result.error.body
    assert _attempts(result) == 1
    await _assert_pool_free(core)


async def test_html_error_page_is_sdk_error(fake: FakeHathora, core: HathoraCloudCore) -> None:
    """A 502 HTML page from a proxy becomes Err(SDKError) with the page and its content type."""
    fake.inject(FaultRule.status_code(502, operation="GetBuilds", body="html"))
    result = await builds_v3_get_builds(core)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKError)
    assert result.error.content_type.startswith("text/html")
    assert "<html" in result.error.body.lower()
    assert _attempts(result) == 3
    fake.faults.clear()
    await _assert_pool_free(core)


async def _uploaded_build(fake: FakeHathora, core: HathoraCloudCore) -> str:
    """Create a build and complete its upload by hand (the emulator's S3 side)."""
    import aiohttp

    tarball = make_tarball({"Dockerfile": "FROM alpine\n" + "RUN echo step\n" * 20})
    params = CreateMultipartBuildParams(build_size_in_bytes=len(tarball))
    created = (await builds_v3_create_build(core, params)).unwrap()
    async with aiohttp.ClientSession() as raw:
        part = created.upload_parts[0]
        async with raw.put(part.put_request_url, data=tarball) as response:
            etag = response.headers["ETag"]
        xml = (
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
            f"<ETag>{etag}</ETag></Part></CompleteMultipartUpload>"
        )
        async with raw.post(created.complete_upload_post_request_url, data=xml) as response:
            assert response.status == 200
    return created.build_id


async def _drain(stream: BuildLogStream, into: list[str]) -> None:
    async with stream:
        async for line in stream:
            into.append(line)  # noqa: PERF401 - keep the lines read before an error


async def test_run_is_not_retried_on_500(fake: FakeHathora, core: HathoraCloudCore) -> None:
    """A run answered 500 is not replayed by the safe default: Err(ApiError), one attempt."""
    build_id = await _uploaded_build(fake, core)
    fake.inject(FaultRule.status_code(500, operation="RunBuild", times=1))
    result = await builds_v3_run_build(core, build_id)
    assert isinstance(result, Err)
    assert isinstance(result.error, ApiError)
    assert _attempts(result) == 1
    assert fake.builds[build_id].status == "created"
    await _assert_pool_free(core)


async def test_stream_cut_half_way_is_a_connection_error(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """A run stream cut by the server raises HTTPConnectionError after the lines already sent."""
    build_id = await _uploaded_build(fake, core)
    fake.inject(FaultRule.cut_stream(operation="RunBuild", after_lines=3, times=1))
    lines: list[str] = []
    stream = (await builds_v3_run_build(core, build_id)).unwrap()
    with pytest.raises(HTTPConnectionError):
        await _drain(stream, lines)
    assert len(lines) == 3
    assert stream.closed
    await _assert_pool_free(core)


async def test_silent_stream_hits_the_idle_timeout() -> None:
    """A run stream silent longer than stream_idle_timeout raises RequestTimeoutError."""
    async with (
        FakeHathora(log_line_delay=2.0) as fake,
        HathoraCloudCore(
            hathora_dev_token=fake.token,
            server_url=fake.url,
            stream_idle_timeout=0.3,
            connection_limit=1,
        ) as core,
    ):
        build_id = await _uploaded_build(fake, core)
        stream = (await builds_v3_run_build(core, build_id)).unwrap()
        with pytest.raises(RequestTimeoutError):
            await _drain(stream, [])
        assert stream.closed
        await _assert_pool_free(core)


async def test_explicit_backoff_replays_a_post_like_typescript(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """RetryConfig(strategy="backoff") retries a POST on 503 as the TypeScript SDK does."""
    fake.inject(FaultRule.status_code(503, operation="CreateBuild", times=1))
    options = RequestOptions(retries=RetryConfig(backoff=_FAST))
    result = await builds_v3_create_build(core, _PARAMS, options=options)
    assert isinstance(result, Ok)
    assert _attempts(result) == 2


async def test_strategy_none_makes_exactly_one_attempt(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """RetryConfig(strategy="none") sends a dropped GET once: no SDK or aiohttp resend."""
    fake.inject(FaultRule.drop(operation="GetBuilds", times=1))
    options = RequestOptions(retries=RetryConfig(strategy="none"))
    result = await builds_v3_get_builds(core, options=options)
    assert isinstance(result, Err)
    assert isinstance(result.error, HTTPConnectionError)
    assert len(fake.requests_for("GetBuilds")) == 1
