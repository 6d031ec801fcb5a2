"""FakeHathora answers every request: hostile clients get a well-formed 4xx, never a 5xx.

Whatever arrives (any method, any path with odd percent-encoding, any query, any body and
content type, any token), the answer is below 500 unless a fault was injected; a 4xx carries a
JSON ``{"message"}`` (S3 routes: an S3 ``<Error>`` document); and the server keeps serving.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yarl import URL

from hathora_cloud.testing import FakeHathora

pytestmark = pytest.mark.anyio

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "PROPFIND", "PURGE")
TEMPLATES = (
    "/builds/v3/builds",
    "/builds/v3/builds/{}",
    "/builds/v3/builds/{}/run",
    "/builds/v3/builds/{}/runRegistry",
    "/builds/v3/builds/registry",
    "/deployments/v3/apps/{}/deployments",
    "/deployments/v3/apps/app-fake-0001/deployments",
    "/deployments/v3/apps/app-fake-0001/deployments/latest",
    "/deployments/v3/apps/app-fake-0001/deployments/{}",
    "/_s3/uploads/{}/parts/{}",
    "/_s3/uploads/{}/complete",
    "/_share/builds/{}",
    "/{}",
    "/{}/{}/{}",
)
RAW_SEGMENTS = ("%ZZ", "%C3%28", "%", "%00", "..", ".", "%2F", "%E2%82", "a%2Fb%3F%23", "9" * 400)

segments = st.one_of(
    st.text(max_size=40).map(lambda text: quote(text, safe="")),
    st.sampled_from(RAW_SEGMENTS),
)
paths = st.builds(
    lambda template, parts: template.format(*parts),
    st.sampled_from(TEMPLATES),
    st.lists(segments, min_size=3, max_size=3),
)
queries = st.dictionaries(
    st.sampled_from(
        ("orgId", "nextPageToken", "deploymentTag", "buildTag", "X-Amz-Signature", "x")
    ),
    st.text(max_size=30),
    max_size=3,
).map(lambda query: urlencode(query))
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ("buildSizeInBytes", "buildId", "buildTag", "image", "registryUrl", "env", "x")
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)
bodies = st.one_of(
    st.none(),
    st.binary(max_size=300),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.integers(min_value=1, max_value=3000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.integers(min_value=400, max_value=6000).map(lambda digits: b"9" * digits),
    st.sampled_from((b"NaN", b'{"buildSizeInBytes": Infinity}', b"\xff\xfe{}", b"<Xml/>")),
)
content_types = st.sampled_from(
    (None, "application/json", "text/plain", "application/xml", "multipart/form-data", "x/y; a=b")
)
auths = st.sampled_from(("valid", None, "Bearer wrong", "Basic abc", "Bearer", "bearer  "))


@pytest.fixture
async def fake() -> AsyncIterator[FakeHathora]:
    """One emulator for all the examples: it must survive every one of them."""
    async with FakeHathora(max_chunk_size=1024) as emulator:
        yield emulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain session that adds nothing of its own beyond what each example sends."""
    async with aiohttp.ClientSession() as client:
        yield client


def assert_well_formed(
    path: str, method: str, status: int, kind: str, body: bytes, *, chunked: bool = False
) -> None:
    """A 4xx answer is JSON {"message": str}, or an S3 <Error> on the S3 routes.

    The one 5xx allowed is S3's own: 501 NotImplemented for a chunked part upload.
    """
    s3_chunked = chunked and status == 501 and b"<Code>NotImplemented</Code>" in body
    assert status < 500 or s3_chunked, (status, body[:300])
    if status < 400 or method == "HEAD":
        return
    if path.startswith("/_s3/"):
        assert kind == "application/xml", body[:300]
        assert b"<Error><Code>" in body
        return
    assert kind == "application/json", body[:300]
    message = json.loads(body)["message"]
    assert isinstance(message, str)
    assert message


async def _still_serving(fake: FakeHathora, session: aiohttp.ClientSession) -> None:
    headers = {"Authorization": f"Bearer {fake.token}"}
    async with session.get(f"{fake.url}/builds/v3/builds", headers=headers) as response:
        assert response.status == 200


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=st.sampled_from(METHODS),
    path=paths,
    query=queries,
    body=bodies,
    content_type=content_types,
    auth=auths,
)
async def test_any_request_gets_a_well_formed_answer_below_500(
    fake: FakeHathora,
    session: aiohttp.ClientSession,
    method: str,
    path: str,
    query: str,
    body: bytes | None,
    content_type: str | None,
    auth: str | None,
) -> None:
    """Arbitrary method/path/query/body/type/token: never 5xx, errors well-formed, still up."""
    headers = {} if content_type is None else {"Content-Type": content_type}
    if auth is not None:
        headers["Authorization"] = f"Bearer {fake.token}" if auth == "valid" else auth
    url = URL(f"{fake.url}{path}" + (f"?{query}" if query else ""), encoded=True)
    async with session.request(method, url, data=body, headers=headers) as response:
        raw = await response.read()
        assert_well_formed(path, method, response.status, response.content_type, raw)
    await _still_serving(fake, session)
    assert all(record.status is None or record.status < 500 for record in fake.requests)
    assert not fake.faults


part_lists = st.lists(
    st.tuples(
        st.one_of(
            st.integers(min_value=-2, max_value=6).map(str), st.sampled_from(("1.0", "x", ""))
        ),
        st.one_of(st.sampled_from(("real", "", '"bad"')), st.text(max_size=10)),
    ),
    max_size=5,
)
complete_bodies = st.one_of(
    part_lists.map(lambda parts: ("parts", parts)),
    st.binary(max_size=200).map(lambda raw: ("raw", raw)),
)


def _complete_xml(parts: list[tuple[str, str]], etags: dict[str, str]) -> bytes:
    items = "".join(
        f"<Part><PartNumber>{number}</PartNumber>"
        f"<ETag>{etags.get(number, '') if etag == 'real' else etag}</ETag></Part>"
        for number, etag in parts
    )
    return f"<CompleteMultipartUpload>{items}</CompleteMultipartUpload>".encode()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    puts=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=2),
            st.binary(max_size=2100),
            st.sampled_from(("plain", "chunked", "authorization", "tampered")),
        ),
        max_size=4,
    ),
    complete=complete_bodies,
)
async def test_broken_part_uploads_get_s3_errors_below_500(
    fake: FakeHathora,
    session: aiohttp.ClientSession,
    puts: list[tuple[int, bytes, str]],
    complete: tuple[str, Any],
) -> None:
    """Odd part PUTs (sizes, chunked, auth, forged URL) and completions: S3 4xx, never 5xx."""
    headers = {"Authorization": f"Bearer {fake.token}"}
    body = {"buildSizeInBytes": 2500}
    async with session.post(f"{fake.url}/builds/v3/builds", json=body, headers=headers) as response:
        created = await response.json()
    etags: dict[str, str] = {}
    for index, data, how in puts:
        url = created["uploadParts"][index]["putRequestUrl"]
        extra = {"Authorization": "Bearer x"} if how == "authorization" else {}
        if how == "tampered":
            url = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")

        async def stream(payload: bytes = data) -> AsyncIterator[bytes]:
            yield payload

        payload: Any = stream() if how == "chunked" else data
        async with session.put(URL(url, encoded=True), data=payload, headers=extra) as response:
            assert_well_formed(
                "/_s3/",
                "PUT",
                response.status,
                response.content_type,
                await response.read(),
                chunked=how == "chunked",
            )
            if response.status == 200:
                etags[str(index + 1)] = response.headers["ETag"]
    kind, value = complete
    xml = _complete_xml(value, etags) if kind == "parts" else value
    url = URL(created["completeUploadPostRequestUrl"], encoded=True)
    async with session.post(url, data=xml) as response:
        assert_well_formed(
            "/_s3/", "POST", response.status, response.content_type, await response.read()
        )
    await _still_serving(fake, session)


async def _raw_exchange(fake: FakeHathora, head: bytes, tail: bytes = b"") -> bytes:
    """Send ``head``, pause so the server starts handling, send ``tail``; return the reply."""
    url = urlsplit(fake.url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    try:
        writer.write(head)
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(tail)
        await writer.drain()
        return await reader.readuntil(b"}")
    finally:
        writer.close()
        await writer.wait_closed()


async def test_undecodable_gzip_body_is_400_json(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """A body whose Content-Encoding does not decode is 400 {"message"}, not a crash."""
    garbage = b"this is not gzip at all"
    head = (
        f"POST /builds/v3/builds HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {fake.token}\r\n"
        "Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
        f"Content-Length: {len(garbage)}\r\nConnection: close\r\n\r\n"
    ).encode()
    raw = await _raw_exchange(fake, head, garbage)
    assert raw.startswith(b"HTTP/1.1 400")
    assert b'"message"' in raw
    await _still_serving(fake, session)


async def test_valid_gzip_body_is_read(fake: FakeHathora, session: aiohttp.ClientSession) -> None:
    """A gzip-encoded JSON body is decoded and served like a plain one."""
    headers = {
        "Authorization": f"Bearer {fake.token}",
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
    }
    body = gzip.compress(b'{"buildSizeInBytes": 3}')
    async with session.post(f"{fake.url}/builds/v3/builds", data=body, headers=headers) as response:
        assert response.status == 201


async def test_chunked_body_over_the_cap_is_413(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """A chunked JSON body that grows past the cap is 413 {"message"} once it does."""

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b" " * 64 * 1024

    headers = {"Authorization": f"Bearer {fake.token}", "Content-Type": "application/json"}
    url = f"{fake.url}/builds/v3/builds"
    async with session.post(url, data=endless(), headers=headers) as response:
        assert response.status == 413
        assert "larger than" in (await response.json())["message"]
    await _still_serving(fake, session)


async def test_json_body_cut_mid_way_leaves_the_server_serving(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """A client that dies half-way through a JSON body breaks nothing: no 5xx, no build."""
    url = urlsplit(fake.url)
    _, writer = await asyncio.open_connection(url.hostname, url.port)
    writer.write(
        f"POST /builds/v3/builds HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {fake.token}\r\n"
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"buildSize'.encode()
    )
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    for _ in range(100):
        if fake.requests and fake.requests[-1].status is not None:
            break
        await asyncio.sleep(0.01)
    assert fake.requests[-1].status == 400
    assert fake.builds == {}
    await _still_serving(fake, session)


async def test_large_headers_within_limits_are_served(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """Headers up to aiohttp's line limit (8190 bytes) and many of them are served normally."""
    headers: dict[str, Any] = {f"X-Pad-{index}": "v" * 100 for index in range(50)}
    headers["X-Big"] = "b" * 8000
    headers["Authorization"] = f"Bearer {fake.token}"
    async with session.get(f"{fake.url}/builds/v3/builds", headers=headers) as response:
        assert response.status == 200
    assert fake.requests[-1].headers["X-Big"] == "b" * 8000
