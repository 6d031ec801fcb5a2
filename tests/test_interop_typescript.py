"""FakeHathora proven by the official TypeScript SDK (@hathora/cloud-sdk-typescript 2.25.6).

``tests/interop/drive.mjs`` runs all seven BuildsV3 operations plus the multipart upload against the
emulator with the official client; this module checks what the emulator saw, then has the Python SDK
parse the same responses (at the same points of the flow) and compares field by field.
"""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import anyio
import pytest

from hathora_cloud import Err, HathoraCloudCore, RetryConfig
from hathora_cloud._converter import unstructure
from hathora_cloud.errors import ApiError
from hathora_cloud.funcs.builds_v3_create_build import builds_v3_create_build
from hathora_cloud.funcs.builds_v3_delete_build import builds_v3_delete_build
from hathora_cloud.funcs.builds_v3_get_build import builds_v3_get_build
from hathora_cloud.funcs.builds_v3_get_builds import builds_v3_get_builds
from hathora_cloud.models import CreateMultipartBuildParams
from hathora_cloud.testing import FakeHathora, make_tarball

# The first test also pays for `npm ci` (session fixture), hence the generous timeout.
pytestmark = [pytest.mark.interop, pytest.mark.anyio, pytest.mark.timeout(900)]

INTEROP_DIR = Path(__file__).parent / "interop"
SDK_PACKAGE = "@hathora/cloud-sdk-typescript"
SDK_VERSION = "2.25.6"
CHUNK = 64 * 1024
NPM_TIMEOUT = 600.0
RUN_TIMEOUT = 60.0
CHECKPOINT = "@@checkpoint "
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
TERMINATOR = re.compile(r"\r\n|\r|\n")
BUILD_OPTIONAL = ("buildTag", "contentHash", "shareUrl", "expiredAt")

Snapshot = dict[str, Any]


def _installed_version(package: str) -> str | None:
    manifest = INTEROP_DIR / "node_modules" / package / "package.json"
    try:
        version = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None
    return str(version)


def _text(output: str | bytes | None) -> str:
    if isinstance(output, bytes):
        return output.decode("utf-8", errors="replace")
    return output or ""


@pytest.fixture(scope="session")
def node() -> str:
    """Path to ``node`` with the pinned npm tree installed in tests/interop (fails, never skips)."""
    node_bin, npm_bin = shutil.which("node"), shutil.which("npm")
    if node_bin is None or npm_bin is None:
        pytest.fail(
            f"the interop tests need Node.js and npm on PATH (node: {node_bin}, npm: {npm_bin})",
            pytrace=False,
        )
    if _installed_version(SDK_PACKAGE) != SDK_VERSION or _installed_version("zod") is None:
        command = [npm_bin, "ci", "--no-audit", "--no-fund", "--prefix", str(INTEROP_DIR)]
        try:
            done = subprocess.run(
                command,
                cwd=INTEROP_DIR,
                capture_output=True,
                text=True,
                timeout=NPM_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            pytest.fail(
                f"`{' '.join(command)}` timed out after {NPM_TIMEOUT:.0f} s:\n"
                f"{_text(exc.stdout)}\n{_text(exc.stderr)}",
                pytrace=False,
            )
        if done.returncode != 0 or _installed_version(SDK_PACKAGE) != SDK_VERSION:
            pytest.fail(
                f"`{' '.join(command)}` failed (exit {done.returncode}):\n"
                f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}",
                pytrace=False,
            )
    return node_bin


def _instant(value: str) -> str:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return parsed.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _normalise(value: Any) -> Any:
    """JSON-like value with dates as canonical UTC instants and enums as plain strings."""
    if isinstance(value, dict):
        return {key: _normalise(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalise(item) for item in value]
    if isinstance(value, str):
        return _instant(value) if ISO_DATE.match(value) else str(value)
    return value


def _py(model: object) -> Any:
    return _normalise(unstructure(model))


def _assert_same(label: str, typescript: Any, python: Any) -> None:
    ts, py = _normalise(typescript), _normalise(python)
    if ts == py:
        return
    ts_text = json.dumps(ts, indent=1, sort_keys=True).splitlines()
    py_text = json.dumps(py, indent=1, sort_keys=True).splitlines()
    diff = "\n".join(difflib.unified_diff(ts_text, py_text, "typescript", "python", lineterm=""))
    pytest.fail(f"{label}: the TypeScript and Python SDKs disagree\n{diff}", pytrace=False)


def _build_fields(created: dict[str, Any]) -> dict[str, Any]:
    extra = {"completeUploadPostRequestUrl", "maxChunkSize", "uploadParts"}
    return {key: value for key, value in created.items() if key not in extra}


def _log_lines(text: str) -> list[str]:
    lines = TERMINATOR.split(text)
    return lines[:-1] if lines and lines[-1] == "" else lines


async def _python_snapshot(core: HathoraCloudCore, build_ids: list[str]) -> Snapshot:
    """What the Python SDK parses from the emulator right now."""
    snapshot: Snapshot = {}
    for build_id in build_ids:
        snapshot[build_id] = _py((await builds_v3_get_build(core, build_id)).unwrap())
    snapshot["builds"] = _py((await builds_v3_get_builds(core)).unwrap())
    return snapshot


async def _drive(
    node: str,
    fake: FakeHathora,
    tarball_path: Path,
    on_checkpoint: Callable[[str], Awaitable[None]],
) -> dict[str, Any]:
    """Run drive.mjs with --pause, answering each checkpoint; return its JSON output."""
    process = await asyncio.create_subprocess_exec(
        node,
        str(INTEROP_DIR / "drive.mjs"),
        fake.url,
        fake.token,
        str(tarball_path),
        "--pause",
        cwd=INTEROP_DIR,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "NODE_NO_WARNINGS": "1"},
    )
    assert process.stdin is not None
    assert process.stdout is not None
    assert process.stderr is not None
    stdin, stdout, stderr = process.stdin, process.stdout, process.stderr
    chunks: list[bytes] = []
    diagnostics: list[str] = []

    async def read_stdout() -> None:
        chunks.append(await stdout.read())

    try:
        with anyio.fail_after(RUN_TIMEOUT):
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(read_stdout)
                async for raw in stderr:
                    line = raw.decode("utf-8", errors="replace").rstrip("\n")
                    if line.startswith(CHECKPOINT):
                        await on_checkpoint(line.removeprefix(CHECKPOINT))
                        stdin.write(b"go\n")
                        await stdin.drain()
                    else:
                        diagnostics.append(line)
            stdin.close()
            returncode = await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = b"".join(chunks).decode("utf-8", errors="replace")
    if returncode != 0:
        pytest.fail(
            f"drive.mjs exited {returncode}\n--- stderr\n"
            + "\n".join(diagnostics)
            + f"\n--- stdout\n{output}",
            pytrace=False,
        )
    result: dict[str, Any] = json.loads(output)
    return result


async def test_official_typescript_sdk_agrees_with_emulator_and_python_sdk(
    node: str, tmp_path: Path
) -> None:
    """The official TS SDK runs all seven operations on FakeHathora; Python parses the same."""
    payload = random.Random(20261128).randbytes(CHUNK * 2 + CHUNK // 4)
    tarball = make_tarball({"Dockerfile": "FROM alpine\nRUN echo hi\n", "assets/blob.bin": payload})
    assert 2 * CHUNK < len(tarball) < 3 * CHUNK
    tarball_path = tmp_path / "build.tgz"
    tarball_path.write_bytes(tarball)
    snapshots: dict[str, Snapshot] = {}

    async with (
        FakeHathora(max_chunk_size=CHUNK) as fake,
        HathoraCloudCore(
            server_url=fake.url,
            hathora_dev_token=fake.token,
            retry_config=RetryConfig(strategy="none"),
        ) as core,
    ):

        async def on_checkpoint(name: str) -> None:
            # The builds the script is working on, in creation order.
            ids = [build_id for build_id, build in fake.builds.items() if not build.is_deleted]
            snapshots[name] = await _python_snapshot(core, ids)

        ts = await _drive(node, fake, tarball_path, on_checkpoint)
        created, registry = ts["createBuild"], ts["createBuildRegistry"]
        build_id, registry_id = created["buildId"], registry["buildId"]

        # The wire, as the emulator recorded it.
        seen = [(r.operation, r.method, r.status, r.has_authorization) for r in fake.requests]
        upload_path = f"/builds/v3/builds/{build_id}"
        assert seen == [
            ("CreateBuild", "POST", 201, True),
            ("UploadPart", "PUT", 200, False),
            ("UploadPart", "PUT", 200, False),
            ("UploadPart", "PUT", 200, False),
            ("CompleteUpload", "POST", 200, False),
            ("GetBuild", "GET", 200, True),
            ("GetBuilds", "GET", 200, True),
            ("GetBuild", "GET", 200, True),  # Python, checkpoint "uploaded"
            ("GetBuilds", "GET", 200, True),
            ("RunBuild", "POST", 200, True),
            ("GetBuild", "GET", 200, True),
            ("CreateBuildRegistry", "POST", 201, True),
            ("RunBuildRegistry", "POST", 200, True),
            ("GetBuild", "GET", 200, True),
            ("GetBuilds", "GET", 200, True),
            ("GetBuild", "GET", 200, True),  # Python, checkpoint "ran"
            ("GetBuild", "GET", 200, True),
            ("GetBuilds", "GET", 200, True),
            ("DeleteBuild", "DELETE", 200, True),
            ("GetBuilds", "GET", 200, True),
            ("GetBuild", "GET", 404, True),
        ]
        paths = {(r.operation, r.path) for r in fake.requests}
        assert ("RunBuild", f"{upload_path}/run") in paths
        assert ("RunBuildRegistry", f"/builds/v3/builds/{registry_id}/runRegistry") in paths
        assert ("DeleteBuild", f"/builds/v3/builds/{registry_id}") in paths
        assert ("GetBuild", "/builds/v3/builds/bld-does-not-exist") in paths
        for request in fake.requests_for("UploadPart") + fake.requests_for("CompleteUpload"):
            assert request.auth_scheme is None
            assert fake.token not in json.dumps(dict(request.headers))
        part_requests = fake.requests_for("UploadPart")
        assert [r.headers.get("Content-Type") for r in part_requests] == [
            "application/octet-stream"
        ] * 3
        assert [r.body_length for r in part_requests] == [CHUNK, CHUNK, len(tarball) - 2 * CHUNK]
        assert all(r.auth_scheme == "Bearer" for r in fake.requests if r.has_authorization)

        # The upload, as the official flow performed it.
        assert created["maxChunkSize"] == CHUNK
        assert [p["partNumber"] for p in created["uploadParts"]] == [1, 2, 3]
        assert [p["size"] for p in ts["upload"]["parts"]] == [
            CHUNK,
            CHUNK,
            len(tarball) - 2 * CHUNK,
        ]
        assert all(re.fullmatch(r'"[0-9a-f]{32}"', p["etag"]) for p in ts["upload"]["parts"])
        assert ts["upload"]["complete"]["status"] == 200
        uploaded = fake.uploaded_bytes(build_id)
        assert hashlib.sha256(uploaded).hexdigest() == hashlib.sha256(tarball).hexdigest()

        # The log streams, as the official client decoded them.
        assert ts["runBuild"]["lines"] == _log_lines(fake.builds[build_id].log_text)
        assert ts["runBuild"]["lines"][-1].startswith("Successfully tagged")
        registry_lines = _log_lines(fake.builds[registry_id].log_text)
        assert ts["runBuildRegistry"]["lines"] == registry_lines
        assert ts["runBuildRegistry"]["lines"][0] == "Pulling image hathora/interop-server:1.0"

        # Statuses along the way.
        assert ts["getBuildUploaded"]["status"] == "created"
        assert ts["getBuildRan"]["status"] == "succeeded"
        assert ts["getBuildRan"]["finishedAt"] is not None
        assert ts["getBuildRegistryRan"]["status"] == "succeeded"
        assert ts["deleteBuild"] == {}
        assert [b["buildId"] for b in ts["getBuildsDeleted"]["builds"]] == [build_id]

        # The Python SDK parses the same responses at the same points into the same values.
        uploaded_py, ran_py = snapshots["uploaded"], snapshots["ran"]
        assert sorted(uploaded_py) == sorted([build_id, "builds"])
        _assert_same("createBuild (BuildV3 part)", _build_fields(created), uploaded_py[build_id])
        _assert_same("getBuild after upload", ts["getBuildUploaded"], uploaded_py[build_id])
        _assert_same("getBuilds after upload", ts["getBuildsUploaded"], uploaded_py["builds"])
        _assert_same("createBuildRegistry", registry, {**ran_py[registry_id], **_unrun(registry)})
        _assert_same("getBuild after run", ts["getBuildRan"], ran_py[build_id])
        _assert_same("getBuild registry after run", ts["getBuildRegistryRan"], ran_py[registry_id])
        _assert_same("getBuilds after run", ts["getBuildsRan"], ran_py["builds"])
        for key in BUILD_OPTIONAL:
            assert (key in ts["getBuildRan"]) == (key in ran_py[build_id]), key

        builds_after = _py((await builds_v3_get_builds(core)).unwrap())
        _assert_same("getBuilds after delete", ts["getBuildsDeleted"], builds_after)

        error_case = ts["errorCase"]
        missing = await builds_v3_get_build(core, error_case["buildId"])
        assert error_case["className"] == error_case["name"] == "ApiError"
        assert error_case["statusCode"] == 404
        assert isinstance(missing, Err)
        py_error = missing.error
        assert isinstance(py_error, ApiError)
        _assert_same(
            "getBuild on an unknown id",
            {k: error_case[k] for k in ("name", "statusCode", "message")},
            {
                "name": type(py_error).__name__,
                "statusCode": py_error.status_code,
                "message": py_error.message,
            },
        )

        deleted = await builds_v3_delete_build(core, build_id)
        _assert_same("deleteBuild", ts["deleteBuild"], _py(deleted.unwrap()))

        # createBuild cannot be replayed; a Python-created twin must have the same shape.
        twin = await builds_v3_create_build(
            core, CreateMultipartBuildParams(build_size_in_bytes=len(tarball), build_tag="x")
        )
        twin_json = _py(twin.unwrap())
        assert sorted(twin_json) == sorted(created)
        assert twin_json["maxChunkSize"] == created["maxChunkSize"]
        assert [p["partNumber"] for p in twin_json["uploadParts"]] == [1, 2, 3]
        assert sorted(twin_json["uploadParts"][0]) == sorted(created["uploadParts"][0])


def _unrun(build: dict[str, Any]) -> dict[str, Any]:
    """The fields of a freshly created build that a later run changes."""
    keys = ("status", "startedAt", "finishedAt", "imageSize")
    return {key: build[key] for key in keys}
