"""``builds_v3_wait_for_build``: poll a build until it has finished."""

from __future__ import annotations

from .._core import HathoraCloudCore
from .._upload import wait_for_build
from ..errors import OperationError
from ..models import BuildV3
from ..result import Result
from ..retries import RequestOptions

__all__ = ("builds_v3_wait_for_build",)


async def builds_v3_wait_for_build(
    core: HathoraCloudCore,
    build_id: str,
    *,
    poll_interval: float = 2.0,
    timeout: float | None = None,
    org_id: str | None = None,
    options: RequestOptions | None = None,
) -> Result[BuildV3, OperationError]:
    """Poll ``GET /builds/v3/builds/{buildId}`` until the build is terminal.

    The wait between polls starts at ``poll_interval`` and grows by half each time, up to four
    times ``poll_interval``. A failed poll is returned as is (each poll has its own retries).

    Args:
        core: The configured core.
        build_id: The build's id.
        poll_interval: Seconds between the first polls.
        timeout: Seconds to wait in total; ``None`` waits as long as the build runs.
        org_id: The ``orgId`` query parameter; defaults to the core's.
        options: Per-call overrides of each poll (timeout, retries, server URL, headers).

    Returns:
        ``Ok`` with the build once it is ``succeeded`` or ``failed`` (or has ``finished_at``).

    Errors:
        RequestTimeoutError: ``timeout`` passed before the build finished.
        ApiError: A poll got a documented error status (such as 404).
        SDKError: A poll got an unexpected status or content type.
        ResponseValidationError: A poll's body did not fit the schema.
        SDKValidationError: Invalid input; nothing was sent.
        HTTPClientError: A poll failed in transport, or the core is closed.
    """
    return await wait_for_build(
        core,
        build_id,
        poll_interval=poll_interval,
        timeout=timeout,
        org_id=org_id,
        options=options,
    )
