"""``deployments_v3_get_latest_deployment``: the deployment new rooms of an application use."""

from __future__ import annotations

from .._core import HathoraCloudCore
from .._operations.deployments_v3 import GET_LATEST_DEPLOYMENT
from .._request import send_json
from ..errors import OperationError
from ..models import DeploymentV3
from ..result import Result
from ..retries import RequestOptions

__all__ = ("deployments_v3_get_latest_deployment",)


async def deployments_v3_get_latest_deployment(
    core: HathoraCloudCore,
    app_id: str | None = None,
    *,
    options: RequestOptions | None = None,
) -> Result[DeploymentV3, OperationError]:
    """Get the app's latest deployment (``GET .../deployments/latest``).

    Right after a create, this may still return the previous deployment for a moment: prefer
    the deployment the create returned.

    Args:
        core: The configured core.
        app_id: The application; defaults to the core's ``app_id`` (``HATHORA_APP_ID``).
        options: Per-call overrides (timeout, retries, server URL, headers).

    Returns:
        ``Ok`` with the latest deployment.

    Errors:
        ApiError: The service answered 401, 404, 408, 422 and 429 with a message (404 also
            when the app has no deployment yet).
        SDKError: Any other error status, or an unexpected status or content type.
        ResponseValidationError: The body did not fit the schema.
        SDKValidationError: Invalid input, or no app id at all; nothing was sent.
        HTTPClientError: A transport failure (connection, timeout, closed core).
    """
    return await send_json(core, GET_LATEST_DEPLOYMENT, path={"appId": app_id}, options=options)
