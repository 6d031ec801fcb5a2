"""The upload plan: the service's part list checked against the file, as byte ranges."""

from __future__ import annotations

import attrs
from yarl import URL

from ..errors import UploadError
from ..models import CreatedBuildV3WithMultipartUrls

__all__ = ("PartSpec", "plan_parts")


@attrs.frozen
class PartSpec:
    """One part to upload: its number, presigned URL and byte range of the tarball."""

    number: int
    url: str = attrs.field(repr=False)
    start: int
    length: int


def plan_parts(build: CreatedBuildV3WithMultipartUrls, size: int) -> list[PartSpec] | UploadError:
    """Check the service's part list against the file size and return each part's range.

    The list must number the parts 1..N without gaps or duplicates, with
    N = ceil(size / max_chunk_size) (1 for an empty file): anything else cannot produce the
    tarball byte for byte, so it is refused before a byte is sent.
    """
    chunk = build.max_chunk_size
    if chunk <= 0:
        return _bad_plan(build, f"maxChunkSize is {chunk}")
    expected = max(1, -(-size // chunk))
    ordered = sorted(build.upload_parts, key=lambda part: part.part_number)
    numbers = [part.part_number for part in ordered]
    if numbers != list(range(1, expected + 1)):
        shown = numbers if len(numbers) <= 10 else f"{len(numbers)} parts"
        return _bad_plan(build, f"expected parts 1..{expected} for {size} bytes, got {shown}")
    for part in ordered:
        if not _usable_url(part.put_request_url):
            return _bad_plan(build, f"part {part.part_number} has no absolute http(s) URL")
    if not _usable_url(build.complete_upload_post_request_url):
        return _bad_plan(build, "the completion URL is not an absolute http(s) URL")
    return [
        PartSpec(
            part.part_number,
            part.put_request_url,
            (part.part_number - 1) * chunk,
            min(chunk, size - (part.part_number - 1) * chunk),
        )
        for part in ordered
    ]


def _usable_url(url: str) -> bool:
    try:
        parsed = URL(url, encoded=True)
        return parsed.scheme in ("http", "https") and bool(parsed.host) and parsed.port is not None
    except (TypeError, ValueError):
        return False


def _bad_plan(build: CreatedBuildV3WithMultipartUrls, detail: str) -> UploadError:
    return UploadError(
        f"build {build.build_id}: the service returned an unusable upload plan ({detail}); "
        "nothing was uploaded",
        part_number=None,
        attempts=0,
        build_id=build.build_id,
    )
