"""``builds_v3_get_build``: get one build."""

from __future__ import annotations

from .._core import HathoraCloudCore
from .._operations.builds_v3 import GET_BUILD
from .._request import send_json
from ..errors import OperationError
from ..models import BuildV3
from ..result import Result
from ..retries import RequestOptions

__all__ = ("builds_v3_get_build",)


async def builds_v3_get_build(
    core: HathoraCloudCore,
    build_id: str,
    *,
    org_id: str | None = None,
    options: RequestOptions | None = None,
) -> Result[BuildV3, OperationError]:
    """Get one build (``GET /builds/v3/builds/{buildId}``).

    Args:
        core: The configured core.
        build_id: The build's id.
        org_id: The ``orgId`` query parameter; defaults to the core's.
        options: Per-call overrides (timeout, retries, server URL, headers).

    Returns:
        ``Ok`` with the build.

    Errors:
        ApiError: The service answered 401, 404, 408 and 429 with a message.
        SDKError: Any other error status, or an unexpected status or content type.
        ResponseValidationError: The body did not fit the schema.
        SDKValidationError: Invalid input; nothing was sent.
        HTTPClientError: A transport failure (connection, timeout, closed core).
    """
    return await send_json(
        core, GET_BUILD, path={"buildId": build_id}, org_id=org_id, options=options
    )
