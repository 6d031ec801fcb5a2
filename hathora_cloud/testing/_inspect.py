"""What a test can read from, and seed into, a running emulator (the base of ``FakeHathora``)."""

from __future__ import annotations

from ._api import new_build
from ._context import Emulator
from ._deploy_state import DeploymentState
from ._faults import FaultRegistry, FaultRule
from ._state import BuildState, RecordedRequest, new_build_id, utc_now

_STATUSES = ("created", "running", "succeeded", "failed")


class EmulatorInspection:
    """Inspection and seeding helpers over the emulator's live state."""

    _emulator: Emulator

    @property
    def builds(self) -> dict[str, BuildState]:
        """Every build by id, deleted ones included (live state: do not mutate)."""
        return self._emulator.builds

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in arrival order."""
        return self._emulator.requests

    @property
    def faults(self) -> FaultRegistry:
        """The active fault rules (``fake.faults.add(...)``, ``fake.faults.clear()``)."""
        return self._emulator.faults

    @property
    def app_id(self) -> str:
        """The first application's id (``"app-fake-0001"`` unless ``apps=`` said otherwise)."""
        return next(iter(self._emulator.apps))

    @property
    def apps(self) -> tuple[str, ...]:
        """Every application id, in creation order."""
        return tuple(self._emulator.apps)

    @property
    def deployments(self) -> dict[str, DeploymentState]:
        """Every deployment by id, across apps, oldest first (live state: do not mutate)."""
        return self._emulator.deployments

    def inject(self, rule: FaultRule) -> FaultRule:
        """Activate a fault rule (same as ``fake.faults.add(rule)``).

        Args:
            rule: The fault, e.g. ``FaultRule.status_code(429, retry_after=1, times=2)``.

        Returns:
            The rule.
        """
        return self._emulator.faults.add(rule)

    def requests_for(self, operation: str) -> list[RecordedRequest]:
        """Return the recorded requests of one operation id, e.g. ``"GetBuild"``."""
        return [request for request in self._emulator.requests if request.operation == operation]

    def uploaded_bytes(self, build_id: str) -> bytes:
        """Return the completed upload of ``build_id`` as reassembled from its parts on disk.

        Raises:
            KeyError: The build does not exist or has no completed upload.
        """
        upload = self._emulator.builds[build_id].upload
        if upload is None or not upload.completed:
            raise KeyError(f"build {build_id} has no completed upload")
        return upload.tarball_path.read_bytes()

    def deployments_for(self, app_id: str | None = None) -> list[DeploymentState]:
        """Return an app's deployments, newest first (``None``: the first app).

        Raises:
            KeyError: The app does not exist.
        """
        return list(reversed(self._emulator.apps[app_id or self.app_id]))

    def latest_deployment(self, app_id: str | None = None) -> DeploymentState | None:
        """Return what ``/deployments/latest`` serves for an app, or ``None`` if it has none.

        Raises:
            KeyError: The app does not exist.
        """
        deployments = self._emulator.apps[app_id or self.app_id]
        return deployments[-1] if deployments else None

    def add_app(self, app_id: str) -> str:
        """Create another application, with no deployments; return its id.

        Raises:
            ValueError: The id is empty or already taken.
        """
        if not app_id or app_id in self._emulator.apps:
            raise ValueError(f"app id must be new and non-empty, got {app_id!r}")
        self._emulator.apps[app_id] = []
        return app_id

    def add_build(
        self,
        *,
        build_id: str | None = None,
        build_tag: str | None = None,
        status: str = "succeeded",
    ) -> BuildState:
        """Create a build directly in ``status``, as if it had been built (no upload, no log).

        Handy to test deployments without running a build first. The build is a registry
        build; ``succeeded`` ones get an ``imageSize`` and both timestamps. Call it on a
        started emulator, so that its ``shareUrl`` points at the server.

        Args:
            build_id: The id; a fresh ``bld-<uuid>`` if ``None``.
            build_tag: An optional ``buildTag``.
            status: ``created``, ``running``, ``succeeded`` or ``failed``.

        Returns:
            The build (live state).

        Raises:
            ValueError: The status is unknown or the id is taken.
        """
        if status not in _STATUSES:
            raise ValueError(f"status must be one of {_STATUSES}, got {status!r}")
        if build_id is not None and (not build_id or build_id in self._emulator.builds):
            raise ValueError(f"build id must be new and non-empty, got {build_id!r}")
        build = new_build(self._emulator, build_id or new_build_id(), build_tag, kind="registry")
        build.status = status
        if status != "created":
            build.started_at = utc_now()
        if status in ("succeeded", "failed"):
            build.finished_at = utc_now()
        if status == "succeeded":
            build.image_size = build.rng().randint(40_000_000, 400_000_000)
        return build
