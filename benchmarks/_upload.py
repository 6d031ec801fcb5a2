"""Scenario 5: upload a (sparse) tarball in 8 MiB parts, 4 in flight, in a fresh client process.

Run as ``python -m benchmarks._upload sdk|raw <server-url> <file>``; prints JSON with MB/s and
the growth of peak RSS (``VmHWM``, reset just before) over the RSS when the upload started. The
raw contender creates the build, PUTs every part as a streamed body of 1 MiB slices read with
``os.pread`` in a thread (explicit ``Content-Length``, as S3 requires), and completes the
upload; no retries, no progress, no checks beyond the status and the ETag.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from hathora_cloud import HathoraCloudCore

from ._server import ORG_ID, TOKEN

_SLICE = 1 << 20
_CONCURRENCY = 4


def is_available() -> bool:
    """Whether the SDK's ``builds_v3_upload_build`` exists in this checkout."""
    try:
        import hathora_cloud.funcs.builds_v3_upload_build  # noqa: F401
    except ImportError:
        return False
    return True


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def _start_peak() -> int:
    """Reset the peak-RSS mark to the current RSS (where Linux allows it); return RSS in bytes.

    ``getrusage``'s ``ru_maxrss`` cannot serve alone: Linux carries the parent's peak across
    fork and exec, so a child of a large parent reports the parent's size.
    """
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass
    return _status_kib("VmRSS") * 1024


def _peak_rss() -> int:
    """Return the peak RSS of this process image (``VmHWM``) in bytes."""
    own = _status_kib("VmHWM") * 1024
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return min(own, usage)


async def _sdk(url: str, path: str, size: int) -> None:
    from hathora_cloud.funcs.builds_v3_upload_build import builds_v3_upload_build

    async with HathoraCloudCore(hathora_dev_token=TOKEN, org_id=ORG_ID, server_url=url) as core:
        result = await builds_v3_upload_build(core, path, concurrency=_CONCURRENCY)
        if not result.ok:
            raise RuntimeError(f"SDK upload failed: {result.error!r}")


async def _slices(fd: int, offset: int, length: int) -> AsyncIterator[bytes]:
    end = offset + length
    while offset < end:
        chunk = await asyncio.to_thread(os.pread, fd, min(_SLICE, end - offset), offset)
        offset += len(chunk)
        yield chunk


async def _raw(url: str, path: str, size: int) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{url}/builds/v3/builds?orgId={ORG_ID}", json={"buildSizeInBytes": size}, headers=auth
        ) as response:
            created: dict[str, Any] = json.loads(await response.read())
        chunk = int(created["maxChunkSize"])
        etags: dict[int, str] = {}
        limit = asyncio.Semaphore(_CONCURRENCY)
        fd = os.open(path, os.O_RDONLY)

        async def put(part: dict[str, Any]) -> None:
            number = int(part["partNumber"])
            offset = (number - 1) * chunk
            length = min(chunk, size - offset)
            async with (
                limit,
                session.put(
                    part["putRequestUrl"],
                    data=_slices(fd, offset, length),
                    headers={
                        "Content-Length": str(length),
                        "Content-Type": "application/octet-stream",
                    },
                ) as response,
            ):
                await response.read()
                if response.status != 200 or "ETag" not in response.headers:
                    raise RuntimeError(f"part {number} failed: {response.status}")
                etags[number] = response.headers["ETag"]

        try:
            await asyncio.gather(*(put(part) for part in created["uploadParts"]))
        finally:
            os.close(fd)
        xml = "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{etags[n]}</ETag></Part>"
            for n in sorted(etags)
        )
        async with session.post(
            created["completeUploadPostRequestUrl"],
            data=f"<CompleteMultipartUpload>{xml}</CompleteMultipartUpload>",
            headers={"Content-Type": "application/xml"},
        ) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"complete failed: {response.status}")


def main() -> None:
    """Run one upload and print its JSON measurements."""
    mode, url, path = sys.argv[1:4]
    upload = _sdk if mode == "sdk" else _raw
    if mode == "sdk":
        is_available()  # import the upload code now: the baseline RSS includes the code
    size = os.path.getsize(path)
    before = _start_peak()
    start = time.perf_counter()
    asyncio.run(upload(url, path, size))
    elapsed = time.perf_counter() - start
    growth = max(0, _peak_rss() - before)
    print(
        json.dumps({"mb_per_s": size / (1 << 20) / elapsed, "rss_growth_mib": growth / (1 << 20)})
    )


if __name__ == "__main__":
    main()
