"""Scenario 5: upload a tarball in 8 MiB parts, 4 in flight, in a fresh client process per round.

Run as ``python -m benchmarks._upload sdk|raw <server-url> <file>``; prints one JSON object: the
MiB sent, wall and CPU seconds (``process_time``: every thread of the process), the longest
event-loop stall and the growth of peak RSS (``VmHWM``, reset just before the upload starts).

The raw contender is the honest floor for this job in aiohttp: create the build, then PUT every
part as a streamed body of 1 MiB slices, each read with a plain blocking ``read()`` **on the event
loop** from a file opened once per part (explicit ``Content-Length``, as S3 requires), then
complete the upload. Reading 1 MiB from the page cache takes ~0.1 ms, less than a thread hop, so
nothing cheaper is possible; there are no retries, no progress and no checks beyond the status
and the ETag. :func:`make_file` writes the file with real content and leaves it in the page cache.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import random
import sys
import tarfile
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from ._fixtures import ORG_ID, TOKEN
from ._probe import measured, peak_rss, reset_peak_rss

SLICE = 1 << 20
CONCURRENCY = 4


def is_available() -> bool:
    """Whether the SDK's ``builds_v3_upload_build`` exists in this checkout."""
    try:
        import hathora_cloud.funcs.builds_v3_upload_build  # noqa: F401
    except ImportError:
        return False
    return True


def _tarball_head() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = b"FROM alpine\n"
        member = tarfile.TarInfo("Dockerfile")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


_TARBALL_HEAD = _tarball_head()


def make_file(path: str, size: int) -> None:
    """Write ``size`` deterministic, incompressible bytes to ``path``; keep them in the page cache.

    The data is flushed to disk (``fsync``) so no write-back runs during the measurements, then
    read once so every page is cached: the disk is never the bottleneck.
    """
    block = random.Random(5).randbytes(8 << 20)
    with open(path, "wb") as handle:
        # A real tar.gz head (the SDK checks for a root Dockerfile before sending), then
        # incompressible bytes past the end of the gzip stream, where readers stop.
        written = handle.write(_TARBALL_HEAD[:size])
        while written < size:
            written += handle.write(block[: size - written])
        handle.flush()
        os.fsync(handle.fileno())
    with open(path, "rb") as handle:
        while handle.read(8 << 20):
            pass


async def _sdk(session_url: str, path: str, size: int) -> None:
    from hathora_cloud import HathoraCloudCore
    from hathora_cloud.funcs import builds_v3_upload_build

    async with HathoraCloudCore(
        hathora_dev_token=TOKEN, org_id=ORG_ID, server_url=session_url
    ) as core:
        result = await builds_v3_upload_build(core, path, concurrency=CONCURRENCY)
        if not result.ok:
            raise RuntimeError(f"SDK upload failed: {result.error!r}")


async def _part_body(path: str, offset: int, length: int) -> AsyncIterator[bytes]:
    # One open file per part, plain blocking reads on the loop: the cheapest correct way.
    with open(path, "rb") as handle:  # noqa: ASYNC230
        handle.seek(offset)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(SLICE, remaining))
            if not chunk:
                raise RuntimeError("the file shrank during the upload")
            remaining -= len(chunk)
            yield chunk


async def _put_part(
    session: aiohttp.ClientSession, path: str, url: str, offset: int, length: int
) -> str:
    headers = {"Content-Length": str(length), "Content-Type": "application/octet-stream"}
    async with session.put(url, data=_part_body(path, offset, length), headers=headers) as reply:
        await reply.read()
        if reply.status != 200 or "ETag" not in reply.headers:
            raise RuntimeError(f"part PUT failed: {reply.status}")
        return reply.headers["ETag"]


async def _raw(url: str, path: str, size: int) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{url}/builds/v3/builds?orgId={ORG_ID}",
            json={"buildSizeInBytes": size},
            headers={"Authorization": f"Bearer {TOKEN}"},
        ) as response:
            created: dict[str, Any] = json.loads(await response.read())
        chunk = int(created["maxChunkSize"])
        limit = asyncio.Semaphore(CONCURRENCY)

        async def put(part: dict[str, Any]) -> tuple[int, str]:
            number = int(part["partNumber"])
            offset = (number - 1) * chunk
            async with limit:
                etag = await _put_part(
                    session, path, part["putRequestUrl"], offset, min(chunk, size - offset)
                )
            return number, etag

        etags = sorted(await asyncio.gather(*(put(part) for part in created["uploadParts"])))
        xml = "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>" for n, e in etags
        )
        async with session.post(
            created["completeUploadPostRequestUrl"],
            data=f"<CompleteMultipartUpload>{xml}</CompleteMultipartUpload>",
            headers={"Content-Type": "application/xml"},
        ) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"complete failed: {response.status}")


async def _measure(mode: str, url: str, path: str, size: int) -> dict[str, float]:
    upload = _sdk if mode == "sdk" else _raw
    before = reset_peak_rss()
    async with measured() as m:
        await upload(url, path, size)
    return {
        "count": size / (1 << 20),
        "wall_s": m.wall_s,
        "cpu_s": m.cpu_s,
        "stall_ms": m.stall_ms,
        "rss_growth_mib": max(0, peak_rss() - before) / (1 << 20),
    }


def main() -> None:
    """Run one upload and print its JSON measurements."""
    mode, url, path = sys.argv[1:4]
    if mode == "sdk":
        is_available()  # import the upload code now: the RSS baseline includes the code
    print(json.dumps(asyncio.run(_measure(mode, url, path, os.path.getsize(path)))))


if __name__ == "__main__":
    main()
