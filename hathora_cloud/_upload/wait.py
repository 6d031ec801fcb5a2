"""Polling a build until it has finished (``builds_v3_wait_for_build``)."""

from __future__ import annotations

import anyio

from .. import _checks
from .._core import HathoraCloudCore
from .._operations.builds_v3 import GET_BUILD
from .._request import send_json
from ..errors import OperationError, RequestAbortedError, RequestTimeoutError
from ..models import BuildV3
from ..result import Err, Result
from ..retries import RequestOptions

__all__ = ("wait_for_build",)

_MAX_POLL_FACTOR = 4.0
_POLL_GROWTH = 1.5


async def wait_for_build(
    core: HathoraCloudCore,
    build_id: str,
    *,
    poll_interval: float,
    timeout: float | None,  # noqa: ASYNC109  # the public signature; enforced below
    org_id: str | None,
    options: RequestOptions | None,
) -> Result[BuildV3, OperationError]:
    """Poll ``getBuild`` until the build is terminal, waiting longer between polls over time."""
    problem = _checks.first(
        _checks.seconds("poll_interval", poll_interval),
        _checks.seconds("timeout", timeout, optional=True),
    )
    if problem is not None:
        return Err(problem)
    interval = float(poll_interval)
    with anyio.move_on_after(timeout):
        while True:
            result = await send_json(
                core, GET_BUILD, path={"buildId": build_id}, org_id=org_id, options=options
            )
            if isinstance(result, Err) or result.value.is_terminal:
                return result
            # Sleep until the next poll, or until the core is closed under the wait.
            with anyio.move_on_after(interval):
                await core._closed_event.wait()
            if core.closed:
                return Err(RequestAbortedError(f"waiting for build {build_id}: {_CLOSED}"))
            interval = min(interval * _POLL_GROWTH, poll_interval * _MAX_POLL_FACTOR)
    return Err(RequestTimeoutError(f"build {build_id} did not finish within {timeout:g} seconds"))


_CLOSED = "the HathoraCloudCore was closed"
