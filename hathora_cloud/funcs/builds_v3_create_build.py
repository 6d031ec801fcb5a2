"""``builds_v3_create_build``: create a build and get presigned URLs to upload its tarball."""

from __future__ import annotations

from .._core import HathoraCloudCore
from .._operations.builds_v3 import CREATE_BUILD
from .._request import send_json
from ..errors import OperationError
from ..models import CreatedBuildV3WithMultipartUrls, CreateMultipartBuildParams
from ..result import Result
from ..retries import RequestOptions

__all__ = ("builds_v3_create_build",)


async def builds_v3_create_build(
    core: HathoraCloudCore,
    params: CreateMultipartBuildParams,
    *,
    org_id: str | None = None,
    options: RequestOptions | None = None,
) -> Result[CreatedBuildV3WithMultipartUrls, OperationError]:
    """Create a build and get presigned URLs to upload its tarball (``POST /builds/v3/builds``).

    Args:
        core: The configured core.
        params: The build's exact tarball size, and optionally its id and tag.
        org_id: The ``orgId`` query parameter; defaults to the core's.
        options: Per-call overrides (timeout, retries, server URL, headers).

    Returns:
        ``Ok`` with the new build with ``upload_parts`` and ``complete_upload_post_request_url``.

    Errors:
        ApiError: The service answered 400, 401, 404, 408, 422, 429 and 500 with a message.
        SDKError: Any other error status, or an unexpected status or content type.
        ResponseValidationError: The body did not fit the schema.
        SDKValidationError: Invalid input; nothing was sent.
        HTTPClientError: A transport failure (connection, timeout, closed core).
    """
    return await send_json(core, CREATE_BUILD, body=params, org_id=org_id, options=options)
