"""``FakeHathora``: start, expose and stop the emulator; ``serve`` runs it standalone."""

from __future__ import annotations

import asyncio
import math
import secrets
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType

from aiohttp import web

from ._app import create_app
from ._context import Emulator, EmulatorConfig
from ._deploy_state import DEFAULT_APP_ID, DeploymentState
from ._faults import FaultRule
from ._inspect import EmulatorInspection

S3_MIN_PART_SIZE = 5 * 1024 * 1024
"""S3's smallest part (all but the last), in bytes: the default ``min_part_size``."""
REALISTIC_BUILD_DURATION = 4.0
"""Seconds a build takes with ``realistic=True`` unless ``build_duration`` says otherwise."""
_SHUTDOWN_TIMEOUT = 2.0
# After refusing a body unread (413, EntityTooLarge...), how long to drain what the client still
# sends before closing, so that it reads the refusal instead of a reset (aiohttp's default: 10 s).
_LINGERING_TIME = 1.0


class FakeHathora(EmulatorInspection):
    """A local emulator of Hathora's BuildsV3 and DeploymentsV3 services on a real aiohttp server.

    Use it as ``async with FakeHathora() as fake:`` and point a client at ``fake.url``
    with ``fake.token`` (and ``fake.app_id`` for deployments). Builds, uploads, logs,
    deployments and every request received are inspectable, and faults can be injected with
    :meth:`inject`. Builds are instant unless ``build_duration`` or ``realistic`` says otherwise.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        org_id: str = "org-fake-0001",
        host: str = "127.0.0.1",
        port: int = 0,
        max_chunk_size: int = 8 * 1024 * 1024,
        min_part_size: int | None = None,
        log_line_delay: float = 0.0,
        build_duration: float | None = None,
        realistic: bool = False,
        upload_url_ttl: float = 3600.0,
        complete_error: str | None = None,
        storage_dir: str | Path | None = None,
        apps: Sequence[str] = (DEFAULT_APP_ID,),
        deployments_page_size: int = 20,
        faults: Iterable[FaultRule] = (),
    ) -> None:
        """Configure the emulator (nothing is started until :meth:`start`).

        Args:
            token: The bearer token to accept; a random one is generated if ``None``.
            org_id: The organisation every build belongs to.
            host: Interface to bind.
            port: Port to bind; 0 picks a free one.
            max_chunk_size: ``maxChunkSize`` of multipart uploads, in bytes.
            min_part_size: The smallest size, in bytes, of every part but the last that
                CompleteMultipartUpload accepts (S3: 5 MiB). ``None``: 5 MiB, or
                ``max_chunk_size`` if smaller, so that a client following ``maxChunkSize``
                always passes.
            log_line_delay: Seconds between two streamed log lines.
            build_duration: Seconds a run takes beyond the line delays, spread over the log
                as a real build spends them (pulls and ``RUN`` steps take longest).
                ``None``: 0, or :data:`REALISTIC_BUILD_DURATION` when ``realistic``.
            realistic: The demo preset: builds take a few seconds and print what a real
                ``docker build`` prints (layer pull progress, checksums, extraction, the push).
            upload_url_ttl: Seconds the presigned upload URLs stay valid.
            complete_error: If set, CompleteMultipartUpload answers 200 with an S3
                ``<Error>`` document carrying this code (also settable later).
            storage_dir: Where uploaded parts go; kept after close. By default a temporary
                directory that closing removes.
            apps: The DeploymentsV3 applications that exist (at least one); the first is
                :attr:`app_id`.
            deployments_page_size: How many deployments one GetDeployments page holds before
                a ``nextPageToken`` is given.
            faults: Fault rules active from the start (more can be added with :meth:`inject`).

        Raises:
            ValueError: A size, duration or count is out of range, or ``apps`` is empty or
                has duplicates.
        """
        chunk = _at_least("max_chunk_size", max_chunk_size, 1)
        duration = REALISTIC_BUILD_DURATION if build_duration is None and realistic else 0.0
        self._config = EmulatorConfig(
            token=token if token is not None else secrets.token_urlsafe(24),
            org_id=org_id,
            host=host,
            port=port,
            max_chunk_size=chunk,
            min_part_size=min(S3_MIN_PART_SIZE, chunk)
            if min_part_size is None
            else _at_least("min_part_size", min_part_size, 0),
            log_line_delay=_seconds("log_line_delay", log_line_delay),
            upload_url_ttl=_seconds("upload_url_ttl", upload_url_ttl),
            build_duration=_seconds(
                "build_duration", duration if build_duration is None else build_duration
            ),
            realistic=realistic,
            deployments_page_size=_at_least("deployments_page_size", deployments_page_size, 1),
        )
        self._storage_dir = None if storage_dir is None else Path(storage_dir)
        self._emulator = Emulator(config=self._config, storage=Path())
        self._emulator.complete_error = complete_error
        self._emulator.apps = _apps(apps)
        for rule in faults:
            self._emulator.faults.add(rule)
        self._runner: web.AppRunner | None = None
        self._owned_storage: Path | None = None
        self._closed = False

    @property
    def url(self) -> str:
        """Base URL of the running server, e.g. ``http://127.0.0.1:54321``."""
        if not self._emulator.base_url:
            raise RuntimeError("FakeHathora is not started")
        return self._emulator.base_url

    @property
    def token(self) -> str:
        """The bearer token the emulator accepts."""
        return self._config.token

    @property
    def org_id(self) -> str:
        """The organisation id of every build."""
        return self._config.org_id

    @property
    def complete_error(self) -> str | None:
        """S3 error code CompleteMultipartUpload reports with a 200, or ``None``."""
        return self._emulator.complete_error

    @complete_error.setter
    def complete_error(self, code: str | None) -> None:
        self._emulator.complete_error = code

    async def start(self) -> None:
        """Bind the socket and start serving (no-op if already started)."""
        if self._runner is not None:
            return
        if self._closed:
            raise RuntimeError("FakeHathora cannot be restarted after aclose()")
        storage = await asyncio.to_thread(
            tempfile.mkdtemp, prefix="fake-hathora-", dir=self._storage_dir
        )
        self._owned_storage = None if self._storage_dir is not None else Path(storage)
        self._emulator.storage = Path(storage)
        runner = web.AppRunner(
            create_app(self._emulator),
            access_log=None,
            shutdown_timeout=_SHUTDOWN_TIMEOUT,
            lingering_time=_LINGERING_TIME,
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET6 if ":" in self._config.host else socket.AF_INET)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self._config.host, self._config.port))
            site = web.SockSite(runner, sock)
            await site.start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            await asyncio.to_thread(shutil.rmtree, storage, ignore_errors=True)
            self._owned_storage = None
            raise
        self._runner = runner
        host, port = sock.getsockname()[:2]
        self._emulator.base_url = f"http://{f'[{host}]' if ':' in host else host}:{port}"

    async def aclose(self) -> None:
        """Stop running builds, stop the server and remove the temporary storage (idempotent)."""
        self._closed = True
        tasks = list(self._emulator.tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        storage, self._owned_storage = self._owned_storage, None
        if storage is not None:
            await asyncio.to_thread(shutil.rmtree, storage, ignore_errors=True)

    async def __aenter__(self) -> FakeHathora:
        """Start the server and return the emulator."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the emulator."""
        await self.aclose()


def _at_least(name: str, value: int, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return value


def _seconds(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
        raise ValueError(f"{name} must be a finite number of seconds >= 0, got {value!r}")
    return float(value)


def _apps(apps: Sequence[str]) -> dict[str, list[DeploymentState]]:
    if isinstance(apps, str):  # a lone string would otherwise become one app per character
        apps = (apps,)
    ids = list(apps)
    if not ids or len(set(ids)) != len(ids) or not all(isinstance(i, str) and i for i in ids):
        raise ValueError(f"apps must be distinct non-empty ids, at least one, got {apps!r}")
    return {app_id: [] for app_id in ids}


async def serve(
    fake: FakeHathora | None = None, *, on_ready: Callable[[FakeHathora], None] | None = None
) -> None:
    """Run ``fake`` (by default a ``FakeHathora()``) until the task is cancelled (e.g. Ctrl-C).

    Args:
        fake: The emulator to run, configured but not started.
        on_ready: Called once the server listens, e.g. to print ``fake.url``.
    """
    async with fake if fake is not None else FakeHathora() as running:
        if on_ready is not None:
            on_ready(running)
        await asyncio.Event().wait()
