"""Interop rows for BuildsV3 beyond the status matrix: ids, orgId, tokens, bad bodies, retries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hathora_cloud.testing import FaultRule

from .cases import (
    ARGS,
    OK,
    RETRIES,
    created_build,
    deleted_build,
    inject,
    keys,
    ran_build,
    seeded_build,
    uploaded_build,
)
from .harness import PYTHON_BETTER, PYTHON_STRICTER, Case, Context, Expect, Setup

BUILD_KEYS = ("buildId", "orgId", "createdAt", "startedAt", "finishedAt", "deletedAt", "status")
UNICODE_ID = "team/ü build?#1 {side}-{row}"
"""An id that needs percent-encoding: slash, space, ?, #, non-ASCII (one per row and side)."""


def build_rows() -> list[Case]:
    """BuildsV3 beyond status codes: ids, orgId, tokens, streams, retries."""
    return [
        *_creation_rows(),
        *_read_and_delete_rows(),
        *_run_rows(),
        *_org_rows(),
        *_token_rows(),
        *_retry_rows(),
    ]


def _creation_rows() -> list[Case]:
    """Creating builds: plain, with chosen ids (percent-encoded, unicode), duplicates."""
    return [
        Case("getBuilds/ok", "getBuilds", OK, compare_value=True, check=keys("builds")),
        Case(
            "createBuild/ok",
            "createBuild",
            OK,
            args={"params": {"buildSizeInBytes": 100_000, "buildTag": "interop"}},
            fields=("buildTag", "status", "maxChunkSize", "imageSize"),
            check=keys(*BUILD_KEYS, "uploadParts", "completeUploadPostRequestUrl"),
        ),
        Case(
            "createBuild/chosen-id",
            "createBuild",
            OK,
            setup=_params(buildSizeInBytes=10, buildId="bld-chosen-{side}"),
            echo=("params.buildId", "buildId"),
        ),
        Case(
            "createBuildRegistry/ok",
            "createBuildRegistry",
            OK,
            args=ARGS["createBuildRegistry"],
            fields=("status",),
        ),
        Case(
            "createBuildRegistry/params-buildId",
            "createBuildRegistry",
            OK,
            setup=_params(buildId="bld-registry-{side}", buildTag="reg-1"),
            echo=("params.buildId", "buildId"),
            fields=("buildTag",),
        ),
        Case(
            "createBuildRegistry/unicode-id",
            "createBuildRegistry",
            OK,
            setup=_params(buildId=UNICODE_ID.replace("{row}", "create")),
            echo=("params.buildId", "buildId"),
        ),
        Case(
            "createBuildRegistry/duplicate-id",
            "createBuildRegistry",
            Expect("ApiError", 422),
            setup=_duplicate,
        ),
    ]


def _read_and_delete_rows() -> list[Case]:
    """Reading and deleting builds, ids that need percent-encoding included."""
    return [
        Case(
            "getBuild/ok",
            "getBuild",
            OK,
            setup=seeded_build(build_tag="t"),
            fields=("status", "buildTag"),
            check=keys(*BUILD_KEYS),
        ),
        Case(
            "getBuild/unicode-id",
            "getBuild",
            OK,
            setup=seeded_build(build_id=UNICODE_ID.replace("{row}", "get")),
            echo=("buildId", "buildId"),
        ),
        Case(
            "getBuild/percent-id",
            "getBuild",
            OK,
            setup=seeded_build(build_id="100%25 {side}"),
            echo=("buildId", "buildId"),
        ),
        Case("getBuild/unknown", "getBuild", Expect("ApiError", 404), args={"buildId": "bld-none"}),
        Case("deleteBuild/ok", "deleteBuild", OK, setup=seeded_build(), compare_value=True),
        Case(
            "deleteBuild/unicode-id",
            "deleteBuild",
            OK,
            setup=seeded_build(build_id=UNICODE_ID.replace("{row}", "delete")),
        ),
        Case("deleteBuild/twice", "deleteBuild", Expect("ApiError", 404), setup=deleted_build),
    ]


def _run_rows() -> list[Case]:
    """Running builds: uploaded, not uploaded, twice, a stream cut half-way, registry."""
    return [
        Case("runBuild/ok", "runBuild", OK, setup=uploaded_build),
        Case("runBuild/not-uploaded", "runBuild", Expect("ApiError", 400), setup=created_build),
        Case("runBuild/twice", "runBuild", Expect("ApiError", 400), setup=ran_build),
        Case(
            "runBuild/cut-stream",
            "runBuild",
            Expect("ok", stream_error="raw:TypeError"),
            relation=PYTHON_BETTER,
            py=Expect("ok", stream_error="ConnectionError"),
            setup=inject(
                lambda: FaultRule.cut_stream(operation="RunBuild", after_lines=2, times=1),
                uploaded_build,
            ),
            note="TS hands out the stream, then reading it throws a raw TypeError: terminated",
        ),
        Case(
            "runBuildRegistry/registryUrl-auth",
            "runBuildRegistry",
            OK,
            args={
                "registryConfig": {
                    "image": "team/img:1",
                    "registryUrl": "registry.example.com",
                    "auth": "s3cret",
                }
            },
            setup=seeded_build(status="created"),
        ),
        Case(
            "runBuildRegistry/unknown",
            "runBuildRegistry",
            Expect("ApiError", 404),
            args=ARGS["runBuildRegistry"],
        ),
    ]


def _org_rows() -> list[Case]:
    """orgId per call and per client (and an empty one)."""
    return [
        # orgId, per call and per client
        Case(
            "getBuilds/orgId-own",
            "getBuilds",
            Expect("ok", org_id="org-fake-0001"),
            args={"orgId": "org-fake-0001"},
        ),
        Case(
            "getBuilds/orgId-foreign",
            "getBuilds",
            Expect("ApiError", 404, org_id="org-other"),
            args={"orgId": "org-other"},
        ),
        Case(
            "getBuild/client-orgId-foreign",
            "getBuild",
            Expect("ApiError", 404, org_id="org-other"),
            client={"orgId": "org-other"},
            setup=seeded_build(),
        ),
        Case(
            "getBuild/client-orgId-own",
            "getBuild",
            Expect("ok", org_id="org-fake-0001"),
            client={"orgId": "org-fake-0001"},
            setup=seeded_build(),
        ),
        Case(
            "getBuilds/call-orgId-beats-client",
            "getBuilds",
            Expect("ok", org_id="org-fake-0001"),
            args={"orgId": "org-fake-0001"},
            client={"orgId": "org-other"},
        ),
        Case(
            "getBuilds/orgId-empty",
            "getBuilds",
            Expect("ok", org_id=""),
            relation=PYTHON_STRICTER,
            py=Expect("ok", org_id=None),
            args={"orgId": ""},
            note="TS sends ?orgId= for an empty string; Python leaves it out",
        ),
    ]


def _token_rows() -> list[Case]:
    """A missing and a wrong token."""
    return [
        # tokens
        Case(
            "getBuilds/missing-token",
            "getBuilds",
            Expect("ApiError", 401, attempts=1),
            relation=PYTHON_STRICTER,
            py=Expect("SDKValidationError", attempts=0),
            client={"token": "none"},
            note="TS sends the call and gets a 401; Python refuses it before sending",
        ),
        Case(
            "getBuilds/wrong-token", "getBuilds", Expect("ApiError", 401), client={"token": "wrong"}
        ),
    ]


def _retry_rows() -> list[Case]:
    """Retries when both clients are configured to retry (and none when not)."""
    return [
        # retries, when both clients are configured to retry
        Case(
            "getBuild/retry-429",
            "getBuild",
            Expect("ok", attempts=3),
            client=RETRIES,
            setup=inject(
                lambda: FaultRule.status_code(429, operation="GetBuild", retry_after=1, times=2),
                seeded_build(),
            ),
        ),
        Case(
            "getBuilds/retry-503",
            "getBuilds",
            Expect("ok", attempts=3),
            client=RETRIES,
            setup=inject(lambda: FaultRule.status_code(503, operation="GetBuilds", times=2)),
        ),
        Case(
            "createBuild/retry-429",
            "createBuild",
            Expect("ok", attempts=2),
            client=RETRIES,
            args=ARGS["createBuild"],
            setup=inject(
                lambda: FaultRule.status_code(429, operation="CreateBuild", retry_after=1, times=1)
            ),
        ),
        Case(
            "getBuild/429-no-retries",
            "getBuild",
            Expect("ApiError", 429, attempts=1),
            setup=inject(
                lambda: FaultRule.status_code(429, operation="GetBuild", retry_after=1, times=2),
                seeded_build(),
            ),
        ),
    ]


def _params(**params: Any) -> Setup:
    async def setup(ctx: Context, side: str) -> Mapping[str, Any]:
        return {
            "params": {
                k: v.format(side=side) if isinstance(v, str) else v for k, v in params.items()
            }
        }

    return setup


async def _duplicate(ctx: Context, side: str) -> Mapping[str, Any]:
    build_id = ctx.fake.add_build(build_id=f"bld-dup-{side}").build_id
    return {"params": {"buildId": build_id}}
