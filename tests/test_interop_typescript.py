"""FakeHathora proven by the official TypeScript SDK (@hathora/cloud-sdk-typescript 2.25.6).

Two Node processes for the whole module:

* ``tests/interop/drive.mjs`` runs all seven BuildsV3 operations plus the multipart upload against
  the emulator; this module checks what the emulator saw, then has the Python SDK parse the same
  responses (at the same points of the flow) and compares field by field.
* ``tests/interop/table.mjs`` runs the table of ``tests/interop/cases.py`` (every operation by
  every error status, ids, orgId, tokens, broken bodies, cut streams, retries, DeploymentsV3):
  for each row both SDKs make the same call and their outcomes must correspond, except where
  the TS SDK is known to be broken (rows marked ``python-better``, each saying why).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import random
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from hathora_cloud import BackoffStrategy, Err, HathoraCloudCore, RetryConfig
from hathora_cloud.errors import ApiError
from hathora_cloud.funcs import (
    builds_v3_create_build,
    builds_v3_delete_build,
    builds_v3_get_build,
    builds_v3_get_builds,
)
from hathora_cloud.models import CreateMultipartBuildParams
from hathora_cloud.testing import FakeHathora, make_tarball

from .interop.cases import APP, CONFIG, EMPTY_APP, PAGED_APP, all_rows
from .interop.harness import (
    PY_CALLS,
    PYTHON_PENDING,
    SAME,
    Case,
    Context,
    normalise,
    python_outcome,
    verdict,
    wire,
)
from .interop.node import converse, ensure_node

# The first test also pays for `npm ci` (session fixture), hence the generous timeout.
pytestmark = [pytest.mark.interop, pytest.mark.anyio, pytest.mark.timeout(900)]

CHUNK = 64 * 1024
RUN_TIMEOUT = 60.0
TABLE_TIMEOUT = 240.0
TERMINATOR = re.compile(r"\r\n|\r|\n")
BUILD_OPTIONAL = ("buildTag", "contentHash", "shareUrl", "expiredAt")

Snapshot = dict[str, Any]


@pytest.fixture(scope="session")
def node() -> str:
    """Path to ``node`` with the pinned npm tree installed in tests/interop (fails, never skips)."""
    return ensure_node()


def _py(model: object) -> Any:
    return normalise(wire(model))


def _assert_same(label: str, typescript: Any, python: Any) -> None:
    ts, py = normalise(typescript), normalise(python)
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
    node: str, fake: FakeHathora, tarball_path: Path, on_checkpoint: Any
) -> dict[str, Any]:
    """Run drive.mjs with --pause, answering each checkpoint; return its JSON output."""

    async def checkpoint(name: str) -> str:
        await on_checkpoint(name)
        return "go"

    argv = [fake.url, fake.token, str(tarball_path), "--pause"]
    output = await converse(node, "drive.mjs", argv, {"checkpoint": checkpoint}, RUN_TIMEOUT)
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


# Tiny waits, so that the retry rows stay fast: Retry-After is capped at max_interval.
_RETRY = RetryConfig(
    backoff=BackoffStrategy(
        initial_interval=0.001, max_interval=0.005, exponent=1.1, max_elapsed_time=5.0
    ),
    retry_connection_errors=False,
)
_NO_RETRY = RetryConfig(strategy="none")


def _token(fake: FakeHathora, client: dict[str, Any]) -> str | None:
    token = client.get("token", "valid")
    return fake.token if token == "valid" else None if token == "none" else str(token)


def _observe(fake: FakeHathora, case: Case, start: int, args: dict[str, Any]) -> dict[str, Any]:
    """What the emulator saw of this side's call: requests, orgId, the log it streamed."""
    seen = [r for r in fake.requests[start:] if r.operation == case.operation]
    observed = {"attempts": len(seen), "orgId": seen[-1].query.get("orgId") if seen else None}
    build = fake.builds.get(str(args.get("buildId")))
    if build is not None:
        observed["logLines"] = len(_log_lines(build.log_text))
    return observed


async def _python_side(ctx: Context, case: Case) -> dict[str, Any]:
    """Prepare the emulator again and make the same call with the Python SDK."""
    ctx.fake.faults.clear()
    args = {**case.args, **await case.setup(ctx, "py")}
    start = len(ctx.fake.requests)
    async with HathoraCloudCore(
        server_url=ctx.fake.url,
        hathora_dev_token=_token(ctx.fake, dict(case.client)),
        org_id=case.client.get("orgId"),
        retry_config=_RETRY if case.client.get("retries") else _NO_RETRY,
    ) as core:
        outcome = await python_outcome(await PY_CALLS[case.op](core, args))
    return {**outcome, **_observe(ctx.fake, case, start, args), "args": args}


async def _seed_paged_app(ctx: Context) -> None:
    """Three deployments in PAGED_APP (two per page): tags blue/v1, blue/v2, green/v1."""
    url = f"{ctx.fake.url}/deployments/v3/apps/{PAGED_APP}/deployments"
    for tag, build_tag in (("blue", "v1"), ("blue", "v2"), ("green", "v1")):
        build_id = ctx.fake.add_build(build_tag=build_tag).build_id
        body = {**CONFIG, "buildId": build_id, "deploymentTag": tag}
        async with ctx.session.post(url, json=body) as response:
            assert response.status == 201


@pytest.fixture
async def table_context(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Context]:
    """An emulator with three apps, a Python core and a session for the table's setups."""
    for name in ("HATHORA_TOKEN", "HATHORA_ORG_ID", "HATHORA_CLOUD_ENDPOINT", "HATHORA_APP_ID"):
        monkeypatch.delenv(name, raising=False)
    tarball = make_tarball({"Dockerfile": "FROM alpine\nRUN echo interop\n"})
    async with (
        FakeHathora(
            max_chunk_size=CHUNK, apps=(APP, PAGED_APP, EMPTY_APP), deployments_page_size=2
        ) as fake,
        HathoraCloudCore(
            server_url=fake.url, hathora_dev_token=fake.token, retry_config=_NO_RETRY
        ) as core,
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {fake.token}"}) as session,
    ):
        context = Context(fake=fake, core=core, session=session, tarball=tarball)
        await _seed_paged_app(context)
        yield context


def _report(cases: list[Case], results: dict[str, dict[str, Any]]) -> str:
    lines = []
    for case in cases:
        ts, py = results[case.id]["ts"], results[case.id]["py"]
        py_text = "pending" if py is None else f"{py['kind']} {py.get('status') or ''}"
        lines.append(
            f"{case.id:48} ts={ts['kind']} {ts.get('status') or ''} | py={py_text} | "
            f"{case.relation}"
        )
    return "\n".join(lines)


async def test_table_of_outcomes_corresponds_between_typescript_and_python(
    node: str, table_context: Context, tmp_path: Path
) -> None:
    """Every row: TS 2.25.6 and the Python SDK do what the contract says, and correspond."""
    ctx = table_context
    cases = all_rows()
    by_id = {case.id: case for case in cases}
    assert len(by_id) == len(cases), "row ids must be unique"
    assert {case.op for case in cases} == set(PY_CALLS) | PYTHON_PENDING
    cases_path = tmp_path / "cases.json"
    cases_path.write_text(json.dumps([case.to_json() for case in cases]), encoding="utf-8")
    results: dict[str, dict[str, Any]] = {}
    pending: dict[str, Any] = {}

    async def on_case(case_id: str) -> str:
        case = by_id[case_id]
        ctx.fake.faults.clear()
        overrides = dict(await case.setup(ctx, "ts"))
        pending.update(start=len(ctx.fake.requests), args={**case.args, **overrides})
        return json.dumps(overrides)

    async def on_outcome(rest: str) -> str:
        case_id, _, payload = rest.partition(" ")
        case = by_id[case_id]
        args = pending["args"]
        ts = {**json.loads(payload), **_observe(ctx.fake, case, pending["start"], args)}
        ts["args"] = args
        py = None if case.op in PYTHON_PENDING else await _python_side(ctx, case)
        results[case_id] = {"ts": ts, "py": py}
        return "next"

    argv = [ctx.fake.url, ctx.fake.token, str(cases_path)]
    handlers = {"case": on_case, "outcome": on_outcome}
    await converse(node, "table.mjs", argv, handlers, TABLE_TIMEOUT)

    assert sorted(results) == sorted(by_id)
    failures = [
        f"{case.id}: {'; '.join(problems)}"
        for case in cases
        if (problems := verdict(case, results[case.id]["ts"], results[case.id]["py"]))
    ]
    if failures:
        pytest.fail(
            f"{len(failures)} of {len(cases)} rows fail:\n"
            + "\n".join(failures)
            + "\n\n"
            + _report(cases, results),
            pytrace=False,
        )
    differing = [case for case in cases if case.relation != SAME]
    assert all(case.note for case in differing), "a row where the SDKs differ says why"
