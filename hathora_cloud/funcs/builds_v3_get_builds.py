"""``builds_v3_get_builds``: list the organization's builds."""

from __future__ import annotations

from .._core import HathoraCloudCore
from .._operations.builds_v3 import GET_BUILDS
from .._request import send_json
from ..errors import OperationError
from ..models import BuildsV3Page
from ..result import Result
from ..retries import RequestOptions

__all__ = ("builds_v3_get_builds",)


async def builds_v3_get_builds(
    core: HathoraCloudCore,
    *,
    org_id: str | None = None,
    options: RequestOptions | None = None,
) -> Result[BuildsV3Page, OperationError]:
    """List the organization's builds (``GET /builds/v3/builds``).

    Args:
        core: The configured core.
        org_id: The ``orgId`` query parameter; defaults to the core's.
        options: Per-call overrides (timeout, retries, server URL, headers).

    Returns:
        ``Ok`` with the builds, as ``BuildsV3Page``.

    Errors:
        ApiError: The service answered 401, 404, 408, 422 and 429 with a message.
        SDKError: Any other error status, or an unexpected status or content type.
        ResponseValidationError: The body did not fit the schema.
        SDKValidationError: Invalid input; nothing was sent.
        HTTPClientError: A transport failure (connection, timeout, closed core).
    """
    return await send_json(core, GET_BUILDS, org_id=org_id, options=options)
