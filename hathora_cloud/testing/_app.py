"""The aiohttp application: routes, request recording, fault injection and bearer auth."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable

import attrs
from aiohttp import hdrs, web

from . import _api, _deployments, _run, _s3
from ._context import CURRENT_REQUEST, EMULATOR_KEY, Emulator, RequestInfo
from ._faults import FaultRule, is_streaming
from ._schema_fault import break_response
from ._state import FaultKind, RecordedRequest
from ._wire import json_error

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_BUILDS = "/builds/v3/builds"
_DEPLOYMENTS = "/deployments/v3/apps/{app_id}/deployments"
_ROUTES: tuple[tuple[str, str, Handler, str], ...] = (
    ("GET", _BUILDS, _api.handle_list_builds, "GetBuilds"),
    ("POST", _BUILDS, _api.handle_create_build, "CreateBuild"),
    ("POST", f"{_BUILDS}/registry", _api.handle_create_registry_build, "CreateBuildRegistry"),
    ("GET", f"{_BUILDS}/{{build_id}}", _api.handle_get_build, "GetBuild"),
    ("DELETE", f"{_BUILDS}/{{build_id}}", _api.handle_delete_build, "DeleteBuild"),
    ("POST", f"{_BUILDS}/{{build_id}}/run", _run.handle_run_build, "RunBuild"),
    ("POST", f"{_BUILDS}/{{build_id}}/runRegistry", _run.handle_run_registry, "RunBuildRegistry"),
    ("PUT", "/_s3/uploads/{upload_id}/parts/{part:[0-9]+}", _s3.handle_upload_part, "UploadPart"),
    ("POST", "/_s3/uploads/{upload_id}/complete", _s3.handle_complete, "CompleteUpload"),
    ("GET", "/_share/builds/{build_id}", _api.handle_share_page, "SharePage"),
    ("GET", _DEPLOYMENTS, _deployments.handle_list, "GetDeployments"),
    ("POST", _DEPLOYMENTS, _deployments.handle_create, "CreateDeployment"),
    # Registered before the {deployment_id} route, which would otherwise take "latest".
    ("GET", f"{_DEPLOYMENTS}/latest", _deployments.handle_latest, "GetLatestDeployment"),
    ("GET", f"{_DEPLOYMENTS}/{{deployment_id}}", _deployments.handle_get, "GetDeployment"),
)
_CREATED = frozenset({"CreateBuild", "CreateBuildRegistry", "CreateDeployment"})
_ORG_SCOPED = frozenset(name for _, path, _, name in _ROUTES if path.startswith(_BUILDS))
_AUTHENTICATED = _ORG_SCOPED | {
    name for _, path, _, name in _ROUTES if path.startswith(_DEPLOYMENTS)
}
_HTML_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
)


def create_app(emulator: Emulator) -> web.Application:
    """Return the emulator's aiohttp application bound to ``emulator``."""
    app = web.Application(middlewares=[_middleware], client_max_size=1024**3)
    app[EMULATOR_KEY] = emulator
    for method, path, handler, name in _ROUTES:
        app.router.add_route(method, path, handler, name=name)
    app.on_response_prepare.append(_strip_content_type)
    return app


async def _strip_content_type(request: web.Request, response: web.StreamResponse) -> None:
    if isinstance(response, _run.UntypedStreamResponse):
        response.headers.popall(hdrs.CONTENT_TYPE, None)


def _record(request: web.Request, operation: str) -> RecordedRequest:
    auth = request.headers.get(hdrs.AUTHORIZATION)
    scheme = None if auth is None else (auth.split(" ", 1)[0] or None)
    redacted = f"{scheme or ''} [REDACTED]".strip()
    headers = {
        key: redacted if key.lower() == "authorization" else value
        for key, value in request.headers.items()
    }
    return RecordedRequest(
        operation=operation,
        method=request.method,
        path=request.path,
        query=dict(request.query),
        headers=headers,
        has_authorization=auth is not None,
        auth_scheme=scheme,
        body_length=request.content_length or 0,
    )


@web.middleware
async def _middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    emulator = request.app[EMULATOR_KEY]
    info = RequestInfo(request.match_info.route.name or "Unknown")
    context_token = CURRENT_REQUEST.set(info)
    index = len(emulator.requests)
    emulator.requests.append(_record(request, info.operation))
    status: int | None = None
    try:
        try:
            response = await _serve(request, handler, emulator, info)
        except web.HTTPException as exc:  # no route, wrong method: answer in the API's format
            response = _error_for(request, exc)
        dropped = info.fault is not None and info.fault.kind is FaultKind.DROP
        status = None if dropped else response.status
        if request.body_exists and not request.content.is_eof() and not response.prepared:
            response.force_close()  # refused unread (too large, wrong framing): no keep-alive
        return response
    finally:
        CURRENT_REQUEST.reset(context_token)
        emulator.requests[index] = attrs.evolve(
            emulator.requests[index],
            body_length=emulator.requests[index].body_length
            if info.body_length is None
            else info.body_length,
            fault=None if info.fault is None else info.fault.kind,
            status=status,
        )


async def _serve(
    request: web.Request, handler: Handler, emulator: Emulator, info: RequestInfo
) -> web.StreamResponse:
    fault = None if info.operation == "Unknown" else emulator.faults.take(info.operation)
    info.fault = fault
    if fault is not None:
        if fault.delay > 0:
            await asyncio.sleep(fault.delay)
        early = _answer_instead(request, fault, info.operation)
        if early is not None:
            return early
    if info.operation in _AUTHENTICATED:
        rejected = _check_auth(request, emulator)
        if rejected is not None:
            return rejected
    response = await handler(request)
    if fault is not None and fault.kind is FaultKind.INVALID_SCHEMA:
        if isinstance(response, web.Response):
            return break_response(response, info.operation, fault.schema_mode, fault.field)
        return response
    cut = fault is not None and fault.kind is FaultKind.CUT_STREAM
    if cut and not is_streaming(info.operation) and isinstance(response, web.Response):
        return await _send_half(request, response)
    return response


def _check_auth(request: web.Request, emulator: Emulator) -> web.Response | None:
    """Check the bearer token and, on BuildsV3 routes, the optional ``orgId`` query parameter."""
    header = request.headers.get(hdrs.AUTHORIZATION, "")
    if not header:
        return json_error(401, "Unauthorized: missing Authorization bearer token")
    scheme, _, value = header.partition(" ")
    token = emulator.config.token.encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token):
        return json_error(401, "Unauthorized: invalid token")
    org_id = request.query.get("orgId", "")
    operation = request.match_info.route.name
    if org_id and operation in _ORG_SCOPED and org_id != emulator.config.org_id:
        return json_error(404, f"Organization not found: {org_id[:200]}")
    return None


def _error_for(request: web.Request, exc: web.HTTPException) -> web.Response:
    """Answer an aiohttp-raised error (404 no route, 405...) as the API or S3 would."""
    headers = {hdrs.ALLOW: exc.headers[hdrs.ALLOW]} if hdrs.ALLOW in exc.headers else {}
    if request.path.startswith("/_s3/"):
        code = {404: "NoSuchKey", 405: "MethodNotAllowed"}.get(exc.status, "InvalidRequest")
        response = _s3.s3_error(exc.status, code)
    else:
        response = json_error(exc.status, f"{exc.reason}: {request.method} {request.path[:200]}")
    response.headers.update(headers)
    return response


def _answer_instead(
    request: web.Request, fault: FaultRule, operation: str
) -> web.StreamResponse | None:
    """Return the response a status/drop/malformed fault sends instead of handling the call."""
    if fault.kind is FaultKind.DROP:
        _run.abort_connection(request)
        return web.Response(status=499)
    if fault.kind is FaultKind.MALFORMED_JSON:
        # The operation's own success status, so that a client gets as far as parsing the body.
        status = 201 if operation in _CREATED else 200
        return web.Response(
            status=status, text='{"buildId": "bld-', content_type="application/json"
        )
    if fault.kind is not FaultKind.STATUS:
        return None
    headers = {} if fault.retry_after is None else {hdrs.RETRY_AFTER: fault.retry_after}
    status = fault.status
    if fault.body == "html":
        reason = web.Response(status=status).reason
        page = _HTML_PAGE.format(status=status, reason=reason)
        return web.Response(status=status, text=page, content_type="text/html", headers=headers)
    if fault.body == "xml":
        xml = _s3.s3_error_xml("SlowDown" if status == 503 else "InternalError")
        return web.Response(
            status=status, text=xml, content_type="application/xml", headers=headers
        )
    if fault.body == "empty":
        return web.Response(status=status, headers=headers)
    response = json_error(status, f"Injected fault: HTTP {status}")
    response.headers.update(headers)
    return response


async def _send_half(request: web.Request, response: web.Response) -> web.StreamResponse:
    """Send ``response``'s status, headers and first half of its body, then abort."""
    body = response.body if isinstance(response.body, bytes) else b""
    partial = web.StreamResponse(status=response.status, headers=response.headers)
    partial.content_length = len(body)
    await partial.prepare(request)
    await partial.write(body[: len(body) // 2])
    _run.abort_connection(request)
    return partial
