"""``builds_v3_create_build_registry``: create a build to be pulled from a registry."""

from __future__ import annotations

from .._core import HathoraCloudCore
from .._operations.builds_v3 import CREATE_BUILD_REGISTRY
from .._request import send_json
from ..errors import OperationError
from ..models import BuildV3, CreateBuildV3Params
from ..result import Result
from ..retries import RequestOptions

__all__ = ("builds_v3_create_build_registry",)


async def builds_v3_create_build_registry(
    core: HathoraCloudCore,
    params: CreateBuildV3Params | None = None,
    *,
    org_id: str | None = None,
    options: RequestOptions | None = None,
) -> Result[BuildV3, OperationError]:
    """Create a build to be pulled from a registry (``POST /builds/v3/builds/registry``).

    Args:
        core: The configured core.
        params: Optionally the build's id and tag.
        org_id: The ``orgId`` query parameter; defaults to the core's.
        options: Per-call overrides (timeout, retries, server URL, headers).

    Returns:
        ``Ok`` with the new build.

    Errors:
        ApiError: The service answered 400, 401, 404, 408, 422, 429 and 500 with a message.
        SDKError: Any other error status, or an unexpected status or content type.
        ResponseValidationError: The body did not fit the schema.
        SDKValidationError: Invalid input; nothing was sent.
        HTTPClientError: A transport failure (connection, timeout, closed core).
    """
    return await send_json(
        core,
        CREATE_BUILD_REGISTRY,
        body=params if params is not None else CreateBuildV3Params(),
        org_id=org_id,
        options=options,
    )
