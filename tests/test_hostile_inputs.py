"""Input can't escape its route or crash the call.

| attack | outcome |
| --- | --- |
| an id of `.`, `..`, `a/../b`, `%2e%2e`, `?x=1`, `#f`, `%`, spaces, unicode | one segment, intact |
| an empty, non-string or unencodable path parameter | `Err(SDKValidationError)`, nothing sent |
| a bad type or value for any flow parameter | `Err(SDKValidationError)`, nothing sent |
| a bad type or value for a `RequestOptions` field | `SDKValidationError` as it is built |

(The ``RequestOptions`` and core-argument cases are in tests/test_core.py.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import unquote

import pytest

from hathora_cloud import Err, HathoraCloudCore, Ok
from hathora_cloud.errors import SDKValidationError
from hathora_cloud.funcs import (
    builds_v3_delete_build,
    builds_v3_get_build,
    builds_v3_run_build,
    builds_v3_run_build_registry,
    builds_v3_upload_and_run,
    builds_v3_upload_build,
    builds_v3_wait_for_build,
)
from hathora_cloud.models import RegistryConfig
from hathora_cloud.result import Result
from hathora_cloud.testing import make_tarball

from ._server import RecordingServer, build_json, respond, serve

pytestmark = pytest.mark.anyio

TARBALL = make_tarball({"Dockerfile": "FROM x\n"})


@pytest.fixture
async def server() -> AsyncIterator[RecordingServer]:
    """A server answering every request with a valid build."""
    async with serve(respond(200, json=build_json())) as running:
        yield running


@pytest.fixture
async def core(server: RecordingServer) -> AsyncIterator[HathoraCloudCore]:
    """A core pointed at the server."""
    async with HathoraCloudCore(hathora_dev_token="t", server_url=server.url) as instance:
        yield instance


PathCall = Callable[[HathoraCloudCore, str], Awaitable[Result[Any, Any]]]
PATH_CALLS: dict[str, PathCall] = {
    "get": lambda core, value: builds_v3_get_build(core, value),
    "delete": lambda core, value: builds_v3_delete_build(core, value),
    "run": lambda core, value: builds_v3_run_build(core, value),
    "run-registry": lambda core, value: builds_v3_run_build_registry(
        core, value, RegistryConfig(image="i")
    ),
}
HOSTILE_IDS = [".", "..", "a/../b", "../..", "%2e%2e", "?x=1", "#f", "%", "a b", "ü/é", "a;b", "~"]


@pytest.mark.parametrize("call", list(PATH_CALLS))
@pytest.mark.parametrize("value", HOSTILE_IDS)
async def test_a_path_parameter_is_exactly_one_segment(
    server: RecordingServer, core: HathoraCloudCore, call: str, value: str
) -> None:
    """Whatever a build id holds, it reaches the server as one segment, decoding to itself."""
    result = await PATH_CALLS[call](core, value)
    if isinstance(result, Ok) and hasattr(result.value, "aclose"):
        await result.value.aclose()
    [request] = server.requests
    segments = request.path.split("/")
    assert segments[:5] == ["", "builds", "v3", "builds", segments[4]]
    assert unquote(segments[4]) == value
    assert len(segments) == (6 if call.startswith("run") else 5)
    assert request.query == ""


@pytest.mark.parametrize("call", list(PATH_CALLS))
@pytest.mark.parametrize("value", ["", "\udc80", 5, None, b"bld"])
async def test_an_unusable_path_parameter_sends_nothing(
    server: RecordingServer, core: HathoraCloudCore, call: str, value: Any
) -> None:
    """An empty, non-string or unencodable id is Err(SDKValidationError) and nothing is sent."""
    result = await PATH_CALLS[call](core, value)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert server.requests == []


Flow = Callable[[HathoraCloudCore], Awaitable[Result[Any, Any]]]
BAD_FLOW_ARGUMENTS: dict[str, Flow] = {
    "upload: concurrency 0": lambda core: builds_v3_upload_build(core, TARBALL, concurrency=0),
    "upload: concurrency 1.5": lambda core: builds_v3_upload_build(
        core,
        TARBALL,
        concurrency=1.5,  # type: ignore[arg-type]
    ),
    "upload: concurrency True": lambda core: builds_v3_upload_build(
        core, TARBALL, concurrency=True
    ),
    "upload: empty build_tag": lambda core: builds_v3_upload_build(core, TARBALL, build_tag=""),
    "upload: build_tag int": lambda core: builds_v3_upload_build(
        core,
        TARBALL,
        build_tag=1,  # type: ignore[arg-type]
    ),
    "upload: on_progress str": lambda core: builds_v3_upload_build(
        core,
        TARBALL,
        on_progress="print",  # type: ignore[arg-type]
    ),
    "upload: delete_on_failure None": lambda core: builds_v3_upload_build(
        core,
        TARBALL,
        delete_on_failure=None,  # type: ignore[arg-type]
    ),
    "upload: source int": lambda core: builds_v3_upload_build(core, 5),  # type: ignore[arg-type]
    "upload: bytes not gzip": lambda core: builds_v3_upload_build(core, b"plain"),
    "upload: options dict": lambda core: builds_v3_upload_build(
        core,
        TARBALL,
        options={},  # type: ignore[arg-type]
    ),
    "upload-and-run: on_log_line str": lambda core: builds_v3_upload_and_run(
        core,
        TARBALL,
        on_log_line="x",  # type: ignore[arg-type]
    ),
    "wait: poll_interval 0": lambda core: builds_v3_wait_for_build(core, "b", poll_interval=0),
    "wait: poll_interval inf": lambda core: builds_v3_wait_for_build(
        core, "b", poll_interval=float("inf")
    ),
    "wait: poll_interval nan": lambda core: builds_v3_wait_for_build(
        core, "b", poll_interval=float("nan")
    ),
    "wait: timeout -1": lambda core: builds_v3_wait_for_build(core, "b", timeout=-1),
    "wait: timeout str": lambda core: builds_v3_wait_for_build(
        core,
        "b",
        timeout="5",  # type: ignore[arg-type]
    ),
    "wait: build_id empty": lambda core: builds_v3_wait_for_build(core, ""),
}


@pytest.mark.parametrize("name", list(BAD_FLOW_ARGUMENTS))
async def test_bad_flow_arguments_send_nothing(
    server: RecordingServer, core: HathoraCloudCore, name: str
) -> None:
    """Every flow argument is checked by type and value first: Err(SDKValidationError)."""
    result = await BAD_FLOW_ARGUMENTS[name](core)
    assert isinstance(result, Err), result
    assert isinstance(result.error, SDKValidationError)
    assert server.requests == []
