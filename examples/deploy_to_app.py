"""Deploy a game server to an application in one call: build the directory, then deploy it.

Run ``python examples/deploy_to_app.py [PATH]``. With ``HATHORA_TOKEN`` and ``HATHORA_APP_ID``
set it deploys to that application (``HATHORA_CLOUD_ENDPOINT`` points it at another server,
such as an emulator started with ``hathora-cloud emulator``); without a token it starts a local
``FakeHathora`` and deploys to its application. PATH defaults to ``examples/game-server``, whose
server listens on 7777/udp. ``BUILD_TAG`` labels the build (default ``example-1``).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from hathora_cloud import Err, HathoraCloudCore, Ok
from hathora_cloud.errors import BuildFailedError, HathoraError
from hathora_cloud.funcs import deployments_v3_deploy
from hathora_cloud.models import Deployed, DeploymentSettings, TransportType
from hathora_cloud.testing import FakeHathora

EXAMPLE_SERVER = Path(__file__).resolve().parent / "game-server"

# What every process of the game server gets. Left-out fields would be an error; pass
# from_latest=True to deployments_v3_deploy to take them from the app's latest deployment.
SETTINGS = DeploymentSettings(
    idle_timeout_enabled=True,
    env=(),
    rooms_per_process=4,
    transport_type=TransportType.UDP,
    container_port=7777,
    requested_memory_mb=1024,
    requested_cpu=0.5,
)


@asynccontextmanager
async def connect() -> AsyncIterator[HathoraCloudCore]:
    """Yield a core from the environment, or for a local emulator when no token is set."""
    if os.environ.get("HATHORA_TOKEN"):
        # Token, server URL and app id come from HATHORA_TOKEN, HATHORA_CLOUD_ENDPOINT and
        # HATHORA_APP_ID.
        async with HathoraCloudCore() as core:
            yield core
        return
    async with FakeHathora() as fake:
        print(f"(no HATHORA_TOKEN: using a local emulator at {fake.url})", file=sys.stderr)
        async with HathoraCloudCore(
            hathora_dev_token=fake.token, server_url=fake.url, app_id=fake.app_id
        ) as core:
            yield core


def show(deployed: Deployed) -> None:
    """Print the new deployment."""
    deployment, build = deployed.deployment, deployed.build
    port = deployment.default_container_port
    print(f"deployment {deployment.deployment_id} of app {deployment.app_id}")
    print(f"  build      {build.build_id} ({build.build_tag or 'no tag'})")
    print(f"  port       {port.port}/{port.transport_type} ({port.name})")
    print(f"  rooms      {deployment.rooms_per_process} per process")
    print(f"  resources  {deployment.requested_memory_mb:g} MB, {deployment.requested_cpu:g} CPU")
    print(f"  fleet      {deployment.fleet_id or 'the default fleet'}")
    print(f"  created    {deployment.created_at.isoformat()} by {deployment.created_by}")


async def main() -> int:
    """Deploy the directory named on the command line, or the example game server."""
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else EXAMPLE_SERVER
    tag = os.environ.get("BUILD_TAG", "example-1")
    async with connect() as core:
        print(f"building {source} and deploying it to app {core.app_id}...", file=sys.stderr)
        result = await deployments_v3_deploy(core, source, SETTINGS, build_tag=tag)
    match result:
        case Ok(value=deployed):
            show(deployed)
            return 0
        case Err(error=BuildFailedError() as failure):
            print(f"build {failure.build.build_id} failed; last lines:", file=sys.stderr)
            print(*failure.log_tail, sep="\n", file=sys.stderr)
            return 1
        case Err(error=HathoraError() as error):
            # When only the deployment failed, the error names the succeeded build: retry with
            # deployments_v3_create_deployment instead of building again.
            where = f" (build {error.build_id})" if error.build_id else ""
            print(f"deploy failed{where}: {error}", file=sys.stderr)
            return 3


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
