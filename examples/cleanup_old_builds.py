"""Delete all but the newest N builds, a few at a time.

``python examples/cleanup_old_builds.py [--keep N] [--yes]``. Without ``HATHORA_TOKEN`` it
runs against a local ``FakeHathora`` seeded with a few builds. Against Hathora Cloud it only
lists what it would delete unless ``--yes`` is given.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio

from hathora_cloud import Err, HathoraCloudCore, Ok
from hathora_cloud.funcs import (
    builds_v3_create_build,
    builds_v3_delete_build,
    builds_v3_get_builds,
)
from hathora_cloud.models import BuildV3, CreateMultipartBuildParams
from hathora_cloud.testing import FakeHathora

MAX_CONCURRENT_DELETES = 4


@asynccontextmanager
async def connect() -> AsyncIterator[tuple[HathoraCloudCore, bool]]:
    """Yield a core and whether it talks to the real service (else a seeded emulator)."""
    if os.environ.get("HATHORA_TOKEN"):
        async with HathoraCloudCore() as core:
            yield core, True
        return
    async with (
        FakeHathora() as fake,
        HathoraCloudCore(hathora_dev_token=fake.token, server_url=fake.url) as core,
    ):
        for number in range(8):
            params = CreateMultipartBuildParams(build_size_in_bytes=0, build_tag=f"v{number}")
            (await builds_v3_create_build(core, params)).unwrap()
        yield core, False


async def delete_builds(core: HathoraCloudCore, builds: list[BuildV3]) -> int:
    """Delete ``builds`` with at most ``MAX_CONCURRENT_DELETES`` requests in flight."""
    limiter = anyio.CapacityLimiter(MAX_CONCURRENT_DELETES)
    failures = 0

    async def delete(build: BuildV3) -> None:
        nonlocal failures
        async with limiter:
            match await builds_v3_delete_build(core, build.build_id):
                case Ok():
                    print(f"deleted {build.build_id} ({build.build_tag or 'no tag'})")
                case Err(error=error):
                    failures += 1
                    print(f"could not delete {build.build_id}: {error}", file=sys.stderr)

    async with anyio.create_task_group() as group:
        for build in builds:
            group.start_soon(delete, build)
    return failures


async def main() -> int:
    """Keep the newest ``--keep`` builds and delete the rest."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=int, default=3, help="how many of the newest to keep")
    parser.add_argument("--yes", action="store_true", help="really delete on Hathora Cloud")
    args = parser.parse_args()
    async with connect() as (core, is_real):
        match await builds_v3_get_builds(core):
            case Err(error=error):
                print(f"cannot list builds: {error}", file=sys.stderr)
                return 3
            case Ok(value=page):
                newest = sorted(page.builds, key=lambda build: build.created_at, reverse=True)
        old = newest[args.keep :]
        print(f"{len(newest)} builds; keeping {len(newest) - len(old)}, deleting {len(old)}")
        if is_real and not args.yes:
            print("dry run (pass --yes to delete):", *(b.build_id for b in old), sep="\n  ")
            return 0
        return 3 if await delete_builds(core, old) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
