"""One contender's long-lived process: ``python -m benchmarks._worker sdk|raw <server-url>``.

The parent sends one JSON request per line on stdin (``{"op": ..., "calls": ...}``) and reads one
JSON line back: the round's sample, or ``{"error": ...}``. Between requests the process idles, so
the contender that is not being measured costs the other nothing. The SDK contender keeps one
``HathoraCloudCore``, the raw contender one ``aiohttp.ClientSession``, for the whole run, like a
long-lived service; the raw process never imports the SDK.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import aiohttp

from . import _logs, _micro, _unary
from ._fixtures import ORG_ID, TOKEN

Sample = dict[str, Any]
Op = Callable[[dict[str, Any]], Awaitable[Sample]]


def warm_allocator() -> None:
    """Allocate and free a million small objects, as any long-running service already has.

    A fresh process maps new arenas for every burst of small objects (each 256 KiB of log split
    into lines is ~4,000 strings); once the allocator holds spare arenas the same loop runs ~40 %
    faster. Without this, results depend on which scenarios ran first.
    """
    junk = [str(i) * 3 for i in range(1_000_000)]
    del junk


def _ops(calls: tuple[_unary.Call, _unary.Call], logs: dict[str, _logs.Consume]) -> dict[str, Op]:
    get_build, get_builds = calls

    async def serial(args: dict[str, Any]) -> Sample:
        return await _unary.serial(get_build, args["calls"], args["warm"])

    async def concurrent(args: dict[str, Any]) -> Sample:
        return await _unary.concurrent(get_build, args["calls"], args["in_flight"], args["warm"])

    async def page(args: dict[str, Any]) -> Sample:
        return await _unary.page(get_builds, args["calls"], args["warm"])

    def log(consume: _logs.Consume) -> Op:
        async def run(args: dict[str, Any]) -> Sample:
            if args["warm"]:
                await consume()
            return await _logs.measure(consume, args["size_mib"])

        return run

    return {"serial": serial, "concurrent": concurrent, "page": page} | {
        name: log(consume) for name, consume in logs.items()
    }


async def _sdk(url: str, stack: AsyncExitStack) -> dict[str, Op]:
    from hathora_cloud import HathoraCloudCore

    core = await stack.enter_async_context(
        HathoraCloudCore(hathora_dev_token=TOKEN, org_id=ORG_ID, server_url=url)
    )
    lines, batches = _logs.sdk_consumers(core)
    ops = _ops(_unary.sdk_calls(core), {"log_lines": lines, "log_batches": batches})
    stubbed: list[_unary.Call] = []

    async def micro(args: dict[str, Any]) -> Sample:
        if not stubbed:  # made on first use: no other op needs them
            sdk_session = await stack.enter_async_context(_micro.stub_session())
            raw_session = await stack.enter_async_context(_micro.stub_session())
            stub = await stack.enter_async_context(
                HathoraCloudCore(
                    hathora_dev_token=TOKEN,
                    org_id=ORG_ID,
                    server_url=_micro.STUB_URL,
                    session=sdk_session,
                )
            )
            stubbed.append(_unary.sdk_calls(stub)[0])
            stubbed.append(_unary.raw_calls(raw_session, _micro.STUB_URL)[0])
        sdk_call, raw_call = stubbed
        return await _micro.measure(sdk_call, raw_call, args["calls"], flip=args["flip"])

    return ops | {"micro": micro}


async def _raw(url: str, stack: AsyncExitStack) -> dict[str, Op]:
    session = await stack.enter_async_context(aiohttp.ClientSession())
    split, aiohttp_lines = _logs.raw_consumers(session, url)
    return _ops(_unary.raw_calls(session, url), {"log_split": split, "log_aiohttp": aiohttp_lines})


async def _serve(kind: str, url: str) -> None:
    loop = asyncio.get_running_loop()
    async with AsyncExitStack() as stack:
        ops = await (_sdk if kind == "sdk" else _raw)(url, stack)
        print(json.dumps({"ready": kind}), flush=True)
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            request = json.loads(line)
            try:
                reply: dict[str, Any] = await ops[request["op"]](request)
            except Exception as exc:  # reported to the parent, which shows it in the table
                reply = {"error": f"{kind} {request.get('op')}: {exc!r}"[:500]}
            print(json.dumps(reply), flush=True)


def main() -> None:
    """Serve measurement requests until stdin closes."""
    kind, url = sys.argv[1:3]
    if kind not in ("sdk", "raw"):
        raise SystemExit(f"unknown contender {kind!r}")
    warm_allocator()
    asyncio.run(_serve(kind, url))


if __name__ == "__main__":
    main()
