"""Upload reads: slice buffers reused only when no view is alive, page-aligned, one descriptor."""

from __future__ import annotations

import asyncio
import ctypes
import hashlib
import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from aiohttp import web

from hathora_cloud import Err, HathoraCloudCore, Ok
from hathora_cloud import _converter as converter
from hathora_cloud._upload import presigned
from hathora_cloud._upload.plan import PartSpec
from hathora_cloud._upload.reader import Source
from hathora_cloud.funcs import builds_v3_upload_build
from hathora_cloud.models import CreatedBuildV3WithMultipartUrls
from hathora_cloud.retries import RequestOptions, RetryConfig
from hathora_cloud.testing import FakeHathora, FaultRule
from hathora_cloud.uploads import UploadProgress

from ._server import created_json, tarball_of

pytestmark = pytest.mark.anyio

MIB = 1 << 20
FAST = RequestOptions(retries=RetryConfig(strategy="none"))


@pytest.fixture
async def fake() -> AsyncIterator[FakeHathora]:
    """A running emulator with 1 MiB parts."""
    async with FakeHathora(max_chunk_size=MIB) as emulator:
        yield emulator


async def _source(tmp_path: Path, size: int) -> Source:
    path = tmp_path / "build.tgz"
    path.write_bytes(tarball_of(size))
    source = Source(path=path)
    await source.snapshot()
    return source


async def test_a_buffer_with_a_live_view_is_never_handed_out_again(tmp_path: Path) -> None:
    """While any slice of a view is alive its buffer stays busy; once all are gone it is reused."""
    source = await _source(tmp_path, 3 * MIB)
    first = source.view(MIB)
    kept = first[100:200]  # what a transport keeps of a slice it could not send at once
    first_buffer = first.obj
    del first
    second = source.view(MIB)
    assert second.obj is not first_buffer
    second[100:200] = b"\xff" * 100
    assert bytes(kept) == bytes(100)  # the kept bytes were not overwritten
    del second, kept
    assert source.view(MIB).obj is first_buffer


async def test_no_more_than_sixteen_buffers_are_kept(tmp_path: Path) -> None:
    """With every buffer busy, new slices get fresh unpooled buffers: the pool stays at 16."""
    source = await _source(tmp_path, 3 * MIB)
    busy = [source.view(MIB) for _ in range(20)]
    assert len({id(view.obj) for view in busy}) == 20
    del busy
    reused = [source.view(MIB) for _ in range(20)]
    assert len({id(view.obj) for view in reused} & {id(b) for b in source._buffers}) == 16


async def test_slices_start_on_a_page_boundary(tmp_path: Path) -> None:
    """Every slice buffer starts at a 4 KiB boundary (copies to a few bytes past one run slowly)."""
    source = await _source(tmp_path, 3 * MIB)
    views = [source.view(size) for size in (MIB, MIB, 12345, MIB)]
    for view in views:
        address = ctypes.addressof(ctypes.c_char.from_buffer(view))
        assert address % 4096 == 0


async def test_reads_return_the_file_bytes_in_a_pooled_buffer(tmp_path: Path) -> None:
    """A part reader fills a pooled view with exactly the file's bytes at the offset asked."""
    source = await _source(tmp_path, 3 * MIB + 5)
    data = (tmp_path / "build.tgz").read_bytes()
    async with source.part() as reader:
        assert not isinstance(reader, str)
        for offset, length in [(0, MIB), (MIB, MIB), (3 * MIB, 5), (5, 17)]:
            view = await reader.read(offset, length)
            assert bytes(view) == data[offset : offset + length]
            del view


@pytest.fixture
async def slow_storage() -> AsyncIterator[tuple[str, dict[int, str]]]:
    """A storage server with a tiny receive window that reads slowly: the client's transport must
    keep slices it could not send. Yields its URL and the SHA-256 of each part received."""
    digests: dict[int, str] = {}

    async def put(request: web.Request) -> web.Response:
        digest = hashlib.sha256()
        while chunk := await request.content.read(16 * 1024):
            digest.update(chunk)
            await asyncio.sleep(0.0005)
        digests[int(request.match_info["number"])] = digest.hexdigest()
        return web.Response(headers={"ETag": f'"{request.match_info["number"]}"'})

    async def complete(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="<CompleteMultipartUploadResult/>", content_type="application/xml")

    app = web.Application()
    app.router.add_put("/part/{number}", put)
    app.router.add_post("/complete", complete)
    runner = web.AppRunner(app)
    await runner.setup()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # accepted sockets inherit it
    listener.bind(("127.0.0.1", 0))
    site = web.SockSite(runner, listener)
    await site.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", digests
    finally:
        await runner.cleanup()


async def test_parts_arrive_intact_when_the_transport_keeps_slices(
    slow_storage: tuple[str, dict[int, str]], tmp_path: Path
) -> None:
    """With the socket full and slices queued in the transport, every part arrives byte-exact."""
    url, digests = slow_storage
    part_size = 3 * MIB + 12345
    data = tarball_of(4 * part_size - 999)
    path = tmp_path / "build.tgz"
    path.write_bytes(data)
    document = created_json(
        buildSizeInBytes=len(data),
        maxChunkSize=part_size,
        completeUploadPostRequestUrl=f"{url}/complete",
        uploadParts=[{"partNumber": n, "putRequestUrl": f"{url}/part/{n}"} for n in range(1, 5)],
    )
    created = converter.structure(document, CreatedBuildV3WithMultipartUrls)
    async with HathoraCloudCore(hathora_dev_token="t", server_url=url) as core:
        result = await builds_v3_upload_build(core, path, concurrency=4, created=created)
    assert isinstance(result, Ok), result
    expected = {
        n: hashlib.sha256(data[(n - 1) * part_size : n * part_size]).hexdigest()
        for n in range(1, 5)
    }
    assert digests == expected


def _open_descriptors() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="lists descriptors in /proc")
@pytest.mark.parametrize("outcome", ["ok", "failed"])
async def test_the_tarball_descriptor_is_closed_after_the_upload(
    fake: FakeHathora, core: HathoraCloudCore, tmp_path: Path, outcome: str
) -> None:
    """The one descriptor opened for the upload is closed whether the upload succeeds or fails."""
    path = tmp_path / "build.tgz"
    path.write_bytes(tarball_of(3 * MIB))
    if outcome == "failed":
        fake.inject(FaultRule.status_code(403, operation="UploadPart", body="xml"))
    await builds_v3_upload_build(core, path)  # warm: the session's sockets, the thread pool
    before = _open_descriptors()
    result = await builds_v3_upload_build(core, path, options=FAST)
    assert isinstance(result, Ok) == (outcome == "ok"), result
    assert _open_descriptors() <= before


async def test_a_tarball_replaced_during_the_upload_is_refused(
    fake: FakeHathora, core: HathoraCloudCore, tmp_path: Path
) -> None:
    """A file renamed over the tarball mid-upload: every part carries the original bytes, and
    the upload is refused before completion."""
    path = tmp_path / "build.tgz"
    original = tarball_of(3 * MIB)
    path.write_bytes(original)
    other = tmp_path / "other.tgz"
    other.write_bytes(tarball_of(3 * MIB))

    def replace(progress: UploadProgress) -> None:
        if progress.phase == "uploading" and other.exists():
            other.replace(path)

    result = await builds_v3_upload_build(
        core, path, concurrency=1, on_progress=replace, delete_on_failure=False, options=FAST
    )
    assert isinstance(result, Err)
    assert "changed" in str(result.error)
    assert not other.exists()
    assert result.error.build_id is not None
    upload = fake.builds[result.error.build_id].upload
    assert upload is not None
    assert not upload.completed
    assert sorted(upload.parts) == [1, 2, 3]
    for number, part in upload.parts.items():
        start = (number - 1) * MIB
        assert part.path.read_bytes() == original[start : start + MIB]


@pytest.mark.parametrize(("turn", "expect_turns"), [(0.0, True), (3600.0, False)])
async def test_a_part_gives_the_loop_a_turn_once_its_sending_budget_is_spent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, turn: float, expect_turns: bool
) -> None:
    """Streaming a part's slices yields to the loop whenever ``_TURN`` seconds have passed since
    the last turn (aiohttp alone would write a whole part in one loop pass)."""
    monkeypatch.setattr(presigned, "_TURN", turn)
    source = await _source(tmp_path, 8 * MIB)
    part = PartSpec(number=1, url="http://127.0.0.1:9/part", start=0, length=8 * MIB)
    turns = 0

    def count() -> None:
        nonlocal turns
        turns += 1
        handle[0] = asyncio.get_running_loop().call_soon(count)

    handle = [asyncio.get_running_loop().call_soon(count)]
    with anyio.CancelScope() as scope:
        watch = presigned._IdleWatch(scope, 60.0)
        async with source.part() as reader:
            assert not isinstance(reader, str)
            turns = 0
            async for data in presigned._slices(reader, part, watch, lambda sent: None):
                del data
            seen = turns
        watch.stop()
    handle[0].cancel()
    assert (seen >= 7) is expect_turns
