"""Scenario 4: a 50 MB ``run_build`` log consumed as ``str`` lines.

Contenders: the SDK's :class:`BuildLogStream`; a raw loop over ``iter_any()`` that decodes each
chunk incrementally and splits on ``\\n`` (it ignores ``\\r``, so it does less than the SDK); and
aiohttp's own line iterator (``async for line in response.content``), decoding every line.
"""

from __future__ import annotations

import codecs
import time
from collections.abc import Awaitable, Callable

import aiohttp

from hathora_cloud import HathoraCloudCore, Ok
from hathora_cloud.funcs.builds_v3_run_build import builds_v3_run_build

from ._server import BUILD_ID, ORG_ID, TOKEN

Consume = Callable[[], Awaitable[int]]
_HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/octet-stream"}


def sdk_consumer(core: HathoraCloudCore) -> Consume:
    """Read the log as lines through the SDK; return the number of characters seen."""

    async def consume() -> int:
        result = await builds_v3_run_build(core, BUILD_ID)
        assert isinstance(result, Ok), result
        total = 0
        async with result.value as stream:
            async for line in stream:
                total += len(line) + 1
        return total

    return consume


def sdk_batch_consumer(core: HathoraCloudCore) -> Consume:
    """Read the log through the SDK's ``iter_line_batches()``: one ``await`` per chunk."""

    async def consume() -> int:
        result = await builds_v3_run_build(core, BUILD_ID)
        assert isinstance(result, Ok), result
        total = 0
        async with result.value as stream:
            async for batch in stream.iter_line_batches():
                for line in batch:
                    total += len(line) + 1
        return total

    return consume


def raw_consumers(session: aiohttp.ClientSession, url: str) -> tuple[Consume, Consume]:
    """Return the chunk-splitting loop and aiohttp's line iterator, both yielding ``str``."""
    run_url = f"{url}/builds/v3/builds/{BUILD_ID}/run?orgId={ORG_ID}"

    async def chunks() -> int:
        total = 0
        decode = codecs.getincrementaldecoder("utf-8")("replace").decode
        pending = ""
        async with session.post(run_url, headers=_HEADERS) as response:
            async for chunk in response.content.iter_any():
                lines = (pending + decode(chunk)).split("\n")
                pending = lines.pop()
                for line in lines:
                    total += len(line) + 1
        return total + len(pending)

    async def line_iterator() -> int:
        total = 0
        async with session.post(run_url, headers=_HEADERS) as response:
            async for raw in response.content:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                total += len(line) + 1
        return total

    return chunks, line_iterator


async def measure(consume: Consume, size_mb: float) -> dict[str, float]:
    """Consume the log once; return MB/s (MiB of wire bytes per second)."""
    start = time.perf_counter()
    chars = await consume()
    elapsed = time.perf_counter() - start
    assert chars > 0
    return {"mb_per_s": size_mb / elapsed}
