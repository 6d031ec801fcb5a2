"""The run endpoints: start a build in the background and stream its log as it is produced."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import attrs
from aiohttp import web

from ._api import build_not_found
from ._context import CURRENT_REQUEST, EMULATOR_KEY, Emulator
from ._logs import BuildPlan, docker_build_plan, failed_plan, registry_plan
from ._state import BuildState, FaultKind, utc_now
from ._tarball import inspect_tarball
from ._wire import json_error, read_json_object

PlanFactory = Callable[[], Awaitable[BuildPlan]]


class UntypedStreamResponse(web.StreamResponse):
    """A streamed response sent without any ``Content-Type`` header, as the real run endpoints do.

    aiohttp adds ``application/octet-stream`` by default; the application's
    ``on_response_prepare`` hook removes it for this class.
    """


@attrs.define
class _Run:
    """The channel between a build's background task and the request streaming its log."""

    queue: asyncio.Queue[str | None] = attrs.Factory(asyncio.Queue)
    line_count: asyncio.Future[int] = attrs.Factory(
        lambda: asyncio.get_running_loop().create_future()
    )


def _check_runnable(build: BuildState, kind: str) -> str | None:
    """Return the 400 message if ``build`` cannot be run by a ``kind`` run endpoint."""
    if build.kind != kind:
        other = "runRegistry" if build.kind == "registry" else "run"
        return f"Build {build.build_id} was created for {build.kind} builds; use {other} instead"
    if build.status != "created":
        return f"Build {build.build_id} has already been run (status: {build.status})"
    if build.upload is not None and not build.upload.completed:
        return f"Build {build.build_id} cannot run: its multipart upload was not completed"
    return None


async def handle_run_build(request: web.Request) -> web.StreamResponse:
    """``POST /builds/v3/builds/{buildId}/run``: 200 and the build log, no Content-Type."""
    emulator = request.app[EMULATOR_KEY]
    build_id = request.match_info["build_id"]
    build = emulator.live_build(build_id)
    if build is None:
        return build_not_found(build_id)
    problem = _check_runnable(build, "multipart")
    if problem is not None:
        return json_error(400, problem)
    upload = build.upload
    assert upload is not None

    async def plan() -> BuildPlan:
        if upload.assembled_size != upload.size:
            # The emulator's own check (S3 knows nothing of buildSizeInBytes): a client that
            # completed with missing or resized parts hears about it here, in the log.
            return failed_plan(
                f"Error: the uploaded archive is {upload.assembled_size} bytes, but the build"
                f" declared buildSizeInBytes={upload.size}"
            )
        verdict = await asyncio.to_thread(inspect_tarball, upload.tarball_path)
        if verdict.dockerfile is None:
            return failed_plan(verdict.error or "Error: unusable build archive")
        target = _image_name(emulator, build)
        return docker_build_plan(
            verdict.dockerfile,
            verdict.size,
            build.rng(),
            target,
            detailed=emulator.config.realistic,
        )

    return await _start_and_stream(request, emulator, build, plan)


async def handle_run_registry(request: web.Request) -> web.StreamResponse:
    """``POST /builds/v3/builds/{buildId}/runRegistry``: pull ``image``, stream the log."""
    emulator = request.app[EMULATOR_KEY]
    build_id = request.match_info["build_id"]
    build = emulator.live_build(build_id)
    if build is None:
        return build_not_found(build_id)
    body = await read_json_object(request)
    if isinstance(body, web.Response):
        return body
    image, registry_url = body.get("image"), body.get("registryUrl")
    if not isinstance(image, str) or not image:
        return json_error(422, "image is required and must be a non-empty string")
    for key in ("registryUrl", "auth"):
        if body.get(key) is not None and not isinstance(body[key], str):
            return json_error(422, f"{key} must be a string")
    problem = _check_runnable(build, "registry")
    if problem is not None:
        return json_error(400, problem)
    build.registry_image = image

    async def plan() -> BuildPlan:
        target = _image_name(emulator, build)
        detailed = emulator.config.realistic
        return registry_plan(image, registry_url, build.rng(), target, detailed=detailed)

    return await _start_and_stream(request, emulator, build, plan)


def _image_name(emulator: Emulator, build: BuildState) -> str:
    return f"registry.hathora.dev/{emulator.config.org_id}/{build.build_id}:latest"


async def _start_and_stream(
    request: web.Request, emulator: Emulator, build: BuildState, plan: PlanFactory
) -> web.StreamResponse:
    build.status = "running"
    build.started_at = utc_now()
    run = _Run()
    emulator.spawn(_execute(emulator, build, run, plan))
    return await _stream(request, run)


async def _execute(emulator: Emulator, build: BuildState, run: _Run, plan: PlanFactory) -> None:
    """Produce the build's log and final status; runs even if nobody reads the stream."""
    try:
        try:
            result = await plan()
        except Exception as exc:  # an emulator bug must still end the build
            result = failed_plan(f"Internal error: {exc!r}")
        run.line_count.set_result(len(result.lines))
        delays = result.delays(emulator.config.build_duration)
        for index, (line, delay) in enumerate(zip(result.lines, delays, strict=True)):
            pause = delay + (emulator.config.log_line_delay if index else 0.0)
            if pause > 0:
                await asyncio.sleep(pause)
            build.log_lines.append(line)
            run.queue.put_nowait(line)
        build.status = "succeeded" if result.succeeded else "failed"
        build.image_size = result.image_size if result.succeeded else 0
        build.finished_at = utc_now()
    finally:
        if not run.line_count.done():
            run.line_count.set_result(0)
        run.queue.put_nowait(None)


async def _stream(request: web.Request, run: _Run) -> web.StreamResponse:
    """Write log lines as they come; a vanished client just stops the writing."""
    response = UntypedStreamResponse(status=200)
    await response.prepare(request)
    fault = CURRENT_REQUEST.get().fault
    cut_after: int | None = None
    if fault is not None and fault.kind is FaultKind.CUT_STREAM:
        total = await run.line_count
        cut_after = fault.after_lines if fault.after_lines is not None else total // 2
    sent = 0
    while (line := await run.queue.get()) is not None:
        if cut_after is not None and sent >= cut_after:
            break
        try:
            await response.write(line.encode())
        except ConnectionResetError:
            return response
        sent += 1
    if cut_after is not None:
        abort_connection(request)
        return response
    # The client may leave right after the last line; the build itself has finished.
    with contextlib.suppress(ConnectionResetError):
        await response.write_eof()
    return response


def abort_connection(request: web.Request) -> None:
    """Abort the TCP connection under ``request`` without any further bytes."""
    transport = request.transport
    if transport is not None:
        transport.abort()
