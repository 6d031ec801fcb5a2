"""``HathoraCloudCore``: the configuration and the one aiohttp session every call shares."""

from __future__ import annotations

import asyncio
import inspect
import os
import ssl as _ssl
import sys
import weakref
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Protocol

import aiohttp

from . import _checks
from ._body import DEFAULT_MAX_RESPONSE_BYTES
from ._version import __version__
from .errors import InvalidRequestError, SDKValidationError
from .hooks import Hooks
from .retries import RetryConfig

__all__ = ("DEFAULT_SERVER_URL", "Abortable", "HathoraCloudCore", "TokenSource")

DEFAULT_SERVER_URL = "https://api.hathora.dev"
TokenSource = str | Callable[[], Awaitable[str]] | Callable[[], str]
"""A developer token, or a callable (async or plain) returning one, called once per call."""

_DEFAULT_USER_AGENT = (
    f"hathora-cloud-python/{__version__} aiohttp/{aiohttp.__version__} "
    f"python/{sys.version_info.major}.{sys.version_info.minor}"
)


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


def _token_problem(token: object) -> SDKValidationError | None:
    if token is None or isinstance(token, str) or callable(token):
        return None
    # Never echo the value: it may be the token itself.
    return SDKValidationError("hathora_dev_token must be a string or a callable returning one")


def _ssl_problem(value: object) -> SDKValidationError | None:
    if value is None or isinstance(value, (_ssl.SSLContext, str, bool)):
        return None
    return SDKValidationError(
        "ssl must be an ssl.SSLContext, a CA bundle path, a bool or None", raw_value=value
    )


def bearer(token: str | None) -> str | None:
    """Return the ``Authorization`` value for ``token`` (``None`` when there is no token)."""
    if not token:
        return None
    return token if token[:7].lower() == "bearer " else "Bearer " + token


class Abortable(Protocol):
    """What the core closes with itself: its open log streams."""

    def _abort(self) -> None: ...


class HathoraCloudCore:
    """Configuration plus the HTTP session that every standalone function takes first.

    Construct it anywhere (no event loop needed); the session is created on first use inside the
    running loop. Use it as ``async with`` or call :meth:`aclose` when done. One core serves any
    number of concurrent calls; keep one per application.

    Args:
        hathora_dev_token: The developer token, or a callable (async or not) returning it, called
            once per call (rotate tokens there). Falls back to
            the ``HATHORA_TOKEN`` environment variable. Sent as ``Authorization: Bearer ...`` to the
            API only, never to presigned upload URLs; never shown in ``repr`` or logs. With no
            token at all, every call returns ``Err(SDKValidationError)`` and sends nothing
            (unless ``options.headers`` carries an ``Authorization`` of its own).
        org_id: The default ``orgId`` query parameter (``HATHORA_ORG_ID``); omitted when ``None``.
        app_id: The default application of DeploymentsV3 calls (``HATHORA_APP_ID``).
        server_url: The API base URL (``HATHORA_CLOUD_ENDPOINT``, else ``https://api.hathora.dev``).
        timeout: Seconds one attempt of a unary call may take, connect to last body byte.
        stream_idle_timeout: Longest silence, in seconds, tolerated on an open log stream; streams
            have no total deadline.
        retry_config: The retry configuration; ``None`` applies the safe default.
        session: A caller-owned ``aiohttp.ClientSession`` to use; the core never closes it.
        user_agent: The ``User-Agent`` header value.
        hooks: A :class:`~hathora_cloud.hooks.Hooks` instance called on every attempt of every API
            call (never on presigned upload URLs).
        proxy: A proxy URL for API and upload requests.
        ssl: An ``ssl.SSLContext``, the path of a CA bundle, or ``False`` to skip verification.
        trust_env: Honour ``HTTP(S)_PROXY``/``NO_PROXY`` and ``.netrc`` like curl does.
        connection_limit: The most connections open at once (0 for no limit).
        connection_limit_per_host: The most connections open at once to one host (0: no limit).
        max_response_bytes: The largest decoded JSON success body accepted (default 48 MiB,
            room for a 100,000-build page); a bigger one is ``Err(ResponseValidationError)``.

    Raises:
        SDKValidationError: An argument has the wrong type or value (the token is never shown).
    """

    def __init__(
        self,
        *,
        hathora_dev_token: TokenSource | None = None,
        org_id: str | None = None,
        app_id: str | None = None,
        server_url: str | None = None,
        timeout: float = 60.0,
        stream_idle_timeout: float = 600.0,
        retry_config: RetryConfig | None = None,
        session: aiohttp.ClientSession | None = None,
        user_agent: str | None = None,
        hooks: Hooks | None = None,
        proxy: str | None = None,
        ssl: _ssl.SSLContext | str | bool | None = None,
        trust_env: bool = False,
        connection_limit: int = 100,
        connection_limit_per_host: int = 0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        _checks.require(
            _checks.first(
                _token_problem(hathora_dev_token),
                _checks.text("org_id", org_id, optional=True, empty=True),
                _checks.text("app_id", app_id, optional=True),
                _checks.text("server_url", server_url, optional=True),
                _checks.seconds("timeout", timeout),
                _checks.seconds("stream_idle_timeout", stream_idle_timeout),
                _checks.instance("retry_config", retry_config, RetryConfig, optional=True),
                _checks.instance("session", session, aiohttp.ClientSession, optional=True),
                _checks.text("user_agent", user_agent, optional=True),
                _checks.instance("hooks", hooks, Hooks, optional=True),
                _checks.http_url("proxy", proxy, optional=True),
                _ssl_problem(ssl),
                _checks.instance("trust_env", trust_env, bool),
                _checks.integer("connection_limit", connection_limit, minimum=0),
                _checks.integer("connection_limit_per_host", connection_limit_per_host, minimum=0),
                _checks.integer("max_response_bytes", max_response_bytes, minimum=1),
            )
        )
        token = (
            hathora_dev_token if hathora_dev_token is not None else os.environ.get("HATHORA_TOKEN")
        )
        self._token: TokenSource | None = token or None
        self.org_id: str | None = org_id if org_id is not None else _env("HATHORA_ORG_ID")
        self.app_id: str | None = app_id if app_id is not None else _env("HATHORA_APP_ID")
        url = server_url or os.environ.get("HATHORA_CLOUD_ENDPOINT") or DEFAULT_SERVER_URL
        self.server_url: str = url.rstrip("/")
        self.timeout = float(timeout)
        self.stream_idle_timeout = float(stream_idle_timeout)
        self.retry_config = retry_config
        self.user_agent = user_agent or _DEFAULT_USER_AGENT
        self.hooks = hooks
        self.proxy = proxy
        self.max_response_bytes = max_response_bytes
        self._ssl = ssl
        self._trust_env = trust_env
        self._limits = (connection_limit, connection_limit_per_host)
        self._session = session
        self._owns_session = session is None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._closed_event = asyncio.Event()
        self._streams: weakref.WeakSet[Abortable] = weakref.WeakSet()
        # Request headers per operation shape, when the token is fixed (see _request.prepare).
        self._header_cache: dict[tuple[str, bool, str, str | None], dict[str, str]] = {}
        # Whole prepared requests of the plainest calls (see _request.prepare.prepare).
        self._prepared: dict[tuple[object, ...], object] = {}

    def __setattr__(self, name: str, value: object) -> None:
        super().__setattr__(name, value)
        # A public setting changed after construction: requests prepared with the old one go.
        if name[0] != "_":
            prepared = self.__dict__.get("_prepared")
            if prepared:
                prepared.clear()

    def __repr__(self) -> str:
        token = "set" if self._token else "unset"
        return (
            f"{type(self).__name__}(server_url={self.server_url!r}, org_id={self.org_id!r}, "
            f"token={token}, closed={self._closed})"
        )

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` has been called."""
        return self._closed

    async def __aenter__(self) -> HathoraCloudCore:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close open log streams and the session the core created; safe to call twice.

        A borrowed session (passed as ``session=``) is left open for its owner.
        """
        if self._closed:
            return
        self._closed = True
        self._closed_event.set()
        for stream in list(self._streams):
            stream._abort()
        session, self._session = self._session, None
        if session is not None and self._owns_session:
            await session.close()

    async def _auth_header(self) -> str | None:
        token = self._token
        if token is not None and not isinstance(token, str):
            value = token()
            token = await value if inspect.isawaitable(value) else value
        return bearer(token)

    def _get_session(self) -> aiohttp.ClientSession:
        """Return the session, creating it inside the running loop on first use."""
        if self._closed:
            raise InvalidRequestError("the HathoraCloudCore is closed")
        loop = asyncio.get_running_loop()
        session = self._session
        if session is None:
            try:
                session = self._session = self._new_session()
            except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
                raise InvalidRequestError(f"cannot set up TLS from the ssl option: {exc}") from None
            self._loop = loop
        elif self._loop is not None and self._loop is not loop:
            raise InvalidRequestError(
                "this HathoraCloudCore's session belongs to another event loop; "
                "create one core per event loop (for example inside asyncio.run)"
            )
        elif session.closed:
            raise InvalidRequestError("the aiohttp session given to HathoraCloudCore is closed")
        return session

    def _new_session(self) -> aiohttp.ClientSession:
        limit, per_host = self._limits
        ssl_option: _ssl.SSLContext | bool = True
        if isinstance(self._ssl, str):
            ssl_option = _ssl.create_default_context(cafile=self._ssl)
        elif self._ssl is not None:
            ssl_option = self._ssl
        connector = aiohttp.TCPConnector(limit=limit, limit_per_host=per_host, ssl=ssl_option)
        session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=None),
            trust_env=self._trust_env,
            proxy=self.proxy,
        )
        # aiohttp quietly resends an idempotent request once after a disconnect; the SDK's retry
        # policy must be the only thing that decides on, and counts, attempts.
        if hasattr(session, "_retry_connection"):
            session._retry_connection = False
        return session
