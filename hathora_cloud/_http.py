"""The one request path: validate → build → authorize → send → retry → classify → structure.

Every API operation goes through :func:`send_json` or :func:`send_stream`, driven only by its
:class:`~hathora_cloud._operations.Operation` description. Nothing here raises for a run-time
failure: transport errors, bad input and bad responses all come back as ``Err``. Cancellation
always propagates.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
import anyio
import attrs

from . import _converter
from ._classify import NotSent, Reply, error_for, read_capped, structure_reply, transport_error
from ._core import HathoraCloudCore, bearer
from ._hooked import attempt_with_hooks
from ._operations import JSON, Operation
from ._validate import check_input
from .errors import (
    HathoraError,
    HTTPConnectionError,
    InvalidRequestError,
    OperationError,
    RequestTimeoutError,
    SDKValidationError,
    UnexpectedClientError,
    parse_retry_after,
)
from .hooks import HookContext
from .result import CallMeta, Err, Ok, Result
from .retries import RequestOptions, RetryConfig, RetryPolicy
from .streams import BuildLogStream

__all__ = ("send_json", "send_stream")

T = TypeVar("T")
H = TypeVar("H")
logger = logging.getLogger("hathora_cloud")
_NO_CONTENT_TYPE = ("Content-Type",)


@attrs.define
class _Request:
    """One prepared request (a plain, unfrozen record: it is built on every call)."""

    method: str
    base: str
    url: str
    path: str
    headers: dict[str, str]
    data: bytes | None
    timeout: aiohttp.ClientTimeout
    seconds: float
    """The call's ``timeout``: one unary attempt, or reading a streaming route's error body."""
    policy: RetryPolicy


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
    assert isinstance(outcome, Reply)
    meta = CallMeta(attempts, outcome.status, outcome.headers)
    if outcome.status != op.success_status or outcome.mimetype != JSON:
        return Err(error_for(op, outcome), meta=meta)
    return structure_reply(op, outcome, meta)


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
    return Err(error_for(op, outcome), meta=CallMeta(attempts, outcome.status, outcome.headers))


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
    problem = check_input(op, path, body, org_id, options)
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
    request = _Request(
        op.method, base, url, route, headers or {}, data, client_timeout, timeout, policy
    )
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
) -> tuple[Reply | aiohttp.ClientResponse | HathoraError, int]:
    """Send with retries; return the last reply (or open stream, or error) and the attempts."""
    policy = request.policy
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            outcome = await _send_once(core, op, request, stream, attempt)
        except asyncio.CancelledError:
            raise
        except HathoraError as error:
            result: Reply | aiohttp.ClientResponse | HathoraError = (
                error.unwrap() if isinstance(error, NotSent) else error
            )
            retry, retry_after = _retries_error(policy, error), None
        else:
            result = outcome
            retry = isinstance(outcome, Reply) and policy.retries_status(outcome.status)
            retry_after = parse_retry_after(outcome.headers.get("Retry-After")) if retry else None
        elapsed = time.monotonic() - started
        wait = None
        if retry and policy.may_retry(attempt, elapsed):
            wait = policy.delay(attempt - 1, retry_after, elapsed)
        if logger.isEnabledFor(logging.DEBUG):
            _log_attempt(op, request, result, attempt, elapsed, wait)
        if wait is None:
            return result, attempt
        await asyncio.sleep(wait)


def _send_once(
    core: HathoraCloudCore, op: Operation[Any], request: _Request, stream: bool, attempt: int
) -> Awaitable[Reply | aiohttp.ClientResponse]:
    """Return one attempt, wrapped in the core's hooks when it has any."""
    if core.hooks is None:
        return _attempt(core, op, request, stream)
    context = HookContext(operation_id=op.operation_id, attempt=attempt, base_url=request.base)
    return attempt_with_hooks(
        core.hooks, context, request, lambda sent: _attempt(core, op, sent, stream)
    )


def _retries_error(policy: RetryPolicy, error: HathoraError) -> bool:
    """Whether a transport failure may be retried (never one that a retry cannot fix)."""
    if isinstance(error, NotSent):
        return not error.permanent and policy.retries_connection_error(reached_server=False)
    return isinstance(error, (HTTPConnectionError, RequestTimeoutError)) and (
        policy.retries_connection_error(reached_server=True)
    )


def _log_attempt(
    op: Operation[Any],
    request: _Request,
    result: Reply | aiohttp.ClientResponse | HathoraError,
    attempt: int,
    elapsed: float,
    wait: float | None,
) -> None:
    # The path only: no query string, no headers (the token lives there).
    status = type(result).__name__ if isinstance(result, HathoraError) else result.status
    retry = f" retry_in={wait:.3f}s" if wait is not None else ""
    logger.debug(
        "%s %s %s -> %s attempt=%d elapsed=%.3fs%s",
        *(op.operation_id, request.method, request.path, status, attempt, elapsed, retry),
    )


async def _attempt(
    core: HathoraCloudCore, op: Operation[Any], request: _Request, stream: bool
) -> Reply | aiohttp.ClientResponse:
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
        raise transport_error(core, exc) from exc
    try:
        if (
            stream
            and response.status == op.success_status
            and (response.content_type == op.success_type)
        ):
            return response
        if stream:
            # An error answer on a streaming route may itself be endless: cap it, in time.
            with anyio.fail_after(request.seconds):
                body = await read_capped(response)
        else:
            body = await response.read()
    except asyncio.CancelledError:
        response.close()
        raise
    except Exception as exc:
        response.close()
        raise transport_error(core, exc) from exc
    response.release()
    return Reply(response.status, response.headers, response.content_type, body)
