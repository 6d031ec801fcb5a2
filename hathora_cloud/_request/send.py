"""The one request path: prepare → authorize → send → retry → classify → structure.

Every API operation goes through :func:`send_json` or :func:`send_stream`, driven only by its
:class:`~hathora_cloud._operations.Operation` description. Nothing here raises for a run-time
failure: transport errors, bad input and bad responses all come back as ``Err``. Cancellation by
the caller always propagates; a cancellation caused by closing the core is reported as
``RequestAbortedError`` (see :func:`~hathora_cloud._transport.is_phantom_cancel`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import anyio

from .. import _retry
from .._body import (
    ERROR_BODY_LIMIT,
    BodyTooLarge,
    Decoder,
    UndecodableBody,
    read_body,
    readable_at_once,
)
from .._construct import fast_meta
from .._core import HathoraCloudCore
from .._operations import JSON, Operation
from .._retry import RetryPolicy
from .._transport import Failure, is_phantom_cancel, transport_failure
from ..errors import HathoraError, OperationError, RequestAbortedError, SDKError
from ..hooks import HookContext
from ..result import CallMeta, Err, Ok, Result
from .classify import Reply, error_for, media_type
from .hooked import attempt_with_hooks
from .prepare import Request, TokenNeeded, prepare
from .structure import LARGE_BODY, invalid, structure_large_reply, structure_reply

if TYPE_CHECKING:
    from ..streams import BuildLogStream

__all__ = ("send_json", "send_stream")

T = TypeVar("T")
logger = logging.getLogger("hathora_cloud")
_NO_CONTENT_TYPE = ("Content-Type",)
Outcome = Reply | aiohttp.ClientResponse | HathoraError


async def send_json(
    core: HathoraCloudCore,
    op: Operation[T],
    *,
    path: Mapping[str, object] | None = None,
    body: object = None,
    org_id: str | None = None,
    options: object = None,
    query: Mapping[str, object] | None = None,
) -> Result[T, OperationError]:
    """Run a JSON operation and structure its success body into ``op.response_type``."""
    prepared = prepare(core, op, path, body, org_id, options, query)
    if isinstance(prepared, TokenNeeded):
        prepared = await prepared.resolve()
    if isinstance(prepared, Err):
        return prepared
    # _exchange's first attempt, written out here: one coroutine less on every call.
    started = time.monotonic()
    try:
        outcome: Outcome = await _send_once(core, op, prepared, False, 1)
    except HathoraError as error:
        outcome = error
    attempts = 1
    if not _final(prepared, outcome):
        outcome, attempts = await _retries(core, op, prepared, False, outcome, started)
    if isinstance(outcome, HathoraError):
        return Err(outcome, meta=CallMeta(attempts))  # type: ignore[arg-type]
    assert isinstance(outcome, Reply)
    meta = fast_meta(attempts, outcome.status, outcome.headers)
    if outcome.status != op.success_status or outcome.mimetype != JSON:
        return Err(error_for(op, outcome, prepared.secrets()), meta=meta)
    if len(outcome.body) >= LARGE_BODY:  # a page of thousands: never hold the loop long
        return await structure_large_reply(op, outcome, meta, prepared.secrets)
    return structure_reply(op, outcome, meta, prepared.secrets)


async def send_stream(
    core: HathoraCloudCore,
    op: Operation[None],
    *,
    path: Mapping[str, object] | None = None,
    body: object = None,
    org_id: str | None = None,
    options: object = None,
) -> Result[BuildLogStream, OperationError]:
    """Run a streaming operation; a success hands back the open :class:`BuildLogStream`."""
    prepared = prepare(core, op, path, body, org_id, options, stream=True)
    if isinstance(prepared, TokenNeeded):
        prepared = await prepared.resolve()
    if isinstance(prepared, Err):
        return prepared
    outcome, attempts = await _exchange(core, op, prepared, True)
    if isinstance(outcome, HathoraError):
        return Err(outcome, meta=CallMeta(attempts))  # type: ignore[arg-type]
    meta = CallMeta(attempts, outcome.status, outcome.headers)
    if isinstance(outcome, aiohttp.ClientResponse):
        from ..streams import BuildLogStream  # only streaming calls need it: kept off the import

        return Ok(BuildLogStream(outcome, core), meta=meta)
    return Err(error_for(op, outcome, prepared.secrets()), meta=meta)


async def _exchange(
    core: HathoraCloudCore, op: Operation[Any], request: Request, stream: bool
) -> tuple[Outcome, int]:
    """Send, retrying as the policy says; return the last outcome and the attempts made.

    The first attempt is made here, not in the retry engine: most calls need exactly one, and
    the engine's coroutine would cost every call its allocation.
    """
    started = time.monotonic()
    try:
        first: Outcome = await _send_once(core, op, request, stream, 1)
    except HathoraError as error:
        first = error
    if _final(request, first):
        return first, 1
    return await _retries(core, op, request, stream, first, started)


def _final(request: Request, first: Outcome) -> bool:
    """Whether the first attempt's outcome stands: no retry wanted, no attempt log to write."""
    return _judge(request.policy, first) is False and not logger.isEnabledFor(logging.DEBUG)


async def _retries(
    core: HathoraCloudCore,
    op: Operation[Any],
    request: Request,
    stream: bool,
    first: Outcome,
    started: float,
) -> tuple[Outcome, int]:
    """Hand the first attempt's outcome to the retry engine for the attempts that follow."""
    policy = request.policy

    async def attempt(number: int) -> Outcome:
        try:
            return await _send_once(core, op, request, stream, number)
        except HathoraError as error:
            return error

    return await _retry.run(
        policy,
        attempt,
        functools.partial(_judge, policy),
        first=first,
        started=started,
        describe=functools.partial(_log_attempt, op, request),
        interrupt=core._closed_event,
    )


def _judge(policy: RetryPolicy, outcome: Outcome) -> float | bool:
    if isinstance(outcome, Reply):
        if not policy.retries_status(outcome.status):
            return False
        after = _retry.retry_after(outcome.headers.get("Retry-After"))
        return True if after is None else after
    if isinstance(outcome, HathoraError):
        kind = getattr(outcome, "_failure_kind", None)
        return kind is not None and policy.retries_failure(kind)
    return False  # an open stream: never retried once its response began


def _send_once(
    core: HathoraCloudCore, op: Operation[Any], request: Request, stream: bool, attempt: int
) -> Awaitable[Reply | aiohttp.ClientResponse]:
    """Return one attempt, wrapped in the core's hooks when it has any."""
    if core.hooks is None:
        return _attempt(core, op, request, stream)
    context = HookContext(operation_id=op.operation_id, attempt=attempt, base_url=request.base)
    return attempt_with_hooks(
        core.hooks,
        context,
        request,
        lambda sent: _attempt(core, op, sent, stream),
        request.secrets(),
    )


def _log_attempt(
    op: Operation[Any],
    request: Request,
    result: Outcome,
    attempt: int,
    elapsed: float,
    wait: float | None,
) -> None:
    if not logger.isEnabledFor(logging.DEBUG):
        return
    # The path only: no query string, no headers (the token lives there).
    status = type(result).__name__ if isinstance(result, HathoraError) else result.status
    retry = f" retry_in={wait:.3f}s" if wait is not None else ""
    if wait is not None and _retry.is_testing():
        retry += " (skipped: testing)"
    logger.debug(
        "%s %s %s -> %s attempt=%d elapsed=%.3fs%s",
        *(op.operation_id, request.method, request.path, status, attempt, elapsed, retry),
    )


def _failed(core: HathoraCloudCore, exc: BaseException, request: Request) -> HathoraError:
    failure = transport_failure(exc, aborted=core.closed, secrets=request.secrets())
    error = failure.error
    error._failure_kind = failure.kind  # type: ignore[attr-defined]  # read by _judge
    return error


def _aborted() -> RequestAbortedError:
    error = RequestAbortedError("the request was aborted: the HathoraCloudCore was closed")
    error._failure_kind = Failure.ABORTED  # type: ignore[attr-defined]
    return error


async def _attempt(
    core: HathoraCloudCore, op: Operation[Any], request: Request, stream: bool
) -> Reply | aiohttp.ClientResponse:
    """Make one attempt; raise the ``HathoraError`` it failed with.

    Errors are raised outside the ``except`` blocks on purpose: raised inside, they would carry
    the raw aiohttp exception (and the request headers in it) as ``__context__``.
    """
    if core.closed:
        raise _aborted()
    session = core._get_session()
    try:
        response = await session.request(
            request.method,
            request.url,
            headers=request.headers,
            data=request.data,
            timeout=request.timeout,
            allow_redirects=False,
            auto_decompress=False,  # bounded decoding: see hathora_cloud._body
            # aiohttp labels a body-less POST application/octet-stream; run sends no Content-Type.
            # (It adds none to a GET, so GETs skip building the skip list.)
            skip_auto_headers=(
                _NO_CONTENT_TYPE if request.data is None and request.method != "GET" else None
            ),
        )
    except asyncio.CancelledError:
        if not is_phantom_cancel(core.closed):
            raise
        failure: HathoraError = _aborted()
    except Exception as exc:
        failure = _failed(core, exc, request)
    else:
        try:
            return await _receive(op, request, response, stream)
        except asyncio.CancelledError:
            response.close()
            if not is_phantom_cancel(core.closed):
                raise
            failure = _aborted()
        except HathoraError as error:
            response.close()
            failure = error
        except Exception as exc:
            response.close()
            failure = _failed(core, exc, request)
    raise failure


async def _receive(
    op: Operation[Any], request: Request, response: aiohttp.ClientResponse, stream: bool
) -> Reply | aiohttp.ClientResponse:
    """Read what the response holds: the open stream, a capped JSON body, or an error body."""
    status = response.status
    content_type = media_type(response.headers.get("Content-Type"))
    if status == op.success_status and content_type == op.success_type:
        if stream:
            # Our own exceptions below carry no request data: raising inside is harmless.
            try:
                Decoder.for_response(response)
            except UndecodableBody as exc:
                raise _undecodable(response, str(exc)) from None
            return response
        try:
            if readable_at_once(response, request.max_body):
                body = await response.read()  # read_body's common case, one coroutine less
            else:
                body = await read_body(response, request.max_body, truncate=False)
        except BodyTooLarge:
            raise _too_large(response, request.max_body) from None
        except UndecodableBody as exc:
            raise _undecodable(response, str(exc)) from None
    elif stream:
        # An error answer on a streaming route may itself be endless: capped in time too.
        with anyio.fail_after(request.seconds):
            body = await read_body(response, ERROR_BODY_LIMIT, truncate=True)
    else:
        body = await read_body(response, ERROR_BODY_LIMIT, truncate=True)
    if response.content.at_eof():
        response.release()
    else:
        response.close()  # a truncated body: drop the connection rather than drain it
    return Reply(status, response.headers, content_type, body)


def _too_large(response: aiohttp.ClientResponse, limit: int) -> HathoraError:
    reply = Reply(
        response.status, response.headers, media_type(response.headers.get("Content-Type")), b""
    )
    return invalid(
        reply,
        f"the body is larger than max_response_bytes ({limit} bytes); raise "
        "HathoraCloudCore(max_response_bytes=...) if responses this big are expected",
        None,
    )


def _undecodable(response: aiohttp.ClientResponse, detail: str) -> HathoraError:
    return SDKError.from_response(
        f"Unexpected Content-Encoding ({detail})",
        status_code=response.status,
        body="",
        headers=response.headers,
        content_type=response.headers.get("Content-Type", ""),
    )
