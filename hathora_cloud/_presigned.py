"""Requests to presigned storage URLs: part PUTs and CompleteMultipartUpload, with retries.

These go on the core's session but never through the API request path: no ``Authorization``
header (S3 refuses a second auth mechanism), no caller headers, no hooks. A presigned URL is a
credential, so only ``scheme://host/path`` is ever logged or put into an error message.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import aiohttp
import anyio
import attrs
from yarl import URL

from ._classify import CONNECTION_FAILURES, TIMEOUTS, read_capped
from ._upload_source import Source
from .errors import UploadError, parse_retry_after
from .retries import BackoffStrategy, RetryConfig

__all__ = ("PartSpec", "Transfer", "UploadRetry", "complete_upload", "put_part", "safe_url")

logger = logging.getLogger("hathora_cloud")
SLICE_SIZE = 1 << 20
"""The most bytes of one part held in memory at a time."""
_RETRIED_S3_CODES = frozenset({"InternalError", "SlowDown", "ServiceUnavailable"})


@attrs.frozen
class PartSpec:
    """One part to upload: its number, presigned URL and byte range of the tarball."""

    number: int
    url: str = attrs.field(repr=False)
    start: int
    length: int


@attrs.frozen
class UploadRetry:
    """How often a failed part or completion is retried (transient failures only)."""

    backoff: BackoffStrategy
    max_attempts: int | None
    enabled: bool = True
    connection_errors: bool = True

    @classmethod
    def resolve(cls, config: RetryConfig | None) -> UploadRetry:
        """Follow the caller's ``RetryConfig``; without one, 5 attempts within 5 minutes."""
        if config is None:
            return _DEFAULT_RETRY
        return cls(
            config.backoff,
            config.max_attempts,
            config.strategy == "backoff",
            config.retry_connection_errors,
        )

    def wait(self, attempt: int, elapsed: float, outcome: _Outcome) -> float | None:
        """Return the seconds to wait before the next attempt, or ``None`` to give up."""
        if not (self.enabled and outcome.retryable):
            return None
        if outcome.status is None and not self.connection_errors:
            return None
        if self.max_attempts is not None and attempt >= self.max_attempts:
            return None
        delay = self.backoff.delay(attempt - 1, outcome.retry_after)
        return None if elapsed + delay > self.backoff.max_elapsed_time else delay


_DEFAULT_RETRY = UploadRetry(
    BackoffStrategy(initial_interval=0.5, max_interval=10.0, exponent=2.0, max_elapsed_time=300.0),
    max_attempts=5,
)


@attrs.frozen
class _Outcome:
    value: str | None = None
    reason: str = ""
    status: int | None = None
    retryable: bool = False
    retry_after: float | None = None


@attrs.frozen
class Transfer:
    """What every request of one upload shares."""

    session: aiohttp.ClientSession
    source: Source
    build_id: str
    idle: float
    """Seconds without progress (sending or receiving) before an attempt is abandoned."""
    retry: UploadRetry

    @property
    def timeout(self) -> aiohttp.ClientTimeout:
        """An idle timeout, never a total: a big part or a slow completion may take minutes."""
        return aiohttp.ClientTimeout(total=None, sock_connect=self.idle, sock_read=self.idle)


def _as_signed(url: str) -> URL:
    """Send a presigned URL byte for byte: re-quoting its query could break the signature."""
    return URL(url, encoded=True)


def safe_url(url: str) -> str:
    """Return ``scheme://host/path`` of a presigned URL (its query string is a credential)."""
    parsed = URL(url)
    return str(parsed.with_user(None).with_query(None).with_fragment(None))


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
    """Run ``once`` until it succeeds or fails for good; check the file before every try."""
    started = anyio.current_time()
    attempt = 0
    while True:
        changed = await transfer.source.changed()
        if changed is not None:
            return UploadError(
                f"build {transfer.build_id}: {changed}", part_number=number, attempts=attempt
            )
        attempt += 1
        outcome = await once()
        if outcome.value is not None:
            return outcome.value
        elapsed = anyio.current_time() - started
        # A closed session (the core was closed) makes every further attempt fail the same way.
        wait = None if transfer.session.closed else transfer.retry.wait(attempt, elapsed, outcome)
        logger.debug(
            "upload %s of build %s attempt %d failed: %s%s",
            what,
            transfer.build_id,
            attempt,
            outcome.reason,
            f"; retrying in {wait:.3f}s" if wait is not None else "",
        )
        if wait is None:
            changed = await transfer.source.changed()
            return UploadError(
                f"build {transfer.build_id}: {changed}"
                if changed is not None
                else f"{what} of build {transfer.build_id} failed after {attempt} "
                f"attempt(s): {outcome.reason}",
                part_number=number,
                attempts=attempt,
                status_code=outcome.status,
            )
        await anyio.sleep(wait)


async def _put_once(transfer: Transfer, part: PartSpec, on_sent: Callable[[int], None]) -> _Outcome:
    headers = {"Content-Type": "application/octet-stream", "Content-Length": str(part.length)}
    logger.debug("PUT part %d to %s", part.number, safe_url(part.url))
    with anyio.CancelScope(deadline=anyio.current_time() + transfer.idle) as idle:
        # A fresh body per attempt: aiohttp never replays a half-consumed generator.
        body = _slices(transfer, part, idle, on_sent) if part.length else b""
        try:
            async with transfer.session.put(
                _as_signed(part.url),
                data=body,
                headers=headers,
                timeout=transfer.timeout,
                allow_redirects=False,
            ) as response:
                return await _part_outcome(response)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            return _transport_outcome(exc, part.url)
    return _Outcome(reason=f"no progress for {transfer.idle:g} seconds", retryable=True)


async def _slices(
    transfer: Transfer, part: PartSpec, idle: anyio.CancelScope, on_sent: Callable[[int], None]
) -> AsyncIterator[bytes]:
    """Yield the part in slices of at most 1 MiB, each read from disk when it is needed."""
    sent = 0
    while sent < part.length:
        size = min(SLICE_SIZE, part.length - sent)
        data = await transfer.source.read(part.start + sent, size)
        if len(data) != size:
            raise OSError("the tarball shrank during the upload")
        idle.deadline = anyio.current_time() + transfer.idle
        yield data
        sent += size
        on_sent(sent)
    # Everything is written: from here the socket read timeout guards the wait for the answer.
    idle.deadline = math.inf


async def _part_outcome(response: aiohttp.ClientResponse) -> _Outcome:
    body = await read_capped(response)
    if response.status == 200:
        etag = response.headers.get("ETag")
        if etag:
            return _Outcome(value=etag)
        return _Outcome(reason="the storage service answered 200 without an ETag", status=200)
    return _failure(response, body)


async def _complete_once(transfer: Transfer, url: str, body: bytes) -> _Outcome:
    logger.debug("POST CompleteMultipartUpload to %s", safe_url(url))
    try:
        async with transfer.session.post(
            _as_signed(url),
            data=body,
            headers={"Content-Type": "application/xml"},
            timeout=transfer.timeout,
            allow_redirects=False,
        ) as response:
            text = await read_capped(response)
            if response.status != 200:
                return _failure(response, text)
            code, message = s3_error_fields(text)
            if code is None:
                return _Outcome(value="")
            reason = f"the storage service reported {code}: {message}"
            return _Outcome(reason=reason, status=200, retryable=code in _RETRIED_S3_CODES)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        return _transport_outcome(exc, url)


def _failure(response: aiohttp.ClientResponse, body: bytes) -> _Outcome:
    status = response.status
    code, message = s3_error_fields(body)
    reason = f"HTTP {status}" + (f" {code}: {message}" if code else "")
    if status == 403 and "expired" in message.lower():
        reason += (
            "; the presigned upload URLs have expired, so create a new build"
            " (upload again) to get fresh ones"
        )
    return _Outcome(
        reason=reason,
        status=status,
        retryable=status == 429 or (status >= 500 and status != 501),
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )


def _transport_outcome(exc: Exception, url: str) -> _Outcome:
    text = str(exc)
    query = URL(url).raw_query_string
    text = text.replace(url, safe_url(url))
    if query:
        text = text.replace(query, "<redacted>")
    if isinstance(exc, TIMEOUTS):
        return _Outcome(reason="timed out waiting for the storage service", retryable=True)
    if isinstance(exc, aiohttp.InvalidURL):
        return _Outcome(reason=f"invalid presigned URL {safe_url(url)}")
    if isinstance(exc, CONNECTION_FAILURES):
        return _Outcome(
            reason=f"the connection failed: {text or type(exc).__name__}", retryable=True
        )
    return _Outcome(reason=f"unexpected HTTP client error {type(exc).__name__}: {text}")


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
