"""DeploymentsV3 test material: the contract's example documents, and FakeHathora set up for them.

The tests run against the emulator (:func:`emulated`), which serves DeploymentsV3 itself. The
example documents remain for what the emulator cannot say: the exact bytes on the wire
(checked with the recording server of ``tests/_server.py``) and answers that no faithful
server would give (a contract example with extra keys, ``NaN``, a repeated page token).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import attrs

from hathora_cloud import HathoraCloudCore
from hathora_cloud.funcs import deployments_v3_create_deployment
from hathora_cloud.models import DeploymentConfigV3, DeploymentV3, EnvVar, TransportType
from hathora_cloud.testing import FakeHathora, RecordedRequest

DEPLOYMENT: dict[str, Any] = {
    "deploymentId": "dep-9f1e",
    "appId": "app-1b2c",
    "buildId": "bld-42",
    "buildTag": "1.4.0",
    "createdAt": "2025-11-20T09:12:44.101Z",
    "createdBy": "ci@example.com",
    "idleTimeoutEnabled": True,
    "env": [{"name": "MODE", "value": "prod"}],
    "roomsPerProcess": 2,
    "defaultContainerPort": {"transportType": "udp", "port": 7777, "name": "default"},
    "additionalContainerPorts": [{"transportType": "tcp", "port": 9000, "name": "admin"}],
    "requestedMemoryMB": 2048,
    "requestedCPU": 1,
    "fleetId": "fleet-7",
}
"""The contract's example DeploymentV3 (§2.1): every required key and some optional ones."""

CONFIG = DeploymentConfigV3(
    build_id="bld-42",
    idle_timeout_enabled=True,
    env=(EnvVar(name="MODE", value="prod"),),
    rooms_per_process=2,
    transport_type=TransportType.UDP,
    container_port=7777,
    requested_memory_mb=2048,
    requested_cpu=1,
)
"""A valid createDeployment body: the contract's example request (§2.1) without extra ports.

:func:`emulated` builds ``bld-42`` (tag ``1.4.0``), so the emulator accepts it as it is.
"""

REQUIRED_KEYS = (
    "deploymentId",
    "appId",
    "buildId",
    "createdAt",
    "createdBy",
    "idleTimeoutEnabled",
    "env",
    "roomsPerProcess",
    "defaultContainerPort",
    "additionalContainerPorts",
    "requestedMemoryMB",
    "requestedCPU",
)
"""The keys a DeploymentV3 document must have (contract §3.2)."""


def deployment_json(**changes: Any) -> dict[str, Any]:
    """Return the example DeploymentV3 document with ``changes`` applied (camelCase keys)."""
    return {**DEPLOYMENT, **changes}


def connect(fake: FakeHathora, **kwargs: Any) -> HathoraCloudCore:
    """A core with the emulator's token and URL (and whatever else ``kwargs`` set)."""
    return HathoraCloudCore(hathora_dev_token=fake.token, server_url=fake.url, **kwargs)


@attrs.frozen
class Emulated:
    """A running emulator and a core pointed at its first app."""

    fake: FakeHathora
    core: HathoraCloudCore

    def operations(self, since: int = 0) -> list[str]:
        """The operation ids of the requests received, from request number ``since`` on."""
        return [request.operation for request in self.fake.requests[since:]]

    def sent(self, operation: str) -> list[RecordedRequest]:
        """The requests of one operation the emulator received."""
        return self.fake.requests_for(operation)


@asynccontextmanager
async def emulated(**fake_options: Any) -> AsyncIterator[Emulated]:
    """Run FakeHathora (``fake_options``) with build ``bld-42`` succeeded, and a core on its app.

    The seeded build was made directly in the emulator's state: no request is recorded.
    """
    async with FakeHathora(**fake_options) as fake:
        fake.add_build(build_id=CONFIG.build_id, build_tag="1.4.0")
        async with connect(fake, app_id=fake.app_id) as core:
            yield Emulated(fake, core)


async def seed(core: HathoraCloudCore, app_id: str | None = None, **changes: Any) -> DeploymentV3:
    """Create a deployment of ``CONFIG`` with ``changes`` through the SDK and return it."""
    config = attrs.evolve(CONFIG, **changes)
    return (await deployments_v3_create_deployment(core, config, app_id)).unwrap()


async def post_raw(fake: FakeHathora, body: dict[str, Any], app_id: str | None = None) -> Any:
    """POST a createDeployment body the SDK would refuse to send; return the emulator's JSON."""
    url = f"{fake.url}/deployments/v3/apps/{app_id or fake.app_id}/deployments"
    headers = {"Authorization": f"Bearer {fake.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=headers) as response,
    ):
        assert response.status == 201, await response.text()
        return await response.json()
