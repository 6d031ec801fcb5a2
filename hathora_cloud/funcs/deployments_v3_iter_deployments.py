"""``deployments_v3_iter_deployments``: every deployment of an application, across all pages."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from .._core import HathoraCloudCore
from .._operations.deployments_v3 import GET_DEPLOYMENTS
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
    Results rather than an exception keep the error in the operation's closed, type-checked
    union and let a loop keep what it collected without a ``try``; ``item.unwrap()`` raises
    when that is wanted, and the facade's ``iter_deployments`` yields bare deployments and
    raises. Pages are fetched one at a time as the loop consumes them, each with the retry
    policy of ``deployments_v3_get_deployments``; no connection is held between items, so
    breaking out early needs no cleanup.

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
    query: dict[str, str | None] | None = {"deploymentTag": deployment_tag, "buildTag": build_tag}
    followed: set[str] = set()
    while query is not None:
        result = await send_json(
            core, GET_DEPLOYMENTS, path={"appId": app_id}, query=query, options=options
        )
        if isinstance(result, Err):
            yield result
            return
        for deployment in result.value.deployments:
            yield Ok(deployment)
        step = _next_query(query, result, followed)
        if isinstance(step, ResponseValidationError):
            yield Err(step)
            return
        query = step


def _next_query(
    query: dict[str, str | None], page: Ok[DeploymentsV3Page], followed: set[str]
) -> dict[str, str | None] | ResponseValidationError | None:
    """The query of the next page, ``None`` after the last one, or the error of a loop."""
    token = page.value.next_page_token
    if not token:  # absent, null or "": the last page ("" would restart from the first)
        return None
    if token in followed:
        return _repeated_token(page)
    followed.add(token)
    return {**query, "nextPageToken": token}


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
