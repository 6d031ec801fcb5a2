"""What each of the seven operations puts on the wire, and what it makes of the answer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

import attrs
import pytest

from hathora_cloud import Err, HathoraCloudCore, Ok, RequestOptions, Result
from hathora_cloud.errors import SDKValidationError
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
    BuildPart,
    BuildStatus,
    BuildsV3Page,
    BuildV3,
    CreateBuildV3Params,
    CreatedBuildV3WithMultipartUrls,
    CreateMultipartBuildParams,
    DeletedBuild,
    RegistryConfig,
)
from hathora_cloud.streams import BuildLogStream

from ._server import Handler, RecordingServer, build_json, created_json, respond, serve

pytestmark = pytest.mark.anyio

TOKEN = "tok-secret-123"
Call = Callable[..., Awaitable[Result[Any, Any]]]


@attrs.frozen
class Op:
    """One operation as the tests drive it."""

    name: str
    call: Call
    method: str
    path: str
    reply: Handler
    accept: str
    body: Any


_ID = "a/b c"
_ENC = "a%2Fb%20c"
OPS = [
    Op(
        "get_builds",
        lambda core, **kw: builds_v3_get_builds(core, **kw),
        "GET",
        "/builds/v3/builds",
        respond(200, json={"builds": [build_json()]}),
        "application/json",
        None,
    ),
    Op(
        "create_build",
        lambda core, **kw: builds_v3_create_build(
            core, CreateMultipartBuildParams(build_size_in_bytes=10, build_tag="v1"), **kw
        ),
        "POST",
        "/builds/v3/builds",
        respond(201, json=created_json()),
        "application/json",
        {"buildSizeInBytes": 10, "buildTag": "v1"},
    ),
    Op(
        "get_build",
        lambda core, **kw: builds_v3_get_build(core, _ID, **kw),
        "GET",
        f"/builds/v3/builds/{_ENC}",
        respond(200, json=build_json()),
        "application/json",
        None,
    ),
    Op(
        "delete_build",
        lambda core, **kw: builds_v3_delete_build(core, _ID, **kw),
        "DELETE",
        f"/builds/v3/builds/{_ENC}",
        respond(200, json={}),
        "application/json",
        None,
    ),
    Op(
        "create_build_registry",
        lambda core, **kw: builds_v3_create_build_registry(
            core, CreateBuildV3Params(build_id="bld-x"), **kw
        ),
        "POST",
        "/builds/v3/builds/registry",
        respond(201, json=build_json()),
        "application/json",
        {"buildId": "bld-x"},
    ),
    Op(
        "run_build",
        lambda core, **kw: builds_v3_run_build(core, _ID, **kw),
        "POST",
        f"/builds/v3/builds/{_ENC}/run",
        respond(200, body=b"line\n"),
        "application/octet-stream",
        None,
    ),
    Op(
        "run_build_registry",
        lambda core, **kw: builds_v3_run_build_registry(
            core, _ID, RegistryConfig(image="img:1", registry_url="reg.io"), **kw
        ),
        "POST",
        f"/builds/v3/builds/{_ENC}/runRegistry",
        respond(200, body=b"line\n"),
        "application/octet-stream",
        {"image": "img:1", "registryUrl": "reg.io"},
    ),
]
BODY_OPS = {"create_build", "create_build_registry", "run_build_registry"}


@pytest.fixture
async def server() -> AsyncIterator[RecordingServer]:
    """A recording server answering 200 {} until a test sets its handler."""
    async with serve() as running:
        yield running


@pytest.fixture
async def core(server: RecordingServer) -> AsyncIterator[HathoraCloudCore]:
    """A core with a token and no org id, pointed at the recording server."""
    async with HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url) as made:
        yield made


async def _run(op: Op, core: HathoraCloudCore, **kwargs: Any) -> Result[Any, Any]:
    """Call the operation and close a returned log stream."""
    result = await op.call(core, **kwargs)
    if isinstance(result, Ok) and isinstance(result.value, BuildLogStream):
        await result.value.aclose()
    return result


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's environment out of the wire tests."""
    for name in ("HATHORA_TOKEN", "HATHORA_ORG_ID", "HATHORA_CLOUD_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
async def test_wire_request(op: Op, server: RecordingServer, core: HathoraCloudCore) -> None:
    """Each operation sends its method, encoded path, Accept, auth, UA and body per the contract."""
    server.handler = op.reply
    result = await _run(op, core)
    assert result.ok, result
    (request,) = server.requests
    assert (request.method, request.path, request.query) == (op.method, op.path, "")
    assert request.headers["Accept"] == op.accept
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["User-Agent"].startswith("hathora-cloud-python/")
    assert "Cookie" not in request.headers
    if op.name in BODY_OPS:
        assert request.headers["Content-Type"] == "application/json"
        assert request.json() == op.body
    else:
        assert "Content-Type" not in request.headers
        assert request.body == b""


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
async def test_org_id_per_call_beats_core(op: Op, server: RecordingServer) -> None:
    """A per-call org_id replaces the core's in the orgId query parameter."""
    server.handler = op.reply
    async with HathoraCloudCore(
        hathora_dev_token=TOKEN, server_url=server.url, org_id="org-core"
    ) as core:
        assert (await _run(op, core, org_id="org call/&=1")).ok
        assert (await _run(op, core)).ok
    queries = [parse_qs(r.query, keep_blank_values=True) for r in server.requests]
    assert queries == [{"orgId": ["org call/&=1"]}, {"orgId": ["org-core"]}]


@pytest.mark.parametrize(
    ("core_org", "call_org"), [(None, None), ("", None), (None, ""), ("org-core", "")]
)
async def test_org_id_omitted_when_unset_or_empty(
    server: RecordingServer, core_org: str | None, call_org: str | None
) -> None:
    """No orgId is sent when neither side sets one, or when the chosen value is empty."""
    server.handler = respond(200, json=build_json())
    async with HathoraCloudCore(
        hathora_dev_token=TOKEN, server_url=server.url, org_id=core_org
    ) as core:
        assert (await builds_v3_get_build(core, "b", org_id=call_org)).ok
    assert server.requests[0].query == ""


@pytest.mark.parametrize("token", ["Bearer abc", "bearer abc", "BEARER abc"])
async def test_bearer_prefix_not_doubled(server: RecordingServer, token: str) -> None:
    """A token that already starts with "Bearer " is sent as is."""
    async with HathoraCloudCore(hathora_dev_token=token, server_url=server.url) as core:
        await builds_v3_get_builds(core)
    assert server.requests[0].headers["Authorization"] == token


async def test_no_token_is_a_local_error(server: RecordingServer) -> None:
    """Without a token (argument or env) the call is Err(SDKValidationError) and sends nothing."""
    async with HathoraCloudCore(server_url=server.url) as core:
        result = await builds_v3_get_builds(core)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert "hathora_dev_token" in result.error.message
    assert "HATHORA_TOKEN" in result.error.message
    assert server.requests == []


async def test_own_authorization_header_needs_no_token(server: RecordingServer) -> None:
    """An Authorization header given in options stands in for the token: the call goes out."""
    server.handler = respond(200, json={"builds": []})
    options = RequestOptions(headers={"Authorization": "Bearer from-options"})
    async with HathoraCloudCore(server_url=server.url) as core:
        result = await builds_v3_get_builds(core, options=options)
    assert result == Ok(BuildsV3Page(builds=()))
    assert server.requests[0].headers["Authorization"] == "Bearer from-options"


async def test_token_callable_returning_nothing_is_a_local_error(server: RecordingServer) -> None:
    """A token callable that returns an empty string is Err(SDKValidationError), nothing sent."""
    async with HathoraCloudCore(server_url=server.url, hathora_dev_token=lambda: "") as core:
        result = await builds_v3_get_builds(core)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert server.requests == []


async def test_async_token_callable_resolved_per_call(server: RecordingServer) -> None:
    """An async token callable is awaited on every call and its value sent as a bearer token."""
    tokens = iter(["t1", "Bearer t2"])

    async def token() -> str:
        return next(tokens)

    server.handler = respond(200, json={"builds": []})
    async with HathoraCloudCore(hathora_dev_token=token, server_url=server.url) as core:
        await builds_v3_get_builds(core)
        await builds_v3_get_builds(core)
    assert [r.headers["Authorization"] for r in server.requests] == ["Bearer t1", "Bearer t2"]


async def test_custom_user_agent(server: RecordingServer) -> None:
    """The core's user_agent is sent as the User-Agent header."""
    async with HathoraCloudCore(
        hathora_dev_token=TOKEN, server_url=server.url, user_agent="my-bot/1.0"
    ) as core:
        await builds_v3_get_builds(core)
    assert server.requests[0].headers["User-Agent"] == "my-bot/1.0"


async def test_per_call_headers_override(server: RecordingServer, core: HathoraCloudCore) -> None:
    """RequestOptions(headers=...) adds headers and overrides the SDK's, Authorization included."""
    server.handler = respond(200, json=build_json())
    options = RequestOptions(headers={"Authorization": "Token other", "X-Trace": "42"})
    assert (await builds_v3_get_build(core, "b", options=options)).ok
    headers = server.requests[0].headers
    assert headers["Authorization"] == "Token other"
    assert headers["X-Trace"] == "42"
    assert headers["Accept"] == "application/json"


async def test_server_url_prefix_and_per_call_override(server: RecordingServer) -> None:
    """A base URL with a path prefix keeps it; RequestOptions(server_url=...) replaces the base."""
    server.handler = respond(200, json={"builds": []})
    async with HathoraCloudCore(
        hathora_dev_token=TOKEN, server_url=server.url + "/prefix/"
    ) as core:
        assert (await builds_v3_get_builds(core)).ok
        options = RequestOptions(server_url=server.url + "/other")
        assert (await builds_v3_get_builds(core, options=options)).ok
    assert [r.path for r in server.requests] == [
        "/prefix/builds/v3/builds",
        "/other/builds/v3/builds",
    ]


async def test_create_build_registry_without_params_sends_empty_object(
    server: RecordingServer, core: HathoraCloudCore
) -> None:
    """create_build_registry with no params posts the JSON object {}."""
    server.handler = respond(201, json=build_json())
    assert (await builds_v3_create_build_registry(core)).ok
    assert server.requests[0].body == b"{}"
    assert server.requests[0].headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("make_call", "expected"),
    [
        (
            lambda core: builds_v3_create_build(
                core, CreateMultipartBuildParams(build_size_in_bytes=0)
            ),
            {"buildSizeInBytes": 0},
        ),
        (
            lambda core: builds_v3_create_build(
                core,
                CreateMultipartBuildParams(build_size_in_bytes=7, build_id="bld-9", build_tag="t"),
            ),
            {"buildSizeInBytes": 7, "buildId": "bld-9", "buildTag": "t"},
        ),
        (
            lambda core: builds_v3_create_build_registry(core, CreateBuildV3Params(build_tag="t")),
            {"buildTag": "t"},
        ),
        (
            lambda core: builds_v3_run_build_registry(
                core, "b", RegistryConfig(image="i", registry_url="r", auth="s3cret")
            ),
            {"image": "i", "registryUrl": "r", "auth": "s3cret"},
        ),
        (
            lambda core: builds_v3_run_build_registry(core, "b", RegistryConfig(image="i")),
            {"image": "i"},
        ),
    ],
)
async def test_json_body_camel_case_without_unset_fields(
    server: RecordingServer,
    core: HathoraCloudCore,
    make_call: Callable[[HathoraCloudCore], Awaitable[Result[Any, Any]]],
    expected: dict[str, Any],
) -> None:
    """Request bodies use camelCase keys and leave out optional fields that are not set."""

    async def reply(request: Any) -> Any:
        status = 200 if request.path.endswith("runRegistry") else 201
        if status == 200:
            return await respond(200, body=b"")(request)
        body = created_json() if request.path == "/builds/v3/builds" else build_json()
        return await respond(201, json=body)(request)

    server.handler = reply
    result = await make_call(core)
    if isinstance(result, Ok) and isinstance(result.value, BuildLogStream):
        await result.value.aclose()
    assert result.ok, result
    assert server.requests[0].json() == expected


async def test_get_builds_result(server: RecordingServer, core: HathoraCloudCore) -> None:
    """get_builds structures every build of the page, in order."""
    server.handler = respond(
        200, json={"builds": [build_json(buildId="b1"), build_json(buildId="b2", status="x")]}
    )
    page = (await builds_v3_get_builds(core)).unwrap()
    assert isinstance(page, BuildsV3Page)
    assert [(b.build_id, b.status) for b in page.builds] == [
        ("b1", BuildStatus.CREATED),
        ("b2", "x"),
    ]


async def test_get_build_result_values(server: RecordingServer, core: HathoraCloudCore) -> None:
    """get_build returns a BuildV3 with tz-aware datetimes, enum status and optional fields."""
    server.handler = respond(
        200,
        json=build_json(
            buildId="bld-7",
            status="succeeded",
            startedAt="2024-05-01T10:00:01.5+02:00",
            finishedAt="2024-05-01T10:05:00.123456789Z",
            imageSize=12345,
            buildTag="v2",
            shareUrl="https://x/y",
            appId="extra-key-ignored",
        ),
    )
    build = (await builds_v3_get_build(core, "bld-7")).unwrap()
    assert isinstance(build, BuildV3)
    assert build.build_id == "bld-7"
    assert build.status is BuildStatus.SUCCEEDED
    assert build.created_at == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)
    assert build.started_at == datetime(
        2024, 5, 1, 10, 0, 1, 500000, tzinfo=timezone(timedelta(hours=2))
    )
    assert build.finished_at == datetime(2024, 5, 1, 10, 5, 0, 123456, tzinfo=timezone.utc)
    assert build.deleted_at is None
    assert (build.image_size, build.build_tag, build.share_url) == (12345, "v2", "https://x/y")
    assert build.content_hash is None


async def test_create_build_result_values(server: RecordingServer, core: HathoraCloudCore) -> None:
    """create_build returns the build with int part numbers and chunk size (floats accepted)."""
    server.handler = respond(
        201,
        json=created_json(
            maxChunkSize=1024.0,
            uploadParts=[{"partNumber": 1.0, "putRequestUrl": "http://s3.invalid/p1"}],
        ),
    )
    params = CreateMultipartBuildParams(build_size_in_bytes=100)
    created = (await builds_v3_create_build(core, params)).unwrap()
    assert isinstance(created, CreatedBuildV3WithMultipartUrls)
    assert created.max_chunk_size == 1024
    assert type(created.max_chunk_size) is int
    assert created.upload_parts == (
        BuildPart(part_number=1, put_request_url="http://s3.invalid/p1"),
    )
    assert type(created.upload_parts[0].part_number) is int
    assert created.complete_upload_post_request_url == "http://s3.invalid/complete?sig=1"


async def test_delete_build_result(server: RecordingServer, core: HathoraCloudCore) -> None:
    """delete_build returns DeletedBuild for {} and ignores any keys in it."""
    server.handler = respond(200, json={"anything": 1})
    assert (await builds_v3_delete_build(core, "b")).unwrap() == DeletedBuild()


async def test_create_build_registry_result(
    server: RecordingServer, core: HathoraCloudCore
) -> None:
    """create_build_registry returns the new BuildV3."""
    server.handler = respond(201, json=build_json(buildId="bld-r", buildTag="t"))
    build = (await builds_v3_create_build_registry(core)).unwrap()
    assert (type(build), build.build_id, build.build_tag) == (BuildV3, "bld-r", "t")


@pytest.mark.parametrize("op", [o for o in OPS if o.name.startswith("run")], ids=lambda o: o.name)
async def test_run_result_is_stream(
    op: Op, server: RecordingServer, core: HathoraCloudCore
) -> None:
    """The run operations return an open BuildLogStream with the log lines."""
    server.handler = respond(200, body=b"step 1\nstep 2\n")
    result = await op.call(core)
    assert isinstance(result, Ok)
    async with result.value as log:
        assert isinstance(log, BuildLogStream)
        assert [line async for line in log] == ["step 1", "step 2"]
    assert log.status_code == 200


async def test_unencodable_path_or_org_id_is_a_validation_error(core: HathoraCloudCore) -> None:
    """A build_id or org_id that is not valid Unicode (a lone surrogate) is Err, not a raise."""
    for build_id, org_id in (("\udc80", None), ("b", "org-\udc80")):
        result = await builds_v3_get_build(core, build_id, org_id=org_id)
        assert isinstance(result, Err)
        assert isinstance(result.error, SDKValidationError)
