"""Reading bodies with a bound on their *decoded* size, whatever the server sends.

aiohttp's own decompression inflates each network chunk in one go, so a few hundred kilobytes of
gzip can become gigabytes in memory before anyone sees a byte. Every request the SDK sends
therefore asks aiohttp not to decompress (``auto_decompress=False``) and reads through a
:class:`Decoder`, which inflates ``gzip``/``deflate`` in bounded steps and stops at the limit.

Limits (documented in the README's "Security and failure model"):

* :data:`ERROR_BODY_LIMIT` - an error answer (any status that is not the operation's success):
  the first 64 KiB are kept in ``error.body``, the rest is never read.
* ``HathoraCloudCore(max_response_bytes=...)`` - a JSON success body (default
  :data:`DEFAULT_MAX_RESPONSE_BYTES`, 48 MiB: a 100,000-build page is about 40 MB); a bigger one
  is an ``Err`` and the connection is dropped.
* Log streams are decoded in steps of at most :data:`STREAM_STEP` bytes; lines longer than
  ``hathora_cloud.streams.LOG_LINE_LIMIT`` are delivered in pieces.
"""

from __future__ import annotations

import zlib

import aiohttp

__all__ = (
    "ACCEPT_ENCODING",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "ERROR_BODY_LIMIT",
    "STREAM_STEP",
    "BodyTooLarge",
    "Decoder",
    "UndecodableBody",
    "read_body",
    "readable_at_once",
)

ACCEPT_ENCODING = "gzip, deflate"
"""The encodings the SDK asks for (and can decode itself)."""
ERROR_BODY_LIMIT = 64 * 1024
"""The most bytes of an error body that are read and kept."""
DEFAULT_MAX_RESPONSE_BYTES = 48 * 1024 * 1024
"""The default cap on a decoded JSON success body."""
STREAM_STEP = 256 * 1024
"""The most decoded bytes a log stream produces per read."""

_IDENTITY = frozenset(("", "identity"))
"""The ``Content-Encoding`` values (lowercased, stripped) that mean no coding at all."""


class BodyTooLarge(Exception):
    """The decoded body exceeds the limit (raised by :func:`read_body` with ``truncate=False``)."""


class UndecodableBody(Exception):
    """The body's ``Content-Encoding`` is unknown, or its compressed data is corrupt."""


class Decoder:
    """Inflate a body incrementally, never producing more than asked for per step."""

    __slots__ = ("_inflate", "_pending")

    def __init__(self, encoding: str) -> None:
        encoding = encoding.strip().lower()
        self._pending = b""
        if encoding in _IDENTITY:
            self._inflate: zlib._Decompress | None = None
        elif encoding in ("gzip", "x-gzip"):
            self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._inflate = zlib.decompressobj(zlib.MAX_WBITS)  # zlib-wrapped, per RFC 9110
        else:
            raise UndecodableBody(f"unsupported Content-Encoding {encoding!r}")

    @classmethod
    def for_response(cls, response: aiohttp.ClientResponse) -> Decoder:
        """The decoder for a response's ``Content-Encoding`` (raises :class:`UndecodableBody`)."""
        return cls(response.headers.get("Content-Encoding", ""))

    @property
    def has_pending(self) -> bool:
        """Whether compressed input is waiting to be inflated (call :meth:`step` with ``b""``)."""
        return bool(self._pending)

    def step(self, data: bytes, limit: int) -> bytes:
        """Add ``data`` and return at most ``limit`` decoded bytes (more may stay pending)."""
        if self._inflate is None:
            return data
        data = self._pending + data if self._pending else data
        try:
            out = self._inflate.decompress(data, limit)
        except zlib.error as exc:
            raise UndecodableBody(f"corrupt compressed body: {exc}") from None
        self._pending = self._inflate.unconsumed_tail
        return out

    def finish(self) -> None:
        """Check that the compressed stream was complete (raises :class:`UndecodableBody`)."""
        if self._inflate is not None and not self._inflate.eof and not self._pending:
            raise UndecodableBody("the compressed body ended early")


def readable_at_once(response: aiohttp.ClientResponse, limit: int) -> bool:
    """Whether the body has no content coding and a declared length within ``limit``: then one
    ``response.read()`` is the whole of :func:`read_body` (most answers), which callers on the
    hot path may await directly and save a coroutine."""
    length = response.content_length
    if length is None or length > limit:
        return False
    encoding = response.headers.get("Content-Encoding")
    return encoding is None or encoding.strip().lower() in _IDENTITY


async def read_body(response: aiohttp.ClientResponse, limit: int, *, truncate: bool) -> bytes:
    """Read the decoded body, at most ``limit`` bytes of it.

    Args:
        response: A response sent with ``auto_decompress=False``.
        limit: The most decoded bytes to keep.
        truncate: ``True`` keeps the first ``limit`` bytes and stops reading (error bodies);
            ``False`` raises :class:`BodyTooLarge` past the limit (success bodies).

    Raises:
        BodyTooLarge: The body is bigger than ``limit`` (only when not ``truncate``).
        UndecodableBody: The encoding is unknown or the data corrupt (only when not
            ``truncate``; a truncated error body keeps the raw bytes instead).
    """
    if readable_at_once(response, limit):
        return await response.read()  # the common case: one read of a known, small size
    length = response.content_length
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding in _IDENTITY and length is not None and not truncate:
        raise BodyTooLarge(f"{length} bytes")
    try:
        decoder = Decoder(encoding)
    except UndecodableBody:
        if not truncate:
            raise
        decoder = Decoder("")  # an error body we cannot decode is still worth showing raw
    chunks: list[bytes] = []
    size = 0
    content = response.content
    while size <= limit:
        # Inflate what is pending before reading more, in steps of at most STREAM_STEP: zlib
        # builds its output in blocks and joins them, so one big step would cost twice its size.
        if decoder.has_pending:
            data = b""
        else:
            data = await content.read(STREAM_STEP)
            if not data:
                break
        try:
            out = decoder.step(data, min(STREAM_STEP, limit - size + 1))
        except UndecodableBody:
            if not truncate:
                chunks.clear()  # the traceback keeps this frame alive: drop the data now
                raise
            break
        chunks.append(out)
        size += len(out)
    if size > limit:
        if not truncate:
            chunks.clear()  # the traceback keeps this frame alive: drop the data now
            raise BodyTooLarge(f"more than {limit} bytes")
        return b"".join(chunks)[:limit]
    if not truncate:
        decoder.finish()
    return b"".join(chunks)
