"""Hooks see every attempt of every API call and can change requests, responses and errors."""

from __future__ import annotations

import os

import pytest

from hathora_cloud import BackoffStrategy, Err, HathoraCloudCore, Ok, RetryConfig
from hathora_cloud.errors import ApiError, HathoraError, SDKValidationError, UnexpectedClientError
from hathora_cloud.funcs import builds_v3_get_build, builds_v3_get_builds, builds_v3_upload_build
from hathora_cloud.hooks import HookContext, HookRequest, HookResponse, Hooks
from hathora_cloud.testing import FakeHathora, FaultRule, make_tarball

pytestmark = pytest.mark.anyio

_FAST = RetryConfig(backoff=BackoffStrategy(initial_interval=0.001, max_interval=0.01))


class _Recorder(Hooks):
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, int]] = []

    async def before_request(self, context: HookContext, request: HookRequest) -> HookRequest:
        self.seen.append(("before", context.operation_id, context.attempt))
        request.headers["X-Trace-Id"] = f"trace-{context.attempt}"
        return request

    async def after_success(self, context: HookContext, response: HookResponse) -> HookResponse:
        self.seen.append(("success", context.operation_id, response.status_code))
        return response

    async def after_error(
        self, context: HookContext, response: HookResponse | None, error: HathoraError | None
    ) -> HookResponse | HathoraError:
        status = response.status_code if response is not None else 0
        self.seen.append(("error", context.operation_id, status))
        return await super().after_error(context, response, error)


async def test_hooks_run_on_every_attempt_with_the_operation_id() -> None:
    """before_request and after_error/after_success run once per attempt, retries included."""
    hooks = _Recorder()
    async with FakeHathora() as fake:
        fake.inject(FaultRule.status_code(503, operation="GetBuilds", times=1))
        async with HathoraCloudCore(
            hathora_dev_token=fake.token, server_url=fake.url, hooks=hooks, retry_config=_FAST
        ) as core:
            result = await builds_v3_get_builds(core)
        assert result.ok
        assert hooks.seen == [
            ("before", "GetBuilds", 1),
            ("error", "GetBuilds", 503),
            ("before", "GetBuilds", 2),
            ("success", "GetBuilds", 200),
        ]
        sent = [r.headers.get("X-Trace-Id") for r in fake.requests_for("GetBuilds")]
        assert sent == ["trace-1", "trace-2"]


async def test_after_error_can_replace_a_failure_with_a_response() -> None:
    """A response returned from after_error is classified instead of the original 404."""

    class Recover(Hooks):
        async def after_error(
            self, context: HookContext, response: HookResponse | None, error: HathoraError | None
        ) -> HookResponse | HathoraError:
            body = b'{"builds": []}'
            return HookResponse(
                status_code=200, headers={"Content-Type": "application/json"}, body=body
            )

    async with (
        FakeHathora() as fake,
        HathoraCloudCore(
            hathora_dev_token="wrong-token", server_url=fake.url, hooks=Recover()
        ) as core,
    ):
        result = await builds_v3_get_builds(core)
    assert isinstance(result, Ok)
    assert result.value.builds == ()


async def test_after_error_can_replace_the_error() -> None:
    """An error returned from after_error becomes the call's Err."""
    marker = ApiError("replaced by hook", status_code=418)

    class Replace(Hooks):
        async def after_error(
            self, context: HookContext, response: HookResponse | None, error: HathoraError | None
        ) -> HookResponse | HathoraError:
            return marker

    async with (
        FakeHathora() as fake,
        HathoraCloudCore(
            hathora_dev_token=fake.token, server_url=fake.url, hooks=Replace()
        ) as core,
    ):
        result = await builds_v3_get_build(core, "bld-missing")
    assert isinstance(result, Err)
    assert result.error is marker


async def test_a_failing_hook_becomes_unexpected_client_error() -> None:
    """An exception inside a hook is returned as Err(UnexpectedClientError) with the cause kept."""

    class Broken(Hooks):
        async def before_request(self, context: HookContext, request: HookRequest) -> HookRequest:
            raise RuntimeError("hook bug")

    async with (
        FakeHathora() as fake,
        HathoraCloudCore(hathora_dev_token=fake.token, server_url=fake.url, hooks=Broken()) as core,
    ):
        result = await builds_v3_get_builds(core)
        assert fake.requests_for("GetBuilds") == []
    assert isinstance(result, Err)
    assert isinstance(result.error, UnexpectedClientError)
    assert isinstance(result.error.__cause__, RuntimeError)


def test_hooks_of_the_wrong_type_are_rejected() -> None:
    """A hooks argument that is not a Hooks instance fails when the core is constructed."""
    with pytest.raises(SDKValidationError):
        HathoraCloudCore(hooks=object())  # type: ignore[arg-type]


async def test_hooks_never_see_presigned_upload_requests() -> None:
    """An upload runs hooks for the API call only: part PUTs and completion bypass them."""
    hooks = _Recorder()
    tarball = make_tarball({"Dockerfile": "FROM alpine\n", "blob.bin": os.urandom(200_000)})
    async with (
        FakeHathora(max_chunk_size=64 * 1024) as fake,
        HathoraCloudCore(hathora_dev_token=fake.token, server_url=fake.url, hooks=hooks) as core,
    ):
        result = await builds_v3_upload_build(core, tarball)
        assert result.ok, result
        puts = fake.requests_for("UploadPart")
        assert len(puts) >= 2
        assert all("X-Trace-Id" not in r.headers for r in puts)
        assert all("X-Trace-Id" not in r.headers for r in fake.requests_for("CompleteUpload"))
    assert {operation for _, operation, _ in hooks.seen} == {"CreateBuild"}
