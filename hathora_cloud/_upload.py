"""The upload flow behind ``builds_v3_upload_build``: create, plan, send the parts, complete.

Memory stays bounded whatever the file and part sizes: at most ``concurrency`` parts are in
flight and each holds one slice of at most 1 MiB (see :mod:`._presigned`). The first part that
fails for good cancels the others and completion is never sent.
"""

from __future__ import annotations

import inspect

import anyio
import attrs
from yarl import URL

from ._core import HathoraCloudCore
from ._presigned import PartSpec, Transfer, UploadRetry, complete_upload, put_part
from ._upload_source import Source, open_source
from .errors import (
    InvalidRequestError,
    RequestAbortedError,
    SDKValidationError,
    UploadBuildError,
    UploadError,
)
from .funcs.builds_v3_create_build import builds_v3_create_build
from .models import CreatedBuildV3WithMultipartUrls, CreateMultipartBuildParams
from .result import Err, Result
from .retries import RequestOptions
from .uploads import ProgressCallback, UploadProgress

__all__ = ("plan_parts", "upload_build")

PROGRESS_INTERVAL = 0.1
"""The shortest time, in seconds, between two ``on_progress`` calls (the last one excepted)."""


async def upload_build(
    core: HathoraCloudCore,
    source: object,
    *,
    build_tag: str | None,
    build_id: str | None,
    concurrency: int,
    on_progress: ProgressCallback | None,
    org_id: str | None,
    options: RequestOptions | None,
) -> Result[CreatedBuildV3WithMultipartUrls, UploadBuildError]:
    """Validate, create the build with the exact size, upload every part and complete."""
    problem = _check_arguments(core, build_tag, build_id, concurrency, on_progress, options)
    if problem is not None:
        return Err(problem)
    async with open_source(source) as opened:
        if isinstance(opened, SDKValidationError):
            return Err(opened)
        params = CreateMultipartBuildParams(
            build_size_in_bytes=opened.size, build_id=build_id, build_tag=build_tag
        )
        created = await builds_v3_create_build(core, params, org_id=org_id, options=options)
        if isinstance(created, Err):
            return created
        failure = await _transfer(core, created.value, opened, concurrency, on_progress, options)
        return created if failure is None else Err(failure)


def _check_arguments(
    core: object,
    build_tag: object,
    build_id: object,
    concurrency: object,
    on_progress: object,
    options: object,
) -> SDKValidationError | None:
    if not isinstance(core, HathoraCloudCore):
        return SDKValidationError("core must be a HathoraCloudCore", raw_value=core)
    for name, value in (("build_tag", build_tag), ("build_id", build_id)):
        if value is not None and (not isinstance(value, str) or not value):
            return SDKValidationError(f"{name} must be a non-empty string or None", raw_value=value)
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        return SDKValidationError(
            "concurrency must be an integer of at least 1", raw_value=concurrency
        )
    if on_progress is not None and not callable(on_progress):
        return SDKValidationError("on_progress must be callable or None", raw_value=on_progress)
    if options is not None and not isinstance(options, RequestOptions):
        return SDKValidationError("options must be a RequestOptions", raw_value=options)
    return None


async def _transfer(
    core: HathoraCloudCore,
    build: CreatedBuildV3WithMultipartUrls,
    source: Source,
    concurrency: int,
    on_progress: ProgressCallback | None,
    options: RequestOptions | None,
) -> UploadBuildError | None:
    parts = plan_parts(build, source.size)
    if isinstance(parts, UploadError):
        return parts
    try:
        session = core._get_session()
    except InvalidRequestError as error:  # a closed core
        return error
    options = options or RequestOptions()
    retry = UploadRetry.resolve(options.retries or core.retry_config)
    transfer = Transfer(session, source, build.build_id, options.timeout or core.timeout, retry)
    etags = await _send_parts(transfer, parts, concurrency, on_progress)
    if isinstance(etags, UploadError):
        return _aborted(core) or etags
    failure = await complete_upload(transfer, build.complete_upload_post_request_url, etags)
    if failure is not None:
        return _aborted(core) or failure
    return None


def _aborted(core: HathoraCloudCore) -> RequestAbortedError | None:
    """The error for a failure caused by closing the core under the upload, if it was that."""
    if core.closed:
        return RequestAbortedError("the HathoraCloudCore was closed during the upload")
    return None


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
    except ValueError:
        return False


def _bad_plan(build: CreatedBuildV3WithMultipartUrls, detail: str) -> UploadError:
    return UploadError(
        f"build {build.build_id}: the service returned an unusable upload plan ({detail}); "
        "nothing was uploaded",
        part_number=None,
        attempts=0,
    )


async def _send_parts(
    transfer: Transfer,
    parts: list[PartSpec],
    concurrency: int,
    on_progress: ProgressCallback | None,
) -> dict[int, str] | UploadError:
    """Upload the parts with ``concurrency`` workers; the first final failure stops them all."""
    progress = _Progress(parts, on_progress)
    etags: dict[int, str] = {}
    failures: list[UploadError] = []
    pending = iter(parts)

    async def worker(group: anyio.CancelScope) -> None:
        for part in pending:
            result = await put_part(transfer, part, progress.sent)
            if isinstance(result, UploadError):
                failures.append(result)
                group.cancel()
                return
            etags[part.number] = result
            progress.acknowledged(part)

    await progress.emit()
    async with anyio.create_task_group() as outer:
        if on_progress is not None:
            outer.start_soon(progress.run, outer.cancel_scope)
        async with anyio.create_task_group() as workers:
            for _ in range(min(concurrency, len(parts))):
                workers.start_soon(worker, workers.cancel_scope)
        outer.cancel_scope.cancel()
    if progress.error is not None:
        raise progress.error
    if failures:
        return failures[0]
    await progress.emit()
    return etags


@attrs.define
class _Progress:
    """Monotonic, throttled progress: each part counts up to the furthest any attempt got."""

    parts: list[PartSpec]
    callback: ProgressCallback | None
    high_water: dict[int, int] = attrs.field(init=False)
    bytes_sent: int = 0
    parts_done: int = 0
    last: UploadProgress | None = None
    error: Exception | None = None

    def __attrs_post_init__(self) -> None:
        self.high_water = {part.number: 0 for part in self.parts}

    def sent(self, number: int, offset: int) -> None:
        """Note that an attempt of part ``number`` has handed ``offset`` bytes to the network."""
        if offset > self.high_water[number]:
            self.bytes_sent += offset - self.high_water[number]
            self.high_water[number] = offset

    def acknowledged(self, part: PartSpec) -> None:
        """Note that the storage service accepted ``part``."""
        self.sent(part.number, part.length)
        self.parts_done += 1

    async def emit(self) -> None:
        """Call the callback with the current state, unless nothing changed since last time."""
        if self.callback is None:
            return
        total = sum(part.length for part in self.parts)
        snapshot = UploadProgress(self.bytes_sent, total, self.parts_done, len(self.parts))
        if snapshot == self.last:
            return
        self.last = snapshot
        result = self.callback(snapshot)
        if inspect.isawaitable(result):
            await result

    async def run(self, scope: anyio.CancelScope) -> None:
        """Report every ``PROGRESS_INTERVAL`` seconds; a failing callback stops the upload."""
        while True:
            await anyio.sleep(PROGRESS_INTERVAL)
            try:
                await self.emit()
            except Exception as exc:
                self.error = exc
                scope.cancel()
                return
