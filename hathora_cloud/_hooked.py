"""One attempt of an API call wrapped in the core's hooks (never used for presigned URLs)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol, TypeVar

import aiohttp
import attrs

from ._classify import Reply
from .errors import HathoraError, UnexpectedClientError
from .hooks import HookContext, HookRequest, HookResponse, Hooks

__all__ = ("attempt_with_hooks",)

H = TypeVar("H")


class _Sendable(Protocol):
    @property
    def method(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def data(self) -> bytes | None: ...


R = TypeVar("R", bound=_Sendable)


async def attempt_with_hooks(
    hooks: Hooks,
    context: HookContext,
    request: R,
    send: Callable[[R], Awaitable[Reply | aiohttp.ClientResponse]],
) -> Reply | aiohttp.ClientResponse:
    """Run ``before_request``, send, then ``after_success`` or ``after_error``.

    A hook may change the request, replace the response or the error; one that raises makes the
    attempt fail with :class:`UnexpectedClientError`.
    """
    hook_request = HookRequest(
        method=request.method, url=request.url, headers=dict(request.headers), body=request.data
    )
    sent = await _run_hook(hooks.before_request(context, hook_request))
    request = attrs.evolve(  # type: ignore[misc]
        request, method=sent.method, url=sent.url, headers=sent.headers, data=sent.body
    )
    try:
        outcome = await send(request)
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


def _from_hook(value: HookResponse | HathoraError) -> Reply:
    if isinstance(value, HathoraError):
        raise value
    raw = value.headers.get("Content-Type")
    mimetype = raw.split(";", 1)[0].strip().lower() if raw else "application/octet-stream"
    return Reply(value.status_code, value.headers, mimetype, value.body or b"")
