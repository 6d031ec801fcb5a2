"""Building a request: check the input, resolve the route, headers, timeout and retry policy.

Nothing here sends or awaits (except :meth:`TokenNeeded.resolve`, for a token callable): every
coroutine a call creates costs allocations and GC time on the hottest path.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import aiohttp
import attrs
from yarl import URL

from .. import _converter
from .._body import ACCEPT_ENCODING
from .._core import HathoraCloudCore, bearer
from .._operations import JSON, Operation
from .._retry import RetryPolicy, policy_for
from .._transport import Secrets, scrub
from ..errors import InvalidRequestError, OperationError, SDKValidationError, UnexpectedClientError
from ..result import Err
from ..retries import RequestOptions
from .validate import check_input

__all__ = ("Request", "TokenNeeded", "prepare")

NO_OPTIONS = RequestOptions()


@attrs.define
class Request:
    """One prepared request (a plain, unfrozen record: it is built on every call)."""

    method: str
    base: str
    url: URL
    path: str
    """The route without the query string: what logs show."""
    headers: dict[str, str]
    data: bytes | None
    timeout: aiohttp.ClientTimeout
    seconds: float
    """The call's ``timeout``: one unary attempt, or reading a streaming route's error body."""
    policy: RetryPolicy
    max_body: int

    def secrets(self) -> Secrets:
        """What this request must never show (only built when a message is being written)."""
        return Secrets.of(self.headers)


def prepare(
    core: HathoraCloudCore,
    op: Operation[Any],
    path: Mapping[str, object] | None,
    body: object,
    org_id: object,
    options: object,
    query: Mapping[str, object] | None = None,
    *,
    stream: bool = False,
) -> Request | TokenNeeded | Err[OperationError]:
    """Check the input and build the request; nothing is sent here.

    The plainest calls (no options, body or query; a fixed token) are cached per core, keyed by
    their arguments: the same arguments were checked and built before, and a prepared request is
    never changed afterwards (hooks and token callables make copies).
    """
    if not isinstance(core, HathoraCloudCore):
        return Err(SDKValidationError("core must be a HathoraCloudCore", raw_value=core))  # type: ignore[unreachable]
    if core.closed:
        return Err(InvalidRequestError("the HathoraCloudCore is closed"))
    key: tuple[object, ...] | None = None
    if options is None and body is None and query is None and type(core._token) is str:
        key = (op, stream, org_id, *path.values()) if path else (op, stream, org_id)
        try:
            cached = core._prepared.get(key)
        except TypeError:  # an unhashable argument: not cacheable, and checked below
            key = None
        else:
            if cached is not None:
                return cached  # type: ignore[return-value]
    prepared = _prepare(core, op, path, body, org_id, options, query, stream)
    if key is not None and isinstance(prepared, Request):
        if len(core._prepared) >= _MAX_PREPARED:
            core._prepared.clear()
        core._prepared[key] = prepared
    return prepared


_MAX_PREPARED = 512


def _prepare(
    core: HathoraCloudCore,
    op: Operation[Any],
    path: Mapping[str, object] | None,
    body: object,
    org_id: object,
    options: object,
    query: Mapping[str, object] | None,
    stream: bool,
) -> Request | TokenNeeded | Err[OperationError]:
    if op.path_defaults and path is not None:
        path = _with_defaults(core, op, path)
    problem = check_input(op, path, body, org_id, options, query)
    if problem is not None:
        return Err(problem)
    options = options if options is not None else NO_OPTIONS
    assert isinstance(options, RequestOptions)
    token = core._token
    if token is None and not _has_authorization(options):
        return Err(_missing_token())
    base = options.server_url.rstrip("/") if options.server_url else core.server_url
    route = op.path.format_map({k: _quote(v) for k, v in (path or {}).items()})
    url = _url(base, route, _query_string(core, op, org_id, query))
    if url is None:
        return Err(InvalidRequestError("server_url is not a usable http(s) URL"))
    headers = _fixed_headers(core, op, options)
    data = None
    if op.body_type is not None:
        data = json.dumps(_converter.unstructure(body), separators=(",", ":")).encode()
    config = options.retries or core.retry_config
    codes = options.retry_codes
    policy = policy_for(config, tuple(codes) if codes is not None else None, op.idempotent)
    timeout = options.timeout or core.timeout
    request = Request(
        op.method,
        base,
        url,
        route,
        headers or {},
        data,
        _client_timeout(timeout, core.stream_idle_timeout if stream else None),
        timeout,
        policy,
        core.max_response_bytes,
    )
    return request if headers is not None else TokenNeeded(core, op, options, request)


def _with_defaults(
    core: HathoraCloudCore, op: Operation[Any], path: Mapping[str, object]
) -> Mapping[str, object]:
    filled = dict(path)
    for name, attribute in op.path_defaults:
        if filled.get(name) is None:
            filled[name] = getattr(core, attribute)
    return filled


def _has_authorization(options: RequestOptions) -> bool:
    return bool(options.headers) and any(
        name.lower() == "authorization"
        for name in options.headers  # type: ignore[union-attr]
    )


def _missing_token() -> SDKValidationError:
    return SDKValidationError(
        "no developer token: pass HathoraCloudCore(hathora_dev_token=...) or set the "
        "HATHORA_TOKEN environment variable; nothing was sent"
    )


def _query_string(
    core: HathoraCloudCore,
    op: Operation[Any],
    org_id: object,
    query: Mapping[str, object] | None,
) -> str:
    parts = []
    if query:
        values = [(name, query.get(name)) for name in op.query]
        parts = [f"{name}={_quote(value)}" for name, value in values if isinstance(value, str)]
    if op.org_scoped:
        org = org_id if org_id is not None else core.org_id
        if isinstance(org, str) and org:
            parts.append("orgId=" + _quote(org))
    return "?" + "&".join(parts) if parts else ""


# The pieces below are pure functions of a few hashable settings that rarely change between
# calls; caching them takes their cost (quoting, URL parsing, timeouts) off every call.


@functools.lru_cache(maxsize=1024)
def _quote(value: str) -> str:
    # Everything but unreserved characters is escaped; a value of "." or ".." is escaped too:
    # it must stay one path segment, never be resolved as a relative path.
    if value in (".", ".."):
        return value.replace(".", "%2E")
    return quote(value, safe="")


@functools.lru_cache(maxsize=1024)
def _url(base: str, route: str, query: str) -> URL | None:
    """The request URL, exactly as encoded here (no re-quoting, no dot-segment removal)."""
    try:
        url = URL(base + route + query, encoded=True)
    except (TypeError, ValueError):
        return None
    if url.scheme not in ("http", "https") or not url.host:
        return None
    return url


@functools.lru_cache(maxsize=64)
def _client_timeout(timeout: float, stream_idle: float | None) -> aiohttp.ClientTimeout:
    if stream_idle is None:
        return aiohttp.ClientTimeout(total=timeout)
    return aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=stream_idle)


def _fixed_headers(
    core: HathoraCloudCore, op: Operation[Any], options: RequestOptions
) -> dict[str, str] | None:
    """Return the headers when the token is fixed, else ``None`` (see :class:`TokenNeeded`)."""
    token = core._token
    if token is not None and not isinstance(token, str):
        return None
    # A fixed token: the headers only change with the operation's shape (or a new
    # user_agent), so build them once per core; nothing downstream mutates them.
    key = (op.success_type, op.body_type is not None, core.user_agent, token)
    headers = core._header_cache.get(key)
    if headers is None:
        headers = core._header_cache[key] = build_headers(core, op, bearer(token))
    return {**headers, **options.headers} if options.headers else headers


@attrs.frozen
class TokenNeeded:
    """A prepared request still waiting for the token callable (called once per call)."""

    core: HathoraCloudCore
    op: Operation[Any]
    options: RequestOptions
    request: Request

    async def resolve(self) -> Request | Err[OperationError]:
        """Call the token callable and finish the headers."""
        try:
            auth = await self.core._auth_header()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = UnexpectedClientError("the hathora_dev_token callable failed")
            error.__cause__ = scrub(exc)
            return Err(error)
        if auth is None and not _has_authorization(self.options):
            return Err(_missing_token())
        headers = build_headers(self.core, self.op, auth)
        if self.options.headers:
            headers.update(self.options.headers)
        return attrs.evolve(self.request, headers=headers)


def build_headers(core: HathoraCloudCore, op: Operation[Any], auth: str | None) -> dict[str, str]:
    """The SDK's own headers for ``op`` (the caller's ``options.headers`` go on top)."""
    headers = {
        "Accept": op.success_type,
        "Accept-Encoding": ACCEPT_ENCODING,
        "User-Agent": core.user_agent,
    }
    if op.body_type is not None:
        headers["Content-Type"] = JSON
    if auth is not None:
        headers["Authorization"] = auth
    return headers
