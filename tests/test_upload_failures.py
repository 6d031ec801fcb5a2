"""builds_v3_upload_build when things go wrong: retries, final failures, expiry, changes, cancel."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import anyio
import pytest
from aiohttp import web

from hathora_cloud import Err, HathoraCloudCore, Ok
from hathora_cloud.errors import RequestAbortedError, UploadError
from hathora_cloud.funcs import builds_v3_upload_build
from hathora_cloud.retries import BackoffStrategy, RequestOptions, RetryConfig
from hathora_cloud.testing import FakeHathora, FaultRule, make_tarball
from hathora_cloud.uploads import UploadProgress

from ._server import tarball_of

pytestmark = pytest.mark.anyio

CHUNK = 64 * 1024
FAST = RequestOptions(
    retries=RetryConfig(
        backoff=BackoffStrategy(initial_interval=0.01, max_interval=0.02, max_elapsed_time=10.0),
        max_attempts=3,
    )
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeHathora]:
    """A running emulator with 64 KiB parts."""
    async with FakeHathora(max_chunk_size=CHUNK) as emulator:
        yield emulator


def _tarball(parts: int = 3) -> bytes:
    return make_tarball({"Dockerfile": "FROM alpine\n", "blob": os.urandom(parts * CHUNK)})


@pytest.mark.parametrize(
    "rule",
    [
        FaultRule.status_code(500, operation="UploadPart", body="xml", times=1),
        FaultRule.status_code(429, operation="UploadPart", retry_after=0, times=1),
        FaultRule.drop(operation="UploadPart", times=1),
    ],
)
async def test_transient_part_failure_is_retried(
    fake: FakeHathora, core: HathoraCloudCore, rule: FaultRule
) -> None:
    """A 500, a 429 or a dropped connection on one part PUT is retried and the upload succeeds."""
    data = _tarball()
    fake.inject(rule)
    result = await builds_v3_upload_build(core, data, concurrency=1, options=FAST)
    assert isinstance(result, Ok), result
    assert fake.uploaded_bytes(result.value.build_id) == data
    parts = len(result.value.upload_parts)
    assert len(fake.requests_for("UploadPart")) == parts + 1


async def test_persistent_part_failure_is_upload_error_without_completion(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """A part failing every attempt gives Err(UploadError) with part and attempts; no complete."""
    fake.inject(FaultRule.status_code(503, operation="UploadPart", body="xml"))
    result = await builds_v3_upload_build(core, _tarball(), concurrency=1, options=FAST)
    assert isinstance(result, Err)
    error = result.error
    assert isinstance(error, UploadError)
    assert error.part_number == 1
    assert error.attempts == 3
    assert error.status_code == 503
    assert fake.requests_for("CompleteUpload") == []
    assert len(fake.requests_for("UploadPart")) == 3


async def test_client_error_on_part_is_not_retried(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """A 400 on a part PUT fails at once (one attempt) and completion is never sent."""
    fake.inject(FaultRule.status_code(400, operation="UploadPart", body="xml"))
    result = await builds_v3_upload_build(core, _tarball(), concurrency=2, options=FAST)
    assert isinstance(result, Err)
    assert isinstance(result.error, UploadError)
    assert result.error.attempts == 1
    assert result.error.part_number in (1, 2, 3, 4)
    assert fake.requests_for("CompleteUpload") == []


async def test_expired_urls_advise_a_new_build(tmp_path: Path) -> None:
    """Expired presigned URLs (403 Request has expired) fail once, advising a new build."""
    async with (
        FakeHathora(max_chunk_size=CHUNK, upload_url_ttl=0) as fake,
        HathoraCloudCore(hathora_dev_token=fake.token, server_url=fake.url) as core,
    ):
        result = await builds_v3_upload_build(core, _tarball(1), options=FAST)
        assert isinstance(result, Err)
        assert isinstance(result.error, UploadError)
        assert "create a new build" in str(result.error)
        assert result.error.status_code == 403
        assert result.error.attempts == 1
        assert fake.requests_for("CompleteUpload") == []


@pytest.mark.parametrize(("code", "attempts"), [("InvalidPart", 1), ("InternalError", 3)])
async def test_error_document_on_complete_is_upload_error(
    fake: FakeHathora, core: HathoraCloudCore, code: str, attempts: int
) -> None:
    """A 200 CompleteMultipartUpload carrying <Error> fails (retried only for InternalError)."""
    fake.complete_error = code
    result = await builds_v3_upload_build(core, _tarball(1), options=FAST)
    assert isinstance(result, Err)
    assert isinstance(result.error, UploadError)
    assert result.error.part_number is None
    assert code in str(result.error)
    assert len(fake.requests_for("CompleteUpload")) == attempts


async def test_complete_is_retried_after_a_5xx(fake: FakeHathora, core: HathoraCloudCore) -> None:
    """A 503 on the completion is retried and the upload then completes."""
    fake.inject(FaultRule.status_code(503, operation="CompleteUpload", body="xml", times=1))
    data = _tarball(1)
    result = await builds_v3_upload_build(core, data, options=FAST)
    assert isinstance(result, Ok), result
    assert fake.uploaded_bytes(result.value.build_id) == data
    assert len(fake.requests_for("CompleteUpload")) == 2


async def test_file_changed_during_upload_is_refused(
    fake: FakeHathora, core: HathoraCloudCore, tmp_path: Path
) -> None:
    """Appending to the tarball once the upload started gives Err(UploadError); no completion."""
    path = tmp_path / "build.tgz"
    path.write_bytes(_tarball())

    def grow(progress: UploadProgress) -> None:
        with path.open("ab") as handle:
            handle.write(b"x")

    result = await builds_v3_upload_build(core, path, on_progress=grow, options=FAST)
    assert isinstance(result, Err)
    assert isinstance(result.error, UploadError)
    assert "changed" in str(result.error)
    assert fake.requests_for("CompleteUpload") == []


def _temp_tarballs() -> set[str]:
    return {name for name in os.listdir(tempfile.gettempdir()) if name.startswith("hathora-build-")}


async def test_cancellation_leaves_no_temp_file_or_connection(
    fake: FakeHathora, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancelling mid-upload removes the packed tarball and leaves no connection acquired."""
    own_tmp = tmp_path / "tmp"
    own_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(own_tmp))  # other processes share /tmp
    (tmp_path / "Dockerfile").write_text("FROM alpine\n")
    (tmp_path / "blob").write_bytes(os.urandom(4 * CHUNK))
    fake.inject(FaultRule.latency(0.8, operation="UploadPart"))
    before = _temp_tarballs()
    async with aiohttp.ClientSession() as session:
        core = HathoraCloudCore(hathora_dev_token=fake.token, server_url=fake.url, session=session)
        with anyio.move_on_after(0.3) as scope:
            await builds_v3_upload_build(core, tmp_path, concurrency=2)
        assert scope.cancelled_caught
        assert len(fake.requests_for("UploadPart")) >= 1
        assert _temp_tarballs() == before
        assert session.connector is not None
        assert len(session.connector._acquired) == 0
        await core.aclose()


def _created_body(base: str, parts: list[int], chunk: int, size: int) -> dict[str, Any]:
    secret = "X-Amz-Signature=topsecret"
    return {
        "buildId": "bld-local",
        "orgId": "org-1",
        "createdBy": "me@example.com",
        "createdAt": "2025-01-01T00:00:00.000Z",
        "startedAt": None,
        "finishedAt": None,
        "deletedAt": None,
        "status": "created",
        "imageSize": 0,
        "completeUploadPostRequestUrl": f"{base}/complete?{secret}",
        "maxChunkSize": chunk,
        "uploadParts": [
            {"partNumber": n, "putRequestUrl": f"{base}/part/{n}?{secret}"} for n in parts
        ],
        "buildSizeInBytes": size,
    }


@pytest.fixture
async def local() -> AsyncIterator[tuple[str, dict[str, Any], list[str]]]:
    """A hand-made API + storage server whose create answer each test sets; logs request paths."""
    plan: dict[str, Any] = {}
    seen: list[str] = []

    async def create(request: web.Request) -> web.Response:
        seen.append(request.path)
        body = await request.json()
        answer = _created_body(str(request.url.origin()), plan["parts"], plan["chunk"], 0)
        answer["buildSizeInBytes"] = body["buildSizeInBytes"]
        return web.json_response(answer, status=201)

    async def part(request: web.Request) -> web.Response:
        seen.append(request.path)
        await request.read()
        return web.Response(status=200)  # no ETag header

    app = web.Application()
    app.router.add_post("/builds/v3/builds", create)
    app.router.add_put("/part/{n}", part)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", plan, seen
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("parts", "chunk"),
    [([1, 3], CHUNK), ([1, 1], CHUNK), ([1], CHUNK), ([1, 2, 3], CHUNK), ([1, 2], 0)],
)
async def test_unusable_part_plan_is_refused_before_any_put(
    local: tuple[str, dict[str, Any], list[str]], parts: list[int], chunk: int
) -> None:
    """Gaps, duplicates, a wrong count or maxChunkSize 0 give Err(UploadError) and no PUT."""
    url, plan, seen = local
    plan.update(parts=parts, chunk=chunk)
    async with HathoraCloudCore(hathora_dev_token="t", server_url=url) as core:
        result = await builds_v3_upload_build(core, tarball_of(CHUNK + 10))
    assert isinstance(result, Err)
    assert isinstance(result.error, UploadError)
    assert "upload plan" in str(result.error)
    assert seen == ["/builds/v3/builds"]


async def test_missing_etag_fails_and_secrets_stay_out_of_errors_and_logs(
    local: tuple[str, dict[str, Any], list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    """A 200 PUT without ETag is a failure; neither the error nor debug logs show the signature."""
    url, plan, seen = local
    plan.update(parts=[1], chunk=CHUNK)
    caplog.set_level(logging.DEBUG, logger="hathora_cloud")
    async with HathoraCloudCore(hathora_dev_token="t", server_url=url) as core:
        result = await builds_v3_upload_build(core, tarball_of(200), options=FAST)
    assert isinstance(result, Err)
    assert isinstance(result.error, UploadError)
    assert "ETag" in str(result.error)
    assert "/complete" not in seen
    assert "topsecret" not in repr(result.error) + str(result.error)
    assert "/part/1" in caplog.text
    assert "topsecret" not in caplog.text


async def test_closing_the_core_mid_upload_is_request_aborted() -> None:
    """Closing the core under an upload gives Err(RequestAbortedError) at once, no retry waits."""
    tarball = make_tarball({"Dockerfile": "FROM x\n", "blob": os.urandom(1 << 20)})
    async with FakeHathora(max_chunk_size=64 * 1024) as fake:
        fake.inject(FaultRule.latency(0.05, operation="UploadPart"))
        core = HathoraCloudCore(hathora_dev_token=fake.token, server_url=fake.url)
        async with anyio.create_task_group() as group:
            results: list[object] = []

            async def upload() -> None:
                results.append(await builds_v3_upload_build(core, tarball))

            group.start_soon(upload)
            await anyio.sleep(0.1)
            started = anyio.current_time()
            await core.aclose()
        assert anyio.current_time() - started < 0.4
        [result] = results
        assert isinstance(result, Err)
        assert isinstance(result.error, RequestAbortedError)


async def test_parts_below_the_storage_minimum_fail_at_completion() -> None:
    """As on S3, small parts are accepted one by one and refused at completion: EntityTooSmall.

    The upload reports it as an UploadError of the completion step (part_number None), not of a
    part, sends the completion once (a 400 is not retried), and deletes the build it created.
    """
    async with FakeHathora(max_chunk_size=CHUNK, min_part_size=CHUNK + 1) as fake:
        core = HathoraCloudCore(hathora_dev_token=fake.token, server_url=fake.url)
        async with core:
            result = await builds_v3_upload_build(core, tarball_of(3 * CHUNK))
        assert isinstance(result, Err)
        error = result.error
        assert isinstance(error, UploadError)
        assert error.part_number is None
        assert "EntityTooSmall" in str(error)
        assert error.status_code == 400
        assert len(fake.requests_for("UploadPart")) == 3
        assert len(fake.requests_for("CompleteUpload")) == 1
        assert error.build_deleted
