"""``deployments_v3_create_deployment``: deploy an existing build to an application."""

from __future__ import annotations

from .._core import HathoraCloudCore
from .._operations.deployments_v3 import CREATE_DEPLOYMENT
from .._request import send_json
from ..errors import OperationError
from ..models import DeploymentConfigV3, DeploymentV3
from ..result import Result
from ..retries import RequestOptions

__all__ = ("deployments_v3_create_deployment",)


async def deployments_v3_create_deployment(
    core: HathoraCloudCore,
    deployment_config_v3: DeploymentConfigV3,
    app_id: str | None = None,
    *,
    options: RequestOptions | None = None,
) -> Result[DeploymentV3, OperationError]:
    """Create a deployment (``POST /deployments/v3/apps/{appId}/deployments``, 201).

    New rooms of the app use it at once; rooms already running keep their deployment. Nothing
    checks here that the build succeeded (``deployments_v3_deploy`` does). The values are
    checked before sending (see :class:`~hathora_cloud.models.DeploymentConfigV3`).

    Not idempotent: the default retry policy never repeats it once it may have reached the
    server (only a 429, or a failure before sending, is retried). With
    ``RetryConfig(strategy="backoff")`` a 5xx is retried and may create a second deployment.

    Args:
        core: The configured core.
        deployment_config_v3: The build and the runtime settings.
        app_id: The application; defaults to the core's ``app_id`` (``HATHORA_APP_ID``).
        options: Per-call overrides (timeout, retries, server URL, headers).

    Returns:
        ``Ok`` with the new deployment.

    Errors:
        ApiError: The service answered 400, 401, 404, 408, 422, 429 and 500 with a message.
        SDKError: Any other error status, or an unexpected status or content type.
        ResponseValidationError: The body did not fit the schema.
        SDKValidationError: Invalid input, or no app id at all; nothing was sent.
        HTTPClientError: A transport failure (connection, timeout, closed core).
    """
    return await send_json(
        core,
        CREATE_DEPLOYMENT,
        path={"appId": app_id},
        body=deployment_config_v3,
        options=options,
    )
