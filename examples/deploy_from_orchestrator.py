"""Deploy a game server from async orchestration code: upload, build, follow the log.

Run ``python examples/deploy_from_orchestrator.py [PATH]``. With ``HATHORA_TOKEN`` set it
deploys to Hathora Cloud; otherwise it starts a local ``FakeHathora`` and deploys there.
PATH defaults to ``examples/game-server``.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from hathora_cloud import Err, HathoraCloudCore, Ok
from hathora_cloud.errors import BuildFailedError
from hathora_cloud.funcs.builds_v3_upload_and_run import builds_v3_upload_and_run
from hathora_cloud.testing import FakeHathora
from hathora_cloud.uploads import UploadProgress


@asynccontextmanager
async def connect() -> AsyncIterator[HathoraCloudCore]:
    """Yield a core for Hathora Cloud, or for a local emulator when no token is configured."""
    if os.environ.get("HATHORA_TOKEN"):
        async with HathoraCloudCore() as core:
            yield core
        return
    async with FakeHathora(log_line_delay=0.02) as fake:
        print(f"(no HATHORA_TOKEN: using a local emulator at {fake.url})", file=sys.stderr)
        async with HathoraCloudCore(hathora_dev_token=fake.token, server_url=fake.url) as core:
            yield core


def on_progress(progress: UploadProgress) -> None:
    """Report upload progress; a real orchestrator might update a dashboard instead."""
    percent = 100 * progress.bytes_sent / max(progress.total_bytes, 1)
    print(f"upload {percent:5.1f}% ({progress.parts_done}/{progress.parts_total} parts)")


def on_log_line(line: str) -> None:
    """Forward one build log line (to your CI log, chat channel, ...)."""
    print(f"  | {line}")


async def deploy(core: HathoraCloudCore, source: Path, tag: str) -> int:
    """Upload and build ``source``; return a process exit code."""
    result = await builds_v3_upload_and_run(
        core, source, build_tag=tag, on_progress=on_progress, on_log_line=on_log_line
    )
    match result:
        case Ok(value=build):
            print(f"build {build.build_id} ({tag}) succeeded: image of {build.image_size} bytes")
            return 0
        case Err(error=BuildFailedError() as failure):
            print(
                f"build {failure.build.build_id} failed; last lines:", *failure.log_tail, sep="\n"
            )
            return 1
        case Err(error=error):
            print(f"deploy failed: {error}", file=sys.stderr)
            return 3


EXAMPLE_SERVER = Path(__file__).resolve().parent / "game-server"


async def main() -> int:
    """Deploy the directory named on the command line, or the example game server."""
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else EXAMPLE_SERVER
    async with connect() as core:
        return await deploy(core, source, tag=os.environ.get("BUILD_TAG", "example-1"))


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
