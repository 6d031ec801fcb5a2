"""The BuildsV3 operations, as :class:`~hathora_cloud._operations.Operation` descriptions."""

from __future__ import annotations

from ..models.builds_v3 import (
    BuildsV3Page,
    BuildV3,
    CreateBuildV3Params,
    CreatedBuildV3WithMultipartUrls,
    CreateMultipartBuildParams,
    DeletedBuild,
    RegistryConfig,
)
from . import JSON, OCTET_STREAM, Operation

__all__ = (
    "CREATE_BUILD",
    "CREATE_BUILD_REGISTRY",
    "DELETE_BUILD",
    "GET_BUILD",
    "GET_BUILDS",
    "RUN_BUILD",
    "RUN_BUILD_REGISTRY",
)

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
