"""Regression tests from a review of the SDK: run-time failures come back as Err, never raise."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator

import anyio
import attrs
import pytest

from hathora_cloud import Err, HathoraCloudCore, RequestOptions
from hathora_cloud.errors import RequestAbortedError, SDKValidationError, UploadError
from hathora_cloud.funcs import builds_v3_get_build, builds_v3_upload_build
from hathora_cloud.hooks import HookContext, HookResponse, Hooks
from hathora_cloud.testing import FakeHathora, FaultRule, make_tarball

pytestmark = pytest.mark.anyio


@pytest.fixture
async def core() -> AsyncIterator[HathoraCloudCore]:
    """A core talking to a running emulator."""
    async with (
        FakeHathora() as fake,
        HathoraCloudCore(hathora_dev_token=fake.token, server_url=fake.url) as core,
    ):
        yield core


async def test_too_long_source_path_is_a_validation_error(core: HathoraCloudCore) -> None:
    """A source path the OS refuses (ENAMETOOLONG) is Err(SDKValidationError), not an OSError."""
    for source in ("/tmp/" + "a" * 300, "/tmp/" + "a" * 5000 + ".tgz"):
        result = await builds_v3_upload_build(core, source)
        assert isinstance(result, Err)
        assert isinstance(result.error, SDKValidationError)


async def test_unencodable_path_or_org_id_is_a_validation_error(core: HathoraCloudCore) -> None:
    """A build_id or org_id that is not valid Unicode (a lone surrogate) is Err, not a raise."""
    for build_id, org_id in (("\udc80", None), ("b", "org-\udc80")):
        result = await builds_v3_get_build(core, build_id, org_id=org_id)
        assert isinstance(result, Err)
        assert isinstance(result.error, SDKValidationError)


class _BreakUrls(Hooks):
    """Rewrite the created build's presigned URLs into ones aiohttp and yarl cannot use."""

    def __init__(self, put_url: str, complete_url: str) -> None:
        self.urls = (put_url, complete_url)

    async def after_success(self, context: HookContext, response: HookResponse) -> HookResponse:
        if context.operation_id != "CreateBuild" or response.body is None:
            return response
        data = json.loads(response.body)
        for part in data["uploadParts"]:
            part["putRequestUrl"] = self.urls[0] or part["putRequestUrl"]
        if self.urls[1]:
            data["completeUploadPostRequestUrl"] = self.urls[1]
        return attrs.evolve(response, body=json.dumps(data).encode())


@pytest.mark.parametrize(
    ("put_url", "complete_url"),
    [
        ("/relative?X-Amz-Signature=SECRET", ""),
        ("http://[::1/x?X-Amz-Signature=SECRET", ""),
        ("http://127.0.0.1:99999/x?X-Amz-Signature=SECRET", ""),
        ("", "/complete?X-Amz-Signature=SECRET"),
    ],
)
async def test_unusable_presigned_url_is_an_upload_error(put_url: str, complete_url: str) -> None:
    """A relative or unparseable presigned URL is Err(UploadError) naming no secret, not a raise."""
    async with (
        FakeHathora() as fake,
        HathoraCloudCore(
            hathora_dev_token=fake.token,
            server_url=fake.url,
            hooks=_BreakUrls(put_url, complete_url),
        ) as core,
    ):
        result = await builds_v3_upload_build(core, make_tarball({"Dockerfile": "FROM x\n"}))
        assert isinstance(result, Err)
        assert isinstance(result.error, UploadError)
        assert "SECRET" not in str(result.error)
        assert not fake.requests_for("UploadPart")


def test_request_options_repr_hides_header_values() -> None:
    """repr(RequestOptions) names the extra headers but never shows a value (a token override)."""
    options = RequestOptions(headers={"Authorization": "Bearer SECRET-TOKEN"})
    assert "SECRET-TOKEN" not in repr(options)
    assert "Authorization" in repr(options)
    assert "headers=None" in repr(RequestOptions())


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
