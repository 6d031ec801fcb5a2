"""Requests to presigned storage URLs: part PUTs and CompleteMultipartUpload.

These go on the core's session but never through the API request path: no ``Authorization``
header (S3 refuses a second auth mechanism), no caller headers, no hooks. They share the API's
retry engine (:mod:`hathora_cloud._retry`, default ``UPLOAD_RETRY``), transport-error mapper
and bounded body reads. A presigned URL is a credential, so only ``scheme://host/path`` is ever
logged or put into a message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import aiohttp
import anyio
import attrs
from yarl import URL

from .. import _retry
from .._body import ERROR_BODY_LIMIT, read_body
from .._core import HathoraCloudCore
from .._retry import RetryPolicy
from .._transport import Secrets, is_phantom_cancel, redact, safe_url, transport_failure
from ..errors import UploadError
from .plan import PartSpec
from .reader import PartReader, Source

__all__ = ("Transfer", "complete_upload", "put_part", "s3_error_fields")

logger = logging.getLogger("hathora_cloud")
SLICE_SIZE = 1 << 20
"""The most bytes of one part held in memory at a time."""
_TURN = 0.001
"""Seconds a part may send in one event-loop pass before it lets other callbacks run."""
_RETRIED_S3_CODES = frozenset({"InternalError", "SlowDown", "ServiceUnavailable"})


@attrs.frozen
class Transfer:
    """What every request of one upload shares."""

    core: HathoraCloudCore
    session: aiohttp.ClientSession
    source: Source
    build_id: str
    idle: float
    """Seconds without progress (sending or receiving) before an attempt is abandoned."""
    policy: RetryPolicy

    @property
    def timeout(self) -> aiohttp.ClientTimeout:
        """An idle timeout, never a total: a big part or a slow completion may take minutes."""
        return aiohttp.ClientTimeout(total=None, sock_connect=self.idle, sock_read=self.idle)


@attrs.frozen
class _Outcome:
    """What one attempt came to: a value, or why it failed and whether a retry may help."""

    value: str | None = None
    reason: str = ""
    status: int | None = None
    retry: float | bool = False
    """``False``: final; ``True``: retryable; a float: retryable after the server's wait."""
    changed: bool = False


async def put_part(
    transfer: Transfer, part: PartSpec, on_sent: Callable[[int, int], None]
) -> str | UploadError:
    """PUT one part, retrying transient failures; return its ETag verbatim."""

    async def once() -> _Outcome:
        return await _put_once(transfer, part, lambda sent: on_sent(part.number, sent))

    return await _retrying(transfer, part.number, f"part {part.number}", once)


async def complete_upload(
    transfer: Transfer, url: str, etags: Mapping[int, str]
) -> UploadError | None:
    """POST the CompleteMultipartUpload document; a 200 carrying ``<Error>`` is a failure."""
    body = complete_xml(etags).encode()

    async def once() -> _Outcome:
        return await _complete_once(transfer, url, body)

    result = await _retrying(transfer, None, "completing the upload", once)
    return result if isinstance(result, UploadError) else None


def complete_xml(etags: Mapping[int, str]) -> str:
    """Return the S3 CompleteMultipartUpload document, parts sorted by number."""
    parts = "".join(
        f"<Part><PartNumber>{number}</PartNumber><ETag>{escape(etags[number])}</ETag></Part>"
        for number in sorted(etags)
    )
    return f"<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>"


async def _retrying(
    transfer: Transfer, number: int | None, what: str, once: Callable[[], Awaitable[_Outcome]]
) -> str | UploadError:
    """Run ``once`` through the retry engine (each attempt checks the file itself)."""

    def judge(outcome: _Outcome) -> float | bool:
        # A closed core makes every further attempt fail the same way: no retry.
        return outcome.value is None and not transfer.core.closed and outcome.retry

    def describe(outcome: _Outcome, attempt: int, elapsed: float, wait: float | None) -> None:
        if outcome.value is None:
            logger.debug(
                "upload %s of build %s attempt %d failed: %s%s",
                *(what, transfer.build_id, attempt, outcome.reason),
                f"; retrying in {wait:.3f}s" if wait is not None else "",
            )

    outcome, attempts = await _retry.run(
        transfer.policy,
        lambda _: once(),
        judge,
        describe=describe,
        interrupt=transfer.core._closed_event,
    )
    if outcome.value is not None:
        return outcome.value
    changed = outcome.reason if outcome.changed else await transfer.source.changed()
    reason = (
        f"build {transfer.build_id}: {changed}"
        if changed is not None
        else f"{what} of build {transfer.build_id} failed after {attempts} attempt(s): "
        f"{outcome.reason}"
    )
    return UploadError(
        reason,
        part_number=number,
        attempts=attempts - 1 if outcome.changed else attempts,
        status_code=outcome.status,
        build_id=transfer.build_id,
    )


async def _put_once(transfer: Transfer, part: PartSpec, on_sent: Callable[[int], None]) -> _Outcome:
    headers = {"Content-Type": "application/octet-stream", "Content-Length": str(part.length)}
    logger.debug("PUT part %d to %s", part.number, safe_url(part.url))
    async with transfer.source.part() as reader:
        if isinstance(reader, str):  # the file changed or vanished: retrying cannot help
            return _Outcome(reason=reader, changed=True)
        with anyio.CancelScope() as scope:
            watch = _IdleWatch(scope, transfer.idle)
            # A fresh body per attempt: aiohttp never replays a half-consumed generator.
            body = _slices(reader, part, watch, on_sent) if part.length else b""
            try:
                return await _exchange(transfer, "PUT", part.url, body, headers, _part_outcome)
            finally:
                watch.stop()
    return _Outcome(reason=f"no progress for {transfer.idle:g} seconds", retry=True)


async def _slices(
    reader: PartReader, part: PartSpec, watch: _IdleWatch, on_sent: Callable[[int], None]
) -> AsyncIterator[memoryview]:
    """Yield the part in slices of at most 1 MiB, each read when it is needed.

    aiohttp writes a body without returning to the loop while the socket takes everything (its
    drain waits only when the transport is paused), so a whole 8 MiB part would go out in one
    loop pass of 8-10 ms; after ``_TURN`` seconds of sending this gives the loop a turn. With
    ``concurrency`` parts sending, a loop pass still holds up to ``concurrency`` such turns (with
    2 ms turns 4 parts made 7-9 ms passes; with 1 ms, at most about 5 ms).
    """
    loop = asyncio.get_running_loop()
    turn = loop.time()
    sent = 0
    while sent < part.length:
        size = min(SLICE_SIZE, part.length - sent)
        data = await reader.read(part.start + sent, size)
        if len(data) != size:
            raise OSError("the tarball shrank during the upload")
        watch.touch()
        yield data
        del data  # a view kept here would keep its pooled buffer busy through the next read
        sent += size
        on_sent(sent)
        if loop.time() - turn >= _TURN:
            await asyncio.sleep(0)
            turn = loop.time()
    # Everything is written: from here the socket read timeout guards the wait for the answer.
    watch.stop()


class _IdleWatch:
    """Cancel ``scope`` after ``idle`` seconds without progress; progress costs one float store.

    Moving a cancel scope's deadline on every 1 MiB slice reschedules a timer each time; this
    checks lazily instead: its one timer fires at the earliest possible expiry and re-arms for the
    last progress seen.
    """

    __slots__ = ("_handle", "_idle", "_last", "_loop", "_scope")

    def __init__(self, scope: anyio.CancelScope, idle: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._scope = scope
        self._idle = idle
        self._last = self._loop.time()
        self._handle: asyncio.TimerHandle | None = self._loop.call_at(
            self._last + idle, self._check
        )

    def touch(self) -> None:
        """Note progress now."""
        self._last = self._loop.time()

    def stop(self) -> None:
        """Stop watching (the body is sent, or the attempt is over)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _check(self) -> None:
        due = self._last + self._idle
        if self._loop.time() >= due:
            self._handle = None
            self._scope.cancel()
        else:
            self._handle = self._loop.call_at(due, self._check)


async def _complete_once(transfer: Transfer, url: str, body: bytes) -> _Outcome:
    logger.debug("POST CompleteMultipartUpload to %s", safe_url(url))
    headers = {"Content-Type": "application/xml"}
    return await _exchange(transfer, "POST", url, body, headers, _complete_outcome)


async def _exchange(
    transfer: Transfer,
    method: str,
    url: str,
    body: bytes | AsyncIterator[memoryview],
    headers: dict[str, str],
    judge: Callable[[RetryPolicy, aiohttp.ClientResponse, bytes], _Outcome],
) -> _Outcome:
    """Send one presigned request and judge its answer; a transport failure is an outcome too."""
    failure: BaseException
    try:
        async with transfer.session.request(
            method,
            URL(url, encoded=True),  # byte for byte as signed: re-quoting could break it
            data=body,
            headers=headers,
            timeout=transfer.timeout,
            allow_redirects=False,
            auto_decompress=False,
        ) as response:
            text = await read_body(response, ERROR_BODY_LIMIT, truncate=True)
            return judge(transfer.policy, response, text)
    except asyncio.CancelledError as exc:
        if not is_phantom_cancel(transfer.core.closed):
            raise
        failure = exc
    except Exception as exc:
        failure = exc
    mapped = transport_failure(
        failure,
        aborted=transfer.core.closed,
        secrets=Secrets.of(urls=(url,)),
        subject="the storage request",
    )
    return _Outcome(reason=mapped.error.message, retry=transfer.policy.retries_failure(mapped.kind))


def _part_outcome(policy: RetryPolicy, response: aiohttp.ClientResponse, body: bytes) -> _Outcome:
    if response.status == 200:
        etag = response.headers.get("ETag")
        if etag:
            return _Outcome(value=etag)
        return _Outcome(reason="the storage service answered 200 without an ETag", status=200)
    return _failure(policy, response, body)


def _complete_outcome(
    policy: RetryPolicy, response: aiohttp.ClientResponse, body: bytes
) -> _Outcome:
    if response.status != 200:
        return _failure(policy, response, body)
    code, message = s3_error_fields(body)
    if code is None:
        return _Outcome(value="")
    reason = _redacted(response, f"the storage service reported {code}: {message}")
    return _Outcome(reason=reason, status=200, retry=policy.enabled and code in _RETRIED_S3_CODES)


def _failure(policy: RetryPolicy, response: aiohttp.ClientResponse, body: bytes) -> _Outcome:
    status = response.status
    code, message = s3_error_fields(body)
    reason = f"HTTP {status}" + (f" {code}: {message}" if code else "")
    if status == 403 and "expired" in message.lower():
        reason += (
            "; the presigned upload URLs have expired, so create a new build"
            " (upload again) to get fresh ones"
        )
    retry: float | bool = policy.retries_status(status)
    if retry:
        after = _retry.retry_after(response.headers.get("Retry-After"))
        retry = True if after is None else after
    return _Outcome(reason=_redacted(response, reason), status=status, retry=retry)


def _redacted(response: aiohttp.ClientResponse, text: str) -> str:
    """Storage error text may quote the signed request: keep its query strings out."""
    return redact(text, Secrets.of(urls=(str(response.url),)))


def s3_error_fields(body: bytes) -> tuple[str | None, str]:
    """Return ``(Code, Message)`` of an S3 ``<Error>`` document, or ``(None, "")``."""
    text = body.strip()
    if not text:
        return None, ""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return ("Error", "unparseable error document") if b"<Error>" in text else (None, "")
    if root.tag.rsplit("}", 1)[-1] != "Error":
        return None, ""
    fields = {child.tag.rsplit("}", 1)[-1]: (child.text or "").strip() for child in root}
    return fields.get("Code") or "Error", fields.get("Message", "")
