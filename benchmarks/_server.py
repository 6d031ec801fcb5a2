"""The benchmark target: an ``aiohttp.web`` server serving pre-serialized bodies on 127.0.0.1.

Run as ``python -m benchmarks._server --log-mb N``; it prints ``PORT <n>`` as soon as its socket
listens, ``READY`` once it serves (building the bodies takes a moment), and serves until stdin
closes. It runs in its own process so its CPU time never competes with the
client's event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import socket
import sys

from aiohttp import web

from ._fixtures import BUILD_ID, PART_SIZE, build_body, build_json, make_log, page_body


class _State:
    def __init__(self, log_size: int, port: int) -> None:
        self.build = build_body()
        self.page = page_body()
        self.log = make_log(log_size)
        self.port = port


def _upload_routes(state: _State) -> list[web.RouteDef]:
    """Create a build and take its parts like S3: what the upload scenarios talk to."""

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

    return [
        web.post("/builds/v3/builds", create_build),
        web.put("/s3/{build_id}/{part}", put_part),
        web.post("/s3/{build_id}/complete", complete),
    ]


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

    app = web.Application(client_max_size=PART_SIZE * 2)
    app.add_routes([
        web.get("/builds/v3/builds/{build_id}", get_build),
        web.get("/builds/v3/builds", get_builds),
        web.post("/builds/v3/builds/{build_id}/run", run_build),
        *_upload_routes(state),
    ])  # fmt: skip
    return app


async def _serve(log_size: int) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # from here on the kernel queues connections: the parent may go on
    port = sock.getsockname()[1]
    print(f"PORT {port}", flush=True)
    runner = web.AppRunner(_app(_State(log_size, port)), access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    print("READY", flush=True)
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
