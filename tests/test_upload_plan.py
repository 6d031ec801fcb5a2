"""The upload plan: the service's part list checked against the file, as ranges that tile it."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hathora_cloud import Err, HathoraCloudCore
from hathora_cloud._upload.plan import plan_parts
from hathora_cloud.errors import UploadError
from hathora_cloud.funcs import builds_v3_upload_build
from hathora_cloud.hooks import HookContext, HookResponse, Hooks
from hathora_cloud.models import BuildPart, CreatedBuildV3WithMultipartUrls
from hathora_cloud.testing import FakeHathora, make_tarball

pytestmark = pytest.mark.anyio


def _created(numbers: list[int], chunk: int) -> CreatedBuildV3WithMultipartUrls:
    return CreatedBuildV3WithMultipartUrls(
        build_id="bld-plan",
        org_id="org",
        created_by="me",
        created_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
        started_at=None,
        finished_at=None,
        deleted_at=None,
        status="created",
        image_size=0,
        complete_upload_post_request_url="https://s3.example/complete?sig=1",
        max_chunk_size=chunk,
        upload_parts=tuple(
            BuildPart(part_number=n, put_request_url=f"https://s3.example/{n}?sig=1")
            for n in numbers
        ),
    )


@given(size=st.integers(0, 10**7), chunk=st.integers(1, 10**6), data=st.data())
def test_ranges_tile_the_file_in_part_order(size: int, chunk: int, data: st.DataObject) -> None:
    """For any size and chunk, parts (in any order) become contiguous ranges covering the file."""
    count = max(1, -(-size // chunk))
    if count > 2000:
        chunk = -(-size // 2000)
        count = max(1, -(-size // chunk))
    numbers = data.draw(st.permutations(list(range(1, count + 1))))
    plan = plan_parts(_created(list(numbers), chunk), size)
    assert not isinstance(plan, UploadError), plan
    assert [p.number for p in plan] == list(range(1, count + 1))
    offset = 0
    for spec in plan:
        assert spec.start == offset
        assert 0 <= spec.length <= chunk
        offset += spec.length
    assert offset == size
    assert all(spec.length == chunk for spec in plan[:-1])


@given(
    size=st.integers(1, 10**6),
    chunk=st.integers(1, 10**5),
    change=st.sampled_from(["drop", "duplicate", "extra", "zero"]),
)
def test_a_plan_that_cannot_rebuild_the_file_is_refused(size: int, chunk: int, change: str) -> None:
    """Missing, duplicated, surplus or zero-numbered parts are refused before anything is sent."""
    count = -(-size // chunk)
    if count > 2000:
        chunk = -(-size // 2000)
        count = -(-size // chunk)
    numbers = list(range(1, count + 1))
    if change == "drop":
        numbers.pop()
    elif change == "duplicate":
        numbers.append(numbers[0])
    elif change == "extra":
        numbers.append(count + 1)
    else:
        numbers[0] = 0
    plan = plan_parts(_created(numbers, chunk), size)
    assert isinstance(plan, UploadError)
    assert plan.part_number is None
    assert "sig=" not in str(plan)


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
