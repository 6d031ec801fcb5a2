"""``builds_v3_run_build``: run an uploaded build and stream its log."""

from __future__ import annotations

from .._core import HathoraCloudCore
from .._operations.builds_v3 import RUN_BUILD
from .._request import send_stream
from ..errors import OperationError
from ..result import Result
from ..retries import RequestOptions
from ..streams import BuildLogStream

__all__ = ("builds_v3_run_build",)


async def builds_v3_run_build(
    core: HathoraCloudCore,
    build_id: str,
    *,
    org_id: str | None = None,
    options: RequestOptions | None = None,
) -> Result[BuildLogStream, OperationError]:
    """Run an uploaded build and stream its log (``POST /builds/v3/builds/{buildId}/run``).

    Args:
        core: The configured core.
        build_id: The build's id.
        org_id: The ``orgId`` query parameter; defaults to the core's.
        options: Per-call overrides (timeout, retries, server URL, headers).

    Returns:
        ``Ok`` with the open log stream; use it with ``async with``.

    Errors:
        ApiError: The service answered 400, 401, 404, 408, 422, 429 and 500 with a message.
        SDKError: Any other error status, or an unexpected status or content type.
        ResponseValidationError: The body did not fit the schema.
        SDKValidationError: Invalid input; nothing was sent.
        HTTPClientError: A transport failure (connection, timeout, closed core).
    """
    return await send_stream(
        core, RUN_BUILD, path={"buildId": build_id}, org_id=org_id, options=options
    )
