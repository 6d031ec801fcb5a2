"""Shared pytest configuration: every async test runs on asyncio through anyio's plugin."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    """Pin anyio's pytest plugin to asyncio: aiohttp is asyncio-only."""
    return "asyncio"
