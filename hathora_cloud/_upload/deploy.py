"""Build, then deploy (``deployments_v3_deploy``): the official CLI's ``deploy``, its defects fixed.

The order: check every argument and the settings; with ``from_latest``, read the app's latest
deployment and fill in what was not given; check that the settings are complete; upload and run
the build; require it to have succeeded; create the deployment. Nothing is uploaded while any
input is wrong, and no deployment is created for a build that did not succeed (the CLI deploys
a failed build anyway, and treats 0 or an empty list as "not given").
"""

from __future__ import annotations

from typing import Any

import attrs

from .. import _checks
from .._core import HathoraCloudCore
from .._operations.deployments_v3 import CREATE_DEPLOYMENT, GET_DEPLOYMENTS, GET_LATEST_DEPLOYMENT
from .._request import send_json
from .._request.validate import check_body, check_input
from ..errors import BuildFailedError, OperationError, SDKValidationError, UploadAndRunError
from ..models import (
    BuildStatus,
    BuildV3,
    Deployed,
    DeploymentConfigV3,
    DeploymentSettings,
    DeploymentV3,
)
from ..models.deployments_v3 import REQUIRED_FIELDS
from ..result import Err, Ok, Result
from ..retries import RequestOptions
from ..uploads import LogLineCallback, ProgressCallback
from .run import upload_and_run
from .source import check_source
from .upload import check_upload_arguments

__all__ = ("deploy", "inherit_settings")

# Taken over from the latest deployment with from_latest; build_id (a new build is made) and
# deployment_tag (it labels one deployment, contract §5.2) are not.
_INHERITED = tuple(
    field.name for field in attrs.fields(DeploymentSettings) if field.name != "deployment_tag"
)


async def deploy(
    core: HathoraCloudCore,
    source: object,
    settings: DeploymentSettings | None,
    *,
    app_id: str | None,
    from_latest: bool,
    build_tag: str | None,
    delete_on_failure: bool,
    on_log_line: LogLineCallback | None,
    on_progress: ProgressCallback | None,
    concurrency: int,
    org_id: str | None,
    options: RequestOptions | None,
) -> Result[Deployed, UploadAndRunError]:
    """Check, optionally inherit from the latest deployment, build, then create the deployment."""
    app = _check(core, settings, app_id, from_latest, delete_on_failure, org_id, options)
    if not isinstance(app, str):
        return Err(app)
    problem = _checks.first(
        check_upload_arguments(core, build_tag, None, concurrency, on_progress, options),
        _checks.callback("on_log_line", on_log_line),
    )
    if problem is not None:
        return Err(problem)
    unusable = await check_source(source)  # a missing path is refused before any request
    if unusable is not None:
        return Err(unusable)
    given = settings if settings is not None else DeploymentSettings()
    complete = await _complete(core, app, given, from_latest, options)
    if isinstance(complete, Err):
        return complete
    built = await upload_and_run(
        core,
        source,
        build_tag=build_tag,
        on_log_line=on_log_line,
        on_progress=on_progress,
        concurrency=concurrency,
        org_id=org_id,
        options=options,
        delete_on_failure=delete_on_failure,
    )
    if isinstance(built, Err):
        return built
    return await _create(core, app, built.value, complete, options)


def _check(
    core: object,
    settings: object,
    app_id: object,
    from_latest: object,
    delete_on_failure: object,
    org_id: object,
    options: object,
) -> str | SDKValidationError:
    """Return the app id the flow will use, or the first problem with deploy's own arguments."""
    problem = _checks.instance("core", core, HathoraCloudCore)
    if problem is not None:
        return problem
    assert isinstance(core, HathoraCloudCore)
    app = app_id if app_id is not None else core.app_id  # the fallback the request layer makes
    problem = _checks.first(
        _checks.instance("settings", settings, DeploymentSettings, optional=True),
        _checks.instance("from_latest", from_latest, bool),
        _checks.instance("delete_on_failure", delete_on_failure, bool),
        _checks.text("org_id", org_id, optional=True, empty=True),
        check_input(GET_LATEST_DEPLOYMENT, {"appId": app}, None, None, options),
    )
    if problem is None and settings is not None:
        problem = check_body(DeploymentSettings, settings)
    if problem is not None:
        return problem
    assert isinstance(app, str)
    return app


async def _complete(
    core: HathoraCloudCore,
    app: str,
    given: DeploymentSettings,
    from_latest: bool,
    options: RequestOptions | None,
) -> DeploymentSettings | Err[OperationError]:
    """The settings to deploy with: inherited where not given (``from_latest``), then complete."""
    if from_latest:
        latest = await send_json(core, GET_LATEST_DEPLOYMENT, path={"appId": app}, options=options)
        if isinstance(latest, Err):
            return latest
        filled = inherit_settings(given, latest.value)
        if isinstance(filled, SDKValidationError):
            return Err(filled)
        given = filled
    missing = [name for name in REQUIRED_FIELDS if getattr(given, name) is None]
    if missing:
        return Err(_missing(missing))
    if not from_latest:
        # A mistyped app id would otherwise cost a whole build before the deployment fails:
        # look at the app's first page of deployments before uploading anything.
        listed = await send_json(core, GET_DEPLOYMENTS, path={"appId": app}, options=options)
        if isinstance(listed, Err):
            return listed
    return given


def inherit_settings(
    given: DeploymentSettings, latest: DeploymentV3
) -> DeploymentSettings | SDKValidationError:
    """Fill every field not given (``None``) from ``latest``; an explicit value always wins."""
    source: dict[str, Any] = {
        **{name: getattr(latest, name, None) for name in _INHERITED},
        "transport_type": latest.default_container_port.transport_type,
        "container_port": latest.default_container_port.port,
    }
    changes = {
        name: source[name]
        for name in _INHERITED
        if getattr(given, name) is None and source[name] is not None
    }
    filled = attrs.evolve(given, **changes)
    # Inherited values get the same checks as given ones: the service may hold values that
    # this SDK would refuse to send, better said now than after a build.
    problem = filled.problems()
    if problem is not None:
        return SDKValidationError(
            f"{problem} (with values inherited from deployment {latest.deployment_id})",
            raw_value=filled,
        )
    return filled


def _missing(names: list[str]) -> SDKValidationError:
    return SDKValidationError(
        f"settings lacks {', '.join(names)}: give {'it' if len(names) == 1 else 'them'} in "
        "DeploymentSettings, or pass from_latest=True to take what is not given from the "
        "app's latest deployment; nothing was uploaded"
    )


async def _create(
    core: HathoraCloudCore,
    app: str,
    build: BuildV3,
    settings: DeploymentSettings,
    options: RequestOptions | None,
) -> Result[Deployed, UploadAndRunError]:
    """Create the deployment of a build that succeeded; an error names the build for a retry."""
    if build.status != BuildStatus.SUCCEEDED:
        # upload_and_run already refuses such a build; this keeps the rule in plain sight.
        return Err(BuildFailedError(f"build {build.build_id} ended {build.status}", build=build))
    values = attrs.asdict(settings, recurse=False)
    config = DeploymentConfigV3(build_id=build.build_id, **values)
    created = await send_json(
        core, CREATE_DEPLOYMENT, path={"appId": app}, body=config, options=options
    )
    if isinstance(created, Err):
        # The build is good and kept: the caller retries with deployments_v3_create_deployment
        # (after a non-ApiError the deployment may exist: the docstring says to look first).
        created.error.build_id = build.build_id
        return created
    return Ok(Deployed(build=build, deployment=created.value))
