"""Interop rows for BuildsV3 beyond the status matrix: ids, orgId, tokens, bad bodies, retries."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
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
    """BuildsV3 beyond status codes: ids, orgId, tokens, bodies that break, retries, streams."""
    broken_json = Expect("raw:SyntaxError", unhandled=True)
    cut_unary = Expect("raw:TypeError", unhandled=True)
    schema = FaultRule.invalid_schema
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
        # tokens
        # DESIGN.md promises SDKValidationError (nothing sent) for Python; this branch's SDK
        # still sends the call. Once it refuses, make this row PYTHON_STRICTER with
        # py=Expect("SDKValidationError", attempts=0).
        Case(
            "getBuilds/missing-token",
            "getBuilds",
            Expect("ApiError", 401, attempts=1),
            client={"token": "none"},
        ),
        Case(
            "getBuilds/wrong-token", "getBuilds", Expect("ApiError", 401), client={"token": "wrong"}
        ),
        # bodies that are not what the schema says
        *[
            Case(
                f"{op}/malformed-json",
                op,
                broken_json,
                relation=PYTHON_BETTER,
                py=Expect("ResponseValidationError", status),
                args=ARGS[op],
                setup=inject(
                    partial(FaultRule.malformed_json, operation=op[0].upper() + op[1:], times=1)
                ),
                note="TS throws a raw SyntaxError and leaves an unhandled rejection (Node exits 1)",
            )
            for op, status in (
                ("getBuilds", 200),
                ("getBuild", 200),
                ("createBuild", 201),
                ("deleteBuild", 200),
            )
        ],
        Case(
            "getBuild/schema-missing",
            "getBuild",
            Expect("ResponseValidationError", 200),
            setup=inject(lambda: schema("missing", operation="GetBuild", times=1), seeded_build()),
        ),
        Case(
            "getBuild/schema-null",
            "getBuild",
            Expect("ResponseValidationError", 200),
            setup=inject(
                lambda: schema("null", operation="GetBuild", field="status", times=1),
                seeded_build(),
            ),
        ),
        Case(
            "getBuilds/schema-wrong-type",
            "getBuilds",
            Expect("ResponseValidationError", 200),
            setup=inject(lambda: schema("wrong_type", operation="GetBuilds", times=1)),
        ),
        Case(
            "createBuild/schema-null",
            "createBuild",
            Expect("ResponseValidationError", 201),
            args=ARGS["createBuild"],
            setup=inject(lambda: schema("null", operation="CreateBuild", times=1)),
        ),
        Case(
            "createBuildRegistry/schema-wrong-type",
            "createBuildRegistry",
            Expect("ResponseValidationError", 201),
            args=ARGS["createBuildRegistry"],
            setup=inject(
                lambda: schema(
                    "wrong_type", operation="CreateBuildRegistry", field="imageSize", times=1
                )
            ),
        ),
        Case(
            "deleteBuild/schema-array",
            "deleteBuild",
            Expect("ResponseValidationError", 200),
            setup=inject(
                lambda: schema("wrong_type", operation="DeleteBuild", times=1), seeded_build()
            ),
        ),
        Case(
            "getBuild/schema-error-message",
            "getBuild",
            Expect("ResponseValidationError", 404),
            args={"buildId": "bld-none"},
            setup=inject(lambda: schema("wrong_type", operation="GetBuild", times=1)),
        ),
        # transport failures
        Case(
            "getBuild/cut-body",
            "getBuild",
            cut_unary,
            relation=PYTHON_BETTER,
            py=Expect("ConnectionError"),
            setup=inject(
                lambda: FaultRule.cut_stream(operation="GetBuild", times=1), seeded_build()
            ),
            note="TS throws a raw TypeError: terminated and leaves an unhandled rejection",
        ),
        Case(
            "getBuild/dropped",
            "getBuild",
            Expect("ConnectionError"),
            args=ARGS["getBuild"],
            setup=inject(lambda: FaultRule.drop(operation="GetBuild", times=1)),
        ),
        Case(
            "createBuild/dropped",
            "createBuild",
            Expect("ConnectionError"),
            args=ARGS["createBuild"],
            setup=inject(lambda: FaultRule.drop(operation="CreateBuild", times=1)),
        ),
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
