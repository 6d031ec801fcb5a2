"""Scenario 4: a 50 MB ``run_build`` log consumed as ``str`` lines.

Contenders: the SDK's :class:`~hathora_cloud.streams.BuildLogStream`, one line per ``await``
(row 4) and one batch per ``await`` through ``iter_line_batches()`` (row 4b); raw aiohttp's best
hand-written splitter, a loop over ``iter_any()`` that decodes each chunk incrementally and splits
on ``\\n`` (it ignores ``\\r``, so it does less than the SDK); and aiohttp's own line iterator
(``async for line in response.content``), decoding every line.
"""

from __future__ import annotations

import codecs
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import aiohttp

from ._fixtures import BUILD_ID, ORG_ID, TOKEN
from ._probe import measured

if TYPE_CHECKING:
    from hathora_cloud import HathoraCloudCore

Consume = Callable[[], Awaitable[int]]
_HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/octet-stream"}


def sdk_consumers(core: HathoraCloudCore) -> tuple[Consume, Consume]:
    """Return the SDK's per-line and per-batch readers; each returns the characters seen."""
    from hathora_cloud import Ok
    from hathora_cloud.funcs import builds_v3_run_build

    async def lines() -> int:
        result = await builds_v3_run_build(core, BUILD_ID)
        assert isinstance(result, Ok), result
        total = 0
        async with result.value as stream:
            async for line in stream:
                total += len(line) + 1
        return total

    async def batches() -> int:
        result = await builds_v3_run_build(core, BUILD_ID)
        assert isinstance(result, Ok), result
        total = 0
        async with result.value as stream:
            async for batch in stream.iter_line_batches():
                for line in batch:
                    total += len(line) + 1
        return total

    return lines, batches


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


async def measure(consume: Consume, size_mib: float) -> dict[str, float]:
    """Consume the log once: its MiB as ``count``, wall and CPU seconds, the longest loop stall."""
    async with measured() as m:
        chars = await consume()
    assert chars > 0
    return {"count": size_mib, "wall_s": m.wall_s, "cpu_s": m.cpu_s, "stall_ms": m.stall_ms}
