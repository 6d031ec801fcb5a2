"""The interop table: every operation by every error status, and the edge cases around them.

Expectations come from the wire contract (``reference/hathora-*-contract.md`` §2: which statuses
are an ``ApiError`` for which operation) and from what TS 2.25.6 is known to do where it is broken
(rows marked ``python-better``). See :mod:`tests.interop.harness` for the vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from hathora_cloud.funcs import (
    builds_v3_create_build,
    builds_v3_delete_build,
    builds_v3_run_build,
    builds_v3_upload_build,
)
from hathora_cloud.models import CreateMultipartBuildParams
from hathora_cloud.testing import FaultRule

from .harness import PYTHON_BETTER, Case, Context, Expect, Setup

API_ERRORS = {
    "getBuilds": {401, 404, 408, 422, 429},
    "createBuild": {400, 401, 404, 408, 422, 429, 500},
    "getBuild": {401, 404, 408, 429},
    "deleteBuild": {401, 404, 408, 422, 429, 500},
    "createBuildRegistry": {400, 401, 404, 408, 422, 429, 500},
    "runBuild": {400, 401, 404, 408, 422, 429, 500},
    "runBuildRegistry": {400, 401, 404, 408, 422, 429, 500},
    "getDeployments": {401, 404, 408, 429},
    "createDeployment": {400, 401, 404, 408, 422, 429, 500},
    "getLatestDeployment": {401, 404, 408, 422, 429},
    "getDeployment": {401, 404, 408, 429},
}
"""Per operation, the statuses whose JSON ``{"message"}`` body is an ``ApiError`` (TS 2.25.6)."""
UNDOCUMENTED = (403, 422, 500)
APP = "app-fake-0001"
PAGED_APP = "app-paged"
EMPTY_APP = "app-empty"
CONFIG = {
    "buildId": "bld-x",
    "idleTimeoutEnabled": True,
    "env": [{"name": "MODE", "value": "interop"}],
    "roomsPerProcess": 2,
    "transportType": "udp",
    "containerPort": 7777,
    "requestedMemoryMB": 1024,
    "requestedCPU": 0.5,
}
ARGS: dict[str, dict[str, Any]] = {
    "getBuilds": {},
    "createBuild": {"params": {"buildSizeInBytes": 10}},
    "getBuild": {"buildId": "bld-x"},
    "deleteBuild": {"buildId": "bld-x"},
    "createBuildRegistry": {"params": {}},
    "runBuild": {"buildId": "bld-x"},
    "runBuildRegistry": {"buildId": "bld-x", "registryConfig": {"image": "team/img:1"}},
    "getDeployments": {"appId": APP},
    "createDeployment": {"config": CONFIG, "appId": APP},
    "getLatestDeployment": {"appId": APP},
    "getDeployment": {"deploymentId": "dep-x", "appId": APP},
}
"""Arguments that reach the server for each operation (what a fault then answers)."""
OK = Expect("ok")
RETRIES = {"retries": True}


def inject(make: Callable[[], FaultRule], then: Setup | None = None) -> Setup:
    """A setup that injects a fresh rule (and optionally prepares more)."""

    async def setup(ctx: Context, side: str) -> Mapping[str, Any]:
        overrides = {} if then is None else await then(ctx, side)
        ctx.fake.inject(make())
        return overrides

    return setup


def seeded_build(key: str = "buildId", **kwargs: Any) -> Setup:
    """A setup that creates a build directly in the emulator and passes its id as ``key``."""

    async def setup(ctx: Context, side: str) -> Mapping[str, Any]:
        named = {k: v.format(side=side) if isinstance(v, str) else v for k, v in kwargs.items()}
        return {key: ctx.fake.add_build(**named).build_id}

    return setup


async def uploaded_build(ctx: Context, side: str) -> Mapping[str, Any]:
    """A build whose tarball is uploaded and completed, ready to run."""
    created = (await builds_v3_upload_build(ctx.core, ctx.tarball)).unwrap()
    return {"buildId": created.build_id}


async def created_build(ctx: Context, side: str) -> Mapping[str, Any]:
    """A multipart build whose upload never happened."""
    params = CreateMultipartBuildParams(build_size_in_bytes=10)
    return {"buildId": (await builds_v3_create_build(ctx.core, params)).unwrap().build_id}


async def ran_build(ctx: Context, side: str) -> Mapping[str, Any]:
    """A build that has already run."""
    overrides = await uploaded_build(ctx, side)
    async with (await builds_v3_run_build(ctx.core, overrides["buildId"])).unwrap() as stream:
        async for _ in stream:
            pass
    return overrides


async def deleted_build(ctx: Context, side: str) -> Mapping[str, Any]:
    """A build that was deleted already."""
    build_id = ctx.fake.add_build().build_id
    (await builds_v3_delete_build(ctx.core, build_id)).unwrap()
    return {"buildId": build_id}


async def deployment(ctx: Context, side: str) -> Mapping[str, Any]:
    """A deployment of a fresh succeeded build in the default app."""
    config = {**CONFIG, "buildId": ctx.fake.add_build(build_tag="dep-tag").build_id}
    url = f"{ctx.fake.url}/deployments/v3/apps/{APP}/deployments"
    async with ctx.session.post(url, json=config) as response:
        assert response.status == 201, await response.text()
        return {"deploymentId": (await response.json())["deploymentId"]}


def with_build(status: str = "succeeded", **config: Any) -> Setup:
    """createDeployment arguments whose config names a fresh build in ``status``."""

    async def setup(ctx: Context, side: str) -> Mapping[str, Any]:
        build_id = ctx.fake.add_build(status=status).build_id
        return {"config": {**CONFIG, **config, "buildId": build_id}}

    return setup


def keys(*required: str) -> Callable[[str, Mapping[str, Any]], object]:
    """A value check: these keys are present (on either side)."""

    def check(side: str, value: Mapping[str, Any]) -> None:
        missing = set(required) - set(value)
        assert not missing, f"missing keys {sorted(missing)} in {sorted(value)}"

    return check


def status_rows() -> list[Case]:
    """Each operation by each listed status, plus undocumented ones, an HTML 502, an empty 404."""
    rows = []
    for op, listed in API_ERRORS.items():
        operation = op[0].upper() + op[1:]
        for status in sorted(listed | set(UNDOCUMENTED)):
            kind = "ApiError" if status in listed else "SDKError"
            setup = inject(partial(FaultRule.status_code, status, operation=operation, times=1))
            if (op, status) == ("getDeployments", 422):
                # TS 2.25.6 predates the Dec 2025 spec, which lists 422 on getDeployments.
                rows.append(
                    Case(
                        f"{op}/{status}-json",
                        op,
                        Expect(kind, status),
                        relation=PYTHON_BETTER,
                        py=Expect("ApiError", status),
                        args=ARGS[op],
                        setup=setup,
                        note="Python follows the v2.26 spec: 422 with a message is an ApiError",
                    )
                )
                continue
            rows.append(
                Case(f"{op}/{status}-json", op, Expect(kind, status), args=ARGS[op], setup=setup)
            )
        for status, body in ((502, "html"), (404, "empty")):
            rule = partial(FaultRule.status_code, status, operation=operation, body=body, times=1)
            setup = inject(rule)
            rows.append(
                Case(
                    f"{op}/{status}-{body}",
                    op,
                    Expect("SDKError", status),
                    args=ARGS[op],
                    setup=setup,
                )
            )
    return rows


def all_rows() -> list[Case]:
    """The whole table, in the order the TS driver runs it."""
    from .broken_cases import broken_rows
    from .build_cases import build_rows
    from .deployment_cases import deployment_rows

    return [*status_rows(), *build_rows(), *broken_rows(), *deployment_rows()]
