"""The flows after an upload: poll a build to its end, and upload → run → log → verdict."""

from __future__ import annotations

import inspect
from collections import deque

import anyio

from ._core import HathoraCloudCore
from ._upload import upload_build
from .errors import (
    BuildFailedError,
    HathoraError,
    HTTPConnectionError,
    OperationError,
    RequestTimeoutError,
    SDKValidationError,
    UploadAndRunError,
)
from .funcs.builds_v3_get_build import builds_v3_get_build
from .funcs.builds_v3_run_build import builds_v3_run_build
from .models import BuildStatus, BuildV3
from .result import Err, Ok, Result
from .retries import RequestOptions
from .streams import BuildLogStream
from .uploads import LogLineCallback, ProgressCallback

__all__ = ("LOG_TAIL_LINES", "upload_and_run", "wait_for_build")

LOG_TAIL_LINES = 50
"""How many of the last log lines :class:`BuildFailedError` keeps."""
_MAX_POLL_FACTOR = 4.0
_POLL_GROWTH = 1.5


async def wait_for_build(
    core: HathoraCloudCore,
    build_id: str,
    *,
    poll_interval: float,
    timeout: float | None,  # noqa: ASYNC109  # the public signature; enforced below
    org_id: str | None,
    options: RequestOptions | None,
) -> Result[BuildV3, OperationError]:
    """Poll ``getBuild`` until the build is terminal, waiting longer between polls over time."""
    for name, value in (("poll_interval", poll_interval), ("timeout", timeout)):
        if value is None and name == "timeout":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            return Err(
                SDKValidationError(f"{name} must be a positive number of seconds", raw_value=value)
            )
    interval = float(poll_interval)
    with anyio.move_on_after(timeout):
        while True:
            result = await builds_v3_get_build(core, build_id, org_id=org_id, options=options)
            if isinstance(result, Err) or result.value.is_terminal:
                return result
            await anyio.sleep(interval)
            interval = min(interval * _POLL_GROWTH, poll_interval * _MAX_POLL_FACTOR)
    return Err(RequestTimeoutError(f"build {build_id} did not finish within {timeout:g} seconds"))


async def upload_and_run(
    core: HathoraCloudCore,
    source: object,
    *,
    build_tag: str | None,
    on_log_line: LogLineCallback | None,
    on_progress: ProgressCallback | None,
    concurrency: int,
    org_id: str | None,
    options: RequestOptions | None,
) -> Result[BuildV3, UploadAndRunError]:
    """Upload, run, hand every log line to ``on_log_line``, then judge the final build."""
    problem = _check_callback(on_log_line)
    if problem is not None:
        return Err(problem)
    uploaded = await upload_build(
        core,
        source,
        build_tag=build_tag,
        build_id=None,
        concurrency=concurrency,
        on_progress=on_progress,
        org_id=org_id,
        options=options,
    )
    if isinstance(uploaded, Err):
        return uploaded
    build_id = uploaded.value.build_id
    run = await builds_v3_run_build(core, build_id, org_id=org_id, options=options)
    if isinstance(run, Err):
        return run
    tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
    broken = await _follow_log(run.value, tail, on_log_line)
    if broken is not None:
        return Err(broken)
    final = await wait_for_build(
        core, build_id, poll_interval=2.0, timeout=None, org_id=org_id, options=options
    )
    if isinstance(final, Err):
        return final
    return _verdict(final.value, tuple(tail))


def _check_callback(on_log_line: object) -> SDKValidationError | None:
    if on_log_line is None or callable(on_log_line):
        return None
    return SDKValidationError("on_log_line must be callable or None", raw_value=on_log_line)


async def _follow_log(
    stream: BuildLogStream, tail: deque[str], on_log_line: LogLineCallback | None
) -> OperationError | None:
    """Deliver lines until the log ends; a broken or silent stream falls back to polling."""
    async with stream:
        try:
            async for line in stream:
                tail.append(line)
                if on_log_line is not None:
                    result = on_log_line(line)
                    if inspect.isawaitable(result):
                        await result
        except (HTTPConnectionError, RequestTimeoutError):
            return None  # the build goes on server-side: its status, not the stream, decides
        except HathoraError as error:
            return error  # type: ignore[return-value]  # stream errors are OperationError kinds
    return None


def _verdict(build: BuildV3, tail: tuple[str, ...]) -> Result[BuildV3, UploadAndRunError]:
    if build.status == BuildStatus.SUCCEEDED:
        return Ok(build)
    last = next((line for line in reversed(tail) if line.strip()), None)
    message = f"build {build.build_id} ended {build.status}"
    if last is not None:
        message += f": {last.strip()}"
    return Err(BuildFailedError(message, build=build, log_tail=tail))
