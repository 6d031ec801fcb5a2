"""No secret in any string: a hostile server echoes the token and presigned queries back at us.

Attacks tried (each against every operation, on a real socket), and what must hold:

| attack (every operation, real socket) | outcome |
| --- | --- |
| malformed status line carrying the token | `Err(HTTPConnectionError)`, no token anywhere |
| malformed or oversized header carrying the token | `Err(HTTPConnectionError)`, no token |
| broken chunked encoding carrying the token | `Err(HTTPConnectionError)`, no token |
| body cut short, or corrupt gzip, carrying the token | an `Err`, no token |
| JSON `message`, HTML page, wrongly typed field echoing it | an `Err`, token redacted |
| redirect whose Location carries the token | `Err(SDKError)`, not followed, no token |
| unexpected success reply carrying presigned URLs | no presigned query string anywhere |
| storage errors quoting the signed request | `Err(UploadError)`, no signature anywhere |
| (every presigned request) | no `Authorization` header ever sent to storage |

"Anywhere" is: ``str``/``repr`` of the error, ``traceback.format_exception`` (the whole
``__cause__``/``__context__`` chain), ``repr`` of the result and its meta, and every log record the
SDK wrote at DEBUG, formatted with its exception info. (The CLI's output: tests/test_cli*.py.)
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Awaitable, Callable

import pytest

from hathora_cloud import Err, HathoraCloudCore, Ok, RetryConfig
from hathora_cloud.errors import HathoraError
from hathora_cloud.funcs import (
    builds_v3_create_build,
    builds_v3_create_build_registry,
    builds_v3_delete_build,
    builds_v3_get_build,
    builds_v3_get_builds,
    builds_v3_run_build,
    builds_v3_run_build_registry,
    builds_v3_upload_build,
)
from hathora_cloud.models import CreateBuildV3Params, CreateMultipartBuildParams, RegistryConfig
from hathora_cloud.result import Result
from hathora_cloud.streams import BuildLogStream
from hathora_cloud.testing import make_tarball

from ._hostile import RawRequest, Script, echo, hostile, response
from ._server import build_json

pytestmark = pytest.mark.anyio

TOKEN = "tok-SECRET-7f3a9c21e8"
SIGNATURE = "SIG-SECRET-5e2b91"
CREDENTIAL = "CRED-SECRET-aa01"
SECRETS = (TOKEN, SIGNATURE, CREDENTIAL)

Call = Callable[[HathoraCloudCore], Awaitable[Result[object, HathoraError]]]
OPERATIONS: dict[str, Call] = {
    "GetBuilds": lambda core: builds_v3_get_builds(core),
    "CreateBuild": lambda core: builds_v3_create_build(
        core, CreateMultipartBuildParams(build_size_in_bytes=10)
    ),
    "GetBuild": lambda core: builds_v3_get_build(core, "bld-1"),
    "DeleteBuild": lambda core: builds_v3_delete_build(core, "bld-1"),
    "CreateBuildRegistry": lambda core: builds_v3_create_build_registry(
        core, CreateBuildV3Params()
    ),
    "RunBuild": lambda core: builds_v3_run_build(core, "bld-1"),
    "RunBuildRegistry": lambda core: builds_v3_run_build_registry(
        core, "bld-1", RegistryConfig(image="img", auth="registry-SECRET")
    ),
}

_JSON = "Content-Type: application/json\r\n"


def _json_message(request: RawRequest) -> bytes:
    body = json.dumps({"message": f"bad token {request.authorization}"}).encode()
    return response("401 Unauthorized", body, headers=[("Content-Type", "application/json")])


MALFORMED: dict[str, Script] = {
    "status line": echo("HTTP/1.1 2X0 {auth}\r\n\r\n"),
    "header line": echo(f"HTTP/1.1 200 OK\r\n{_JSON}{{auth}}\r\nContent-Length: 2\r\n\r\n{{}}"),
    "oversized header": echo("HTTP/1.1 200 OK\r\nX-Big: " + "a" * 70_000 + "{auth}\r\n\r\n"),
    "chunk size": echo(f"HTTP/1.1 200 OK\r\n{_JSON}Transfer-Encoding: chunked\r\n\r\n{{auth}}\r\n"),
    "cut body": echo(f'HTTP/1.1 200 OK\r\n{_JSON}Content-Length: 900\r\n\r\n{{"a": "{{auth}}'),
    "corrupt gzip": echo(
        f"HTTP/1.1 200 OK\r\n{_JSON}Content-Encoding: gzip\r\n\r\n{{auth}}" + " " * 18
    ),
    "json message": _json_message,
    "html page": echo("HTTP/1.1 500 Oops\r\nContent-Type: text/html\r\n\r\n<h1>{auth}</h1>"),
    "redirect": echo(
        "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/?t={auth}\r\nContent-Length: 0\r\n\r\n"
    ),
    "typed field": echo(
        "HTTP/1.1 200 OK\r\n" + _JSON + "\r\n"
        '{"builds": [{"buildId": 7, "imageSize": "{auth}"}], "buildId": "{auth}", '
        '"imageSize": "{auth}", "createdAt": "{auth}"}'
    ),
}


def _surfaces(result: Result[object, HathoraError], caplog: pytest.LogCaptureFixture) -> str:
    """Every string the SDK produced for this call, joined."""
    texts = [repr(result), repr(result.meta)]
    if isinstance(result, Err):
        error = result.error
        texts += [str(error), repr(error), "".join(traceback.format_exception(error))]
        seen: set[int] = set()
        link: BaseException | None = error
        while link is not None and id(link) not in seen:
            seen.add(id(link))
            texts += [str(link), repr(link), repr(link.args)]
            link = link.__cause__ or link.__context__
    formatter = logging.Formatter("%(message)s")
    texts += [formatter.format(record) for record in caplog.records]
    return "\n".join(texts)


async def _consume(result: Result[object, HathoraError]) -> Result[object, HathoraError]:
    """Read a stream to its end; an error while reading becomes the result to inspect."""
    if isinstance(result, Ok) and isinstance(result.value, BuildLogStream):
        async with result.value as stream:
            try:
                async for _ in stream:
                    pass
            except HathoraError as error:
                return Err(error)
    return result


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("attack", list(MALFORMED))
async def test_no_secret_surfaces_from_a_malformed_reply(
    operation: str, attack: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever the server sends, no string the SDK produces contains the token."""
    script = MALFORMED[attack]
    caplog.set_level(logging.DEBUG, logger="hathora_cloud")
    async with (
        hostile(script) as server,
        HathoraCloudCore(
            hathora_dev_token=TOKEN, server_url=server.url, retry_config=_ONE_RETRY
        ) as core,
    ):
        result = await _consume(await OPERATIONS[operation](core))
    assert server.requests, "the attack never ran"
    assert server.requests[0].authorization == f"Bearer {TOKEN}"
    # An empty model (DeletedBuild) fits any JSON object: that one attack is a success.
    assert isinstance(result, Err) or (attack, operation) == ("typed field", "DeleteBuild")
    text = _surfaces(result, caplog)
    for secret in SECRETS:
        assert secret not in text


_ONE_RETRY = RetryConfig(max_attempts=2)


def _stream_breaking(request: RawRequest) -> bytes:
    head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    return (head + "5\r\nhello\r\n" + f"{request.authorization}\r\n").encode()


@pytest.mark.parametrize("operation", ["RunBuild", "RunBuildRegistry"])
async def test_no_secret_from_a_stream_broken_mid_log(
    operation: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A log stream whose chunking breaks with the token in it fails without showing it."""
    caplog.set_level(logging.DEBUG, logger="hathora_cloud")
    async with (
        hostile(_stream_breaking) as server,
        HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url) as core,
    ):
        result = await _consume(await OPERATIONS[operation](core))
    assert isinstance(result, Err)
    assert TOKEN not in _surfaces(result, caplog)


def _presigned(server_url: str, count: int = 1) -> dict[str, object]:
    query = f"X-Amz-Credential={CREDENTIAL}&X-Amz-Signature={SIGNATURE}"
    return build_json(
        completeUploadPostRequestUrl=f"{server_url}/complete?uploadId=u1&{query}",
        maxChunkSize=1 << 20,
        uploadParts=[
            {"partNumber": n, "putRequestUrl": f"{server_url}/part{n}?{query}"}
            for n in range(1, count + 1)
        ],
    )


def _storage(put: str, complete: str = "") -> Callable[[RawRequest], bytes]:
    """An API that creates builds with presigned URLs to itself, and a hostile storage."""

    def script(request: RawRequest) -> bytes:
        method, target = request.line.split(" ")[:2]
        if method == "POST" and target.startswith("/builds/v3/builds"):
            base = "http://" + request.headers["host"]
            body = json.dumps(_presigned(base)).encode()
            return response("201 Created", body, headers=[("Content-Type", "application/json")])
        if method == "DELETE":
            body = json.dumps(build_json()).encode()
            return response("200 OK", body, headers=[("Content-Type", "application/json")])
        if method == "PUT":
            return echo(put)(request)
        return echo(complete)(request)

    return script


STORAGE = {
    "status line quoting the request": ("HTTP/1.1 2X0 {line}\r\n\r\n", ""),
    "XML error quoting the signature": (
        "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\n\r\n<Error><Code>"
        "SignatureDoesNotMatch</Code><Message>signed {target} ({query})</Message></Error>",
        "",
    ),
    "500 quoting the URL": (
        "HTTP/1.1 500 Oops\r\n\r\n<Error><Message>{target}</Message></Error>",
        "",
    ),
    "200 without an ETag": ("HTTP/1.1 200 OK\r\nX-Echo: {query}\r\nContent-Length: 0\r\n\r\n", ""),
    "completion error quoting the URL": (
        'HTTP/1.1 200 OK\r\nETag: "e1"\r\nContent-Length: 0\r\n\r\n',
        "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n\r\n<Error><Code>InternalError"
        "</Code><Message>at http://s3{target}</Message></Error>",
    ),
}


@pytest.mark.parametrize("attack", list(STORAGE))
async def test_no_presigned_query_surfaces_from_a_hostile_storage(
    attack: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Storage failures quoting the signed URL give Err(UploadError) without any signature."""
    put, complete = STORAGE[attack]
    caplog.set_level(logging.DEBUG, logger="hathora_cloud")
    async with (
        hostile(_storage(put, complete)) as server,
        HathoraCloudCore(
            hathora_dev_token=TOKEN, server_url=server.url, retry_config=_ONE_RETRY
        ) as core,
    ):
        result = await builds_v3_upload_build(core, make_tarball({"Dockerfile": "FROM x\n"}))
    assert isinstance(result, Err), result
    assert any(r.line.startswith("PUT ") for r in server.requests)
    for request in server.requests:
        if not request.target.startswith("/builds/"):
            assert "authorization" not in request.headers
    text = _surfaces(result, caplog)
    for secret in SECRETS:
        assert secret not in text


async def test_unexpected_create_reply_hides_presigned_queries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A createBuild answered 200 (not 201) with presigned URLs: SDKError shows no query string."""

    def script(request: RawRequest) -> bytes:
        body = json.dumps(_presigned("https://s3.example", count=3)).encode()
        return response("200 OK", body, headers=[("Content-Type", "application/json")])

    caplog.set_level(logging.DEBUG, logger="hathora_cloud")
    async with (
        hostile(script) as server,
        HathoraCloudCore(hathora_dev_token=TOKEN, server_url=server.url) as core,
    ):
        result = await OPERATIONS["CreateBuild"](core)
    assert isinstance(result, Err)
    assert "Status 200" in str(result.error)
    text = _surfaces(result, caplog)
    for secret in SECRETS:
        assert secret not in text
