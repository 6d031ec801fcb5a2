"""The upload flow behind ``builds_v3_upload_build``: create, plan, send the parts, complete.

Memory stays bounded whatever the file and part sizes: at most ``concurrency`` parts are in
flight and each holds one slice of at most 1 MiB (see :mod:`.presigned`). The first part that
fails for good cancels the others and completion is never sent.
"""

from __future__ import annotations

from .. import _checks
from .._core import HathoraCloudCore
from .._operations import CREATE_BUILD
from .._request import send_json
from .._retry import policy_for
from ..errors import (
    InvalidRequestError,
    RequestAbortedError,
    SDKValidationError,
    UploadBuildError,
)
from ..models import CreatedBuildV3WithMultipartUrls, CreateMultipartBuildParams
from ..result import Err, Result
from ..retries import UPLOAD_RETRY, RequestOptions
from ..uploads import ProgressCallback
from .parts import send_parts
from .plan import plan_parts
from .presigned import Transfer, complete_upload
from .source import Source, open_source

__all__ = ("check_upload_arguments", "upload_build")


async def upload_build(
    core: HathoraCloudCore,
    source: object,
    *,
    build_tag: str | None,
    build_id: str | None,
    concurrency: int,
    on_progress: ProgressCallback | None,
    org_id: str | None,
    options: RequestOptions | None,
) -> Result[CreatedBuildV3WithMultipartUrls, UploadBuildError]:
    """Validate, create the build with the exact size, upload every part and complete."""
    problem = check_upload_arguments(core, build_tag, build_id, concurrency, on_progress, options)
    if problem is not None:
        return Err(problem)
    async with open_source(source) as opened:
        if isinstance(opened, SDKValidationError):
            return Err(opened)
        params = CreateMultipartBuildParams(
            build_size_in_bytes=opened.size, build_id=build_id, build_tag=build_tag
        )
        created = await send_json(core, CREATE_BUILD, body=params, org_id=org_id, options=options)
        if isinstance(created, Err):
            return created
        failure = await _transfer(core, created.value, opened, concurrency, on_progress, options)
        return created if failure is None else Err(failure)


def check_upload_arguments(
    core: object,
    build_tag: object,
    build_id: object,
    concurrency: object,
    on_progress: object,
    options: object,
) -> SDKValidationError | None:
    """The first problem with the upload flow's own arguments, or ``None``."""
    return _checks.first(
        _checks.instance("core", core, HathoraCloudCore),
        _checks.text("build_tag", build_tag, optional=True),
        _checks.text("build_id", build_id, optional=True),
        _checks.integer("concurrency", concurrency, minimum=1),
        _checks.callback("on_progress", on_progress),
        _checks.instance("options", options, RequestOptions, optional=True),
    )


async def _transfer(
    core: HathoraCloudCore,
    build: CreatedBuildV3WithMultipartUrls,
    source: Source,
    concurrency: int,
    on_progress: ProgressCallback | None,
    options: RequestOptions | None,
) -> UploadBuildError | None:
    parts = plan_parts(build, source.size)
    if not isinstance(parts, list):
        return parts
    try:
        session = core._get_session()
    except InvalidRequestError:  # the core was closed since the build was created
        return _aborted(core) or RequestAbortedError("the HathoraCloudCore was closed")
    options = options or RequestOptions()
    policy = policy_for(
        options.retries or core.retry_config,
        tuple(options.retry_codes) if options.retry_codes is not None else None,
        idempotent=True,
        default=UPLOAD_RETRY,
    )
    idle = options.timeout or core.timeout
    transfer = Transfer(core, session, source, build.build_id, idle, policy)
    etags = await send_parts(transfer, parts, concurrency, on_progress)
    if not isinstance(etags, dict):
        return _aborted(core) or etags
    failure = await complete_upload(transfer, build.complete_upload_post_request_url, etags)
    if failure is not None:
        return _aborted(core) or failure
    return None


def _aborted(core: HathoraCloudCore) -> RequestAbortedError | None:
    """The error for a failure caused by closing the core under the upload, if it was that."""
    if core.closed:
        return RequestAbortedError("the HathoraCloudCore was closed during the upload")
    return None
