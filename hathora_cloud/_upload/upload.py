"""The upload flow behind ``builds_v3_upload_build``: create, plan, send the parts, complete.

Memory stays bounded whatever the file and part sizes: at most ``concurrency`` parts are in
flight and each holds one slice of at most 1 MiB (see :mod:`.presigned`). The first part that
fails for good cancels the others and completion is never sent.

Failure hygiene: a build this flow created itself and whose upload never finished is deleted when
the flow fails, is cancelled, or a callback raises (unless ``delete_on_failure=False``); every
error names the build (``error.build_id``) and says whether it was deleted
(``error.build_deleted``).
"""

from __future__ import annotations

from typing import TypeVar

import anyio

from .. import _checks
from .._core import HathoraCloudCore
from .._operations.builds_v3 import CREATE_BUILD, DELETE_BUILD
from .._request import send_json
from .._retry import policy_for
from ..errors import (
    ApiError,
    HathoraError,
    InvalidRequestError,
    RequestAbortedError,
    SDKValidationError,
    UploadBuildError,
    UploadError,
)
from ..models import CreatedBuildV3WithMultipartUrls, CreateMultipartBuildParams
from ..result import Err, Ok, Result
from ..retries import UPLOAD_RETRY, RequestOptions
from ..uploads import ProgressCallback
from .parts import send_parts
from .plan import plan_parts
from .presigned import Transfer, complete_upload
from .progress import Reporter
from .source import Source, open_source

__all__ = ("DELETE_TIMEOUT", "check_upload_arguments", "discard", "mark", "upload_build")

E = TypeVar("E", bound=HathoraError)
DELETE_TIMEOUT = 15.0
"""Seconds a cleanup delete may take, also while the flow is being cancelled."""


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
    delete_on_failure: bool = True,
    created: CreatedBuildV3WithMultipartUrls | None = None,
) -> Result[CreatedBuildV3WithMultipartUrls, UploadBuildError]:
    """Validate, create the build with the exact size (or use ``created``), upload, complete."""
    problem = check_upload_arguments(
        core, build_tag, build_id, concurrency, on_progress, options, delete_on_failure, created
    )
    if problem is not None:
        return Err(problem)
    reporter = Reporter(on_progress)
    async with open_source(source, reporter) as opened:
        if isinstance(opened, SDKValidationError):
            return Err(opened)
        if created is None:
            params = CreateMultipartBuildParams(
                build_size_in_bytes=opened.size, build_id=build_id, build_tag=build_tag
            )
            made = await send_json(core, CREATE_BUILD, body=params, org_id=org_id, options=options)
            if isinstance(made, Err):
                return made
            build = made.value
        else:
            build = created
        reporter.build_id = build.build_id
        owned = created is None and delete_on_failure
        try:
            failure = await _transfer(core, build, opened, concurrency, reporter, options)
        except BaseException as exc:  # cancelled, or a callback raised: clean up, re-raise
            deleted = owned and await discard(core, build.build_id, org_id, options)
            _note(exc, build.build_id, deleted)
            raise
        if failure is None:
            return Ok(build)
        deleted = owned and await discard(core, build.build_id, org_id, options)
        return Err(mark(failure, build.build_id, deleted=deleted, cleanup=owned))


def check_upload_arguments(
    core: object,
    build_tag: object,
    build_id: object,
    concurrency: object,
    on_progress: object,
    options: object,
    delete_on_failure: object = True,
    created: object = None,
) -> SDKValidationError | None:
    """The first problem with the upload flow's own arguments, or ``None``."""
    problem = _checks.first(
        _checks.instance("core", core, HathoraCloudCore),
        _checks.text("build_tag", build_tag, optional=True),
        _checks.text("build_id", build_id, optional=True),
        _checks.integer("concurrency", concurrency, minimum=1),
        _checks.callback("on_progress", on_progress),
        _checks.instance("options", options, RequestOptions, optional=True),
        _checks.instance("delete_on_failure", delete_on_failure, bool),
        _checks.instance("created", created, CreatedBuildV3WithMultipartUrls, optional=True),
    )
    if problem is None and created is not None and (build_id or build_tag):
        problem = SDKValidationError(
            "build_id and build_tag belong to a new build: leave them out with created="
        )
    return problem


def mark(error: E, build_id: str, *, deleted: bool = False, cleanup: bool = False) -> E:
    """Record on ``error`` the build it concerns, and whether the flow deleted it.

    ``cleanup``: the flow meant to delete the build; the message then says what became of it.
    """
    error.build_id = build_id
    error.build_deleted = deleted
    if deleted:
        error.args = (f"{error.message} (build {build_id} was deleted: its upload never finished)",)
    elif cleanup:
        error.args = (f"{error.message} (build {build_id} could not be deleted and was left)",)
    return error


async def discard(
    core: HathoraCloudCore, build_id: str, org_id: str | None, options: RequestOptions | None
) -> bool:
    """Delete a build the flow created, even while being cancelled; whether it is gone now."""
    if core.closed:
        return False
    with anyio.CancelScope(shield=True), anyio.move_on_after(DELETE_TIMEOUT):
        result = await send_json(
            core, DELETE_BUILD, path={"buildId": build_id}, org_id=org_id, options=options
        )
        # A 404 means there is nothing left to delete, which is what cleanup wants.
        return isinstance(result, Ok) or (
            isinstance(result.error, ApiError) and result.error.status_code == 404
        )
    return False


def _note(exc: BaseException, build_id: str, deleted: bool) -> None:
    what = "was deleted" if deleted else "was left behind (delete it with builds_v3_delete_build)"
    note = f"hathora-cloud: build {build_id} {what}: its upload never finished"
    if hasattr(exc, "add_note"):  # Python 3.11+
        exc.add_note(note)


async def _transfer(
    core: HathoraCloudCore,
    build: CreatedBuildV3WithMultipartUrls,
    source: Source,
    concurrency: int,
    reporter: Reporter,
    options: RequestOptions | None,
) -> UploadBuildError | None:
    parts = plan_parts(build, source.size)
    if not isinstance(parts, list):
        return parts
    try:
        session = core._get_session()
    except InvalidRequestError:  # the core was closed since the build was created
        return RequestAbortedError("the HathoraCloudCore was closed during the upload")
    options = options or RequestOptions()
    codes = options.retry_codes
    policy = policy_for(
        options.retries or core.retry_config,
        tuple(codes) if codes is not None else None,
        idempotent=True,
        default=UPLOAD_RETRY,
    )
    idle = options.timeout or core.timeout
    transfer = Transfer(core, session, source, build.build_id, idle, policy)
    etags = await send_parts(transfer, parts, concurrency, reporter)
    if not isinstance(etags, dict):
        return _aborted(core) or etags
    changed = await source.changed()  # each part checked its own reads; now the whole file
    if changed is not None:
        message = f"build {build.build_id}: {changed}"
        return UploadError(message, part_number=None, attempts=0, build_id=build.build_id)
    failure = await complete_upload(transfer, build.complete_upload_post_request_url, etags)
    if failure is not None:
        return _aborted(core) or failure
    return None


def _aborted(core: HathoraCloudCore) -> RequestAbortedError | None:
    """The error for a failure caused by closing the core under the upload, if it was that."""
    if core.closed:
        return RequestAbortedError("the HathoraCloudCore was closed during the upload")
    return None
