"""FakeHathora's DeploymentsV3: apps, create/get/latest/list, validation, pages and helpers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from hathora_cloud.testing import FakeHathora, FaultRule

from ._deployments import REQUIRED_KEYS

pytestmark = pytest.mark.anyio

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def config(build_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid DeploymentConfigV3 body, with ``overrides`` applied (``...`` removes a key)."""
    body: dict[str, Any] = {
        "buildId": build_id,
        "idleTimeoutEnabled": True,
        "env": [{"name": "MODE", "value": "prod"}],
        "roomsPerProcess": 2,
        "transportType": "udp",
        "containerPort": 7777,
        "requestedMemoryMB": 1024,
        "requestedCPU": 0.5,
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


@pytest.fixture
async def fake() -> AsyncIterator[FakeHathora]:
    """A running emulator with its default app and a page size of 2."""
    async with FakeHathora(deployments_page_size=2) as emulator:
        yield emulator


@pytest.fixture
async def session(fake: FakeHathora) -> AsyncIterator[aiohttp.ClientSession]:
    """A raw session sending the emulator's token."""
    headers = {"Authorization": f"Bearer {fake.token}"}
    async with aiohttp.ClientSession(fake.url, headers=headers) as client:
        yield client


def _path(app_id: str, suffix: str = "") -> str:
    return f"/deployments/v3/apps/{app_id}/deployments{suffix}"


async def _create(
    session: aiohttp.ClientSession, app_id: str, body: dict[str, Any], status: int = 201
) -> dict[str, Any]:
    async with session.post(_path(app_id), json=body) as response:
        assert response.status == status, await response.text()
        assert response.content_type == "application/json"
        answer: dict[str, Any] = await response.json()
        return answer


async def _get(session: aiohttp.ClientSession, path: str, status: int = 200) -> Any:
    async with session.get(path) as response:
        assert response.status == status, await response.text()
        return await response.json()


async def test_create_answers_201_with_the_deployment_v3_shape(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """Create is 201 with every required key, the default port named "default", no nulls."""
    build = fake.add_build(build_tag="1.4.0")
    created = await _create(session, fake.app_id, config(build.build_id))
    assert created.keys() == set(REQUIRED_KEYS) | {"buildTag", "fleetId"}
    assert created["deploymentId"].startswith("dep-")
    assert (created["appId"], created["buildId"]) == (fake.app_id, build.build_id)
    assert created["buildTag"] == "1.4.0"
    assert DATE.match(created["createdAt"])
    assert created["createdBy"] == "noreply@hathora.dev"
    assert created["defaultContainerPort"] == {
        "transportType": "udp",
        "port": 7777,
        "name": "default",
    }
    assert created["additionalContainerPorts"] == []
    assert created["env"] == [{"name": "MODE", "value": "prod"}]
    assert (created["requestedMemoryMB"], created["requestedCPU"]) == (1024, 0.5)
    assert created["fleetId"] == "fleet-fake-0001"
    assert None not in created.values()
    assert fake.deployments[created["deploymentId"]].to_json() == created


async def test_create_echoes_optional_fields_and_normalises_numbers(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """Optional fields come back as sent; integral floats come back as JSON integers."""
    build = fake.add_build()
    ports = [{"transportType": "tcp", "port": 9000, "name": "admin"}]
    body = config(
        build.build_id,
        roomsPerProcess=3.0,
        requestedMemoryMB=2048.0,
        additionalContainerPorts=ports,
        requestedGPU=1,
        experimentalRequestedGPU=0,
        fleetId="fleet-7",
        deploymentTag="canary",
        unknownKey="ignored",
    )
    created = await _create(session, fake.app_id, body)
    assert created["roomsPerProcess"] == 3
    assert isinstance(created["roomsPerProcess"], int)
    assert created["requestedMemoryMB"] == 2048
    assert isinstance(created["requestedMemoryMB"], int)
    assert created["additionalContainerPorts"] == ports
    assert (created["requestedGPU"], created["experimentalRequestedGPU"]) == (1, 0)
    assert (created["fleetId"], created["deploymentTag"]) == ("fleet-7", "canary")
    assert "buildTag" not in created
    assert "unknownKey" not in created


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"buildId": ...}, "buildId is required"),
        ({"env": ...}, "env is required"),
        ({"requestedCPU": ...}, "requestedCPU is required"),
        ({"fleetId": None}, "fleetId must not be null"),
        ({"roomsPerProcess": None}, "roomsPerProcess must not be null"),
        ({"roomsPerProcess": 1.5}, "roomsPerProcess"),
        ({"roomsPerProcess": "2"}, "roomsPerProcess"),
        ({"roomsPerProcess": True}, "roomsPerProcess"),
        ({"roomsPerProcess": 0}, "roomsPerProcess"),
        ({"containerPort": 0}, "containerPort"),
        ({"containerPort": 70000}, "containerPort"),
        ({"transportType": "quic"}, "transportType"),
        ({"idleTimeoutEnabled": "yes"}, "idleTimeoutEnabled"),
        ({"env": {"MODE": "prod"}}, "env"),
        ({"env": [{"name": 1, "value": "x"}]}, "env[0].name"),
        ({"env": [{"name": "A"}]}, "env[0].value"),
        ({"env": [{"name": "", "value": "x"}]}, "env[0].name"),
        ({"requestedMemoryMB": 0}, "requestedMemoryMB"),
        ({"requestedCPU": -1}, "requestedCPU"),
        ({"requestedGPU": -1}, "requestedGPU"),
        ({"fleetId": ""}, "fleetId"),
        ({"deploymentTag": 5}, "deploymentTag"),
        ({"buildId": 5}, "buildId"),
        ({"additionalContainerPorts": {}}, "additionalContainerPorts"),
        (
            {"additionalContainerPorts": [{"transportType": "tcp", "port": 1.5, "name": "a"}]},
            "additionalContainerPorts[0].port",
        ),
        (
            {"additionalContainerPorts": [{"transportType": "tcp", "port": 80}]},
            "additionalContainerPorts[0].name",
        ),
    ],
)
async def test_invalid_config_is_422_naming_the_field(
    fake: FakeHathora, session: aiohttp.ClientSession, overrides: dict[str, Any], named: str
) -> None:
    """Every DeploymentConfigV3 field is validated: 422 {"message"} naming the field."""
    build = fake.add_build()
    answer = await _create(session, fake.app_id, config(build.build_id, **overrides), 422)
    assert named in answer["message"]
    assert fake.deployments == {}


async def test_several_problems_are_reported_together(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """One 422 lists every problem of the body, not just the first."""
    body = config("b", containerPort=0, transportType="x", roomsPerProcess=0.5)
    message = (await _create(session, fake.app_id, body, 422))["message"]
    for key in ("containerPort", "transportType", "roomsPerProcess"):
        assert key in message


@pytest.mark.parametrize("status", ["created", "running", "failed"])
async def test_build_that_has_not_succeeded_is_422(
    fake: FakeHathora, session: aiohttp.ClientSession, status: str
) -> None:
    """Deploying a build that is not succeeded is refused with 422 naming its status."""
    build = fake.add_build(status=status)
    answer = await _create(session, fake.app_id, config(build.build_id), 422)
    assert f"its status is {status}" in answer["message"]


async def test_unknown_or_deleted_build_is_404(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """A buildId that does not exist (or was deleted) is 404 {"message"}."""
    answer = await _create(session, fake.app_id, config("bld-missing"), 404)
    assert answer["message"] == "Build not found: bld-missing"
    build = fake.add_build()
    async with session.delete(f"/builds/v3/builds/{build.build_id}") as response:
        assert response.status == 200
    await _create(session, fake.app_id, config(build.build_id), 404)


async def test_unknown_app_is_404_on_every_route(session: aiohttp.ClientSession) -> None:
    """All four routes answer 404 {"message"} for an app that does not exist."""
    for method, suffix in (("GET", ""), ("POST", ""), ("GET", "/latest"), ("GET", "/dep-1")):
        body = config("b") if method == "POST" else None
        async with session.request(method, _path("app-nope", suffix), json=body) as response:
            assert response.status == 404
            assert (await response.json())["message"] == "App not found: app-nope"


async def test_latest_is_404_until_the_first_deployment(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """/latest is 404 for an app without deployments, then the newest one."""
    await _get(session, _path(fake.app_id, "/latest"), 404)
    build = fake.add_build()
    await _create(session, fake.app_id, config(build.build_id))
    second = await _create(session, fake.app_id, config(build.build_id, roomsPerProcess=5))
    assert await _get(session, _path(fake.app_id, "/latest")) == second
    latest = fake.latest_deployment()
    assert latest is not None
    assert latest.deployment_id == second["deploymentId"]


async def test_get_by_id_is_scoped_to_its_app(session: aiohttp.ClientSession) -> None:
    """A deployment reads by id in its own app; from another app it is 404."""
    async with FakeHathora(apps=("app-a", "app-b")) as fake:
        headers = {"Authorization": f"Bearer {fake.token}"}
        async with aiohttp.ClientSession(fake.url, headers=headers) as client:
            build = fake.add_build()
            created = await _create(client, "app-a", config(build.build_id))
            path = f"/{created['deploymentId']}"
            assert await _get(client, _path("app-a", path)) == created
            await _get(client, _path("app-b", path), 404)
            await _get(client, _path("app-a", "/dep-unknown"), 404)
            await _get(client, _path("app-b", "/latest"), 404)
        assert (fake.app_id, fake.apps) == ("app-a", ("app-a", "app-b"))
        assert fake.deployments_for("app-b") == []


async def test_list_is_newest_first_in_pages(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """The list is newest first; past the page size a nextPageToken fetches the rest."""
    build = fake.add_build()
    ids = [
        (await _create(session, fake.app_id, config(build.build_id)))["deploymentId"]
        for _ in range(5)
    ]
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        query = "" if token is None else f"?nextPageToken={token}"
        page = await _get(session, _path(fake.app_id, query))
        pages += 1
        seen += [deployment["deploymentId"] for deployment in page["deployments"]]
        token = page.get("nextPageToken")
        if token is None:
            break
    assert seen == ids[::-1]
    assert pages == 3
    assert [d.deployment_id for d in fake.deployments_for()] == ids[::-1]


async def test_page_token_survives_new_deployments(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """A deployment created between two pages neither repeats nor hides an older one."""
    build = fake.add_build()
    ids = [
        (await _create(session, fake.app_id, config(build.build_id)))["deploymentId"]
        for _ in range(3)
    ]
    first = await _get(session, _path(fake.app_id))
    await _create(session, fake.app_id, config(build.build_id))
    second = await _get(session, _path(fake.app_id, f"?nextPageToken={first['nextPageToken']}"))
    assert [d["deploymentId"] for d in first["deployments"] + second["deployments"]] == ids[::-1]


@pytest.mark.parametrize("token", ["garbage", "YWZ0ZXI6eA", "%00"])
async def test_foreign_page_token_is_422(
    fake: FakeHathora, session: aiohttp.ClientSession, token: str
) -> None:
    """A nextPageToken the server did not issue is 422 {"message"}."""
    answer = await _get(session, _path(fake.app_id, f"?nextPageToken={token}"), 422)
    assert "nextPageToken" in answer["message"]


async def test_filters_match_exactly_and_combine(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """deploymentTag and buildTag are exact-match filters, combined with AND."""
    tagged = fake.add_build(build_tag="1.0")
    other = fake.add_build(build_tag="1.0-rc")
    a = await _create(session, fake.app_id, config(tagged.build_id, deploymentTag="blue"))
    await _create(session, fake.app_id, config(other.build_id, deploymentTag="blue"))
    await _create(session, fake.app_id, config(tagged.build_id, deploymentTag="green"))

    async def ids(query: str) -> list[str]:
        page = await _get(session, _path(fake.app_id, query))
        return [deployment["deploymentId"] for deployment in page["deployments"]]

    assert len(await ids("?deploymentTag=blue")) == 2
    assert await ids("?deploymentTag=blue&buildTag=1.0") == [a["deploymentId"]]
    assert await ids("?deploymentTag=blu") == []
    assert len(await ids("?buildTag=1.0")) == 2


async def test_org_id_is_not_part_of_these_routes(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """DeploymentsV3 takes no orgId: a foreign one is ignored rather than a 404."""
    assert await _get(session, _path(fake.app_id, "?orgId=org-other")) == {"deployments": []}


async def test_auth_and_content_type_are_enforced(fake: FakeHathora) -> None:
    """No token is 401; a body that is not JSON-typed is 415, both with {"message"}."""
    async with aiohttp.ClientSession(fake.url) as anonymous:
        async with anonymous.get(_path(fake.app_id)) as response:
            assert response.status == 401
            assert "message" in await response.json()
        headers = {"Authorization": f"Bearer {fake.token}", "Content-Type": "text/plain"}
        async with anonymous.post(_path(fake.app_id), data="{}", headers=headers) as response:
            assert response.status == 415
            assert "application/json" in (await response.json())["message"]


@pytest.mark.parametrize(
    "operation", ["GetDeployments", "CreateDeployment", "GetLatestDeployment", "GetDeployment"]
)
async def test_faults_target_the_deployment_operations(
    fake: FakeHathora, session: aiohttp.ClientSession, operation: str
) -> None:
    """Each DeploymentsV3 operation id can be targeted by a fault rule."""
    build = fake.add_build()
    created = await _create(session, fake.app_id, config(build.build_id))
    fake.inject(FaultRule.status_code(503, operation=operation, times=1))
    requests = {
        "GetDeployments": ("GET", _path(fake.app_id)),
        "CreateDeployment": ("POST", _path(fake.app_id)),
        "GetLatestDeployment": ("GET", _path(fake.app_id, "/latest")),
        "GetDeployment": ("GET", _path(fake.app_id, f"/{created['deploymentId']}")),
    }
    method, path = requests[operation]
    async with session.request(method, path, json=config(build.build_id)) as response:
        assert response.status == 503
    assert fake.requests_for(operation)[-1].status == 503


def test_apps_must_be_distinct_and_non_empty() -> None:
    """The apps knob refuses an empty list, duplicates and empty ids."""
    for apps in ((), ("a", "a"), ("",)):
        with pytest.raises(ValueError, match="apps"):
            FakeHathora(apps=apps)
    assert FakeHathora().app_id == "app-fake-0001"
    assert FakeHathora(apps="solo").apps == ("solo",)


async def test_seeding_helpers(fake: FakeHathora) -> None:
    """add_app and add_build create state directly; bad arguments raise ValueError."""
    assert fake.add_app("app-extra") == "app-extra"
    assert fake.apps == ("app-fake-0001", "app-extra")
    with pytest.raises(ValueError, match="app id"):
        fake.add_app("app-extra")
    build = fake.add_build(build_id="bld-seeded", build_tag="t", status="succeeded")
    assert (build.status, build.image_size > 0, build.finished_at is not None) == (
        "succeeded",
        True,
        True,
    )
    with pytest.raises(ValueError, match="build id"):
        fake.add_build(build_id="bld-seeded")
    with pytest.raises(ValueError, match="status"):
        fake.add_build(status="done")
    assert fake.add_build(status="created").started_at is None
