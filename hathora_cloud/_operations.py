"""One declarative description per API operation: all the request layer (``_request``) reads.

Adding an operation means adding an :class:`Operation` here and a short coroutine in ``funcs/``.
"""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

import attrs

from .models import (
    BuildsV3Page,
    BuildV3,
    CreateBuildV3Params,
    CreatedBuildV3WithMultipartUrls,
    CreateMultipartBuildParams,
    DeletedBuild,
    DeploymentConfigV3,
    DeploymentsV3Page,
    DeploymentV3,
    RegistryConfig,
)

T = TypeVar("T")

JSON = "application/json"
OCTET_STREAM = "application/octet-stream"


@attrs.frozen(kw_only=True)
class Operation(Generic[T]):
    """How one operation looks on the wire.

    Attributes:
        operation_id: The TypeScript SDK's operation id (what hooks and logs see).
        method: The HTTP method.
        path: The path template, ``{name}`` marking percent-encoded path parameters.
        success_status: The one status that means success.
        success_type: ``application/json`` or ``application/octet-stream`` (a stream).
        api_error_statuses: Statuses whose JSON ``{"message"}`` body becomes an ``ApiError``.
        response_type: The model a JSON success body is structured into (``None`` for streams).
        body_type: The model of the JSON request body, ``None`` when there is no body.
        idempotent: Whether repeating the request cannot duplicate work on the server.
        query: The optional query parameters, in the order they are sent (``None`` values
            are left out, an empty string is sent as ``name=``).
        org_scoped: Whether the ``orgId`` query parameter applies (from the call or the core).
        path_defaults: Path parameters that fall back to a core attribute when the call gives
            none (``{"appId": "app_id"}``).
    """

    operation_id: str
    method: Literal["GET", "POST", "DELETE"]
    path: str
    success_status: int
    success_type: str
    api_error_statuses: frozenset[int]
    response_type: type[T] | None
    body_type: type[object] | None = None
    idempotent: bool = False
    query: tuple[str, ...] = ()
    org_scoped: bool = True
    path_defaults: tuple[tuple[str, str], ...] = ()

    @property
    def is_stream(self) -> bool:
        """Whether a success is a byte stream rather than a JSON document."""
        return self.success_type == OCTET_STREAM


_ALL_ERRORS = frozenset((400, 401, 404, 408, 422, 429, 500))

GET_BUILDS: Operation[BuildsV3Page] = Operation(
    operation_id="GetBuilds",
    method="GET",
    path="/builds/v3/builds",
    success_status=200,
    success_type=JSON,
    api_error_statuses=frozenset((401, 404, 408, 422, 429)),
    response_type=BuildsV3Page,
    idempotent=True,
)
CREATE_BUILD: Operation[CreatedBuildV3WithMultipartUrls] = Operation(
    operation_id="CreateBuild",
    method="POST",
    path="/builds/v3/builds",
    success_status=201,
    success_type=JSON,
    api_error_statuses=_ALL_ERRORS,
    response_type=CreatedBuildV3WithMultipartUrls,
    body_type=CreateMultipartBuildParams,
)
GET_BUILD: Operation[BuildV3] = Operation(
    operation_id="GetBuild",
    method="GET",
    path="/builds/v3/builds/{buildId}",
    success_status=200,
    success_type=JSON,
    api_error_statuses=frozenset((401, 404, 408, 429)),
    response_type=BuildV3,
    idempotent=True,
)
DELETE_BUILD: Operation[DeletedBuild] = Operation(
    operation_id="DeleteBuild",
    method="DELETE",
    path="/builds/v3/builds/{buildId}",
    success_status=200,
    success_type=JSON,
    api_error_statuses=frozenset((401, 404, 408, 422, 429, 500)),
    response_type=DeletedBuild,
    idempotent=True,
)
CREATE_BUILD_REGISTRY: Operation[BuildV3] = Operation(
    operation_id="CreateBuildRegistry",
    method="POST",
    path="/builds/v3/builds/registry",
    success_status=201,
    success_type=JSON,
    api_error_statuses=_ALL_ERRORS,
    response_type=BuildV3,
    body_type=CreateBuildV3Params,
)
RUN_BUILD: Operation[None] = Operation(
    operation_id="RunBuild",
    method="POST",
    path="/builds/v3/builds/{buildId}/run",
    success_status=200,
    success_type=OCTET_STREAM,
    api_error_statuses=_ALL_ERRORS,
    response_type=None,
)
RUN_BUILD_REGISTRY: Operation[None] = Operation(
    operation_id="RunBuildRegistry",
    method="POST",
    path="/builds/v3/builds/{buildId}/runRegistry",
    success_status=200,
    success_type=OCTET_STREAM,
    api_error_statuses=_ALL_ERRORS,
    response_type=None,
    body_type=RegistryConfig,
)

# DeploymentsV3 (contract: reference/hathora-deploymentsv3-contract.md §2). Every route is under
# an app, which falls back to the core's app_id; none takes orgId (the app implies the org).
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
