"""Shared pytest configuration: every async test runs on asyncio through anyio's plugin.

``fake`` (a running emulator) and ``core`` (a core pointed at it) are the defaults; a module that
needs another emulator (smaller parts, faults) defines its own ``fake``, and ``core`` follows it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hathora_cloud import HathoraCloudCore
from hathora_cloud.testing import FakeHathora


@pytest.fixture
def anyio_backend() -> str:
    """Pin anyio's pytest plugin to asyncio: aiohttp is asyncio-only."""
    return "asyncio"


@pytest.fixture
async def fake() -> AsyncIterator[FakeHathora]:
    """A running emulator with default settings."""
    async with FakeHathora() as emulator:
        yield emulator


@pytest.fixture
async def core(fake: FakeHathora) -> AsyncIterator[HathoraCloudCore]:
    """A core pointed at the module's emulator."""
    async with HathoraCloudCore(hathora_dev_token=fake.token, server_url=fake.url) as instance:
        yield instance
