"""Bounded memory against any server: huge bodies and compression bombs on every kind of read.

| attack (one child process, peak RSS from /proc) | outcome |
| --- | --- |
| 256 MiB JSON success body, chunked | `Err(ResponseValidationError)` past `max_response_bytes` |
| 256 MiB JSON success body with Content-Length | the same, without reading the body |
| gzip bomb (256 MiB of zeros) as a JSON success | the same, inflated only up to the limit |
| 256 MiB error body; gzip bomb as an error body | `Err(SDKError)`, `body` = the first 64 KiB |
| 256 MiB log line without a terminator | lines of 1 Mi characters, as they arrive |
| gzip bomb (64 MiB of zeros) as a log stream | the same, inflated in 256 KiB steps |

All of it together grows the client's peak RSS by less than 64 MiB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, zlib
    from aiohttp import web
    from hathora_cloud import Err, HathoraCloudCore, Ok, RetryConfig
    from hathora_cloud.errors import ResponseValidationError, SDKError
    from hathora_cloud.funcs import builds_v3_get_builds, builds_v3_run_build

    MIB = 1 << 20
    BLOCK = b"a" * MIB

    def status_kib(field):
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise LookupError(field)

    def bomb(total):
        # gzip of `total` zero bytes, built block by block (about 230:1).
        deflate = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        zeros = bytes(MIB)
        parts = [deflate.compress(zeros) for _ in range(total // MIB)]
        return b"".join(parts) + deflate.flush()

    BOMB = bomb(256 * MIB)
    LOG_BOMB = bomb(64 * MIB)

    async def stream(request, status, content_type, body_blocks, encoding=None, length=None):
        response = web.StreamResponse(status=status)
        response.headers["Content-Type"] = content_type
        if encoding:
            response.headers["Content-Encoding"] = encoding
        if length is not None:
            response.content_length = length
        await response.prepare(request)
        try:
            for block in body_blocks:
                await response.write(block)
        except (ConnectionResetError, ConnectionError):
            pass
        return response

    async def handler(request):
        attack = request.query["orgId"]
        json_type = "application/json"
        if attack == "big-json":
            return await stream(request, 200, json_type, [BLOCK] * 256)
        if attack == "big-json-length":
            return await stream(request, 200, json_type, [BLOCK] * 256, length=256 * MIB)
        if attack == "bomb-json":
            return await stream(request, 200, json_type, [BOMB], encoding="gzip")
        if attack == "big-error":
            return await stream(request, 500, "text/plain", [BLOCK] * 256)
        if attack == "bomb-error":
            return await stream(request, 503, json_type, [BOMB], encoding="gzip")
        if attack == "long-line":
            return await stream(request, 200, "application/octet-stream", [BLOCK] * 256)
        if attack == "bomb-log":
            return await stream(
                request, 200, "application/octet-stream", [LOG_BOMB], encoding="gzip"
            )
        raise web.HTTPNotFound()

    async def main():
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        outcomes = {}
        no_retry = RetryConfig(strategy="none")
        async with HathoraCloudCore(
            hathora_dev_token="t", server_url=url, retry_config=no_retry
        ) as core:
            assert isinstance(await builds_v3_get_builds(core, org_id="warm"), Err)  # warm up
            with open("/proc/self/clear_refs", "w") as clear:
                clear.write("5")
            before = status_kib("VmRSS")
            for attack in ("big-json", "big-json-length", "bomb-json", "big-error", "bomb-error"):
                result = await builds_v3_get_builds(core, org_id=attack)
                error = result.error if isinstance(result, Err) else None
                outcomes[attack] = [type(error).__name__, len(getattr(error, "body", ""))]
            for attack in ("long-line", "bomb-log"):
                run = await builds_v3_run_build(core, "b", org_id=attack)
                lines = longest = total = 0
                async with run.unwrap() as log:
                    async for line in log:
                        lines += 1
                        longest = max(longest, len(line))
                        total += len(line)
                outcomes[attack] = [lines, longest, total]
            peak = status_kib("VmHWM")
        await runner.cleanup()
        print(json.dumps({"growth": (peak - before) * 1024, "outcomes": outcomes}))

    asyncio.run(main())
    """
)


@pytest.mark.skipif(sys.platform != "linux", reason="reads the peak RSS from /proc")
def test_huge_bodies_and_bombs_stay_bounded() -> None:
    """Every oversized or bomb body is refused or cut, and peak RSS grows by under 64 MiB."""
    completed = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    outcomes = report["outcomes"]
    print(report)
    for attack in ("big-json", "big-json-length", "bomb-json"):
        assert outcomes[attack][0] == "ResponseValidationError"
    assert outcomes["big-error"] == ["SDKError", 64 * 1024]
    assert outcomes["bomb-error"][0] == "SDKError"
    assert outcomes["bomb-error"][1] <= 64 * 1024
    mib = 1 << 20
    assert outcomes["long-line"] == [256, mib, 256 * mib]
    assert outcomes["bomb-log"][1] == mib
    assert outcomes["bomb-log"][2] == 64 * mib
    assert report["growth"] < 64 * mib
