"""``builds_v3_upload_and_run``: upload a tarball, run the build, follow its log, judge it."""

from __future__ import annotations

from .._core import HathoraCloudCore
from .._upload import UploadSource, upload_and_run
from ..errors import UploadAndRunError
from ..models import BuildV3
from ..result import Result
from ..retries import RequestOptions
from ..uploads import LogLineCallback, ProgressCallback

__all__ = ("builds_v3_upload_and_run",)


async def builds_v3_upload_and_run(
    core: HathoraCloudCore,
    source: UploadSource,
    *,
    build_tag: str | None = None,
    on_log_line: LogLineCallback | None = None,
    on_progress: ProgressCallback | None = None,
    concurrency: int = 4,
    delete_on_failure: bool = True,
    org_id: str | None = None,
    options: RequestOptions | None = None,
) -> Result[BuildV3, UploadAndRunError]:
    """Upload ``source`` (see ``builds_v3_upload_build``), run it and return the final build.

    Every log line goes to ``on_log_line`` as it arrives. The end of the log does not decide
    the outcome: the build's status does, polled with ``builds_v3_wait_for_build`` until it is
    terminal. If the log stream breaks or goes silent, polling takes over as well.

    An exception raised by ``on_log_line`` or ``on_progress`` is the caller's own: it stops the
    work at once (the upload is abandoned before completion, or the log stream is closed) and
    propagates unchanged instead of becoming an ``Err``. Every error names the build it
    concerns in ``error.build_id``; a build whose upload never finished is deleted first
    (``error.build_deleted``), one that was uploaded is kept.

    Args:
        core: The configured core.
        source: A tarball path, a directory path, or the tarball's bytes.
        build_tag: A version label of your own.
        on_log_line: A sync or async callable receiving each log line (terminator removed).
        on_progress: A sync or async callable receiving packing and upload progress.
        concurrency: How many parts are uploaded at once.
        delete_on_failure: Delete the build this call created if its upload fails or is
            cancelled (``False`` keeps it, for inspection).
        org_id: The ``orgId`` query parameter; defaults to the core's.
        options: Per-call overrides (timeout, retries, server URL, headers).

    Returns:
        ``Ok`` with the build when it ``succeeded``.

    Errors:
        BuildFailedError: The build ended ``failed``; ``.log_tail`` has its last 50 lines.
        UploadError: The upload failed (see ``builds_v3_upload_build``).
        SDKValidationError: Bad input; nothing was sent.
        ApiError: Creating, running or polling the build got a documented error status.
        SDKError: An unexpected status or content type.
        ResponseValidationError: A body did not fit the schema.
        HTTPClientError: A transport failure, or the core was closed.
    """
    return await upload_and_run(
        core,
        source,
        build_tag=build_tag,
        on_log_line=on_log_line,
        on_progress=on_progress,
        concurrency=concurrency,
        delete_on_failure=delete_on_failure,
        org_id=org_id,
        options=options,
    )
