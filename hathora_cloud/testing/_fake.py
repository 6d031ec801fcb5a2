"""``FakeHathora``: start, expose and stop the emulator; ``serve`` runs it standalone."""

from __future__ import annotations

import asyncio
import secrets
import shutil
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from aiohttp import web

from ._app import create_app
from ._context import Emulator, EmulatorConfig
from ._faults import FaultRegistry, FaultRule
from ._state import BuildState, RecordedRequest

_SHUTDOWN_TIMEOUT = 2.0


class FakeHathora:
    """A local emulator of Hathora's BuildsV3 service on a real aiohttp server.

    Use it as ``async with FakeHathora() as fake:`` and point a client at ``fake.url``
    with ``fake.token``. Builds, uploads, logs and every request received are inspectable,
    and faults can be injected with :meth:`inject`.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        org_id: str = "org-fake-0001",
        host: str = "127.0.0.1",
        port: int = 0,
        max_chunk_size: int = 8 * 1024 * 1024,
        log_line_delay: float = 0.0,
        upload_url_ttl: float = 3600.0,
        complete_error: str | None = None,
        storage_dir: str | Path | None = None,
        build_duration: float = 0.0,
    ) -> None:
        """Configure the emulator (nothing is started until :meth:`start`).

        Args:
            token: The bearer token to accept; a random one is generated if ``None``.
            org_id: The organisation every build belongs to.
            host: Interface to bind.
            port: Port to bind; 0 picks a free one.
            max_chunk_size: ``maxChunkSize`` of multipart uploads, in bytes.
            log_line_delay: Seconds between two streamed log lines.
            upload_url_ttl: Seconds the presigned upload URLs stay valid.
            complete_error: If set, CompleteMultipartUpload answers 200 with an S3
                ``<Error>`` document carrying this code (also settable later).
            storage_dir: Where uploaded parts go; kept after close. By default a temporary
                directory that closing removes.
            build_duration: Extra seconds a run takes before its last log line.
        """
        if max_chunk_size < 1:
            raise ValueError("max_chunk_size must be at least 1 byte")
        self._config = EmulatorConfig(
            token=token if token is not None else secrets.token_urlsafe(24),
            org_id=org_id,
            host=host,
            port=port,
            max_chunk_size=max_chunk_size,
            log_line_delay=log_line_delay,
            upload_url_ttl=upload_url_ttl,
            build_duration=build_duration,
        )
        self._storage_dir = None if storage_dir is None else Path(storage_dir)
        self._emulator = Emulator(config=self._config, storage=Path())
        self._emulator.complete_error = complete_error
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
    def builds(self) -> dict[str, BuildState]:
        """Every build by id, deleted ones included (live state: do not mutate)."""
        return self._emulator.builds

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in arrival order."""
        return self._emulator.requests

    @property
    def faults(self) -> FaultRegistry:
        """The active fault rules (``fake.faults.add(...)``, ``fake.faults.clear()``)."""
        return self._emulator.faults

    @property
    def complete_error(self) -> str | None:
        """S3 error code CompleteMultipartUpload reports with a 200, or ``None``."""
        return self._emulator.complete_error

    @complete_error.setter
    def complete_error(self, code: str | None) -> None:
        self._emulator.complete_error = code

    def inject(self, rule: FaultRule) -> FaultRule:
        """Activate a fault rule (same as ``fake.faults.add(rule)``).

        Args:
            rule: The fault, e.g. ``FaultRule.status_code(429, retry_after=1, times=2)``.

        Returns:
            The rule.
        """
        return self._emulator.faults.add(rule)

    def requests_for(self, operation: str) -> list[RecordedRequest]:
        """Return the recorded requests of one operation id, e.g. ``"GetBuild"``."""
        return [request for request in self._emulator.requests if request.operation == operation]

    def uploaded_bytes(self, build_id: str) -> bytes:
        """Return the completed upload of ``build_id`` as reassembled from its parts on disk.

        Raises:
            KeyError: The build does not exist or has no completed upload.
        """
        upload = self._emulator.builds[build_id].upload
        if upload is None or not upload.completed:
            raise KeyError(f"build {build_id} has no completed upload")
        return upload.tarball_path.read_bytes()

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
            create_app(self._emulator), access_log=None, shutdown_timeout=_SHUTDOWN_TIMEOUT
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


async def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    token: str | None = None,
    org_id: str = "org-fake-0001",
    log_line_delay: float = 0.0,
    max_chunk_size: int = 8 * 1024 * 1024,
    on_ready: Callable[[FakeHathora], None] | None = None,
) -> None:
    """Run a :class:`FakeHathora` until the task is cancelled (e.g. by Ctrl-C).

    Args:
        host: Interface to bind.
        port: Port to bind (0 picks a free one).
        token: Bearer token to accept (random if ``None``).
        org_id: The organisation every build belongs to.
        log_line_delay: Seconds between two streamed log lines.
        max_chunk_size: ``maxChunkSize`` of multipart uploads, in bytes.
        on_ready: Called once the server listens, e.g. to print ``fake.url``.
    """
    fake = FakeHathora(
        host=host,
        port=port,
        token=token,
        org_id=org_id,
        log_line_delay=log_line_delay,
        max_chunk_size=max_chunk_size,
    )
    async with fake:
        if on_ready is not None:
            on_ready(fake)
        await asyncio.Event().wait()
