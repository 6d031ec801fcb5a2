"""``builds_v3_upload_build``: create a build and upload its tarball, straight from disk.

``source`` is a ``.tgz``/``.tar.gz`` file (another name is accepted when the file starts with
the gzip header), a directory, or the tarball's ``bytes`` (used in place, not copied). A
directory needs a ``Dockerfile`` at its root and is packed into a temporary tar.gz that honours
``.dockerignore`` like Docker; symlinks pointing outside it are skipped, sockets and other special
files too. The temporary file is removed on every exit path.

Parts go straight from disk to the presigned URLs, each in-flight part holding at most 1 MiB, so
memory does not grow with the file or the part size. Each part is retried on connection errors,
timeouts, 429 and 5xx (re-read from disk every time) following ``options.retries`` or the core's
``retry_config`` (default: 5 attempts within 300 s); ``options.timeout`` (else the core's
``timeout``) is the longest silence, in seconds, a part or the completion may show, not a total.
``options.headers`` only reach the API, never the presigned URLs. If the file changes during the
upload (size or mtime), nothing is completed. A tarball (file or ``bytes``) must hold a
``Dockerfile`` at its root: it is checked before anything is sent, reading the archive only up to
that member.

A build this call created whose upload never finished is deleted when the upload fails, is
cancelled or a callback raises (``delete_on_failure=False`` keeps it); every error names the build
in ``error.build_id`` and says in ``error.build_deleted`` whether it is gone.
"""

from __future__ import annotations

from .._core import HathoraCloudCore
from .._upload import UploadSource, upload_build
from ..errors import UploadBuildError
from ..models import CreatedBuildV3WithMultipartUrls
from ..result import Result
from ..retries import RequestOptions
from ..uploads import ProgressCallback

__all__ = ("builds_v3_upload_build",)


async def builds_v3_upload_build(
    core: HathoraCloudCore,
    source: UploadSource,
    *,
    build_tag: str | None = None,
    build_id: str | None = None,
    concurrency: int = 4,
    on_progress: ProgressCallback | None = None,
    delete_on_failure: bool = True,
    created: CreatedBuildV3WithMultipartUrls | None = None,
    org_id: str | None = None,
    options: RequestOptions | None = None,
) -> Result[CreatedBuildV3WithMultipartUrls, UploadBuildError]:
    """Create a build with the tarball's exact size, upload every part and complete the upload.

    See the module docstring for sources, memory use, retries and timeouts.

    Args:
        core: The configured core.
        source: A tarball path, a directory path, or the tarball's bytes.
        build_tag: A version label of your own.
        build_id: Choose the build's id yourself.
        concurrency: How many parts are uploaded at once (at least 1).
        on_progress: A sync or async callable receiving :class:`UploadProgress` (packing, then
            uploading) at most every 0.1 s and at the end of each phase; an exception it raises
            aborts the upload and propagates.
        delete_on_failure: Delete the build this call created if the upload fails or is
            cancelled (``False`` keeps it).
        created: Upload into a build created earlier with ``builds_v3_create_build`` (its
            upload URLs must not have expired, its size must be the source's); such a build
            is never deleted by this call. ``build_id`` and ``build_tag`` must then be ``None``.
        org_id: The ``orgId`` query parameter; defaults to the core's.
        options: Per-call overrides (timeout, retries, server URL, headers).

    Returns:
        ``Ok`` with the created build once the upload is complete.

    Errors:
        SDKValidationError: Bad input (missing path, not a tarball, no Dockerfile at the root
            of the directory or tarball, a malformed ``.dockerignore``, concurrency below 1);
            nothing was sent.
        UploadError: A part or the completion failed for good, the service's part list did not
            fit the file, the URLs expired (create a new build), or the file changed.
        ApiError: Creating the build failed with a documented status.
        SDKError: Creating the build got an unexpected status or content type.
        ResponseValidationError: The created build did not fit the schema.
        HTTPClientError: Creating the build failed in transport, or the core is closed.
    """
    return await upload_build(
        core,
        source,
        build_tag=build_tag,
        build_id=build_id,
        concurrency=concurrency,
        on_progress=on_progress,
        org_id=org_id,
        options=options,
        delete_on_failure=delete_on_failure,
        created=created,
    )
