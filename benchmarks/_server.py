"""The benchmark target: an ``aiohttp.web`` server serving pre-serialized bodies on 127.0.0.1.

Run as ``python -m benchmarks._server --log-mb N``; it prints ``PORT <n>`` once listening and
serves until stdin closes. It runs in its own process so its CPU time never competes with the
client's event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import socket
import sys
from typing import Any

from aiohttp import web

BUILD_ID = "bld-6d4c6a71-2d75-4b42-94e1-f312f57f33c5"
ORG_ID = "org-6f706e83-0ec1-437a-9a46-7d4281eb2f39"
TOKEN = "bench-token"
PART_SIZE = 8 << 20


def build_json(index: int, status: str = "succeeded") -> dict[str, Any]:
    """Return one realistic BuildV3 as it appears on the wire."""
    return {
        "buildId": f"bld-{index:08d}-2d75-4b42-94e1-f312f57f33c5",
        "orgId": ORG_ID,
        "createdBy": "noreply@hathora.dev",
        "createdAt": f"2026-11-{1 + index % 28:02d}T03:55:54.{index % 1000:03d}Z",
        "startedAt": f"2026-11-{1 + index % 28:02d}T03:56:01.{index % 997:03d}Z",
        "finishedAt": f"2026-11-{1 + index % 28:02d}T04:01:12.{index % 991:03d}Z",
        "deletedAt": None,
        "status": status,
        "imageSize": 184_549_376 + index,
        "buildTag": f"0.1.{index % 50}-14c793",
        "contentHash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "shareUrl": f"https://console.hathora.dev/builds/{index}",
        "appId": "app-af469a92-5b45-4565-b3c4-b79878de67d2",
    }


_LOG_LINES = (
    "#{n} [internal] load build definition from Dockerfile",
    "#{n} transferring dockerfile: 1.04kB done",
    "#{n} [builder 3/7] RUN npm ci --omit=dev --no-audit --no-fund",
    "#{n} 4.183 added 212 packages in 3s ✓",
    "#{n} [stage-1 5/7] COPY --from=builder /app/dist /srv/app/dist",
    "#{n} exporting layers sha256:7a2b1c3d4e5f60718293a4b5c6d7e8f9 12.3s done",
    "#{n} writing image sha256:0e1f2a3b4c5d6e7f8091a2b3c4d5e6f7081920a1b2c3d4e5f6 done",
    "#{n} naming to registry.hathora.dev/app-af469a92/bld-6d4c6a71:latest",
    "#{n} DONE 0.{n}s",
)


def make_log(size: int) -> bytes:
    """Return about ``size`` bytes of build-log-like text (mostly ASCII, some UTF-8, ``\\n``)."""
    block = "".join(line.format(n=i) + "\n" for i in range(500) for line in _LOG_LINES).encode()
    return (block * (size // len(block) + 1))[:size]


class _State:
    def __init__(self, log_size: int, port: int) -> None:
        self.build = json.dumps(build_json(0), separators=(",", ":")).encode()
        page = {"builds": [build_json(i) for i in range(10_000)]}
        self.page = json.dumps(page, separators=(",", ":")).encode()
        self.log = make_log(log_size)
        self.port = port


def _app(state: _State) -> web.Application:
    async def get_build(_: web.Request) -> web.Response:
        return web.Response(body=state.build, content_type="application/json")

    async def get_builds(_: web.Request) -> web.Response:
        return web.Response(body=state.page, content_type="application/json")

    async def run_build(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        view = memoryview(state.log)
        for start in range(0, len(view), 256 << 10):
            await response.write(view[start : start + (256 << 10)])
        await response.write_eof()
        return response

    async def create_build(request: web.Request) -> web.Response:
        size = int((await request.json())["buildSizeInBytes"])
        base = f"http://127.0.0.1:{state.port}/s3/{BUILD_ID}"
        body = build_json(0, status="created") | {
            "completeUploadPostRequestUrl": f"{base}/complete?X-Amz-Signature=c",
            "maxChunkSize": PART_SIZE,
            "uploadParts": [
                {"partNumber": n, "putRequestUrl": f"{base}/{n}?X-Amz-Signature=p"}
                for n in range(1, max(1, math.ceil(size / PART_SIZE)) + 1)
            ],
        }
        return web.json_response(body, status=201)

    async def put_part(request: web.Request) -> web.Response:
        if "Authorization" in request.headers:
            return web.Response(status=400, text="Only one auth mechanism allowed")
        async for _ in request.content.iter_any():
            pass
        return web.Response(headers={"ETag": f'"etag-{request.match_info["part"]}"'})

    async def complete(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(
            text='<CompleteMultipartUploadResult><ETag>"x-1"</ETag></CompleteMultipartUploadResult>',
            content_type="application/xml",
        )

    app = web.Application(client_max_size=PART_SIZE * 2)
    app.router.add_get("/builds/v3/builds/{build_id}", get_build)
    app.router.add_get("/builds/v3/builds", get_builds)
    app.router.add_post("/builds/v3/builds/{build_id}/run", run_build)
    app.router.add_post("/builds/v3/builds", create_build)
    app.router.add_put("/s3/{build_id}/{part}", put_part)
    app.router.add_post("/s3/{build_id}/complete", complete)
    return app


async def _serve(log_size: int) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    runner = web.AppRunner(_app(_State(log_size, port)), access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    print(f"PORT {port}", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # serve until the parent closes our stdin
    await runner.cleanup()


def main() -> None:
    """Parse arguments and serve until stdin closes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--log-mb", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(_serve(args.log_mb << 20))


if __name__ == "__main__":
    main()
