"""HathoraCloud, the facade: values on success, the stored error raised on failure."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hathora_cloud import HathoraCloud, Ok
from hathora_cloud.errors import ApiError, SDKError, SDKValidationError
from hathora_cloud.funcs import builds_v3_get_build, builds_v3_get_builds
from hathora_cloud.models import (
    BuildStatus,
    BuildV3,
    CreateBuildV3Params,
    CreatedBuildV3WithMultipartUrls,
    CreateMultipartBuildParams,
    DeletedBuild,
    RegistryConfig,
)
from hathora_cloud.streams import BuildLogStream
from hathora_cloud.testing import FakeHathora

from ._server import created_json, respond, serve

pytestmark = pytest.mark.anyio


@pytest.fixture
async def hathora(fake: FakeHathora) -> AsyncIterator[HathoraCloud]:
    """A facade pointed at the emulator."""
    async with HathoraCloud(hathora_dev_token=fake.token, server_url=fake.url) as sdk:
        yield sdk


async def test_registry_flow_returns_values(hathora: HathoraCloud, fake: FakeHathora) -> None:
    """create/get/list/run/delete return plain values, the run a log stream with lines."""
    params = CreateBuildV3Params(build_tag="v1")
    created = await hathora.builds_v3.create_build_registry(params)
    assert isinstance(created, BuildV3)
    assert (created.build_tag, created.status) == ("v1", BuildStatus.CREATED)
    fetched = await hathora.builds_v3.get_build(created.build_id)
    assert fetched.build_id == created.build_id
    page = await hathora.builds_v3.get_builds()
    assert created.build_id in [build.build_id for build in page.builds]
    config = RegistryConfig(image="myorg/server:1.2")
    log = await hathora.builds_v3.run_build_registry(created.build_id, config)
    assert isinstance(log, BuildLogStream)
    async with log:
        lines = [line async for line in log]
    assert lines
    assert any("myorg/server:1.2" in line for line in lines)
    deleted = await hathora.builds_v3.delete_build(created.build_id)
    assert deleted == DeletedBuild()
    assert fake.builds[created.build_id].deleted_at is not None


async def test_missing_build_raises_api_error(hathora: HathoraCloud) -> None:
    """A 404 from the service is raised as the ApiError the Result held."""
    with pytest.raises(ApiError) as caught:
        await hathora.builds_v3.get_build("bld-missing")
    assert caught.value.status_code == 404
    assert caught.value.message


async def test_run_missing_build_raises(hathora: HathoraCloud) -> None:
    """Running a build that does not exist raises ApiError instead of returning a stream."""
    with pytest.raises(ApiError):
        await hathora.builds_v3.run_build("bld-missing")


async def test_bad_input_raises_validation_error(hathora: HathoraCloud, fake: FakeHathora) -> None:
    """Invalid input raises SDKValidationError and nothing reaches the service."""
    before = len(fake.requests)
    with pytest.raises(SDKValidationError):
        await hathora.builds_v3.delete_build("")
    assert len(fake.requests) == before


async def test_wrong_token_raises(fake: FakeHathora) -> None:
    """A rejected token raises ApiError 401 from the facade."""
    async with HathoraCloud(hathora_dev_token="wrong", server_url=fake.url) as sdk:
        with pytest.raises(ApiError) as caught:
            await sdk.builds_v3.get_builds()
    assert caught.value.status_code == 401


async def test_core_works_with_standalone_functions(hathora: HathoraCloud) -> None:
    """HathoraCloud(...).core is a HathoraCloudCore the standalone functions accept."""
    created = await hathora.builds_v3.create_build_registry()
    listed = await builds_v3_get_builds(hathora.core)
    assert isinstance(listed, Ok)
    assert created.build_id in [build.build_id for build in listed.value.builds]
    assert (await builds_v3_get_build(hathora.core, created.build_id)).unwrap() == created


async def test_create_build_returns_created_build() -> None:
    """create_build returns CreatedBuildV3WithMultipartUrls; an unexpected 200 raises SDKError."""
    async with (
        serve(respond(201, json=created_json())) as server,
        HathoraCloud(hathora_dev_token="t", server_url=server.url) as sdk,
    ):
        params = CreateMultipartBuildParams(build_size_in_bytes=2048)
        created = await sdk.builds_v3.create_build(params)
        assert isinstance(created, CreatedBuildV3WithMultipartUrls)
        assert [part.part_number for part in created.upload_parts] == [1, 2]
        server.handler = respond(200, json=created_json())
        with pytest.raises(SDKError, match="Unexpected Status"):
            await sdk.builds_v3.create_build(params)


async def test_async_with_closes_core(fake: FakeHathora) -> None:
    """Leaving `async with HathoraCloud(...)` closes its core; aclose() stays idempotent."""
    async with HathoraCloud(hathora_dev_token=fake.token, server_url=fake.url) as sdk:
        await sdk.builds_v3.get_builds()
    assert sdk.core.closed
    await sdk.aclose()
    assert sdk.core.closed


def test_repr_hides_token() -> None:
    """The facade's repr names the class and the server, never the token."""
    sdk = HathoraCloud(hathora_dev_token="tok-very-secret", server_url="http://h")
    assert "tok-very-secret" not in repr(sdk)
    assert repr(sdk).startswith("HathoraCloud(server_url='http://h'")
