"""``deployments_v3_get_deployment``: one deployment of an application, by id."""

from __future__ import annotations

from .._core import HathoraCloudCore
from .._operations.deployments_v3 import GET_DEPLOYMENT
from .._request import send_json
from ..errors import OperationError
from ..models import DeploymentV3
from ..result import Result
from ..retries import RequestOptions

__all__ = ("deployments_v3_get_deployment",)


async def deployments_v3_get_deployment(
    core: HathoraCloudCore,
    deployment_id: str,
    app_id: str | None = None,
    *,
    options: RequestOptions | None = None,
) -> Result[DeploymentV3, OperationError]:
    """Get one deployment (``GET /deployments/v3/apps/{appId}/deployments/{deploymentId}``).

    Args:
        core: The configured core.
        deployment_id: The deployment's id (sent as one path segment, percent-encoded).
        app_id: The application; defaults to the core's ``app_id`` (``HATHORA_APP_ID``).
        options: Per-call overrides (timeout, retries, server URL, headers).

    Returns:
        ``Ok`` with the deployment.

    Errors:
        ApiError: The service answered 401, 404, 408 and 429 with a message.
        SDKError: Any other error status, or an unexpected status or content type.
        ResponseValidationError: The body did not fit the schema.
        SDKValidationError: Invalid input, or no app id at all; nothing was sent.
        HTTPClientError: A transport failure (connection, timeout, closed core).
    """
    return await send_json(
        core,
        GET_DEPLOYMENT,
        path={"appId": app_id, "deploymentId": deployment_id},
        options=options,
    )
