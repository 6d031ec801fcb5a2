"""The DeploymentsV3 operations, as :class:`~hathora_cloud._operations.Operation` descriptions."""

from __future__ import annotations

from ..models.deployments_v3 import DeploymentConfigV3, DeploymentsV3Page, DeploymentV3
from . import JSON, Operation

__all__ = ("CREATE_DEPLOYMENT", "GET_DEPLOYMENT", "GET_DEPLOYMENTS", "GET_LATEST_DEPLOYMENT")

_ALL_ERRORS = frozenset((400, 401, 404, 408, 422, 429, 500))
_DEPLOYMENTS = "/deployments/v3/apps/{appId}/deployments"
_APP_ID = (("appId", "app_id"),)

GET_DEPLOYMENTS: Operation[DeploymentsV3Page] = Operation(
    operation_id="GetDeployments",
    method="GET",
    path=_DEPLOYMENTS,
    success_status=200,
    success_type=JSON,
    # 422 as in the TS SDK from v2.26, the version that added nextPageToken.
    api_error_statuses=frozenset((401, 404, 408, 422, 429)),
    response_type=DeploymentsV3Page,
    idempotent=True,
    query=("buildTag", "deploymentTag", "nextPageToken"),
    org_scoped=False,
    path_defaults=_APP_ID,
)
CREATE_DEPLOYMENT: Operation[DeploymentV3] = Operation(
    operation_id="CreateDeployment",
    method="POST",
    path=_DEPLOYMENTS,
    success_status=201,
    success_type=JSON,
    api_error_statuses=_ALL_ERRORS,
    response_type=DeploymentV3,
    body_type=DeploymentConfigV3,
    # Not idempotent: a repeat creates a second deployment, which then becomes "latest".
    idempotent=False,
    org_scoped=False,
    path_defaults=_APP_ID,
)
GET_LATEST_DEPLOYMENT: Operation[DeploymentV3] = Operation(
    operation_id="GetLatestDeployment",
    method="GET",
    path=_DEPLOYMENTS + "/latest",
    success_status=200,
    success_type=JSON,
    api_error_statuses=frozenset((401, 404, 408, 422, 429)),
    response_type=DeploymentV3,
    idempotent=True,
    org_scoped=False,
    path_defaults=_APP_ID,
)
GET_DEPLOYMENT: Operation[DeploymentV3] = Operation(
    operation_id="GetDeployment",
    method="GET",
    path=_DEPLOYMENTS + "/{deploymentId}",
    success_status=200,
    success_type=JSON,
    api_error_statuses=frozenset((401, 404, 408, 429)),
    response_type=DeploymentV3,
    idempotent=True,
    org_scoped=False,
    path_defaults=_APP_ID,
)
