"""``deployments_v3_iter_deployments``: every deployment of an application, across all pages."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from .._core import HathoraCloudCore
from .._operations import GET_DEPLOYMENTS
from .._request import send_json
from ..errors import OperationError, ResponseValidationError
from ..models import DeploymentsV3Page, DeploymentV3
from ..result import Err, Ok, Result
from ..retries import RequestOptions

__all__ = ("deployments_v3_iter_deployments",)


async def deployments_v3_iter_deployments(
    core: HathoraCloudCore,
    app_id: str | None = None,
    *,
    deployment_tag: str | None = None,
    build_tag: str | None = None,
    options: RequestOptions | None = None,
) -> AsyncGenerator[Result[DeploymentV3, OperationError], None]:
    """Yield ``Ok(deployment)`` for every deployment on every page, following the page tokens.

    Like every standalone function it never raises: when a page fails, the last item is
    ``Err(error)`` and iteration ends (the deployments of earlier pages were already yielded).
    Use ``match`` or ``item.unwrap()`` on each item; the facade's ``iter_deployments`` yields
    bare deployments and raises instead. Pages are fetched one at a time, as the loop consumes
    them, each with the same retry policy as ``deployments_v3_get_deployments``.

    Args:
        core: The configured core.
        app_id: The application; defaults to the core's ``app_id`` (``HATHORA_APP_ID``).
        deployment_tag: Only deployments with this tag.
        build_tag: Only deployments of builds with this tag.
        options: Per-call overrides, applied to every page request.

    Yields:
        ``Ok`` with each deployment in the service's order, or a final ``Err``.

    Errors:
        ResponseValidationError: A page did not fit the schema, or the service handed back a
            page token it had already given (it would loop forever).
        ApiError, SDKError, SDKValidationError, HTTPClientError: as for
            ``deployments_v3_get_deployments``.
    """
    query: dict[str, str | None] = {"deploymentTag": deployment_tag, "buildTag": build_tag}
    followed: set[str] = set()
    while True:
        result = await send_json(
            core, GET_DEPLOYMENTS, path={"appId": app_id}, query=query, options=options
        )
        if isinstance(result, Err):
            yield result
            return
        for deployment in result.value.deployments:
            yield Ok(deployment)
        token = result.value.next_page_token
        if not token:  # absent, null or "": the last page ("" would restart from the first)
            return
        if token in followed:
            yield Err(_repeated_token(result))
            return
        followed.add(token)
        query["nextPageToken"] = token


def _repeated_token(page: Ok[DeploymentsV3Page]) -> ResponseValidationError:
    status, headers = 200, None
    if page.meta is not None:
        status, headers = page.meta.status_code or 200, page.meta.headers
    return ResponseValidationError(
        "Response validation failed: the service returned a nextPageToken it had already "
        "returned; stopping instead of looping forever",
        status_code=status,
        headers=headers,
        content_type="application/json",
        raw_value=page.value.next_page_token,
    )
