"""``deploy PATH``: build and deploy in one command, through ``deployments_v3_deploy``.

Every option is checked before a byte is uploaded (here, naming the flag, and again by the SDK).
The display is ``builds upload-and-run``'s: packing and upload bars, the build id the moment the
build exists, the live log; then ``Build … succeeded; creating the deployment …`` and the
deployment. When the flow stops early, one line says what became of the build; a deployment
that fails after a good build names the kept build and the command that deploys it without
rebuilding (``deployments create --build-id``).
"""

from __future__ import annotations

import argparse
import shlex

from ..errors import BuildFailedError, HathoraCloudError
from ..funcs.deployments_v3_deploy import deployments_v3_deploy
from ..models import BuildV3, Deployed
from ..result import Ok
from ._app import App
from ._deployments import note_demo_defaults
from ._fate import BuildTracker, Fate
from ._live import LiveDisplay
from ._render import show_build
from ._render_deployments import deployed_json, show_deployed
from ._settings import Requested

__all__ = ("DeployTracker", "deploy")


class DeployTracker(BuildTracker):
    """A build tracker that also knows when the deployment is being created.

    Args:
        app: The command's app.
        app_id: The application deployed to.
        retry: The ``deployments create`` options that would deploy the kept build, after
            ``--build-id ID`` (``None`` when no retry is possible: the embedded emulator).
    """

    def __init__(self, app: App, app_id: str, retry: str | None) -> None:
        super().__init__(app)
        self._app_id = app_id
        self._deploy_retry = retry
        self.creating = False
        """The build succeeded and the deployment's creation was attempted."""

    def on_uploaded(self, display: LiveDisplay) -> None:
        """The build runs: its upload completed, so it is kept from here on."""
        self.uploaded = True
        display.upload_complete()

    def on_creating(self) -> None:
        """The build succeeded; the deployment is being created."""
        self.creating = True
        self._app.note(
            f"Build {self.build_id} succeeded; creating the deployment in {self._app_id}…"
        )

    def sentence(self, build_id: str, fate: Fate, exc: BaseException) -> str:
        """Say what became of the build; after a good build, how to deploy it again."""
        if not (self.creating and fate is Fate.KEPT):
            return super().sentence(build_id, fate, exc)
        kept = f"Build {build_id} succeeded and is kept"
        if isinstance(exc, HathoraCloudError) and exc.status_code >= 400:
            head = f"{kept}, but no deployment was created"
        else:  # no answer (or a garbled 201): the service may have made it
            check = f"hathora-cloud deployments latest --app-id {shlex.quote(self._app_id)}"
            head = f"{kept}; the deployment may have been created — check with: {check}"
        if self._deploy_retry is None:
            return head + "."
        retry = f"hathora-cloud deployments create --build-id {build_id}{self._deploy_retry}"
        return f"{head} — deploy it without rebuilding: {retry}"


def _retry_options(
    app: App, args: argparse.Namespace, request: Requested, app_id: str
) -> str | None:
    """The options of ``deployments create`` that repeat this command's deployment."""
    if app.embedded:
        return None  # the emulator, and the build with it, end with this command
    words = [f"--app-id {shlex.quote(app_id)}", *request.flags]
    for flag, value in (("--server-url", args.server_url), ("--org-id", args.org_id)):
        if value:
            words.append(f"{flag} {shlex.quote(value)}")
    env = " (give the --env values again)" if request.settings.env else ""
    return " " + " ".join(words) + env


async def deploy(app: App, args: argparse.Namespace) -> int:
    """Build ``PATH``, then deploy it to the app once it succeeded; exit code 1 if it failed."""
    request: Requested = args.requested
    app_id = app.require_app_id()
    note_demo_defaults(app, request.demo)
    tracker = DeployTracker(app, app_id, _retry_options(app, args, request, app_id))
    async with tracker.watching():
        deployed = await _build_and_deploy(app, args.path, request, app_id, tracker)
    show_deployed(app, deployed)
    return 0


async def _build_and_deploy(
    app: App, path: str, request: Requested, app_id: str, tracker: DeployTracker
) -> Deployed:
    with LiveDisplay(app, on_upload=tracker.on_progress) as display:
        display.announce(path)
        app.watch.on("RunBuild", lambda: tracker.on_uploaded(display))
        app.watch.on("CreateDeployment", tracker.on_creating)
        result = await deployments_v3_deploy(
            app.core,
            path,
            request.settings,
            app_id=app_id,
            from_latest=request.from_latest,
            build_tag=request.build_tag,
            on_log_line=display.on_log_line,
            on_progress=display.on_progress,
        )
        if isinstance(result, Ok):
            return result.value
        if isinstance(result.error, BuildFailedError):
            display.report_failure(result.error)
            _show_failed(app, result.error.build)
        raise result.error


def _show_failed(app: App, build: BuildV3) -> None:
    """Print the build that did not succeed: as a table, or as deploy's JSON with no deployment."""
    if app.json:
        app.emit_json(deployed_json(build, None, show_env=app.show_env))
    else:
        show_build(app, build)
