"""FakeHathora's JSON API: auth, orgId, success codes, shapes and error bodies."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import anyio
import pytest

from hathora_cloud.testing import FakeHathora

pytestmark = pytest.mark.anyio

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
BUILD_ID = re.compile(r"^bld-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
BUILD_KEYS = {
    "buildId",
    "orgId",
    "createdBy",
    "createdAt",
    "startedAt",
    "finishedAt",
    "deletedAt",
    "status",
    "imageSize",
    "shareUrl",
}


@pytest.fixture
async def fake() -> AsyncIterator[FakeHathora]:
    """A running emulator with a tiny chunk size."""
    async with FakeHathora(max_chunk_size=1024) as emulator:
        yield emulator


@pytest.fixture
async def session(fake: FakeHathora) -> AsyncIterator[aiohttp.ClientSession]:
    """A raw aiohttp session that sends the emulator's bearer token."""
    headers = {"Authorization": f"Bearer {fake.token}"}
    async with aiohttp.ClientSession(fake.url, headers=headers) as client:
        yield client


async def _create(session: aiohttp.ClientSession, **body: Any) -> dict[str, Any]:
    async with session.post("/builds/v3/builds", json=body) as response:
        assert response.status == 201
        created: dict[str, Any] = await response.json()
        return created


async def test_missing_token_is_401_with_message(fake: FakeHathora) -> None:
    """A call without Authorization gets 401 and a JSON {"message"} body."""
    async with (
        aiohttp.ClientSession() as client,
        client.get(f"{fake.url}/builds/v3/builds") as response,
    ):
        assert response.status == 401
        assert response.content_type == "application/json"
        assert isinstance((await response.json())["message"], str)


@pytest.mark.parametrize("header", ["Bearer wrong", "Basic abc", "Token x"])
async def test_wrong_token_or_scheme_is_401(fake: FakeHathora, header: str) -> None:
    """A wrong bearer token or a non-bearer scheme gets 401."""
    async with (
        aiohttp.ClientSession() as client,
        client.get(f"{fake.url}/builds/v3/builds", headers={"Authorization": header}) as response,
    ):
        assert response.status == 401
        assert "message" in await response.json()


async def test_lowercase_bearer_scheme_is_accepted(fake: FakeHathora) -> None:
    """The bearer scheme is matched case-insensitively."""
    headers = {"Authorization": f"bearer {fake.token}"}
    async with (
        aiohttp.ClientSession() as client,
        client.get(f"{fake.url}/builds/v3/builds", headers=headers) as response,
    ):
        assert response.status == 200


async def test_foreign_org_id_is_404(session: aiohttp.ClientSession) -> None:
    """An orgId query parameter naming another organisation gets 404 {"message"}."""
    async with session.get("/builds/v3/builds", params={"orgId": "org-other"}) as response:
        assert response.status == 404
        assert "org-other" in (await response.json())["message"]


async def test_own_org_id_is_accepted(fake: FakeHathora, session: aiohttp.ClientSession) -> None:
    """The emulator's own orgId (and an empty one) is accepted."""
    for org in (fake.org_id, ""):
        async with session.get("/builds/v3/builds", params={"orgId": org}) as response:
            assert response.status == 200


async def test_create_build_is_201_with_full_shape(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """CreateBuild answers 201 with every BuildV3 key, nullables null, and upload fields."""
    created = await _create(session, buildSizeInBytes=2049)
    assert created.keys() >= BUILD_KEYS
    assert "buildTag" not in created
    assert BUILD_ID.match(created["buildId"])
    assert created["orgId"] == fake.org_id
    assert DATE.match(created["createdAt"])
    assert created["startedAt"] is None
    assert created["finishedAt"] is None
    assert created["deletedAt"] is None
    assert (created["status"], created["imageSize"]) == ("created", 0)
    assert created["maxChunkSize"] == 1024
    assert [part["partNumber"] for part in created["uploadParts"]] == [1, 2, 3]
    assert created["completeUploadPostRequestUrl"].startswith(fake.url + "/_s3/")
    for part in created["uploadParts"]:
        assert "X-Amz-Signature=" in part["putRequestUrl"]


async def test_create_with_tag_and_chosen_id(session: aiohttp.ClientSession) -> None:
    """A client-chosen buildId and a buildTag are used as given."""
    created = await _create(session, buildSizeInBytes=5, buildId="my-build", buildTag="1.2.3")
    assert (created["buildId"], created["buildTag"]) == ("my-build", "1.2.3")


async def test_create_with_existing_build_id_is_422(session: aiohttp.ClientSession) -> None:
    """Reusing an existing buildId is refused with 422 {"message"}."""
    await _create(session, buildSizeInBytes=5, buildId="dup")
    async with session.post(
        "/builds/v3/builds", json={"buildSizeInBytes": 5, "buildId": "dup"}
    ) as response:
        assert response.status == 422
        assert "dup" in (await response.json())["message"]


async def test_zero_byte_build_gets_one_empty_part(session: aiohttp.ClientSession) -> None:
    """A 0-byte build still gets exactly one upload part (S3 needs at least one)."""
    created = await _create(session, buildSizeInBytes=0)
    assert len(created["uploadParts"]) == 1


async def test_integral_float_size_is_accepted(session: aiohttp.ClientSession) -> None:
    """buildSizeInBytes sent as 1024.0 is accepted like 1024."""
    created = await _create(session, buildSizeInBytes=1024.0)
    assert len(created["uploadParts"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"buildSizeInBytes": -1},
        {"buildSizeInBytes": 1.5},
        {"buildSizeInBytes": "5"},
        {"buildSizeInBytes": True},
        {"buildSizeInBytes": None},
        {"buildSizeInBytes": 1, "buildTag": 3},
    ],
)
async def test_invalid_create_body_is_422(
    session: aiohttp.ClientSession, body: dict[str, Any]
) -> None:
    """A missing or invalid buildSizeInBytes (or a non-string tag) is 422 {"message"}."""
    async with session.post("/builds/v3/builds", json=body) as response:
        assert response.status == 422
        assert isinstance((await response.json())["message"], str)


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"", b"\xff\xfe"])
async def test_unparseable_create_body_is_400(session: aiohttp.ClientSession, raw: bytes) -> None:
    """A body that is not a JSON object is 400 {"message"}."""
    headers = {"Content-Type": "application/json"}
    async with session.post("/builds/v3/builds", data=raw, headers=headers) as response:
        assert response.status == 400
        assert "message" in await response.json()


async def test_list_is_200_newest_first(session: aiohttp.ClientSession) -> None:
    """GetBuilds answers 200 {"builds": [...]} with the newest build first."""
    first = await _create(session, buildSizeInBytes=1)
    second = await _create(session, buildSizeInBytes=1)
    async with session.get("/builds/v3/builds") as response:
        assert response.status == 200
        builds = (await response.json())["builds"]
    assert [build["buildId"] for build in builds] == [second["buildId"], first["buildId"]]
    assert all(build.keys() >= BUILD_KEYS and "uploadParts" not in build for build in builds)


async def test_get_build_is_200_build_v3(session: aiohttp.ClientSession) -> None:
    """GetBuild answers 200 with the BuildV3 (no upload fields)."""
    created = await _create(session, buildSizeInBytes=1, buildTag="t")
    async with session.get(f"/builds/v3/builds/{created['buildId']}") as response:
        assert response.status == 200
        build = await response.json()
    assert build.keys() == BUILD_KEYS | {"buildTag"}
    assert build["createdAt"] == created["createdAt"]


async def test_unknown_build_is_404_with_message(session: aiohttp.ClientSession) -> None:
    """GetBuild, DeleteBuild and RunBuild of an unknown id answer 404 naming the id."""
    for method, suffix in (("GET", ""), ("DELETE", ""), ("POST", "/run")):
        async with session.request(method, f"/builds/v3/builds/nope{suffix}") as response:
            assert response.status == 404
            assert (await response.json())["message"] == "Build not found: nope"


async def test_delete_is_200_empty_and_hides_build(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """DeleteBuild answers 200 {} and the build then reads as 404 and leaves the list."""
    created = await _create(session, buildSizeInBytes=1)
    path = f"/builds/v3/builds/{created['buildId']}"
    async with session.delete(path) as response:
        assert (response.status, await response.json()) == (200, {})
    async with session.get(path) as response:
        assert response.status == 404
    async with session.delete(path) as response:
        assert response.status == 404
    async with session.get("/builds/v3/builds") as response:
        assert (await response.json())["builds"] == []
    assert fake.builds[created["buildId"]].deleted_at is not None


async def test_create_registry_build_is_201(session: aiohttp.ClientSession) -> None:
    """CreateBuildRegistry accepts {} and answers 201 with a BuildV3."""
    async with session.post("/builds/v3/builds/registry", json={}) as response:
        assert response.status == 201
        build = await response.json()
    assert build.keys() == BUILD_KEYS
    assert build["status"] == "created"


async def test_run_before_upload_complete_is_400(session: aiohttp.ClientSession) -> None:
    """RunBuild before the multipart upload is completed answers 400 {"message"}."""
    created = await _create(session, buildSizeInBytes=1)
    async with session.post(f"/builds/v3/builds/{created['buildId']}/run") as response:
        assert response.status == 400
        assert "upload" in (await response.json())["message"]


async def test_run_registry_needs_an_image(session: aiohttp.ClientSession) -> None:
    """RunBuildRegistry without image is 422; invalid JSON is 400; on a multipart build 400."""
    async with session.post("/builds/v3/builds/registry", json={}) as response:
        registry_id = (await response.json())["buildId"]
    path = f"/builds/v3/builds/{registry_id}/runRegistry"
    async with session.post(path, json={"registryUrl": "r.io"}) as response:
        assert response.status == 422
    json_type = {"Content-Type": "application/json"}
    async with session.post(path, data=b"nope", headers=json_type) as response:
        assert response.status == 400
    multipart = await _create(session, buildSizeInBytes=1)
    multipart_path = f"/builds/v3/builds/{multipart['buildId']}/runRegistry"
    async with session.post(multipart_path, json={"image": "x"}) as response:
        assert response.status == 400


async def test_requests_are_recorded_with_redacted_auth(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """Each request is recorded with its operation, query and a redacted Authorization."""
    await _create(session, buildSizeInBytes=1)
    async with session.get("/builds/v3/builds", params={"orgId": fake.org_id}):
        pass
    (create,) = fake.requests_for("CreateBuild")
    (listing,) = fake.requests_for("GetBuilds")
    assert (create.method, create.path, create.status) == ("POST", "/builds/v3/builds", 201)
    assert create.body_length == len(b'{"buildSizeInBytes": 1}')
    assert listing.query == {"orgId": fake.org_id}
    assert listing.has_authorization
    assert listing.auth_scheme == "Bearer"
    assert listing.headers["Authorization"] == "Bearer [REDACTED]"
    assert fake.token not in repr(fake.requests)
    assert listing.fault is None


async def test_lowercase_authorization_header_is_redacted_too(fake: FakeHathora) -> None:
    """A lower-case authorization header is redacted in the record like any other spelling."""
    async with (
        aiohttp.ClientSession() as client,
        client.get(
            f"{fake.url}/builds/v3/builds", headers={"authorization": f"Bearer {fake.token}"}
        ) as response,
    ):
        assert response.status == 200
    (record,) = fake.requests
    assert fake.token not in repr(record.headers)
    assert record.auth_scheme == "Bearer"


async def test_bind_failure_cleans_up(tmp_path: Path) -> None:
    """Starting on a port that is taken raises OSError and leaves no storage dir behind."""
    async with FakeHathora() as first:
        port = int(first.url.rsplit(":", 1)[1])
        second = FakeHathora(port=port, storage_dir=tmp_path)
        with pytest.raises(OSError, match="in use"):
            await second.start()
        await second.aclose()
    assert [entry async for entry in anyio.Path(tmp_path).iterdir()] == []


async def test_lifecycle_is_idempotent_and_cleans_storage() -> None:
    """start/aclose are idempotent, url is unset before start, and the temp dir is removed."""
    fake = FakeHathora(token="tok")
    with pytest.raises(RuntimeError):
        _ = fake.url
    await fake.start()
    await fake.start()
    assert fake.url.startswith("http://127.0.0.1:")
    assert fake.token == "tok"
    async with (
        aiohttp.ClientSession(headers={"Authorization": "Bearer tok"}) as client,
        client.post(f"{fake.url}/builds/v3/builds", json={"buildSizeInBytes": 1}),
    ):
        pass
    storage = next(iter(fake.builds.values())).upload
    assert storage is not None
    directory = Path(storage.directory).parent
    assert directory.exists()
    await fake.aclose()
    await fake.aclose()
    assert not directory.exists()


async def test_generated_tokens_differ() -> None:
    """Without a token argument each emulator generates its own random token."""
    assert FakeHathora().token != FakeHathora().token
