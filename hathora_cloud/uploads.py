"""Upload progress: what ``on_progress`` receives while a build's tarball is packed and uploaded.

The upload functions report :class:`UploadProgress` to an ``on_progress`` callable, sync or async,
at most every 0.1 s, plus once at the start and once at the end of each phase:

1. ``packing`` (only for a directory source): ``files_packed`` of ``files_total`` paths and
   ``bytes_packed`` of ``bytes_to_pack`` bytes written into the temporary tar.gz; ``skipped`` lists
   what packing left out (unreadable files, special files, symlinks that leave the directory).
2. ``uploading``: ``bytes_sent`` of ``total_bytes`` handed to the network, ``parts_done`` of
   ``parts_total`` acknowledged by storage, and ``build_id`` from the moment the build exists.

The values never go backwards: a part that is retried counts its bytes only once it passes the
point its earlier attempt had reached.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable

import attrs

__all__ = ("LogLineCallback", "ProgressCallback", "SkippedFile", "UploadPhase", "UploadProgress")


class UploadPhase(str, enum.Enum):
    """The phase an :class:`UploadProgress` reports on."""

    PACKING = "packing"
    """A directory is being packed into a temporary tar.gz (nothing is sent yet)."""
    UPLOADING = "uploading"
    """The tarball's parts are being sent to storage."""

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class SkippedFile:
    """A path packing left out, and why (it is reported, never skipped silently)."""

    path: str
    """The path relative to the build directory, ``/``-separated."""
    reason: str
    """Why it was left out, such as ``"unreadable: Permission denied"``."""


@attrs.frozen
class UploadProgress:
    """A snapshot of an upload in progress (see the module docstring for the phases)."""

    bytes_sent: int
    """Bytes handed to the network so far (each part counted up to its furthest attempt)."""
    total_bytes: int
    """The size of the tarball (0 while packing: it is not known yet)."""
    parts_done: int
    """Parts the storage service has acknowledged."""
    parts_total: int
    """How many parts the upload has."""
    phase: UploadPhase = attrs.field(default=UploadPhase.UPLOADING, kw_only=True)
    """What is happening: packing a directory, or uploading the tarball."""
    build_id: str | None = attrs.field(default=None, kw_only=True)
    """The build being uploaded, once it exists (``None`` while packing)."""
    files_packed: int = attrs.field(default=0, kw_only=True)
    """Paths (files, directories, links) handled so far, packed or skipped (packing phase)."""
    files_total: int = attrs.field(default=0, kw_only=True)
    """Paths to handle in all, after ``.dockerignore`` (packing phase)."""
    bytes_packed: int = attrs.field(default=0, kw_only=True)
    """Bytes of file content packed so far (packing phase, before compression)."""
    bytes_to_pack: int = attrs.field(default=0, kw_only=True)
    """Bytes of file content to pack in all (packing phase, before compression)."""
    skipped: tuple[SkippedFile, ...] = attrs.field(default=(), kw_only=True)
    """What packing left out so far, with the reason for each."""

    @property
    def fraction(self) -> float:
        """How far the current phase is, from 0.0 to 1.0 (1.0 for an empty phase)."""
        if self.phase is UploadPhase.PACKING:
            return self.bytes_packed / self.bytes_to_pack if self.bytes_to_pack else 1.0
        return self.bytes_sent / self.total_bytes if self.total_bytes else 1.0


ProgressCallback = Callable[[UploadProgress], Awaitable[None] | None]
"""A sync or async callable that receives :class:`UploadProgress`."""

LogLineCallback = Callable[[str], Awaitable[None] | None]
"""A sync or async callable that receives each build log line (terminator removed)."""
