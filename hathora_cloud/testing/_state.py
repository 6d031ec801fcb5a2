"""In-memory state of the emulator: builds, multipart uploads and recorded requests."""

from __future__ import annotations

import enum
import random
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs


class FaultKind(str, enum.Enum):
    """What an injected fault does to a matching request."""

    STATUS = "status"
    """Answer with an error status (and optional ``Retry-After``) instead of handling the call."""
    LATENCY = "latency"
    """Wait ``delay`` seconds, then handle the call normally."""
    DROP = "drop"
    """Close the connection without sending any response."""
    CUT_STREAM = "cut_stream"
    """Send the status line and part of the body, then abort the connection."""
    MALFORMED_JSON = "malformed_json"
    """Answer 200 with a body that is not valid JSON."""
    INVALID_SCHEMA = "invalid_schema"
    """Handle the call, then break one field of its JSON answer (missing, wrong type or null)."""


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def format_timestamp(value: datetime | None) -> str | None:
    """Format a UTC datetime as ISO-8601 with milliseconds and a ``Z`` suffix."""
    if value is None:
        return None
    utc = value.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def new_build_id() -> str:
    """Return a fresh server-chosen build id (``bld-<uuid4>``)."""
    return f"bld-{uuid.uuid4()}"


@attrs.frozen
class PartInfo:
    """One uploaded part of a multipart upload, stored on disk."""

    number: int
    """1-based part number."""
    size: int
    """Size of the part in bytes."""
    etag: str
    """The ETag returned to the client, quotes included (``"<md5 hex>"``)."""
    path: Path
    """Where the part's bytes live on disk."""


@attrs.define
class UploadState:
    """A presigned multipart upload attached to one build."""

    upload_id: str
    """Random id used in the presigned URLs."""
    build_id: str
    """The build this upload belongs to."""
    size: int
    """The declared ``buildSizeInBytes``."""
    chunk_size: int
    """The ``maxChunkSize`` handed to the client."""
    part_count: int
    """How many parts ``uploadParts`` listed (at least 1, even for a 0-byte build)."""
    directory: Path
    """Directory holding the parts and, once completed, the assembled tarball."""
    parts: dict[int, PartInfo] = attrs.Factory(dict)
    """Uploaded parts by part number (a re-PUT replaces the entry)."""
    completed: bool = False
    """Whether CompleteMultipartUpload succeeded."""
    completed_etag: str | None = None
    """The multipart ETag of the assembled object, once completed."""
    completed_parts: tuple[int, ...] = ()
    """The part numbers the completion listed (S3 lets a client complete with a subset)."""
    assembled_size: int | None = None
    """Bytes of the assembled object, once completed (may differ from :attr:`size`)."""

    def expected_size(self, number: int) -> int:
        """Return the byte size part ``number`` has when the client follows ``maxChunkSize``."""
        start = (number - 1) * self.chunk_size
        return max(0, min(self.chunk_size, self.size - start))

    @property
    def tarball_path(self) -> Path:
        """Path of the assembled tarball (exists only once completed)."""
        return self.directory / "build.tgz"


@attrs.define
class BuildState:
    """The emulator's record of one build: its BuildV3 fields plus upload and log data."""

    build_id: str
    """The ``buildId``."""
    org_id: str
    """The ``orgId``."""
    created_by: str
    """The ``createdBy`` e-mail."""
    created_at: datetime
    """The ``createdAt`` time (UTC)."""
    share_url: str
    """The ``shareUrl``: a page on the emulator that shows the build log."""
    kind: str
    """``"multipart"`` (created by CreateBuild) or ``"registry"`` (CreateBuildRegistry)."""
    build_tag: str | None = None
    """The optional ``buildTag``; left out of the JSON when unset."""
    status: str = "created"
    """``created``, ``running``, ``succeeded`` or ``failed``."""
    started_at: datetime | None = None
    """Set when a run starts."""
    finished_at: datetime | None = None
    """Set when a run ends."""
    deleted_at: datetime | None = None
    """Set by DeleteBuild; a deleted build is hidden from the API."""
    image_size: int = 0
    """``imageSize`` in bytes; 0 until a run succeeds."""
    upload: UploadState | None = None
    """The multipart upload (``None`` for registry builds)."""
    registry_image: str | None = None
    """The image reference given to RunBuildRegistry, if any."""
    log_lines: list[str] = attrs.Factory(list)
    """Every log line emitted by the run, each ending in ``"\\n"`` or ``"\\r"``."""

    @property
    def log_text(self) -> str:
        """The whole build log as one string."""
        return "".join(self.log_lines)

    @property
    def is_deleted(self) -> bool:
        """Whether DeleteBuild was called on this build."""
        return self.deleted_at is not None

    def rng(self) -> random.Random:
        """Return a random generator seeded by the build id (stable fake hashes)."""
        return random.Random(self.build_id)

    def to_json(self) -> dict[str, Any]:
        """Return the BuildV3 JSON object (nullable keys always present)."""
        body: dict[str, Any] = {
            "buildId": self.build_id,
            "orgId": self.org_id,
            "createdBy": self.created_by,
            "createdAt": format_timestamp(self.created_at),
            "startedAt": format_timestamp(self.started_at),
            "finishedAt": format_timestamp(self.finished_at),
            "deletedAt": format_timestamp(self.deleted_at),
            "status": self.status,
            "imageSize": self.image_size,
            "shareUrl": self.share_url,
        }
        if self.build_tag is not None:
            body["buildTag"] = self.build_tag
        return body


@attrs.frozen
class RecordedRequest:
    """One request the emulator received, as seen on the wire (secrets redacted)."""

    operation: str
    """Operation id: ``GetBuilds``, ``CreateBuild``, ``GetBuild``, ``DeleteBuild``,
    ``CreateBuildRegistry``, ``RunBuild``, ``RunBuildRegistry``, ``UploadPart``,
    ``CompleteUpload``, ``SharePage``, ``GetDeployments``, ``CreateDeployment``,
    ``GetLatestDeployment``, ``GetDeployment``, or ``Unknown`` (no route matched)."""
    method: str
    """HTTP method."""
    path: str
    """Request path, without the query string."""
    query: Mapping[str, str]
    """Query parameters (last value wins for repeated keys)."""
    headers: Mapping[str, str]
    """Request headers; an ``Authorization`` value is replaced by ``"<scheme> [REDACTED]"``."""
    has_authorization: bool
    """Whether an ``Authorization`` header was sent."""
    auth_scheme: str | None
    """The scheme of the ``Authorization`` header (e.g. ``"Bearer"``), if any."""
    body_length: int
    """Bytes of request body the emulator read (or the declared ``Content-Length``)."""
    fault: FaultKind | None = None
    """The kind of injected fault applied to this request, if any."""
    status: int | None = None
    """The response status sent, or ``None`` if the connection was dropped."""
