"""builds_v3_wait_for_build and builds_v3_upload_and_run against FakeHathora."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hathora_cloud import Err, HathoraCloud, HathoraCloudCore, Ok
from hathora_cloud.errors import BuildFailedError, RequestTimeoutError, SDKValidationError
from hathora_cloud.funcs import (
    builds_v3_create_build,
    builds_v3_upload_and_run,
    builds_v3_wait_for_build,
)
from hathora_cloud.models import BuildStatus, CreateMultipartBuildParams
from hathora_cloud.testing import FakeHathora, FaultRule, make_tarball

pytestmark = pytest.mark.anyio

GOOD = make_tarball({"Dockerfile": "FROM alpine\nRUN echo built-ok\n"})
BAD = make_tarball({"Dockerfile": "FROM alpine\nRUN exit 1\n"})


@pytest.fixture
async def fake() -> AsyncIterator[FakeHathora]:
    """A running emulator."""
    async with FakeHathora(max_chunk_size=64 * 1024) as emulator:
        yield emulator


async def test_upload_and_run_success_delivers_lines_to_sync_callback(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """A good Dockerfile gives Ok(build) succeeded; every log line reaches the sync callback."""
    lines: list[str] = []
    result = await builds_v3_upload_and_run(core, GOOD, on_log_line=lines.append)
    assert isinstance(result, Ok), result
    assert result.value.status == BuildStatus.SUCCEEDED
    assert "built-ok" in lines
    expected = [line.rstrip("\r\n") for line in fake.builds[result.value.build_id].log_lines]
    assert lines == expected


async def test_upload_and_run_failure_is_build_failed_error_with_tail(
    core: HathoraCloudCore,
) -> None:
    """RUN exit 1 gives Err(BuildFailedError) naming the build and the last log line."""
    received: list[str] = []

    async def on_line(line: str) -> None:
        received.append(line)

    result = await builds_v3_upload_and_run(core, BAD, on_log_line=on_line)
    assert isinstance(result, Err)
    error = result.error
    assert isinstance(error, BuildFailedError)
    assert error.build.status == BuildStatus.FAILED
    assert error.log_tail == tuple(received[-50:])
    assert "returned a non-zero code: 1" in error.log_tail[-1]
    assert error.build.build_id in str(error)
    assert "non-zero code" in str(error)


async def test_broken_log_stream_falls_back_to_polling(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """A log stream cut half-way does not fail the call: the build's final status decides."""
    fake.inject(FaultRule.cut_stream(operation="RunBuild", after_lines=2))
    lines: list[str] = []
    result = await builds_v3_upload_and_run(core, GOOD, on_log_line=lines.append)
    assert isinstance(result, Ok), result
    assert result.value.status == BuildStatus.SUCCEEDED
    assert len(lines) == 2
    assert fake.requests_for("GetBuild")


async def test_upload_and_run_rejects_a_non_callable_callback(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """A non-callable on_log_line is Err(SDKValidationError) before anything is sent."""
    result = await builds_v3_upload_and_run(core, GOOD, on_log_line="print")  # type: ignore[arg-type]
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert fake.requests == []


async def test_wait_for_build_times_out(fake: FakeHathora, core: HathoraCloudCore) -> None:
    """A build that never runs gives Err(RequestTimeoutError) after the timeout, polling often."""
    created = await builds_v3_create_build(core, CreateMultipartBuildParams(build_size_in_bytes=1))
    assert isinstance(created, Ok)
    result = await builds_v3_wait_for_build(
        core, created.value.build_id, poll_interval=0.02, timeout=0.3
    )
    assert isinstance(result, Err)
    assert isinstance(result.error, RequestTimeoutError)
    assert isinstance(result.error, TimeoutError)
    polls = len(fake.requests_for("GetBuild"))
    assert 3 <= polls <= 15


async def test_wait_for_build_returns_a_terminal_build(core: HathoraCloudCore) -> None:
    """Waiting on a finished build returns it at once."""
    run = await builds_v3_upload_and_run(core, GOOD)
    assert isinstance(run, Ok)
    result = await builds_v3_wait_for_build(core, run.value.build_id, timeout=5)
    assert isinstance(result, Ok)
    assert result.value.is_terminal


async def test_wait_for_build_rejects_bad_interval(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """A non-positive poll_interval is Err(SDKValidationError) and nothing is sent."""
    result = await builds_v3_wait_for_build(core, "bld-x", poll_interval=0)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert fake.requests == []


async def test_facade_upload_and_run_raises_build_failed(fake: FakeHathora) -> None:
    """HathoraCloud.builds_v3.upload_and_run returns the build, or raises BuildFailedError."""
    async with HathoraCloud(hathora_dev_token=fake.token, server_url=fake.url) as hathora:
        build = await hathora.builds_v3.upload_and_run(GOOD)
        assert build.status == BuildStatus.SUCCEEDED
        waited = await hathora.builds_v3.wait_for_build(build.build_id)
        assert waited.build_id == build.build_id
        with pytest.raises(BuildFailedError):
            await hathora.builds_v3.upload_and_run(BAD)


async def test_a_raising_log_callback_propagates_and_frees_the_stream(fake: FakeHathora) -> None:
    """An exception from on_log_line propagates unchanged and the log's connection is freed."""

    class Stop(Exception):
        pass

    def on_line(line: str) -> None:
        raise Stop(line)

    async with HathoraCloudCore(
        hathora_dev_token=fake.token, server_url=fake.url, connection_limit=1
    ) as core:
        with pytest.raises(Stop):
            await builds_v3_upload_and_run(core, GOOD, on_log_line=on_line)
        # One pooled connection: this only answers if the run stream gave it back.
        follow_up = await builds_v3_wait_for_build(
            core, next(iter(fake.builds)), poll_interval=0.01
        )
        assert isinstance(follow_up, Ok), follow_up
