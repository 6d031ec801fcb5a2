"""Regression tests from a review of the SDK: run-time failures come back as Err, never raise."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hathora_cloud import Err, HathoraCloudCore
from hathora_cloud.errors import SDKValidationError
from hathora_cloud.funcs import builds_v3_get_build, builds_v3_upload_build
from hathora_cloud.testing import FakeHathora

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
