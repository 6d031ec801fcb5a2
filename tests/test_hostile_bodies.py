"""Every failure is an Err: arbitrary statuses, types, encodings and bodies on every operation.

Hypothesis drives a real server with whatever it likes: JSON of any shape (deeply nested, numbers
beyond int and float limits, wrong types anywhere, schema-shaped documents with one field broken),
raw bytes, invalid UTF-8, gzip and deflate bodies (some corrupt), unknown encodings. For every
operation the call must return ``Ok`` holding the operation's model, or ``Err`` holding an error of
the operation's union; a log stream must yield ``str`` lines or raise a ``HathoraError``. Nothing
else may leave the SDK (the test fails on any other exception).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import attrs
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hathora_cloud import HathoraCloudCore, Ok, RetryConfig
from hathora_cloud.errors import (
    ApiError,
    HathoraError,
    HTTPConnectionError,
    InvalidRequestError,
    RequestAbortedError,
    RequestTimeoutError,
    ResponseValidationError,
    SDKError,
    SDKValidationError,
    UnexpectedClientError,
)
from hathora_cloud.funcs import (
    builds_v3_create_build,
    builds_v3_create_build_registry,
    builds_v3_delete_build,
    builds_v3_get_build,
    builds_v3_get_builds,
    builds_v3_run_build,
    builds_v3_run_build_registry,
)
from hathora_cloud.models import (
    BuildsV3Page,
    BuildV3,
    CreateBuildV3Params,
    CreatedBuildV3WithMultipartUrls,
    CreateMultipartBuildParams,
    DeletedBuild,
    RegistryConfig,
)
from hathora_cloud.result import Result
from hathora_cloud.streams import BuildLogStream

from ._server import build_json, created_json, serve

pytestmark = pytest.mark.anyio

OPERATION_ERRORS = (
    ApiError,
    SDKError,
    ResponseValidationError,
    SDKValidationError,
    HTTPConnectionError,
    RequestTimeoutError,
    RequestAbortedError,
    InvalidRequestError,
    UnexpectedClientError,
)

Call = Callable[[HathoraCloudCore], Awaitable[Result[object, HathoraError]]]
OPERATIONS: dict[str, tuple[Call, type]] = {
    "GetBuilds": (lambda core: builds_v3_get_builds(core), BuildsV3Page),
    "CreateBuild": (
        lambda core: builds_v3_create_build(
            core, CreateMultipartBuildParams(build_size_in_bytes=9)
        ),
        CreatedBuildV3WithMultipartUrls,
    ),
    "GetBuild": (lambda core: builds_v3_get_build(core, "bld-1"), BuildV3),
    "DeleteBuild": (lambda core: builds_v3_delete_build(core, "bld-1"), DeletedBuild),
    "CreateBuildRegistry": (
        lambda core: builds_v3_create_build_registry(core, CreateBuildV3Params()),
        BuildV3,
    ),
    "RunBuild": (lambda core: builds_v3_run_build(core, "bld-1"), BuildLogStream),
    "RunBuildRegistry": (
        lambda core: builds_v3_run_build_registry(core, "bld-1", RegistryConfig(image="i")),
        BuildLogStream,
    ),
}


@attrs.frozen
class Scripted:
    """One answer of the server."""

    status: int
    content_type: str | None
    encoding: str | None
    body: bytes


_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63, max_value=2**200)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def _broken_model(draw: st.DrawFn) -> bytes:
    """A schema-shaped document (build, page, created build) with one field replaced."""
    document: dict[str, Any] = draw(
        st.sampled_from([build_json(), created_json(), {"builds": [build_json()]}])
    )
    document = dict(document)
    key = draw(st.sampled_from(sorted(document)))
    if draw(st.booleans()):
        document[key] = draw(_json)
    else:
        del document[key]
    return json.dumps(document).encode()


_special = st.sampled_from(
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"imageSize": 1' + b"0" * 5000 + b"}",
        b'{"imageSize": 1e999}',
        b'{"message": "\xff\xfe"}',
        b"\xff\xfe\xfd",
        b'{"message": "\\ud800"}',
        b"NaN",
        b"",
    ]
)
_bodies = (
    _json.map(lambda value: json.dumps(value).encode())
    | _broken_model()
    | st.binary(max_size=300)
    | _special
    | st.just(json.dumps(build_json()).encode())
    | st.just(json.dumps(created_json()).encode())
)
_statuses = st.sampled_from([200, 201, 400, 401, 404, 408, 422, 429, 500, 502, 503]) | st.integers(
    200, 599
).filter(lambda status: status not in (204, 304))
_types = st.sampled_from(
    [
        None,
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "text/html",
        "application/octet-stream",
        "application/problem+json",
        "APPLICATION/JSON",
    ]
)
_encodings = st.sampled_from([None, None, "gzip", "deflate", "gzip-corrupt", "br", "identity"])


def _encode(body: bytes, encoding: str | None) -> tuple[bytes, str | None]:
    if encoding == "gzip":
        gzip = zlib.compressobj(wbits=31)
        return gzip.compress(body) + gzip.flush(), "gzip"
    if encoding == "deflate":
        return zlib.compress(body), "deflate"
    if encoding == "gzip-corrupt":
        return b"\x1f\x8b\x08\x00" + body, "gzip"
    return body, encoding


@attrs.define
class Stage:
    """The server's URL and the answers scripted so far (the last one is served)."""

    url: str
    script: list[Scripted]


@pytest.fixture
async def server() -> AsyncIterator[Stage]:
    """A server that answers with whatever the current example scripts."""
    current: list[Scripted] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        answer = current[-1]
        body, encoding = _encode(answer.body, answer.encoding)
        response = web.StreamResponse(status=answer.status)
        if answer.content_type is not None:
            response.headers["Content-Type"] = answer.content_type
        if encoding is not None:
            response.headers["Content-Encoding"] = encoding
        response.content_length = len(body)
        await response.prepare(request)
        await response.write(body)
        return response

    async with serve(handler) as running:
        yield Stage(running.url, current)


async def _drain(result: Result[object, HathoraError]) -> None:
    """Read a stream to its end; only str lines or a HathoraError may come out."""
    if isinstance(result, Ok) and isinstance(result.value, BuildLogStream):
        async with result.value as stream:
            try:
                async for line in stream:
                    assert isinstance(line, str)
            except HathoraError:
                pass


@pytest.mark.parametrize("operation", list(OPERATIONS))
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(status=_statuses, content_type=_types, encoding=_encodings, body=_bodies)
async def test_any_reply_is_ok_with_a_model_or_err_of_the_union(
    server: Stage,
    operation: str,
    status: int,
    content_type: str | None,
    encoding: str | None,
    body: bytes,
) -> None:
    """Whatever the server answers, the call returns Ok(model) or Err(one of its errors)."""
    server.script.append(Scripted(status, content_type, encoding, body))
    call, model = OPERATIONS[operation]
    async with HathoraCloudCore(
        hathora_dev_token="t", server_url=server.url, retry_config=RetryConfig(strategy="none")
    ) as core:
        result = await call(core)
        if isinstance(result, Ok):
            assert isinstance(result.value, model)
        else:
            assert isinstance(result.error, OPERATION_ERRORS), repr(result.error)
        await _drain(result)
