"""No secret in anything the CLI prints: a hostile server echoes the token and presigned URLs.

The token (``Authorization`` header) and the query strings of presigned upload URLs must not
reach stdout or stderr, with or without ``--verbose`` (whose tracebacks are included).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aiohttp import web

from tests._cli import EXAMPLES, TOKEN, background_server, hostile_build, in_process
from tests._server import Handler

SIGNATURE = "sig-9f8e7d6c5b4a"
"""The secret part of the presigned URLs the hostile server hands out."""


def _echo(status: int, shape: str) -> Callable[[str], web.StreamResponse]:
    """Return a responder that puts the request's Authorization header into its body."""

    def answer(auth: str) -> web.StreamResponse:
        if shape == "json":
            return web.json_response({"message": f"invalid credentials: {auth}"}, status=status)
        if shape == "malformed":  # a 200 that does not fit the model, echoing the header
            return web.json_response({"builds": [{"buildId": auth}], "echo": auth})
        if shape == "not-json":
            return web.Response(status=status, text=f"<html>{auth}</html>")
        return web.Response(status=status, text=f"denied for {auth}", content_type="text/plain")

    return answer


def echoing(status: int, shape: str) -> Handler:
    """Answer every API call with ``status`` and a body that echoes the Authorization header."""
    answer = _echo(status, shape)

    async def handler(request: web.Request) -> web.StreamResponse:
        return answer(request.headers.get("Authorization", ""))

    return handler


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capfdbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run the CLI in this process with the token in the environment: code, stdout, stderr."""
    return in_process(capfdbinary, monkeypatch)


CASES = {
    "401-json": (401, "json", ["builds", "list"]),
    "404-json": (404, "json", ["builds", "get", "bld-1"]),
    "400-text": (400, "text", ["builds", "create", "--registry"]),
    "422-html": (422, "not-json", ["builds", "delete", "--yes", "bld-1"]),
    "200-malformed": (200, "malformed", ["builds", "list"]),
    "200-not-json": (200, "not-json", ["builds", "get", "bld-1"]),
    "deployments-401-json": (401, "json", ["deployments", "list", "--app-id", "app-1"]),
    "deployments-404-text": (404, "text", ["deployments", "get", "dep-1", "--app-id", "app-1"]),
    "deployments-200-malformed": (200, "malformed", ["deployments", "latest", "--app-id", "a"]),
    "deploy-401-json": (
        401,
        "json",
        ["deploy", str(EXAMPLES / "game-server"), "--app-id", "app-1", "--from-latest"],
    ),
}


@pytest.mark.parametrize("verbose", [[], ["--verbose"]], ids=["quiet", "verbose"])
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_an_echoed_token_is_never_printed(
    case: tuple[int, str, list[str]], verbose: list[str], run: Run
) -> None:
    """An error or malformed body echoing the Authorization header never shows the token."""
    status, shape, command = case
    with background_server(echoing(status, shape)) as server:
        code, out, err = run("--server-url", server.url, *verbose, *command)
    assert code == 3, err
    assert "hathora-cloud: error:" in err
    if shape != "malformed":  # the SDK repeats these bodies: the echo arrives, redacted
        assert "<redacted>" in err or "Bearer ***" in err
    assert TOKEN not in out + err
    if verbose:
        assert "Traceback" in err


def _presigned(echo_url: bool) -> Handler:
    """A server whose presigned part upload fails 403 with an S3 error echoing the URL."""

    async def handler(request: web.Request) -> web.StreamResponse:
        base = str(request.url.origin())
        if request.method == "POST" and request.path == "/builds/v3/builds":
            created = hostile_build(
                buildTag="v1",
                orgId="org-1",
                createdBy="me",
                status="created",
                completeUploadPostRequestUrl=f"{base}/s3/done?X-Amz-Signature={SIGNATURE}",
                maxChunkSize=64 * 1024 * 1024,
                uploadParts=[
                    {"partNumber": 1, "putRequestUrl": f"{base}/s3/1?X-Amz-Signature={SIGNATURE}"}
                ],
            )
            return web.json_response(created, status=201)
        if request.method == "DELETE":
            return web.json_response({})
        echoed = str(request.url) if echo_url else request.query_string
        xml = (
            "<Error><Code>SignatureDoesNotMatch</Code>"
            f"<Message>signature mismatch for {echoed}</Message></Error>"
        )
        return web.Response(status=403, text=xml, content_type="application/xml")

    return handler


@pytest.mark.parametrize("verbose", [[], ["--verbose"]], ids=["quiet", "verbose"])
@pytest.mark.parametrize(
    "echo_url",
    [True, False],
    ids=["whole-url", "bare-query"],
)
def test_presigned_query_strings_are_never_printed(
    echo_url: bool, verbose: list[str], run: Run
) -> None:
    """A failed part upload whose S3 error quotes the presigned URL never shows its signature."""
    with background_server(_presigned(echo_url)) as server:
        code, out, err = run(
            "--server-url", server.url, *verbose, "builds", "upload", str(EXAMPLES / "game-server")
        )
    assert code == 3, err
    assert "upload failed at part 1" in err
    assert SIGNATURE not in out + err
    assert TOKEN not in out + err
