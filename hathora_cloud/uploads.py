"""Upload progress: what ``on_progress`` receives while a build's tarball is uploaded.

:func:`~hathora_cloud.funcs.builds_v3_upload_build` reports :class:`UploadProgress` to an
``on_progress`` callable, sync or async, at most every 0.1 s and once more when every part has
been acknowledged (``bytes_sent == total_bytes``). The values never go backwards: a part that is
retried counts its bytes only once it passes the point its earlier attempt had reached.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import attrs

__all__ = ("LogLineCallback", "ProgressCallback", "UploadProgress")


@attrs.frozen
class UploadProgress:
    """A snapshot of an upload in progress."""

    bytes_sent: int
    """Bytes handed to the network so far (each part counted up to its furthest attempt)."""
    total_bytes: int
    """The size of the tarball."""
    parts_done: int
    """Parts the storage service has acknowledged."""
    parts_total: int
    """How many parts the upload has."""

    @property
    def fraction(self) -> float:
        """``bytes_sent / total_bytes`` between 0.0 and 1.0 (1.0 for an empty tarball)."""
        return self.bytes_sent / self.total_bytes if self.total_bytes else 1.0


ProgressCallback = Callable[[UploadProgress], Awaitable[None] | None]
"""A sync or async callable that receives :class:`UploadProgress`."""

LogLineCallback = Callable[[str], Awaitable[None] | None]
"""A sync or async callable that receives each build log line (terminator removed)."""
