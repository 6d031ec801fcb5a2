"""The shared runtime context every request handler of the emulator works on."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Coroutine
from contextvars import ContextVar
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import attrs
from aiohttp import web

from ._deploy_state import DeploymentState
from ._faults import FaultRegistry, FaultRule
from ._state import BuildState, RecordedRequest, UploadState


@attrs.frozen
class EmulatorConfig:
    """Settings of one emulator instance (see :class:`FakeHathora` for their meaning)."""

    token: str
    org_id: str
    host: str = "127.0.0.1"
    port: int = 0
    max_chunk_size: int = 8 * 1024 * 1024
    min_part_size: int = 5 * 1024 * 1024
    log_line_delay: float = 0.0
    upload_url_ttl: float = 3600.0
    build_duration: float = 0.0
    realistic: bool = False
    deployments_page_size: int = 20
    created_by: str = "noreply@hathora.dev"


@attrs.define
class Emulator:
    """Mutable state shared by the handlers: builds, deployments, requests, faults, storage."""

    config: EmulatorConfig
    storage: Path
    base_url: str = ""
    builds: dict[str, BuildState] = attrs.Factory(dict)
    uploads: dict[str, UploadState] = attrs.Factory(dict)
    apps: dict[str, list[DeploymentState]] = attrs.Factory(dict)
    """Each app's deployments, oldest first."""
    deployments: dict[str, DeploymentState] = attrs.Factory(dict)
    sequence: int = 0
    """How many deployments were ever created (orders them across apps)."""
    requests: list[RecordedRequest] = attrs.Factory(list)
    faults: FaultRegistry = attrs.Factory(FaultRegistry)
    tasks: set[asyncio.Task[None]] = attrs.Factory(set)
    secret: bytes = attrs.Factory(lambda: secrets.token_bytes(32))
    complete_error: str | None = None

    def presign(self, method: str, path: str) -> str:
        """Return an absolute presigned URL for ``method path``, valid for the configured TTL."""
        now = datetime.now(timezone.utc)
        amz_date = now.strftime("%Y%m%dT%H%M%SZ")
        expires = str(max(0, math.ceil(self.config.upload_url_ttl)))
        query = {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Credential": f"FAKEACCESSKEY/{now:%Y%m%d}/us-east-1/s3/aws4_request",
            "X-Amz-Date": amz_date,
            "X-Amz-Expires": expires,
            "X-Amz-SignedHeaders": "host",
            "X-Amz-Signature": self._signature(method, path, amz_date, expires),
        }
        return f"{self.base_url}{path}?{urlencode(query)}"

    def check_presigned(self, request: web.Request) -> str | None:
        """Return ``None`` if ``request`` carries a valid, unexpired signature, else an S3 code."""
        query = request.query
        amz_date = query.get("X-Amz-Date", "")
        expires = query.get("X-Amz-Expires", "")
        given = query.get("X-Amz-Signature", "")
        expected = self._signature(request.method, request.path, amz_date, expires)
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return "SignatureDoesNotMatch"
        issued = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        if time.time() >= issued.timestamp() + int(expires):
            return "AccessDenied"
        return None

    def _signature(self, method: str, path: str, amz_date: str, expires: str) -> str:
        message = f"{method}\n{path}\n{amz_date}\n{expires}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def live_build(self, build_id: str) -> BuildState | None:
        """Return the build with ``build_id`` unless it is unknown or deleted."""
        build = self.builds.get(build_id)
        return None if build is None or build.is_deleted else build

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Start ``coro`` as a tracked background task that closing the emulator cancels."""
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task


EMULATOR_KEY = web.AppKey("emulator", Emulator)
"""Where the :class:`Emulator` lives on the aiohttp application."""


@attrs.define
class RequestInfo:
    """What the middleware and the handler share about the request being served."""

    operation: str
    """The operation id of the matched route."""
    fault: FaultRule | None = None
    """The injected fault that fired for this request, if any."""
    body_length: int | None = None
    """Bytes of request body the handler read (``None`` if it read none)."""


CURRENT_REQUEST: ContextVar[RequestInfo] = ContextVar("hathora_fake_request")
"""Set by the middleware for the task serving each request."""


def note_body_length(length: int) -> None:
    """Record how many request body bytes the current handler read."""
    info = CURRENT_REQUEST.get(None)
    if info is not None:
        info.body_length = length
