"""What the benchmark server serves and the contenders ask for: ids, the token, bodies, the log.

Kept apart from :mod:`benchmarks._server` so that client processes never import ``aiohttp.web``.
"""

from __future__ import annotations

import json
from typing import Any

BUILD_ID = "bld-6d4c6a71-2d75-4b42-94e1-f312f57f33c5"
ORG_ID = "org-6f706e83-0ec1-437a-9a46-7d4281eb2f39"
TOKEN = "bench-token"
PART_SIZE = 8 << 20


def build_json(index: int, status: str = "succeeded") -> dict[str, Any]:
    """Return one realistic BuildV3 as it appears on the wire."""
    return {
        "buildId": f"bld-{index:08d}-2d75-4b42-94e1-f312f57f33c5",
        "orgId": ORG_ID,
        "createdBy": "noreply@hathora.dev",
        "createdAt": f"2026-11-{1 + index % 28:02d}T03:55:54.{index % 1000:03d}Z",
        "startedAt": f"2026-11-{1 + index % 28:02d}T03:56:01.{index % 997:03d}Z",
        "finishedAt": f"2026-11-{1 + index % 28:02d}T04:01:12.{index % 991:03d}Z",
        "deletedAt": None,
        "status": status,
        "imageSize": 184_549_376 + index,
        "buildTag": f"0.1.{index % 50}-14c793",
        "contentHash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "shareUrl": f"https://console.hathora.dev/builds/{index}",
        "appId": "app-af469a92-5b45-4565-b3c4-b79878de67d2",
    }


_LOG_LINES = (
    "#{n} [internal] load build definition from Dockerfile",
    "#{n} transferring dockerfile: 1.04kB done",
    "#{n} [builder 3/7] RUN npm ci --omit=dev --no-audit --no-fund",
    "#{n} 4.183 added 212 packages in 3s ✓",
    "#{n} [stage-1 5/7] COPY --from=builder /app/dist /srv/app/dist",
    "#{n} exporting layers sha256:7a2b1c3d4e5f60718293a4b5c6d7e8f9 12.3s done",
    "#{n} writing image sha256:0e1f2a3b4c5d6e7f8091a2b3c4d5e6f7081920a1b2c3d4e5f6 done",
    "#{n} naming to registry.hathora.dev/app-af469a92/bld-6d4c6a71:latest",
    "#{n} DONE 0.{n}s",
)


def make_log(size: int) -> bytes:
    """Return about ``size`` bytes of build-log-like text (mostly ASCII, some UTF-8, ``\\n``)."""
    block = "".join(line.format(n=i) + "\n" for i in range(500) for line in _LOG_LINES).encode()
    return (block * (size // len(block) + 1))[:size]


def build_body() -> bytes:
    """Return the ``get_build`` response body exactly as the server sends it."""
    return json.dumps(build_json(0), separators=(",", ":")).encode()


def page_body(count: int = 10_000) -> bytes:
    """Return the ``get_builds`` response body: a page of ``count`` builds."""
    page = {"builds": [build_json(i) for i in range(count)]}
    return json.dumps(page, separators=(",", ":")).encode()
