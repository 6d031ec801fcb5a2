"""FakeHathora's S3 side: presigned part PUTs and CompleteMultipartUpload validation."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hathora_cloud.testing import FakeHathora, UploadState

pytestmark = pytest.mark.anyio

CHUNK = 1024


@pytest.fixture
async def fake() -> AsyncIterator[FakeHathora]:
    """A running emulator with a 1 KiB chunk size."""
    async with FakeHathora(max_chunk_size=CHUNK) as emulator:
        yield emulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain session, as used for presigned URLs (no auth header)."""
    async with aiohttp.ClientSession() as client:
        yield client


async def _create(fake: FakeHathora, session: aiohttp.ClientSession, size: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {fake.token}"}
    body = {"buildSizeInBytes": size}
    async with session.post(f"{fake.url}/builds/v3/builds", json=body, headers=headers) as response:
        assert response.status == 201
        created: dict[str, Any] = await response.json()
        return created


async def _put(session: aiohttp.ClientSession, url: str, data: bytes) -> str:
    headers = {"Content-Type": "application/octet-stream"}
    async with session.put(url, data=data, headers=headers) as response:
        assert response.status == 200, await response.text()
        return response.headers["ETag"]


def _complete_xml(parts: list[tuple[Any, str]]) -> str:
    body = "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>" for n, etag in parts
    )
    return f"<CompleteMultipartUpload>{body}</CompleteMultipartUpload>"


async def _upload_parts(
    session: aiohttp.ClientSession, created: dict[str, Any], data: bytes
) -> list[tuple[Any, str]]:
    parts = []
    for part in created["uploadParts"]:
        number = part["partNumber"]
        chunk = data[(number - 1) * CHUNK : number * CHUNK]
        parts.append((number, await _put(session, part["putRequestUrl"], chunk)))
    return parts


async def _complete(
    session: aiohttp.ClientSession, created: dict[str, Any], xml: str, **headers: str
) -> tuple[int, str]:
    url = created["completeUploadPostRequestUrl"]
    headers = {"Content-Type": "application/xml", **headers}
    async with session.post(url, data=xml, headers=headers) as response:
        return response.status, await response.text()


def _code(xml: str) -> str:
    return xml.split("<Code>", 1)[1].split("</Code>", 1)[0]


@pytest.mark.parametrize("size", [0, 1, CHUNK, 2 * CHUNK + 1])
async def test_multipart_round_trip_is_byte_exact(
    fake: FakeHathora, session: aiohttp.ClientSession, size: int
) -> None:
    """Uploading every part and completing reassembles exactly the declared bytes."""
    data = bytes((i * 7) % 251 for i in range(size))
    created = await _create(fake, session, size)
    parts = await _upload_parts(session, created, data)
    status, text = await _complete(session, created, _complete_xml(parts))
    assert status == 200
    assert "<CompleteMultipartUploadResult" in text
    uploaded = fake.uploaded_bytes(created["buildId"])
    assert hashlib.sha256(uploaded).digest() == hashlib.sha256(data).digest()


async def test_part_etag_is_quoted_md5(fake: FakeHathora, session: aiohttp.ClientSession) -> None:
    """A part PUT answers 200 with ETag set to the quoted MD5 hex of the part."""
    created = await _create(fake, session, 3)
    etag = await _put(session, created["uploadParts"][0]["putRequestUrl"], b"abc")
    assert etag == f'"{hashlib.md5(b"abc").hexdigest()}"'
    build = fake.builds[created["buildId"]]
    assert build.upload is not None
    assert build.upload.parts[1].size == 3


async def test_re_put_overwrites_the_part(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """A second PUT of the same part replaces it; completing with its ETag keeps the new bytes."""
    created = await _create(fake, session, 3)
    url = created["uploadParts"][0]["putRequestUrl"]
    first = await _put(session, url, b"old")
    second = await _put(session, url, b"new")
    status, text = await _complete(session, created, _complete_xml([(1, first)]))
    assert (status, _code(text)) == (400, "InvalidPart")
    status, _ = await _complete(session, created, _complete_xml([(1, second)]))
    assert status == 200
    assert fake.uploaded_bytes(created["buildId"]) == b"new"


async def test_part_with_authorization_header_is_400(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """A presigned PUT that also carries Authorization is refused: one auth mechanism only."""
    created = await _create(fake, session, 3)
    url = created["uploadParts"][0]["putRequestUrl"]
    headers = {"Authorization": f"Bearer {fake.token}"}
    async with session.put(url, data=b"abc", headers=headers) as response:
        assert response.status == 400
        text = await response.text()
    assert _code(text) == "InvalidArgument"
    assert "Only one auth mechanism allowed" in text


async def test_chunked_part_is_501(fake: FakeHathora, session: aiohttp.ClientSession) -> None:
    """A part sent with Transfer-Encoding: chunked is refused with 501 NotImplemented."""
    created = await _create(fake, session, 3)

    async def body() -> AsyncIterator[bytes]:
        yield b"abc"

    async with session.put(created["uploadParts"][0]["putRequestUrl"], data=body()) as response:
        assert response.status == 501
        assert _code(await response.text()) == "NotImplemented"


async def test_part_without_content_length_is_411(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """A part PUT with neither Content-Length nor chunked framing is 411 MissingContentLength."""
    created = await _create(fake, session, 3)
    url = urlsplit(created["uploadParts"][0]["putRequestUrl"])
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    try:
        request = f"PUT {url.path}?{url.query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        writer.write(request.encode())
        raw = await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    assert raw.startswith(b"HTTP/1.1 411")
    assert b"<Code>MissingContentLength</Code>" in raw


@pytest.mark.parametrize("size", [1, CHUNK - 1, CHUNK + 1, 3 * CHUNK])
async def test_any_part_size_is_accepted_at_put(
    fake: FakeHathora, session: aiohttp.ClientSession, size: int
) -> None:
    """Like S3, UploadPart takes a part of any size; sizes are judged only at completion."""
    created = await _create(fake, session, CHUNK + 5)
    etag = await _put(session, created["uploadParts"][0]["putRequestUrl"], b"x" * size)
    assert etag == f'"{hashlib.md5(b"x" * size).hexdigest()}"'


async def test_small_part_fails_completion_with_entity_too_small(
    session: aiohttp.ClientSession,
) -> None:
    """A part below min_part_size that is not the last makes completion 400 EntityTooSmall."""
    async with FakeHathora(max_chunk_size=CHUNK, min_part_size=600) as fake:
        created = await _create(fake, session, CHUNK + 5)
        urls = [part["putRequestUrl"] for part in created["uploadParts"]]
        first = await _put(session, urls[0], b"a" * 599)
        last = await _put(session, urls[1], b"b" * 3)
        status, text = await _complete(session, created, _complete_xml([(1, first), (2, last)]))
        assert (status, _code(text)) == (400, "EntityTooSmall")
        for field in ("<ProposedSize>599</ProposedSize>", "<MinSizeAllowed>600</MinSizeAllowed>"):
            assert field in text
        assert "<PartNumber>1</PartNumber>" in text
        assert f"<ETag>{first.strip(chr(34))}</ETag>" in text
        first = await _put(session, urls[0], b"a" * 600)
        status, _ = await _complete(session, created, _complete_xml([(1, first), (2, last)]))
        assert status == 200
        assert fake.uploaded_bytes(created["buildId"]) == b"a" * 600 + b"b" * 3


async def test_small_last_part_is_fine(session: aiohttp.ClientSession) -> None:
    """Only the last part may be smaller than min_part_size (here a single 3-byte part)."""
    async with FakeHathora(min_part_size=5 * 1024 * 1024) as fake:
        created = await _create(fake, session, 3)
        etag = await _put(session, created["uploadParts"][0]["putRequestUrl"], b"abc")
        status, _ = await _complete(session, created, _complete_xml([(1, etag)]))
        assert status == 200


async def test_min_part_size_defaults_to_5_mib_capped_at_chunk_size(
    session: aiohttp.ClientSession,
) -> None:
    """min_part_size defaults to 5 MiB, lowered to maxChunkSize so chunk-sized parts pass."""
    async with FakeHathora(max_chunk_size=CHUNK) as small, FakeHathora() as default:
        created = await _create(small, session, CHUNK + 1)
        parts = await _upload_parts(session, created, b"q" * (CHUNK + 1))
        assert (await _complete(session, created, _complete_xml(parts)))[0] == 200
        created = await _create(default, session, CHUNK + 1)
        urls = [part["putRequestUrl"] for part in created["uploadParts"]]
        assert len(urls) == 1
        first = await _put(session, urls[0], b"q" * CHUNK)
        # Sending more parts than listed is impossible (no URL); so a one-part build with a
        # 1 KiB part is the last part and passes, proving the 5 MiB floor is not applied to it.
        status, _ = await _complete(session, created, _complete_xml([(1, first)]))
        assert status == 200


async def test_completion_with_an_ascending_subset(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """S3 lets a client complete with an ascending subset of its parts; the rest is dropped."""
    created = await _create(fake, session, 3 * CHUNK)
    parts = await _upload_parts(session, created, b"1" * CHUNK + b"2" * CHUNK + b"3" * CHUNK)
    status, _ = await _complete(session, created, _complete_xml([parts[0], parts[2]]))
    assert status == 200
    upload = fake.builds[created["buildId"]].upload
    assert upload is not None
    assert upload.completed_parts == (1, 3)
    assert upload.assembled_size == 2 * CHUNK
    assert fake.uploaded_bytes(created["buildId"]) == b"1" * CHUNK + b"3" * CHUNK


async def test_part_larger_than_5_gib_is_entity_too_large(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """A part declaring more than S3's 5 GiB maximum is refused before its body is read."""
    created = await _create(fake, session, 3)
    url = urlsplit(created["uploadParts"][0]["putRequestUrl"])
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    try:
        request = (
            f"PUT {url.path}?{url.query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            f"Content-Length: {5 * 1024**3 + 1}\r\n\r\n"
        )
        writer.write(request.encode())
        raw = await reader.readuntil(b"</Error>")  # the server then lingers for a body
    finally:
        writer.close()
        await writer.wait_closed()
    assert raw.startswith(b"HTTP/1.1 400")
    assert b"<Code>EntityTooLarge</Code>" in raw


async def test_part_cut_short_is_incomplete_body_and_server_goes_on(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """A part whose client vanishes mid-body is not stored, and the emulator keeps serving."""
    created = await _create(fake, session, 10)
    url = urlsplit(created["uploadParts"][0]["putRequestUrl"])
    _, writer = await asyncio.open_connection(url.hostname, url.port)
    request = f"PUT {url.path}?{url.query} HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"
    writer.write(request.encode() + b"abcde")
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    for _ in range(200):
        if fake.requests_for("UploadPart") and fake.requests_for("UploadPart")[-1].status:
            break
        await asyncio.sleep(0.01)
    assert fake.requests_for("UploadPart")[-1].status == 400
    upload = fake.builds[created["buildId"]].upload
    assert upload is not None
    assert upload.parts == {}
    assert await _put(session, created["uploadParts"][0]["putRequestUrl"], b"0123456789")


async def test_expired_url_is_403_request_has_expired(session: aiohttp.ClientSession) -> None:
    """Once upload_url_ttl has passed, part PUT and complete are 403 AccessDenied."""
    async with FakeHathora(upload_url_ttl=0) as fake:
        created = await _create(fake, session, 3)
        async with session.put(created["uploadParts"][0]["putRequestUrl"], data=b"abc") as response:
            assert response.status == 403
            text = await response.text()
        status, complete_text = await _complete(session, created, _complete_xml([(1, '"x"')]))
    assert _code(text) == "AccessDenied"
    assert "<Message>Request has expired</Message>" in text
    assert (status, _code(complete_text)) == (403, "AccessDenied")


async def test_tampered_signature_is_403(fake: FakeHathora, session: aiohttp.ClientSession) -> None:
    """A URL whose signature does not verify is 403 SignatureDoesNotMatch."""
    created = await _create(fake, session, 2 * CHUNK)
    first, second = (part["putRequestUrl"] for part in created["uploadParts"])
    forged = first.split("X-Amz-Signature=")[0] + "X-Amz-Signature=" + "0" * 64
    swapped = second.replace("/parts/2?", "/parts/1?")
    for url in (forged, swapped):
        async with session.put(url, data=b"x" * CHUNK) as response:
            assert response.status == 403
            assert _code(await response.text()) == "SignatureDoesNotMatch"


async def test_complete_accepts_whitespace_namespace_and_unquoted_etags(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """Complete tolerates indentation, the S3 namespace and ETags without quotes."""
    created = await _create(fake, session, CHUNK + 1)
    parts = await _upload_parts(session, created, b"y" * (CHUNK + 1))
    body = "".join(
        f"\n\t<Part>\n\t<PartNumber>{n}</PartNumber>\n\t<ETag>{etag.strip(chr(34))}</ETag></Part>"
        for n, etag in parts
    )
    xml = f'<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{body}\n</CompleteMultipartUpload>'
    status, _ = await _complete(session, created, xml)
    assert status == 200


async def test_complete_validation_errors(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """Complete rejects float part numbers, bad order, wrong ETags and unknown parts with 400."""
    created = await _create(fake, session, 2 * CHUNK + 1)
    created_parts = created["uploadParts"]
    parts = await _upload_parts(session, created, b"z" * (2 * CHUNK + 1))
    cases = [
        ("<CompleteMultipartUpload><Part>", "MalformedXML"),
        (_complete_xml([("1.0", parts[0][1]), *parts[1:]]), "MalformedXML"),
        (_complete_xml([parts[1], parts[0], parts[2]]), "InvalidPartOrder"),
        (_complete_xml([parts[0], parts[0], parts[2]]), "InvalidPartOrder"),
        (_complete_xml([parts[0], (2, '"deadbeef"'), parts[2]]), "InvalidPart"),
        (_complete_xml([parts[0], (2, ""), parts[2]]), "InvalidPart"),
        (_complete_xml([parts[0], (4, '"abc"')]), "InvalidPart"),
    ]
    for xml, code in cases:
        status, text = await _complete(session, created, xml)
        assert (status, _code(text)) == (400, code), xml
    assert len(created_parts) == 3


async def test_complete_with_missing_upload_is_invalid_part(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """Listing a part that was never uploaded is 400 InvalidPart."""
    created = await _create(fake, session, CHUNK + 1)
    first = await _put(session, created["uploadParts"][0]["putRequestUrl"], b"a" * CHUNK)
    status, text = await _complete(session, created, _complete_xml([(1, first), (2, '"abc"')]))
    assert (status, _code(text)) == (400, "InvalidPart")


async def test_complete_with_authorization_is_400(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """A complete POST carrying Authorization is refused like a part PUT."""
    created = await _create(fake, session, 1)
    parts = await _upload_parts(session, created, b"a")
    status, text = await _complete(
        session, created, _complete_xml(parts), Authorization=f"Bearer {fake.token}"
    )
    assert (status, _code(text)) == (400, "InvalidArgument")


async def test_complete_error_mode_answers_200_with_error(session: aiohttp.ClientSession) -> None:
    """With complete_error set, complete answers 200 whose body is an S3 <Error>."""
    async with FakeHathora(complete_error="InternalError") as fake:
        created = await _create(fake, session, 1)
        parts = await _upload_parts(session, created, b"a")
        status, text = await _complete(session, created, _complete_xml(parts))
        assert (status, _code(text)) == (200, "InternalError")
        assert text.lstrip().startswith("<?xml")
        with pytest.raises(KeyError):
            fake.uploaded_bytes(created["buildId"])
        fake.complete_error = None
        status, _ = await _complete(session, created, _complete_xml(parts))
        assert status == 200


async def test_part_after_complete_is_no_such_upload(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """After completion part PUTs get 404 NoSuchUpload, and a repeated complete is 200."""
    created = await _create(fake, session, 1)
    parts = await _upload_parts(session, created, b"a")
    assert (await _complete(session, created, _complete_xml(parts)))[0] == 200
    async with session.put(created["uploadParts"][0]["putRequestUrl"], data=b"a") as response:
        assert response.status == 404
        assert _code(await response.text()) == "NoSuchUpload"
    assert (await _complete(session, created, _complete_xml(parts)))[0] == 200


async def test_parts_are_stored_on_disk(fake: FakeHathora, session: aiohttp.ClientSession) -> None:
    """Each uploaded part lives in a file whose bytes are the part's bytes."""
    created = await _create(fake, session, CHUNK + 2)
    await _upload_parts(session, created, b"p" * CHUNK + b"qq")
    upload = fake.builds[created["buildId"]].upload
    assert upload is not None
    assert upload.parts[2].path.read_bytes() == b"qq"
    assert fake.requests_for("UploadPart")[-1].body_length == 2


@given(
    size=st.integers(min_value=0, max_value=10**6),
    chunk=st.integers(min_value=100, max_value=10**6),
)
def test_expected_part_sizes_tile_the_build(size: int, chunk: int) -> None:
    """Expected part sizes are maxChunkSize except the last, and sum to buildSizeInBytes."""
    count = max(1, -(-size // chunk))
    upload = UploadState("u", "b", size, chunk, count, Path())
    sizes = [upload.expected_size(number) for number in range(1, count + 1)]
    assert sum(sizes) == size
    assert all(part == chunk for part in sizes[:-1])
    assert 0 <= sizes[-1] <= chunk
