"""One attempt of an API call wrapped in the core's hooks (never used for presigned URLs)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
import attrs
from yarl import URL

from .._transport import Secrets, redact, scrub
from ..errors import HathoraError, UnexpectedClientError
from ..hooks import HookContext, HookRequest, HookResponse, Hooks
from .classify import Reply, media_type
from .prepare import Request

__all__ = ("attempt_with_hooks",)

H = TypeVar("H")


async def attempt_with_hooks(
    hooks: Hooks,
    context: HookContext,
    request: Request,
    send: Callable[[Request], Awaitable[Reply | aiohttp.ClientResponse]],
    secrets: Secrets,
) -> Reply | aiohttp.ClientResponse:
    """Run ``before_request``, send, then ``after_success`` or ``after_error``.

    A hook may change the request, replace the response or the error; one that raises, or
    returns something other than what it must, makes the attempt fail with
    :class:`UnexpectedClientError`.
    """
    url = str(request.url)
    hook_request = HookRequest(
        method=request.method, url=url, headers=dict(request.headers), body=request.data
    )
    sent = await _run_hook(hooks.before_request(context, hook_request), secrets, HookRequest)
    try:
        target = request.url if sent.url == url else URL(sent.url)
    except (TypeError, ValueError):
        raise UnexpectedClientError("before_request returned an unusable URL") from None
    request = attrs.evolve(
        request, method=sent.method, url=target, headers=sent.headers, data=sent.body
    )
    try:
        outcome = await send(request)
    except HathoraError as error:
        return _from_hook(await _after_error(hooks.after_error(context, None, error), secrets))
    if isinstance(outcome, aiohttp.ClientResponse):
        try:
            seen = HookResponse(status_code=outcome.status, headers=outcome.headers)
            await _run_hook(hooks.after_success(context, seen), secrets, HookResponse)
        except BaseException:
            outcome.close()
            raise
        return outcome
    seen = HookResponse(status_code=outcome.status, headers=outcome.headers, body=outcome.body)
    if outcome.status >= 400:
        return _from_hook(await _after_error(hooks.after_error(context, seen, None), secrets))
    return _from_hook(await _run_hook(hooks.after_success(context, seen), secrets, HookResponse))


async def _after_error(
    awaitable: Awaitable[HookResponse | HathoraError], secrets: Secrets
) -> HookResponse | HathoraError:
    return await _run_hook(awaitable, secrets, (HookResponse, HathoraError))


async def _run_hook(
    awaitable: Awaitable[H], secrets: Secrets, expected: type[H] | tuple[type, ...]
) -> H:
    try:
        value = await awaitable
    except asyncio.CancelledError:
        raise
    except HathoraError:
        raise
    except Exception as exc:
        # A hook sees the request headers: whatever it raises is scrubbed like a transport error.
        text = redact(str(exc), secrets)
        error = UnexpectedClientError(f"a hook failed: {type(exc).__name__}: {text}")
        raise error from scrub(exc, secrets)
    if not isinstance(value, expected):
        raise UnexpectedClientError(f"a hook returned {type(value).__name__}")
    return value


def _from_hook(value: HookResponse | HathoraError) -> Reply:
    if isinstance(value, HathoraError):
        raise value
    mimetype = media_type(value.headers.get("Content-Type") or None)
    return Reply(value.status_code, value.headers, mimetype, value.body or b"")
