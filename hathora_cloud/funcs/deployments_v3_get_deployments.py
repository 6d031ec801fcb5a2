"""``deployments_v3_get_deployments``: one page of an application's deployments."""

from __future__ import annotations

from .._core import HathoraCloudCore
from .._operations.deployments_v3 import GET_DEPLOYMENTS
from .._request import send_json
from ..errors import OperationError
from ..models import DeploymentsV3Page
from ..result import Result
from ..retries import RequestOptions

__all__ = ("deployments_v3_get_deployments",)


async def deployments_v3_get_deployments(
    core: HathoraCloudCore,
    app_id: str | None = None,
    *,
    deployment_tag: str | None = None,
    build_tag: str | None = None,
    next_page_token: str | None = None,
    options: RequestOptions | None = None,
) -> Result[DeploymentsV3Page, OperationError]:
    """Get one page of the app's deployments (``GET /deployments/v3/apps/{appId}/deployments``).

    The order of the deployments is not documented; use ``deployments_v3_get_latest_deployment``
    for the newest, and ``deployments_v3_iter_deployments`` to walk every page.

    Args:
        core: The configured core.
        app_id: The application; defaults to the core's ``app_id`` (``HATHORA_APP_ID``).
        deployment_tag: Only deployments with this tag (exact match, as far as documented).
        build_tag: Only deployments of builds with this tag.
        next_page_token: The previous page's ``next_page_token``, to get the page after it.
        options: Per-call overrides (timeout, retries, server URL, headers).

    The filters and the token are sent only when not ``None``; an empty string is sent as
    ``name=``, as the TypeScript SDK does (what the service makes of it is not documented).

    Returns:
        ``Ok`` with the page (``deployments`` and, when more follow, ``next_page_token``).

    Errors:
        ApiError: The service answered 401, 404, 408, 422 and 429 with a message.
        SDKError: Any other error status, or an unexpected status or content type.
        ResponseValidationError: The body did not fit the schema.
        SDKValidationError: Invalid input, or no app id at all; nothing was sent.
        HTTPClientError: A transport failure (connection, timeout, closed core).
    """
    query = {
        "deploymentTag": deployment_tag,
        "buildTag": build_tag,
        "nextPageToken": next_page_token,
    }
    return await send_json(
        core, GET_DEPLOYMENTS, path={"appId": app_id}, query=query, options=options
    )
