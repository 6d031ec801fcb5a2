"""Upload → run → follow the log → poll the final status → verdict (``upload_and_run``)."""

from __future__ import annotations

import inspect
from collections import deque

from .. import _checks
from .._core import HathoraCloudCore
from .._operations.builds_v3 import RUN_BUILD
from .._request import send_stream
from ..errors import (
    BuildFailedError,
    HathoraError,
    HTTPConnectionError,
    OperationError,
    RequestTimeoutError,
    UploadAndRunError,
)
from ..models import BuildStatus, BuildV3
from ..result import Err, Ok, Result
from ..retries import RequestOptions
from ..streams import BuildLogStream
from ..uploads import LogLineCallback, ProgressCallback
from .upload import mark, upload_build
from .wait import wait_for_build

__all__ = ("LOG_TAIL_LINES", "upload_and_run")

LOG_TAIL_LINES = 50
"""How many of the last log lines :class:`BuildFailedError` keeps."""


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
    delete_on_failure: bool = True,
) -> Result[BuildV3, UploadAndRunError]:
    """Upload, run, hand every log line to ``on_log_line``, then judge the final build.

    Once uploaded, the build is kept whatever happens next: every later error carries its id.
    """
    problem = _checks.callback("on_log_line", on_log_line)
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
        delete_on_failure=delete_on_failure,
    )
    if isinstance(uploaded, Err):
        return uploaded
    build_id = uploaded.value.build_id
    try:
        return await _run_and_judge(core, build_id, on_log_line, org_id, options)
    except BaseException as exc:  # cancelled, or on_log_line raised: say which build is left
        if hasattr(exc, "add_note"):  # Python 3.11+
            exc.add_note(f"hathora-cloud: build {build_id} was uploaded and is kept")
        raise


async def _run_and_judge(
    core: HathoraCloudCore,
    build_id: str,
    on_log_line: LogLineCallback | None,
    org_id: str | None,
    options: RequestOptions | None,
) -> Result[BuildV3, UploadAndRunError]:
    run = await send_stream(
        core, RUN_BUILD, path={"buildId": build_id}, org_id=org_id, options=options
    )
    if isinstance(run, Err):
        return Err(mark(run.error, build_id), meta=run.meta)
    tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
    broken = await _follow_log(run.value, tail, on_log_line)
    if broken is not None:
        return Err(mark(broken, build_id))
    final = await wait_for_build(
        core, build_id, poll_interval=2.0, timeout=None, org_id=org_id, options=options
    )
    if isinstance(final, Err):
        return Err(mark(final.error, build_id), meta=final.meta)
    return _verdict(final.value, tuple(tail))


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
