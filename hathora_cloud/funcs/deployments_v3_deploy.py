"""``deployments_v3_deploy``: build a tarball or directory, then deploy it, in one call.

What ``hathora deploy`` of the official CLI does, with its defects fixed: every input is checked
before a byte is uploaded, a build that did not succeed is never deployed, and ``from_latest``
fills in only what was not given (``None``), so an explicit ``False``, ``0`` or ``()`` is kept.
"""

from __future__ import annotations

from .._core import HathoraCloudCore
from .._upload import UploadSource
from .._upload.deploy import deploy
from ..errors import UploadAndRunError
from ..models import Deployed, DeploymentSettings
from ..result import Result
from ..retries import RequestOptions
from ..uploads import LogLineCallback, ProgressCallback

__all__ = ("deployments_v3_deploy",)


async def deployments_v3_deploy(
    core: HathoraCloudCore,
    source: UploadSource,
    settings: DeploymentSettings | None = None,
    *,
    app_id: str | None = None,
    from_latest: bool = False,
    build_tag: str | None = None,
    delete_on_failure: bool = True,
    on_log_line: LogLineCallback | None = None,
    on_progress: ProgressCallback | None = None,
    concurrency: int = 4,
    org_id: str | None = None,
    options: RequestOptions | None = None,
) -> Result[Deployed, UploadAndRunError]:
    """Upload and run ``source`` as a new build, then deploy it to the app once it succeeded.

    In order: the arguments and ``settings`` are checked; with ``from_latest`` the app's latest
    deployment is read and every field not given is taken from it (its default port becomes
    ``transport_type``/``container_port``; ``deployment_tag`` is never taken over); every field
    ``DeploymentConfigV3`` requires must then be present. Only then is the build uploaded and
    run (``builds_v3_upload_and_run``); when it succeeded, the deployment is created.

    If creating the deployment fails, the build is kept (it succeeded) and the error's
    ``build_id`` names it: retry with ``deployments_v3_create_deployment``. The create is never
    repeated by the default retry policy once it may have reached the server. A 4xx
    ``ApiError`` means the service refused it; after anything else (a 5xx, a dropped
    connection, a timeout, an answer that does not fit the schema) the deployment may exist
    all the same, so look at ``deployments_v3_get_latest_deployment`` before creating it again.

    Args:
        core: The configured core.
        source: A tarball path, a directory path, or the tarball's bytes.
        settings: The deployment's settings; ``None`` gives none (with ``from_latest``: all
            inherited).
        app_id: The application; defaults to the core's ``app_id`` (``HATHORA_APP_ID``).
        from_latest: Take every setting not given from the app's latest deployment.
        build_tag: A version label of your own for the new build.
        delete_on_failure: Delete the new build if its upload fails or is cancelled before it
            completed (a build that ran is kept either way).
        on_log_line: A sync or async callable receiving each build log line.
        on_progress: A sync or async callable receiving upload progress.
        concurrency: How many parts are uploaded at once (at least 1).
        org_id: The ``orgId`` of the build; defaults to the core's (deployments take none).
        options: Per-call overrides, applied to every request of the flow.

    An exception raised by ``on_log_line`` or ``on_progress`` propagates unchanged, as in
    ``builds_v3_upload_and_run``.

    Returns:
        ``Ok`` with ``Deployed(build, deployment)``.

    Errors:
        SDKValidationError: Bad input, no app id, or a required setting neither given nor
            inherited (named in the message); nothing was uploaded.
        BuildFailedError: The build did not succeed; no deployment was created.
        UploadError: The upload failed (see ``builds_v3_upload_build``).
        ApiError: Reading the latest deployment, building or creating the deployment got a
            documented error status (404 from ``from_latest``: the app has no deployment).
        SDKError: An unexpected status or content type.
        ResponseValidationError: A body did not fit the schema.
        HTTPClientError: A transport failure, or the core is closed.
    """
    return await deploy(
        core,
        source,
        settings,
        app_id=app_id,
        from_latest=from_latest,
        build_tag=build_tag,
        delete_on_failure=delete_on_failure,
        on_log_line=on_log_line,
        on_progress=on_progress,
        concurrency=concurrency,
        org_id=org_id,
        options=options,
    )
