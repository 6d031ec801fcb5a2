"""FakeHathora on the wire: content types, body limits, odd JSON, URL encoding, error formats."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from urllib.parse import quote, urlsplit

import aiohttp
import pytest

from hathora_cloud.testing import FakeHathora
from hathora_cloud.testing._wire import MAX_JSON_BODY

pytestmark = pytest.mark.anyio

BUILDS = "/builds/v3/builds"


@pytest.fixture
async def fake() -> AsyncIterator[FakeHathora]:
    """A running emulator."""
    async with FakeHathora(max_chunk_size=1024) as emulator:
        yield emulator


@pytest.fixture
async def session(fake: FakeHathora) -> AsyncIterator[aiohttp.ClientSession]:
    """A raw session sending the emulator's token."""
    headers = {"Authorization": f"Bearer {fake.token}"}
    async with aiohttp.ClientSession(fake.url, headers=headers) as client:
        yield client


async def _post(
    session: aiohttp.ClientSession, path: str, data: str | io.BytesIO, content_type: str | None
) -> tuple[int, str, dict[str, object]]:
    headers = {} if content_type is None else {"Content-Type": content_type}
    async with session.post(path, data=data, headers=headers) as response:
        return response.status, response.content_type, await response.json()


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
@pytest.mark.parametrize("path", [BUILDS, f"{BUILDS}/registry"])
async def test_json_route_refuses_a_non_json_body_with_415(
    fake: FakeHathora, session: aiohttp.ClientSession, content_type: str, path: str
) -> None:
    """A JSON body sent as text/plain (or any non-JSON type) is 415 {"message"}; nothing made."""
    status, kind, body = await _post(session, path, '{"buildSizeInBytes": 1}', content_type)
    assert (status, kind) == (415, "application/json")
    assert content_type in str(body["message"])
    assert fake.builds == {}


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "application/vnd+json"]
)
async def test_json_media_types_are_accepted(
    session: aiohttp.ClientSession, content_type: str
) -> None:
    """application/json, with parameters or as a +json suffix type, is read as JSON."""
    status, _, _ = await _post(session, BUILDS, '{"buildSizeInBytes": 1}', content_type)
    assert status == 201


async def test_run_registry_and_create_deployment_check_the_type_too(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """Every JSON route with a body (runRegistry, createDeployment) applies the same rule."""
    async with session.post(f"{BUILDS}/registry", json={}) as response:
        build_id = (await response.json())["buildId"]
    run = f"{BUILDS}/{build_id}/runRegistry"
    assert (await _post(session, run, '{"image": "x"}', "text/plain"))[0] == 415
    deploy = f"/deployments/v3/apps/{fake.app_id}/deployments"
    assert (await _post(session, deploy, "{}", "text/plain"))[0] == 415


async def test_body_above_the_cap_is_413(fake: FakeHathora, session: aiohttp.ClientSession) -> None:
    """A JSON body larger than MAX_JSON_BODY is refused with 413 {"message"}."""
    padding = "x" * MAX_JSON_BODY
    body = io.BytesIO(f'{{"buildSizeInBytes": 1, "buildTag": "{padding}"}}'.encode())
    status, _, answer = await _post(session, BUILDS, body, "application/json")
    assert status == 413
    assert str(MAX_JSON_BODY) in str(answer["message"])
    assert fake.builds == {}


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ('{"buildSizeInBytes": NaN}', 400),
        ('{"buildSizeInBytes": Infinity}', 400),
        ('{"buildSizeInBytes": 1e400}', 422),
        ('{"buildSizeInBytes": ' + "9" * 5000 + "}", 422),
        ('{"buildSizeInBytes": ' + "9" * 200 + "}", 422),
        ("[" * 100_000 + "]" * 100_000, 400),
        ('{"buildSizeInBytes": 1, "buildId": "' + "b" * 600 + '"}', 422),
    ],
    ids=["nan", "infinity", "huge-float", "5000-digits", "200-digits", "deep", "long-id"],
)
async def test_odd_json_is_a_4xx_never_a_crash(
    session: aiohttp.ClientSession, raw: str, status: int
) -> None:
    """NaN, huge numbers, deep nesting and overlong ids are 4xx {"message"}, as JS would."""
    answer_status, kind, answer = await _post(session, BUILDS, raw, "application/json")
    assert (answer_status, kind) == (status, "application/json")
    assert isinstance(answer["message"], str)


@pytest.mark.parametrize("build_id", ["a/b c?d#e", "ünïcødé-✓", "100%", "x&y=z"])
async def test_share_url_is_percent_encoded(
    fake: FakeHathora, session: aiohttp.ClientSession, build_id: str
) -> None:
    """shareUrl percent-encodes the build id into one valid path segment that serves the log."""
    async with session.post(f"{BUILDS}/registry", json={"buildId": build_id}) as response:
        share_url = (await response.json())["shareUrl"]
    assert share_url == f"{fake.url}/_share/builds/{quote(build_id, safe='')}"
    assert share_url.isascii()
    assert all(char not in urlsplit(share_url).path.rsplit("/", 1)[1] for char in "/?# ")
    async with (
        aiohttp.ClientSession() as plain,
        plain.get(share_url, skip_auto_headers=()) as response,
    ):
        assert response.status == 200
        assert f"Build {build_id}: created" in await response.text()


async def test_percent_encoded_ids_round_trip_through_every_build_route(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """An id with / ? # and unicode, percent-encoded, reaches get, delete and run routes."""
    build_id = "team/ü build?#1"
    async with session.post(f"{BUILDS}/registry", json={"buildId": build_id}) as response:
        assert response.status == 201
    path = f"{BUILDS}/{quote(build_id, safe='')}"
    async with session.get(path) as response:
        assert (await response.json())["buildId"] == build_id
    async with session.post(f"{path}/runRegistry", json={"image": "img:1"}) as response:
        assert response.status == 200
        await response.read()
    async with session.delete(path) as response:
        assert response.status == 200
    assert fake.builds[build_id].is_deleted


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nope", 404),
        ("GET", "/builds/v3", 404),
        ("PUT", BUILDS, 405),
        ("PATCH", f"{BUILDS}/x", 405),
        ("GET", f"{BUILDS}/x/run", 405),
        ("DELETE", "/deployments/v3/apps/app-fake-0001/deployments", 405),
    ],
)
async def test_unknown_routes_and_methods_answer_json(
    session: aiohttp.ClientSession, method: str, path: str, status: int
) -> None:
    """No route or a wrong method gets 404/405 with a JSON {"message"}, like the API's errors."""
    async with session.request(method, path) as response:
        assert response.status == status
        assert response.content_type == "application/json"
        assert path in (await response.json())["message"]
        if status == 405:
            assert response.headers["Allow"]


async def test_s3_routes_answer_s3_xml_errors(session: aiohttp.ClientSession) -> None:
    """On the S3 side, a wrong method or path gets an S3 <Error> document, not JSON."""
    for method, path, code in (
        ("GET", "/_s3/uploads/u/parts/1", "MethodNotAllowed"),
        ("GET", "/_s3/elsewhere", "NoSuchKey"),
    ):
        async with session.request(method, path) as response:
            assert response.content_type == "application/xml"
            assert f"<Code>{code}</Code>" in await response.text()


async def test_refused_unread_body_closes_the_connection(fake: FakeHathora) -> None:
    """A body refused before reading (413 by Content-Length) ends with Connection: close."""
    url = urlsplit(fake.url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    try:
        writer.write(
            f"POST {BUILDS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {fake.token}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {MAX_JSON_BODY + 1}\r\n\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
    finally:
        writer.close()
        await writer.wait_closed()
    assert head.startswith(b"HTTP/1.1 413")
    assert b"Connection: close" in head
