"""The JSON endpoints of BuildsV3: list, create, get, delete, and create-for-registry."""

from __future__ import annotations

import asyncio
import math
import secrets
from typing import Any
from urllib.parse import quote

from aiohttp import web

from ._context import EMULATOR_KEY, Emulator
from ._state import BuildState, UploadState, new_build_id, utc_now
from ._wire import json_error, json_response, read_json_object

_MAX_PARTS = 10_000
_MAX_BUILD_ID = 512


def build_not_found(build_id: str) -> web.Response:
    """Return the 404 for an unknown (or deleted) build."""
    return json_error(404, f"Build not found: {build_id[:_MAX_BUILD_ID]}")


def _parse_size(value: object) -> int | str:
    """Return ``buildSizeInBytes`` as an int, or a 422 message."""
    if value is None:
        return "buildSizeInBytes is required"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "buildSizeInBytes must be a number"
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return f"buildSizeInBytes must be a non-negative integer, got {value!r}"
    if value < 0:
        return f"buildSizeInBytes must be a non-negative integer, got {value!r}"
    return int(value)


def _parse_identity(emulator: Emulator, body: dict[str, Any]) -> tuple[str, str | None] | str:
    """Return the ``(buildId, buildTag)`` to create, or a 422 message."""
    build_id = body.get("buildId")
    tag = body.get("buildTag")
    if build_id is not None and (not isinstance(build_id, str) or not build_id):
        return "buildId must be a non-empty string"
    if build_id is not None and len(build_id) > _MAX_BUILD_ID:
        return f"buildId must be at most {_MAX_BUILD_ID} characters"
    if tag is not None and not isinstance(tag, str):
        return "buildTag must be a string"
    if build_id is not None and build_id in emulator.builds:
        return f"Build already exists: {build_id}"
    return (build_id or new_build_id(), tag)


def new_build(emulator: Emulator, build_id: str, tag: str | None, kind: str) -> BuildState:
    """Create and store a build in status ``created``; ``kind`` is multipart or registry."""
    build = BuildState(
        build_id=build_id,
        org_id=emulator.config.org_id,
        created_by=emulator.config.created_by,
        created_at=utc_now(),
        share_url=f"{emulator.base_url}/_share/builds/{quote(build_id, safe='')}",
        kind=kind,
        build_tag=tag,
    )
    emulator.builds[build_id] = build
    return build


async def handle_list_builds(request: web.Request) -> web.StreamResponse:
    """``GET /builds/v3/builds``: 200 ``{"builds": [...]}``, newest first, deleted ones hidden."""
    emulator = request.app[EMULATOR_KEY]
    live = [build for build in emulator.builds.values() if not build.is_deleted]
    ordered = sorted(enumerate(live), key=lambda item: (item[1].created_at, item[0]), reverse=True)
    return json_response(200, {"builds": [build.to_json() for _, build in ordered]})


async def handle_create_build(request: web.Request) -> web.StreamResponse:
    """``POST /builds/v3/builds``: 201 ``CreatedBuildV3WithMultipartUrls``."""
    emulator = request.app[EMULATOR_KEY]
    body = await read_json_object(request)
    if isinstance(body, web.Response):
        return body
    size = _parse_size(body.get("buildSizeInBytes"))
    if isinstance(size, str):
        return json_error(422, size)
    identity = _parse_identity(emulator, body)
    if isinstance(identity, str):
        return json_error(422, identity)
    chunk = emulator.config.max_chunk_size
    part_count = max(1, -(-size // chunk))  # integer ceiling: sizes may exceed a float's range
    if part_count > _MAX_PARTS:
        return json_error(422, f"buildSizeInBytes needs more than {_MAX_PARTS} parts")
    build = new_build(emulator, identity[0], identity[1], kind="multipart")
    upload = UploadState(
        upload_id=secrets.token_hex(16),
        build_id=build.build_id,
        size=size,
        chunk_size=chunk,
        part_count=part_count,
        directory=emulator.storage / secrets.token_hex(8),
    )
    await asyncio.to_thread(upload.directory.mkdir, parents=True)
    emulator.uploads[upload.upload_id] = upload
    build.upload = upload
    return json_response(201, _created_payload(emulator, build, upload))


def _created_payload(emulator: Emulator, build: BuildState, upload: UploadState) -> dict[str, Any]:
    base = f"/_s3/uploads/{upload.upload_id}"
    parts = [
        {"partNumber": number, "putRequestUrl": emulator.presign("PUT", f"{base}/parts/{number}")}
        for number in range(1, upload.part_count + 1)
    ]
    return {
        **build.to_json(),
        "uploadParts": parts,
        "maxChunkSize": upload.chunk_size,
        "completeUploadPostRequestUrl": emulator.presign("POST", f"{base}/complete"),
    }


async def handle_get_build(request: web.Request) -> web.StreamResponse:
    """``GET /builds/v3/builds/{buildId}``: 200 ``BuildV3``."""
    build_id = request.match_info["build_id"]
    build = request.app[EMULATOR_KEY].live_build(build_id)
    if build is None:
        return build_not_found(build_id)
    return json_response(200, build.to_json())


async def handle_delete_build(request: web.Request) -> web.StreamResponse:
    """``DELETE /builds/v3/builds/{buildId}``: 200 ``{}``; the build then reads as 404."""
    build_id = request.match_info["build_id"]
    build = request.app[EMULATOR_KEY].live_build(build_id)
    if build is None:
        return build_not_found(build_id)
    build.deleted_at = utc_now()
    return json_response(200, {})


async def handle_create_registry_build(request: web.Request) -> web.StreamResponse:
    """``POST /builds/v3/builds/registry``: 201 ``BuildV3`` (an empty ``{}`` body is valid)."""
    emulator = request.app[EMULATOR_KEY]
    body = await read_json_object(request)
    if isinstance(body, web.Response):
        return body
    identity = _parse_identity(emulator, body)
    if isinstance(identity, str):
        return json_error(422, identity)
    build = new_build(emulator, identity[0], identity[1], kind="registry")
    return json_response(201, build.to_json())


async def handle_share_page(request: web.Request) -> web.StreamResponse:
    """``GET /_share/builds/{buildId}``: the build's log as plain text (what ``shareUrl`` shows)."""
    build = request.app[EMULATOR_KEY].builds.get(request.match_info["build_id"])
    if build is None:
        return json_error(404, f"Build not found: {request.match_info['build_id'][:200]}")
    header = f"Build {build.build_id}: {build.status}\n\n"
    return web.Response(text=header + build.log_text)
