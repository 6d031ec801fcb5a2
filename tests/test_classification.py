"""How every response is classified (contract §4): Ok, ApiError, SDKError or a validation error."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import attrs
import pytest

from hathora_cloud import Err, HathoraCloudCore, Ok, Result, RetryConfig
from hathora_cloud._request.classify import media_type
from hathora_cloud.errors import (
    ApiError,
    HathoraCloudError,
    ResponseValidationError,
    SDKError,
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
from hathora_cloud.models import BuildStatus, CreateMultipartBuildParams, RegistryConfig
from hathora_cloud.streams import BuildLogStream

from ._server import RecordingServer, build_json, created_json, respond, serve

pytestmark = pytest.mark.anyio

CALLS: dict[str, Callable[[HathoraCloudCore], Awaitable[Result[Any, Any]]]] = {
    "get_builds": lambda core: builds_v3_get_builds(core),
    "create_build": lambda core: builds_v3_create_build(
        core, CreateMultipartBuildParams(build_size_in_bytes=1)
    ),
    "get_build": lambda core: builds_v3_get_build(core, "b"),
    "delete_build": lambda core: builds_v3_delete_build(core, "b"),
    "create_build_registry": lambda core: builds_v3_create_build_registry(core),
    "run_build": lambda core: builds_v3_run_build(core, "b"),
    "run_build_registry": lambda core: builds_v3_run_build_registry(
        core, "b", RegistryConfig(image="i")
    ),
}
JSON = "application/json"
MESSAGE = json.dumps({"message": "Build bld-1 not found"})


@attrs.frozen
class Row:
    """One classification case: what the server answers and what the caller must get."""

    id: str
    op: str
    status: int
    content_type: str | None
    body: str
    expected: type[Any]
    text: str = ""
    """A fragment the error message must contain."""


# fmt: off
ROWS = [
    # Exact success codes and content types.
    Row("create-200", "create_build", 200, JSON, json.dumps(created_json()), SDKError,
        "Unexpected Status or Content-Type: Status 200"),
    Row("registry-200", "create_build_registry", 200, JSON, json.dumps(build_json()), SDKError,
        "Unexpected Status or Content-Type"),
    Row("get-201", "get_build", 201, JSON, json.dumps(build_json()), SDKError,
        "Unexpected Status or Content-Type: Status 201"),
    Row("create-201", "create_build", 201, JSON, json.dumps(created_json()), Ok),
    Row("get-charset", "get_build", 200, "application/json; charset=utf-8",
        json.dumps(build_json()), Ok),
    Row("run-no-ct", "run_build", 200, None, "log\n", Ok),
    Row("run-octet", "run_build_registry", 200, "application/octet-stream", "log\n", Ok),
    Row("run-text-plain", "run_build", 200, "text/plain", "log\n", SDKError,
        "Unexpected Status or Content-Type: Status 200 Content-Type text/plain. Body: log"),
    Row("get-200-problem-json", "get_build", 200, "application/problem+json",
        json.dumps(build_json()), SDKError, "Content-Type application/problem+json"),
    # Listed statuses with a JSON {"message"} become ApiError.
    Row("get-404-api", "get_build", 404, JSON, MESSAGE, ApiError, "Build bld-1 not found"),
    Row("list-401-api", "get_builds", 401, JSON, MESSAGE, ApiError, "Build bld-1 not found"),
    Row("create-500-api", "create_build", 500, JSON, MESSAGE, ApiError, "not found"),
    Row("delete-422-api", "delete_build", 422, JSON, MESSAGE, ApiError, "not found"),
    Row("run-400-api", "run_build", 400, JSON, MESSAGE, ApiError, "not found"),
    Row("registry-run-404-api", "run_build_registry", 404, JSON, MESSAGE, ApiError, "not found"),
    Row("empty-message", "get_build", 404, JSON, '{"message":""}', ApiError,
        'API error occurred: {"message":""}'),
    # Listed status, but the body does not fit ApiError or is not JSON.
    Row("404-no-message", "get_build", 404, JSON, '{"error":"x"}', ResponseValidationError,
        '"message"'),
    Row("404-message-not-str", "get_build", 404, JSON, '{"message":5}',
        ResponseValidationError, "Response validation failed"),
    Row("404-invalid-json", "get_build", 404, JSON, "<html>", ResponseValidationError,
        "not valid JSON"),
    Row("404-html", "get_build", 404, "text/html", "<h1>nope</h1>", SDKError,
        "API error occurred: Status 404 Content-Type text/html. Body: <h1>nope</h1>"),
    Row("404-problem-json", "get_build", 404, "application/problem+json", MESSAGE, SDKError,
        "API error occurred: Status 404 Content-Type application/problem+json"),
    Row("run-404-text", "run_build", 404, "text/plain", "missing", SDKError, "Body: missing"),
    # Unlisted statuses are SDKError with the body in the message.
    Row("get-500", "get_build", 500, JSON, MESSAGE, SDKError,
        f"API error occurred: Status 500. Body: {MESSAGE}"),
    Row("list-500", "get_builds", 500, JSON, MESSAGE, SDKError, "Status 500"),
    *(
        Row(f"{name}-403", name, 403, JSON, MESSAGE, SDKError,
            f"API error occurred: Status 403. Body: {MESSAGE}")
        for name in CALLS
    ),
    Row("get-302", "get_build", 302, "text/plain", "moved", SDKError,
        "Unexpected Status or Content-Type: Status 302"),
    Row("run-307", "run_build", 307, None, "", SDKError, "Unexpected Status or Content-Type"),
    # Success bodies that do not fit the schema.
    Row("invalid-json", "get_build", 200, JSON, "{not json", ResponseValidationError,
        "not valid JSON"),
    Row("empty-body", "get_builds", 200, JSON, "", ResponseValidationError, "not valid JSON"),
    Row("array-body", "get_build", 200, JSON, "[]", ResponseValidationError, "JSON object"),
]
# fmt: on


def _schema_rows() -> list[Row]:
    """Success bodies that break one BuildV3 rule each."""
    broken: dict[str, dict[str, Any]] = {
        "missing-key": {k: v for k, v in build_json().items() if k != "buildId"},
        "null-status": build_json(status=None),
        "int-status": build_json(status=3),
        "zone-less-date": build_json(createdAt="2024-05-01T10:00:00"),
        "date-only": build_json(createdAt="2024-05-01"),
        "not-a-date": build_json(createdAt="yesterday"),
        "fractional-size": build_json(imageSize=5.5),
        "string-size": build_json(imageSize="5"),
        "bool-size": build_json(imageSize=True),
        "startedAt-missing": {k: v for k, v in build_json().items() if k != "startedAt"},
        "null-created-at": build_json(createdAt=None),
    }
    return [
        Row(name, "get_build", 200, JSON, json.dumps(body), ResponseValidationError,
            "Response validation failed")
        for name, body in broken.items()
    ]  # fmt: skip


@pytest.fixture
async def server() -> AsyncIterator[RecordingServer]:
    """A recording server; each test sets its answer."""
    async with serve() as running:
        yield running


@pytest.fixture
async def core(server: RecordingServer) -> AsyncIterator[HathoraCloudCore]:
    """A core that never retries, so each case sees exactly one answer."""
    config = RetryConfig(strategy="none")
    async with HathoraCloudCore(
        hathora_dev_token="t", server_url=server.url, retry_config=config
    ) as made:
        yield made


async def _classify(core: HathoraCloudCore, server: RecordingServer, row: Row) -> Any:
    server.handler = respond(
        row.status,
        body=row.body,
        content_type=row.content_type,
        headers={"X-Request-Id": "req-9", "Location": "http://127.0.0.1:1/elsewhere"},
    )
    result = await CALLS[row.op](core)
    if isinstance(result, Ok) and isinstance(result.value, BuildLogStream):
        await result.value.aclose()
    return result


@pytest.mark.parametrize("row", ROWS + _schema_rows(), ids=lambda row: row.id)
async def test_classification(row: Row, server: RecordingServer, core: HathoraCloudCore) -> None:
    """Each status / content type / body combination gives the class contract §4 prescribes."""
    result = await _classify(core, server, row)
    assert len(server.requests) == 1
    if row.expected is Ok:
        assert isinstance(result, Ok), result
        return
    assert isinstance(result, Err), result
    error = result.error
    assert type(error) is row.expected, error
    assert row.text in error.message
    assert isinstance(error, HathoraCloudError)
    assert error.status_code == row.status
    assert error.body == row.body
    assert error.headers["X-Request-Id"] == "req-9"
    assert error.content_type == (row.content_type or "")
    assert result.meta is not None
    assert result.meta.status_code == row.status


async def test_api_error_fields(server: RecordingServer, core: HathoraCloudCore) -> None:
    """A 404 with a JSON body becomes Err(ApiError) carrying the server's message and response."""
    row = Row("x", "get_build", 404, JSON, MESSAGE, ApiError)
    result = await _classify(core, server, row)
    assert isinstance(result, Err)
    error = result.error
    assert isinstance(error, ApiError)
    assert error.message == "Build bld-1 not found"
    assert str(error) == "Build bld-1 not found"
    assert (error.status_code, error.body) == (404, MESSAGE)
    assert error.retry_after is None
    assert "404" in repr(error)


async def test_invalid_json_keeps_raw_body(server: RecordingServer, core: HathoraCloudCore) -> None:
    """A success body that is not JSON gives ResponseValidationError whose raw_value is the text."""
    result = await _classify(core, server, Row("x", "get_build", 200, JSON, "{oops", Ok))
    assert isinstance(result, Err)
    assert isinstance(result.error, ResponseValidationError)
    assert result.error.raw_value == "{oops"
    assert result.error.body == "{oops"


async def test_schema_mismatch_names_the_field(
    server: RecordingServer, core: HathoraCloudCore
) -> None:
    """A schema mismatch keeps the parsed JSON as raw_value and names the offending key."""
    body = build_json(imageSize=5.5)
    result = await _classify(core, server, Row("x", "get_build", 200, JSON, json.dumps(body), Ok))
    assert isinstance(result, Err)
    assert isinstance(result.error, ResponseValidationError)
    assert result.error.raw_value == body
    assert "$.imageSize" in result.error.message


async def test_long_body_shown_on_its_own_line(
    server: RecordingServer, core: HathoraCloudCore
) -> None:
    """An SDKError body over 100 characters follows a newline and is cut at 10,000 characters."""
    body = "x" * 10_050
    result = await _classify(core, server, Row("x", "get_build", 503, "text/plain", body, Ok))
    assert isinstance(result, Err)
    message = result.error.message
    assert message.startswith("API error occurred: Status 503 Content-Type text/plain\nxxx")
    assert message.endswith("...and 50 more chars")


@pytest.mark.parametrize(
    ("status", "expected"),
    [("succeeded", BuildStatus.SUCCEEDED), ("failed", BuildStatus.FAILED), ("paused", "paused")],
)
async def test_status_open_enum(
    server: RecordingServer, core: HathoraCloudCore, status: str, expected: object
) -> None:
    """A known status becomes a BuildStatus; an unknown one is kept as its plain string."""
    body = json.dumps(build_json(status=status))
    result = await _classify(core, server, Row("x", "get_build", 200, JSON, body, Ok))
    build = result.unwrap()
    assert build.status == expected
    assert type(build.status) is type(expected)


async def test_extra_keys_and_integral_floats(
    server: RecordingServer, core: HathoraCloudCore
) -> None:
    """Unknown keys are ignored and an integral float such as 5.0 is accepted as an int."""
    body = json.dumps(build_json(imageSize=5.0, appId="app-1", regionalContainerTags=[]))
    result = await _classify(core, server, Row("x", "get_build", 200, JSON, body, Ok))
    build = result.unwrap()
    assert build.image_size == 5
    assert type(build.image_size) is int


@pytest.mark.parametrize(("header", "seconds"), [("7", 7.0), ("0", 0.0), ("soon", None)])
async def test_retry_after_exposed(
    server: RecordingServer, core: HathoraCloudCore, header: str, seconds: float | None
) -> None:
    """A 429's Retry-After header is exposed in seconds as the error's .retry_after."""
    server.handler = respond(429, json={"message": "slow down"}, headers={"Retry-After": header})
    result = await builds_v3_get_build(core, "b")
    assert isinstance(result, Err)
    assert isinstance(result.error, ApiError)
    assert result.error.retry_after == seconds


async def test_retry_after_http_date(server: RecordingServer, core: HathoraCloudCore) -> None:
    """A Retry-After HTTP date in the past reads as 0 seconds."""
    server.handler = respond(
        503, body="busy", headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}
    )
    result = await builds_v3_get_build(core, "b")
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKError)
    assert result.error.retry_after == 0.0


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "application/octet-stream"),
        ("application/json", "application/json"),
        ("Application/JSON; charset=utf-8", "application/json"),
        ("  application/json  ;charset=utf-8", "application/json"),
        ("application/problem+json", "application/problem+json"),
        ("json", "application/octet-stream"),
        ("a/b/c", "application/octet-stream"),
        ("", "application/octet-stream"),
    ],
)
def test_the_media_type_of_a_content_type_header(header: str | None, expected: str) -> None:
    """Lowercased type/subtype without parameters; octet-stream when missing or malformed,
    whatever aiohttp version is installed."""
    assert media_type(header) == expected
