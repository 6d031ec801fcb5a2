"""The one request path: validate → build → authorize → send → retry → classify → structure.

Every API operation goes through :func:`send_json` or :func:`send_stream`, driven only by its
:class:`~hathora_cloud._operations.Operation` description. Nothing here raises for a run-time
failure: transport errors, bad input and bad responses all come back as ``Err``. Cancellation
always propagates.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import logging
import time
from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
import attrs

from . import _converter
from ._core import HathoraCloudCore, bearer
from ._operations import JSON, Operation
from .errors import (
    ApiError,
    HathoraError,
    HTTPConnectionError,
    InvalidRequestError,
    OperationError,
    RequestAbortedError,
    RequestTimeoutError,
    ResponseValidationError,
    SDKError,
    SDKValidationError,
    UnexpectedClientError,
    parse_retry_after,
)
from .hooks import HookContext, HookRequest, HookResponse
from .result import CallMeta, Err, Ok, Result
from .retries import RequestOptions, RetryConfig, RetryPolicy, parse_codes
from .streams import BuildLogStream

__all__ = ("send_json", "send_stream")

T = TypeVar("T")
H = TypeVar("H")
logger = logging.getLogger("hathora_cloud")
_ERROR_BODY_LIMIT = 1 << 20
_NO_CONTENT_TYPE = ("Content-Type",)


@attrs.frozen
class _Request:
    method: str
    base: str
    url: str
    path: str
    headers: dict[str, str]
    data: bytes | None
    timeout: aiohttp.ClientTimeout
    policy: RetryPolicy


@attrs.frozen
class _Reply:
    status: int
    headers: Mapping[str, str]
    mimetype: str
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


async def send_json(
    core: HathoraCloudCore,
    op: Operation[T],
    *,
    path: Mapping[str, object] | None = None,
    body: object = None,
    org_id: str | None = None,
    options: RequestOptions | None = None,
) -> Result[T, OperationError]:
    """Run a JSON operation and structure its success body into ``op.response_type``."""
    prepared = _prepare(core, op, path, body, org_id, options, stream=False)
    if isinstance(prepared, _TokenNeeded):
        prepared = await prepared.resolve()
    if isinstance(prepared, Err):
        return prepared
    outcome, attempts = await _exchange(core, op, prepared, stream=False)
    if isinstance(outcome, HathoraError):
        return Err(outcome, meta=CallMeta(attempts))  # type: ignore[arg-type]
    assert isinstance(outcome, _Reply)
    meta = CallMeta(attempts, outcome.status, outcome.headers)
    if outcome.status != op.success_status or outcome.mimetype != JSON:
        return Err(_error_for(op, outcome), meta=meta)
    return _structure(op, outcome, meta)


async def send_stream(
    core: HathoraCloudCore,
    op: Operation[None],
    *,
    path: Mapping[str, object] | None = None,
    body: object = None,
    org_id: str | None = None,
    options: RequestOptions | None = None,
) -> Result[BuildLogStream, OperationError]:
    """Run a streaming operation; a success hands back the open :class:`BuildLogStream`."""
    prepared = _prepare(core, op, path, body, org_id, options, stream=True)
    if isinstance(prepared, _TokenNeeded):
        prepared = await prepared.resolve()
    if isinstance(prepared, Err):
        return prepared
    outcome, attempts = await _exchange(core, op, prepared, stream=True)
    if isinstance(outcome, HathoraError):
        return Err(outcome, meta=CallMeta(attempts))  # type: ignore[arg-type]
    if isinstance(outcome, aiohttp.ClientResponse):
        meta = CallMeta(attempts, outcome.status, outcome.headers)
        return Ok(BuildLogStream(outcome, core), meta=meta)
    return Err(_error_for(op, outcome), meta=CallMeta(attempts, outcome.status, outcome.headers))


def _prepare(
    core: HathoraCloudCore,
    op: Operation[Any],
    path: Mapping[str, object] | None,
    body: object,
    org_id: str | None,
    options: RequestOptions | None,
    *,
    stream: bool,
) -> _Request | _TokenNeeded | Err[OperationError]:
    """Check the input and build the request; nothing is sent here.

    Synchronous on purpose: with a fixed token nothing here needs to wait, and every coroutine
    a call creates costs allocations (and GC time) on the hottest path.
    """
    if not isinstance(core, HathoraCloudCore):
        error = SDKValidationError("core must be a HathoraCloudCore", raw_value=core)  # type: ignore[unreachable]
        return Err(error)
    problem = _check_input(op, path, body, org_id, options)
    if problem is not None:
        return Err(problem)
    options = options or _NO_OPTIONS
    base = (options.server_url or core.server_url).rstrip("/")
    if not base.startswith(("http://", "https://")):
        return Err(InvalidRequestError(f"server_url must be an absolute http(s) URL: {base!r}"))
    route = op.path.format_map({k: _quote(v) for k, v in (path or {}).items()})
    org = org_id if org_id is not None else core.org_id
    url = base + route + ("?orgId=" + _quote(org) if org else "")
    headers = _fixed_headers(core, op, options)
    data = None
    if op.body_type is not None:
        data = json.dumps(_converter.unstructure(body), separators=(",", ":")).encode()
    config = options.retries or core.retry_config
    policy = (
        _policy(config, op.idempotent)
        if options.retry_codes is None
        else RetryPolicy.resolve(config, options.retry_codes, idempotent=op.idempotent)
    )
    timeout = options.timeout or core.timeout
    client_timeout = _client_timeout(timeout, core.stream_idle_timeout if stream else None)
    request = _Request(op.method, base, url, route, headers or {}, data, client_timeout, policy)
    return request if headers is not None else _TokenNeeded(core, op, options, request)


# The pieces below are pure functions of a few hashable settings that rarely change between
# calls; caching them takes their cost (code parsing, timeout and URL building) off every call.
_NO_OPTIONS = RequestOptions()


@functools.lru_cache(maxsize=1024)
def _quote(value: str) -> str:
    return quote(value, safe="")


@functools.lru_cache(maxsize=64)
def _policy(config: RetryConfig | None, idempotent: bool) -> RetryPolicy:
    return RetryPolicy.resolve(config, None, idempotent=idempotent)


@functools.lru_cache(maxsize=64)
def _client_timeout(timeout: float, stream_idle: float | None) -> aiohttp.ClientTimeout:
    if stream_idle is None:
        return aiohttp.ClientTimeout(total=timeout)
    return aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=stream_idle)


def _check_input(
    op: Operation[Any],
    path: Mapping[str, object] | None,
    body: object,
    org_id: object,
    options: object,
) -> SDKValidationError | None:
    for name, value in (path or {}).items():
        if not isinstance(value, str) or not value:
            snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
            return SDKValidationError(f"{snake} must be a non-empty string", raw_value=value)
    if org_id is not None and not isinstance(org_id, str):
        return SDKValidationError("org_id must be a string or None", raw_value=org_id)
    if options is not None and not isinstance(options, RequestOptions):
        return SDKValidationError("options must be a RequestOptions", raw_value=options)
    if options is not None and options.timeout is not None:
        timeout = options.timeout
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            return SDKValidationError("timeout must be a positive number", raw_value=timeout)
    if options is not None and options.retry_codes is not None:
        try:
            parse_codes(options.retry_codes)
        except (TypeError, ValueError) as exc:
            return SDKValidationError(f"retry_codes: {exc}", raw_value=options.retry_codes)
    if op.body_type is not None:
        return _check_body(op.body_type, body)
    return None


def _check_body(body_type: type[object], body: object) -> SDKValidationError | None:
    if not isinstance(body, body_type):
        return SDKValidationError(
            f"expected {body_type.__name__}, got {type(body).__name__}", raw_value=body
        )
    try:
        # Round-trip through the strict converter: every field must have its declared type.
        _converter.structure(_converter.unstructure(body), body_type)
    except Exception as exc:
        wire = _converter.unstructure(body)
        detail = _converter.explain(wire, body_type, exc)
        return SDKValidationError(f"{body_type.__name__}: {detail}", raw_value=body)
    for field in attrs.fields(type(body)):  # type: ignore[arg-type]
        value = getattr(body, field.name)
        if isinstance(value, int) and value < 0:
            return SDKValidationError(f"{field.name} must not be negative", raw_value=body)
        if value == "" and field.default is attrs.NOTHING:
            return SDKValidationError(f"{field.name} must not be empty", raw_value=body)
    return None


def _fixed_headers(
    core: HathoraCloudCore, op: Operation[Any], options: RequestOptions
) -> dict[str, str] | None:
    """Return the headers when the token is fixed, else ``None`` (see :class:`_TokenNeeded`)."""
    token = core._token
    if token is not None and not isinstance(token, str):
        return None
    # A fixed token: the headers only change with the operation's shape (or a new
    # user_agent), so build them once per core; nothing downstream mutates them.
    key = (op.success_type, op.body_type is not None, core.user_agent, token)
    headers = core._header_cache.get(key)
    if headers is None:
        headers = core._header_cache[key] = _build_headers(core, op, bearer(token))
    return {**headers, **options.headers} if options.headers else headers


@attrs.frozen
class _TokenNeeded:
    """A prepared request still waiting for the token callable (called once per call)."""

    core: HathoraCloudCore
    op: Operation[Any]
    options: RequestOptions
    request: _Request

    async def resolve(self) -> _Request | Err[OperationError]:
        try:
            auth = await self.core._auth_header()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = UnexpectedClientError("the hathora_dev_token callable failed")
            error.__cause__ = exc
            return Err(error)
        headers = _build_headers(self.core, self.op, auth)
        if self.options.headers:
            headers.update(self.options.headers)
        return attrs.evolve(self.request, headers=headers)


def _build_headers(core: HathoraCloudCore, op: Operation[Any], auth: str | None) -> dict[str, str]:
    headers = {"Accept": op.success_type, "User-Agent": core.user_agent}
    if op.body_type is not None:
        headers["Content-Type"] = JSON
    if auth is not None:
        headers["Authorization"] = auth
    return headers


async def _exchange(
    core: HathoraCloudCore, op: Operation[Any], request: _Request, *, stream: bool
) -> tuple[_Reply | aiohttp.ClientResponse | HathoraError, int]:
    """Send with retries; return the last reply (or open stream, or error) and the attempts."""
    policy = request.policy
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            outcome: _Reply | aiohttp.ClientResponse = await (
                _attempt(core, op, request, stream)
                if core.hooks is None
                else _attempt_with_hooks(core, op, request, stream, attempt)
            )
        except asyncio.CancelledError:
            raise
        except HathoraError as error:
            not_sent = isinstance(error, _NotSent)
            retry = (
                isinstance(error, (HTTPConnectionError, RequestTimeoutError))
                and not (isinstance(error, _NotSent) and error.permanent)
                and policy.retries_connection_error(reached_server=not not_sent)
            )
            retry_after = None
            result: _Reply | aiohttp.ClientResponse | HathoraError = (
                error.unwrap() if isinstance(error, _NotSent) else error
            )
            status: int | str = type(result).__name__
        else:
            status = outcome.status
            retry = isinstance(outcome, _Reply) and policy.retries_status(outcome.status)
            retry_after = parse_retry_after(outcome.headers.get("Retry-After")) if retry else None
            result = outcome
        elapsed = time.monotonic() - started
        wait = policy.delay(attempt - 1, retry_after, elapsed) if retry else None
        if wait is not None and not policy.may_retry(attempt, elapsed):
            wait = None
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s %s -> %s attempt=%d elapsed=%.3fs%s",
                op.operation_id,
                request.method,
                request.path,
                status,
                attempt,
                elapsed,
                f" retry_in={wait:.3f}s" if wait is not None else "",
            )
        if wait is None:
            return result, attempt
        await asyncio.sleep(wait)


class _NotSent(HTTPConnectionError):
    """A connection failure before any byte of the request left (safe to retry any method).

    ``permanent`` marks failures a retry cannot fix, such as an untrusted certificate.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent

    def unwrap(self) -> HathoraError:
        error = HTTPConnectionError(self.message)
        error.__cause__ = self.__cause__
        return error


async def _attempt(
    core: HathoraCloudCore, op: Operation[Any], request: _Request, stream: bool
) -> _Reply | aiohttp.ClientResponse:
    session = core._get_session()
    try:
        response = await session.request(
            request.method,
            request.url,
            headers=request.headers,
            data=request.data,
            timeout=request.timeout,
            allow_redirects=False,
            # aiohttp labels a body-less POST application/octet-stream; run sends no Content-Type.
            # (It adds none to a GET, so GETs skip building the skip list.)
            skip_auto_headers=(
                _NO_CONTENT_TYPE if request.data is None and request.method != "GET" else None
            ),
        )
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise _transport_error(core, exc) from exc
    try:
        if (
            stream
            and response.status == op.success_status
            and (response.content_type == op.success_type)
        ):
            return response
        body = await _read_body(response, stream, core.timeout)
    except asyncio.CancelledError:
        response.close()
        raise
    except Exception as exc:
        response.close()
        raise _transport_error(core, exc) from exc
    response.release()
    return _Reply(response.status, response.headers, response.content_type, body)


async def _attempt_with_hooks(
    core: HathoraCloudCore, op: Operation[Any], request: _Request, stream: bool, attempt: int
) -> _Reply | aiohttp.ClientResponse:
    """Run one attempt with the core's hooks around it (never used for presigned URLs)."""
    hooks = core.hooks
    assert hooks is not None
    context = HookContext(operation_id=op.operation_id, attempt=attempt, base_url=request.base)
    sent = await _run_hook(
        hooks.before_request(
            context,
            HookRequest(
                method=request.method,
                url=request.url,
                headers=dict(request.headers),
                body=request.data,
            ),
        )
    )
    request = attrs.evolve(
        request, method=sent.method, url=sent.url, headers=sent.headers, data=sent.body
    )
    try:
        outcome = await _attempt(core, op, request, stream)
    except HathoraError as error:
        return _from_hook(await _run_hook(hooks.after_error(context, None, error)))
    if isinstance(outcome, aiohttp.ClientResponse):
        try:
            seen = HookResponse(status_code=outcome.status, headers=outcome.headers)
            await _run_hook(hooks.after_success(context, seen))
        except BaseException:
            outcome.close()
            raise
        return outcome
    seen = HookResponse(status_code=outcome.status, headers=outcome.headers, body=outcome.body)
    if outcome.status >= 400:
        return _from_hook(await _run_hook(hooks.after_error(context, seen, None)))
    return _from_hook(await _run_hook(hooks.after_success(context, seen)))


async def _run_hook(awaitable: Awaitable[H]) -> H:
    try:
        return await awaitable
    except asyncio.CancelledError:
        raise
    except HathoraError:
        raise
    except Exception as exc:
        raise UnexpectedClientError(f"a hook failed: {exc!r}") from exc


def _from_hook(value: HookResponse | HathoraError) -> _Reply:
    if isinstance(value, HathoraError):
        raise value
    raw = value.headers.get("Content-Type")
    mimetype = raw.split(";", 1)[0].strip().lower() if raw else "application/octet-stream"
    return _Reply(value.status_code, value.headers, mimetype, value.body or b"")


async def _read_body(response: aiohttp.ClientResponse, stream: bool, timeout: float) -> bytes:
    if not stream:
        return await response.read()
    # An error answer on a streaming route may itself be endless: read at most 1 MiB, in time.
    chunks: list[bytes] = []
    size = 0
    async with asyncio.timeout(timeout) if hasattr(asyncio, "timeout") else _nullcontext():
        while size < _ERROR_BODY_LIMIT:
            chunk = await response.content.read(_ERROR_BODY_LIMIT - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    return b"".join(chunks)


class _nullcontext:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *_: object) -> None:
        return None


def _transport_error(core: HathoraCloudCore, exc: Exception) -> HathoraError:
    """Map an aiohttp or OS exception onto the SDK's error tree."""
    if isinstance(exc, HathoraError):
        return exc
    if core.closed:
        return RequestAbortedError("the HathoraCloudCore was closed during the request")
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return _NotSent(f"timed out connecting to the server: {exc}")
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return RequestTimeoutError("the request timed out")
    if isinstance(exc, aiohttp.ClientSSLError):
        return _NotSent(f"TLS failed (check the ssl option or CA bundle): {exc}", permanent=True)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return _NotSent(f"cannot connect to the server: {exc}")
    if isinstance(exc, aiohttp.InvalidURL):
        return InvalidRequestError(f"invalid request URL: {exc}")
    if isinstance(exc, (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, OSError)):
        return HTTPConnectionError(f"the connection failed: {exc}")
    return UnexpectedClientError(f"unexpected HTTP client error: {exc!r}")


def _error_for(op: Operation[Any], reply: _Reply) -> ApiError | SDKError | ResponseValidationError:
    """Classify a reply that is not the operation's success (contract §4)."""
    text = reply.body.decode("utf-8", "replace")
    common: dict[str, Any] = {
        "status_code": reply.status,
        "body": text,
        "headers": reply.headers,
        "content_type": reply.content_type,
    }
    if reply.status in op.api_error_statuses and reply.mimetype == JSON:
        try:
            data = json.loads(reply.body)
        except ValueError:
            return ResponseValidationError(
                "Response validation failed: the error body is not valid JSON",
                raw_value=text,
                **common,
            )
        if isinstance(data, dict) and isinstance(data.get("message"), str):
            return ApiError(data["message"] or f"API error occurred: {text}", **common)
        return ResponseValidationError(
            'Response validation failed: the error body has no string "message"',
            raw_value=data,
            **common,
        )
    prefix = (
        "API error occurred" if 400 <= reply.status < 600 else "Unexpected Status or Content-Type"
    )
    return SDKError.from_response(prefix, **common)


def _structure(op: Operation[T], reply: _Reply, meta: CallMeta) -> Result[T, OperationError]:
    # Decoding a large page allocates hundreds of thousands of objects that all survive, and the
    # cyclic GC would traverse them again and again (a quarter of the time for 10,000 builds)
    # although none can be garbage yet. Pause it for large bodies; nothing here awaits.
    paused = len(reply.body) >= _GC_PAUSE_MIN_BYTES and gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _structure_body(op, reply, meta)
    finally:
        if paused:
            gc.enable()


_GC_PAUSE_MIN_BYTES = 1 << 16


def _structure_body(op: Operation[T], reply: _Reply, meta: CallMeta) -> Result[T, OperationError]:
    assert op.response_type is not None
    try:
        data = json.loads(reply.body)
    except ValueError:
        text = reply.body.decode("utf-8", "replace")
        return Err(
            ResponseValidationError(
                "Response validation failed: the body is not valid JSON",
                status_code=reply.status,
                body=text,
                headers=reply.headers,
                content_type=reply.content_type,
                raw_value=text,
            ),
            meta=meta,
        )
    try:
        return Ok(_converter.structure(data, op.response_type), meta=meta)
    except Exception as exc:
        detail = _converter.explain(data, op.response_type, exc)
        error = ResponseValidationError(
            f"Response validation failed: {detail}",
            status_code=reply.status,
            body=reply.body.decode("utf-8", "replace"),
            headers=reply.headers,
            content_type=reply.content_type,
            raw_value=data,
        )
        return Err(error, meta=meta)
