"""Hooks: async callbacks that see, and may change, every attempt of every API call.

Subclass :class:`Hooks`, override what you need, and pass an instance as
``HathoraCloudCore(hooks=...)``. They mirror the TypeScript SDK's ``beforeRequest``,
``afterSuccess`` and ``afterError`` and run once per attempt, retries included. They are never
applied to presigned upload URLs, which must reach storage exactly as signed. A hook that raises
makes the call return ``Err(UnexpectedClientError)`` with the hook's exception as ``__cause__``.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from .errors import HathoraError

__all__ = ("HookContext", "HookRequest", "HookResponse", "Hooks")


@attrs.frozen(kw_only=True)
class HookContext:
    """What a hook knows about the call it runs in."""

    operation_id: str
    """The operation, as the TypeScript SDK names it (``GetBuild``, ``RunBuild``, ...)."""
    attempt: int
    """1 for the first attempt, 2 for the first retry, ..."""
    base_url: str
    """The server URL the call goes to."""


@attrs.define(kw_only=True)
class HookRequest:
    """The request about to be sent; ``before_request`` may change it or return a new one."""

    method: str
    url: str
    headers: dict[str, str] = attrs.field(repr=False)
    """Request headers (``Authorization`` included; never log them as they are)."""
    body: bytes | None = attrs.field(default=None, repr=False)


@attrs.frozen(kw_only=True)
class HookResponse:
    """A response as hooks see it.

    ``body`` is ``None`` for the open stream of a successful run call: its bytes belong to the
    caller's :class:`~hathora_cloud.streams.BuildLogStream` and are not read by hooks.
    """

    status_code: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes | None = attrs.field(default=None, repr=False)


class Hooks:
    """Base class of request hooks; every method passes its input through unchanged."""

    async def before_request(self, context: HookContext, request: HookRequest) -> HookRequest:
        """Called before each attempt is sent; return the request to send."""
        return request

    async def after_success(self, context: HookContext, response: HookResponse) -> HookResponse:
        """Called for each response below 400; return the response to use.

        A replacement of a streaming success (``body is None``) is ignored.
        """
        return response

    async def after_error(
        self,
        context: HookContext,
        response: HookResponse | None,
        error: HathoraError | None,
    ) -> HookResponse | HathoraError:
        """Called for each 4xx/5xx response (``error`` is ``None``) or transport failure.

        Return a response to classify instead (which may turn a failure into a success), or an
        error to fail the attempt with.
        """
        if response is not None:
            return response
        assert error is not None
        return error
