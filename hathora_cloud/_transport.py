"""The one transport-error mapper, and the one place secrets are kept out of strings.

Every path that talks to the network (API calls, log streams, presigned uploads) hands the
exceptions aiohttp and the OS raise to :func:`transport_failure`, which decides what kind of
failure it was (:class:`Failure`) and builds the SDK error. Callers only say what failed
(``subject``). The original exception becomes ``__cause__`` once it has been scrubbed: aiohttp's
exceptions carry the request headers (the bearer token) in their ``repr``, and a hostile server
can echo a secret back in a status line or body that ends up in an exception's text.

:class:`Secrets` is what one request must never show: the ``Authorization`` value and the other
caller-supplied header values, and the query strings of presigned URLs. :func:`redact` removes
them, plus the query string of any URL, from text that is about to become part of a message.
"""

from __future__ import annotations

import asyncio
import enum
import re
from collections.abc import Iterable, Mapping

import aiohttp
import attrs
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .errors import (
    HathoraError,
    HTTPClientError,
    HTTPConnectionError,
    InvalidRequestError,
    RequestAbortedError,
    RequestTimeoutError,
    UnexpectedClientError,
)

__all__ = (
    "CONNECTION_FAILURES",
    "TIMEOUTS",
    "Failure",
    "Secrets",
    "TransportFailure",
    "is_phantom_cancel",
    "redact",
    "safe_url",
    "scrub",
    "transport_failure",
)

# Before 3.11 asyncio.TimeoutError and the builtin (raised by anyio) are different classes.
TIMEOUTS = (asyncio.TimeoutError, TimeoutError, aiohttp.ServerTimeoutError)
"""Exceptions meaning a deadline passed (unary timeout, idle stream, idle upload)."""
CONNECTION_FAILURES = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, OSError)
"""Exceptions meaning the connection failed or the peer went away (check TIMEOUTS first)."""

REDACTED = "<redacted>"
_MIN_SECRET = 4  # shorter strings are too common to redact without mangling messages
_URL_QUERY = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s?#\"'<>]*)\?[^\s#\"'<>]*")
_SAFE_HEADERS = frozenset(
    ("accept", "accept-encoding", "content-type", "content-length", "user-agent")
)


class Failure(enum.Enum):
    """What kind of transport failure an exception means (the retry engine decides on it)."""

    NOT_SENT = "not sent"
    """No byte of the request left: safe to retry any method."""
    PERMANENT = "permanent"
    """Nothing was sent and a retry cannot help (TLS verification failed)."""
    CONNECTION = "connection"
    """The connection broke after (part of) the request may have left."""
    TIMEOUT = "timeout"
    """A deadline passed."""
    ABORTED = "aborted"
    """The core or stream was closed under the request."""
    INVALID = "invalid"
    """The request cannot be built (an unusable URL)."""
    UNEXPECTED = "unexpected"
    """Anything else."""


@attrs.frozen
class Secrets:
    """The strings one request must never show in a message, ``repr`` or log line."""

    values: tuple[str, ...] = ()

    @classmethod
    def of(cls, headers: Mapping[str, str] | None = None, urls: Iterable[str] = ()) -> Secrets:
        """Collect the secrets of a request: header values and presigned query strings."""
        found: list[str] = []
        for name, value in (headers or {}).items():
            if name.lower() in _SAFE_HEADERS:
                continue
            found.append(value)
            if value[:7].lower() == "bearer ":
                found.append(value[7:])
        for url in urls:
            query = url.partition("?")[2].partition("#")[0]
            if query:
                found.append(query)
                found.extend(part.partition("=")[2] for part in query.split("&"))
        kept = {value for value in found if len(value) >= _MIN_SECRET}
        # Longest first, so that a secret containing another is replaced whole.
        return cls(tuple(sorted(kept, key=len, reverse=True)))

    def __add__(self, other: Secrets) -> Secrets:
        merged = set(self.values) | set(other.values)
        return Secrets(tuple(sorted(merged, key=len, reverse=True)))

    def appear_in(self, text: str) -> bool:
        """Whether any secret occurs in ``text``."""
        return any(value in text for value in self.values)


NO_SECRETS = Secrets()


def redact(text: str, secrets: Secrets = NO_SECRETS) -> str:
    """Remove ``secrets`` and the query string of every URL from ``text``."""
    for value in secrets.values:
        if value in text:
            text = text.replace(value, REDACTED)
    if "://" in text and "?" in text:
        text = _URL_QUERY.sub(rf"\1?{REDACTED}", text)
    return text


def safe_url(url: str | URL) -> str:
    """Return ``scheme://host/path`` of a URL: its query string and user info may be credentials."""
    try:
        parsed = url if isinstance(url, URL) else URL(url, encoded=True)
        return str(parsed.with_user(None).with_query(None).with_fragment(None))
    except (TypeError, ValueError):
        return redact(str(url).partition("?")[0])


@attrs.frozen
class TransportFailure:
    """A transport exception, classified and turned into the SDK error to report."""

    kind: Failure
    error: HTTPClientError


def transport_failure(
    exc: BaseException,
    *,
    aborted: bool,
    secrets: Secrets = NO_SECRETS,
    subject: str = "the request",
    timeout_hint: str = "",
) -> TransportFailure:
    """Classify ``exc`` and build the error to report, its cause scrubbed of ``secrets``.

    Args:
        exc: What aiohttp, the OS or asyncio raised (a ``HathoraError`` passes through).
        aborted: Whether the core or stream was closed under the request: that explains any
            failure it caused.
        secrets: What the request must never show.
        subject: What failed, for the message (``"the request"``, ``"part 3"``...).
        timeout_hint: What a timeout means on this path, added to its message.
    """
    if isinstance(exc, HTTPClientError):
        return TransportFailure(Failure.UNEXPECTED, exc)
    if isinstance(exc, HathoraError):
        return TransportFailure(Failure.UNEXPECTED, UnexpectedClientError(exc.message))
    kind, error = _classify(exc, aborted, subject, _detail(exc, secrets))
    if kind is Failure.TIMEOUT and timeout_hint:
        error.args = (f"{error.message} ({timeout_hint})",)
    error.__cause__ = scrub(exc, secrets)
    error.__suppress_context__ = True
    return TransportFailure(kind, error)


def _classify(
    exc: BaseException, aborted: bool, subject: str, detail: str
) -> tuple[Failure, HTTPClientError]:
    if aborted:
        return Failure.ABORTED, RequestAbortedError(
            f"{subject} was aborted: the HathoraCloudCore or stream was closed"
        )
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return Failure.NOT_SENT, HTTPConnectionError(f"timed out connecting for {subject}")
    if isinstance(exc, TIMEOUTS):
        return Failure.TIMEOUT, RequestTimeoutError(f"{subject} timed out")
    if isinstance(exc, aiohttp.ClientSSLError):
        return Failure.PERMANENT, HTTPConnectionError(
            f"TLS failed for {subject} (check the ssl option or CA bundle): {detail}"
        )
    if isinstance(exc, aiohttp.ClientConnectorError):
        return Failure.NOT_SENT, HTTPConnectionError(f"cannot connect for {subject}: {detail}")
    if isinstance(exc, (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError)):
        return Failure.INVALID, InvalidRequestError(f"{subject} has an unusable URL: {detail}")
    if isinstance(exc, CONNECTION_FAILURES):
        return Failure.CONNECTION, HTTPConnectionError(
            f"the connection failed during {subject}: {detail}"
        )
    return Failure.UNEXPECTED, UnexpectedClientError(
        f"unexpected HTTP client error during {subject}: {detail}"
    )


def _detail(exc: BaseException, secrets: Secrets) -> str:
    """A one-line description of ``exc`` for a message: its type and scrubbed text."""
    if isinstance(exc, aiohttp.ClientResponseError):
        text = f"{exc.status}, message={exc.message!r}"  # str() would show the request URL
    elif isinstance(exc, aiohttp.InvalidURL):
        text = safe_url(str(exc.url))
    else:
        text = str(exc)
    text = redact(" ".join(text.split()), secrets)
    if len(text) > 300:
        text = text[:300] + "..."
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def scrub(exc: BaseException, secrets: Secrets = NO_SECRETS) -> BaseException:
    """Return ``exc`` fit to be a ``__cause__``: no secret in its chain's ``str`` or ``repr``.

    aiohttp's response errors lose their request headers and URL query; an exception whose text
    still shows a secret (say, a status line that echoed the token) is replaced by a
    :class:`RedactedError` with its type name and scrubbed text. The whole cause/context chain
    is treated the same way.
    """
    seen: set[int] = set()
    return _scrub_one(exc, secrets, seen)


class RedactedError(Exception):
    """Stands in for a transport exception whose text showed a secret (shown scrubbed)."""


def _scrub_one(exc: BaseException, secrets: Secrets, seen: set[int]) -> BaseException:
    if id(exc) in seen or len(seen) > 16:
        return exc
    seen.add(id(exc))
    if isinstance(exc, aiohttp.ClientResponseError):
        _strip_request_info(exc)
    if _shows_secret(exc, secrets):
        replacement = RedactedError(f"{type(exc).__qualname__}: {_detail(exc, secrets)}")
        replacement.__traceback__ = exc.__traceback__
        exc = replacement
    if exc.__cause__ is not None:
        exc.__cause__ = _scrub_one(exc.__cause__, secrets, seen)
    if exc.__context__ is not None:
        exc.__context__ = _scrub_one(exc.__context__, secrets, seen)
    return exc


def _shows_secret(exc: BaseException, secrets: Secrets) -> bool:
    try:
        texts = [str(exc), repr(exc), *map(repr, exc.args), *getattr(exc, "__notes__", ())]
    except Exception:  # a broken __str__ or __repr__ is treated as unsafe
        return True
    joined = "\n".join(texts)
    return secrets.appear_in(joined) or bool(_URL_QUERY.search(joined))


def _strip_request_info(exc: aiohttp.ClientResponseError) -> None:
    info = exc.request_info
    names: CIMultiDict[str] = CIMultiDict((name, REDACTED) for name in info.headers)
    exc.request_info = aiohttp.RequestInfo(
        URL(safe_url(info.url)), info.method, CIMultiDictProxy(names), URL(safe_url(info.real_url))
    )
    exc.args = (exc.request_info, exc.history)


def is_phantom_cancel(aborted: bool) -> bool:
    """Whether a ``CancelledError`` caught now was caused by closing the core, not by the caller.

    Closing the session cancels the futures of requests waiting for a pooled connection or for
    DNS; their tasks were never cancelled. On Python 3.11+ ``Task.cancelling()`` tells the two
    apart exactly. Python 3.10 has no such record: there a cancellation that arrives once the
    core is closed is taken for the close's (a caller's own cancellation racing the close in
    the same loop iteration is the one case it misreads).
    """
    if not aborted:
        return False
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    return cancelling is None or cancelling() == 0
