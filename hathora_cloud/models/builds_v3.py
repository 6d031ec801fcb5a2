"""Models of the BuildsV3 API group: what the seven operations send and receive."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

__all__ = (
    "BuildPart",
    "BuildStatus",
    "BuildV3",
    "BuildsV3Page",
    "CreateBuildV3Params",
    "CreateMultipartBuildParams",
    "CreatedBuildV3WithMultipartUrls",
    "DeletedBuild",
    "RegistryConfig",
)


class BuildStatus(str, enum.Enum):
    """The known states of a build; ``BuildV3.status`` keeps any other value as a plain ``str``."""

    CREATED = "created"
    """Created, not yet run."""
    RUNNING = "running"
    """The build is executing."""
    SUCCEEDED = "succeeded"
    """The image was built and stored."""
    FAILED = "failed"
    """The build failed, usually because of the Dockerfile."""

    def __str__(self) -> str:
        return self.value


@attrs.frozen(kw_only=True)
class BuildV3:
    """A build: a container image made from an uploaded tarball or pulled from a registry."""

    build_id: str
    """The build's id, such as ``bld-6d4c6a71-...``."""
    org_id: str
    """The organization that owns the build."""
    created_by: str
    """Who created the build."""
    created_at: datetime
    """When the build was created (timezone-aware)."""
    started_at: datetime | None
    """When the run started, ``None`` before it."""
    finished_at: datetime | None
    """When the run finished, ``None`` before it."""
    deleted_at: datetime | None
    """When the build was deleted, ``None`` while it exists."""
    status: BuildStatus | str
    """The state; a value this SDK does not know is kept as a plain string."""
    image_size: int
    """Bytes of the built image; 0 before the build succeeded."""
    build_tag: str | None = None
    """The caller's version label, if one was given."""
    content_hash: str | None = None
    """A hash of the build's content, when the service reports one."""
    share_url: str | None = None
    """A URL to view the build's details and logs."""
    expired_at: datetime | None = None
    """When the build expired, when the service reports it."""

    @property
    def is_terminal(self) -> bool:
        """Whether the build has finished (``succeeded``, ``failed``, or ``finished_at`` set)."""
        return self.status in _TERMINAL or self.finished_at is not None


_TERMINAL = frozenset((BuildStatus.SUCCEEDED, BuildStatus.FAILED))


@attrs.frozen(kw_only=True)
class BuildPart:
    """One presigned part of a multipart upload."""

    part_number: int
    """The 1-based part number."""
    put_request_url: str = attrs.field(repr=False)
    """The presigned URL to ``PUT`` the part's bytes to (a credential: never logged)."""


@attrs.frozen(kw_only=True)
class CreatedBuildV3WithMultipartUrls(BuildV3):
    """A new build together with the presigned URLs to upload its tarball."""

    complete_upload_post_request_url: str = attrs.field(repr=False)
    """The presigned URL that completes the multipart upload (a credential: never logged)."""
    max_chunk_size: int
    """Size in bytes of every part except possibly the last."""
    upload_parts: tuple[BuildPart, ...]
    """The parts to upload, numbered from 1."""


@attrs.frozen(kw_only=True)
class BuildsV3Page:
    """The builds of an organization."""

    builds: tuple[BuildV3, ...]
    """The builds, in the order the service returned them."""


@attrs.frozen(kw_only=True)
class DeletedBuild:
    """The (empty) answer to deleting a build."""


@attrs.frozen(kw_only=True)
class CreateMultipartBuildParams:
    """The body of ``createBuild``."""

    build_size_in_bytes: int
    """The exact byte length of the ``.tgz`` that will be uploaded."""
    build_id: str | None = None
    """Choose the build's id yourself (it then also guards against creating a duplicate)."""
    build_tag: str | None = None
    """A version label of your own, such as ``0.1.14-14c793``."""


@attrs.frozen(kw_only=True)
class CreateBuildV3Params:
    """The body of ``createBuildRegistry``; an empty one is valid."""

    build_id: str | None = None
    """Choose the build's id yourself."""
    build_tag: str | None = None
    """A version label of your own."""


@attrs.frozen(kw_only=True)
class RegistryConfig:
    """Where ``runBuildRegistry`` pulls the image from."""

    image: str
    """The image reference, such as ``myorg/server:1.2``."""
    registry_url: str | None = None
    """The registry host, when the image is not on Docker Hub."""
    auth: str | None = attrs.field(default=None, repr=False)
    """A credential for a private registry (never shown in ``repr``)."""
