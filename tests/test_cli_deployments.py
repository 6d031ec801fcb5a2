"""``hathora-cloud deployments list|get|latest|create`` against the emulator.

The module's emulator serves two deployments per page, so five deployments take three pages.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from hathora_cloud import HathoraCloudCore
from hathora_cloud.funcs import deployments_v3_create_deployment
from hathora_cloud.models import DeploymentConfigV3, EnvVar, TransportType
from hathora_cloud.testing import FakeHathora
from tests._cli import TOKEN, background_fake, in_process
from tests.test_cli_builds import Done, Run
from tests.test_cli_deploy_options import FULL

APP = "app-listed"
EMPTY_APP = "app-empty"
SECRET = "db-password-3f9a1c"


def _seed(fake: FakeHathora) -> list[str]:
    """Create five deployments of ``APP`` (tags t0, t1, t0, t1, t0); their ids, oldest first."""

    async def create_all() -> list[str]:
        made = []
        async with HathoraCloudCore(hathora_dev_token=TOKEN, server_url=fake.url) as core:
            for n in range(5):
                build = fake.add_build(build_tag=f"b{n}")
                config = DeploymentConfigV3(
                    build_id=build.build_id,
                    idle_timeout_enabled=True,
                    env=(EnvVar(name="DB_PASSWORD", value=SECRET),),
                    rooms_per_process=n + 1,
                    transport_type=TransportType.UDP,
                    container_port=7777,
                    requested_memory_mb=1024,
                    requested_cpu=0.5,
                    deployment_tag=f"t{n % 2}",
                )
                created = await deployments_v3_create_deployment(core, config, APP)
                made.append(created.unwrap().deployment_id)
        return made

    return asyncio.run(create_all())


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeHathora]:
    """An emulator with two deployments per page, ``APP`` holding five and ``EMPTY_APP`` none."""
    with background_fake(token=TOKEN, apps=(APP, EMPTY_APP), deployments_page_size=2) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def seeded(fake: FakeHathora) -> list[str]:
    """The ids of ``APP``'s five deployments, newest first."""
    return list(reversed(_seed(fake)))


@pytest.fixture
def run(
    fake: FakeHathora, capfdbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> Run:
    """Run the CLI in this process against the module's emulator."""
    main = in_process(capfdbinary, monkeypatch)

    def run_cli(*args: str, env: dict[str, str] | None = None) -> Done:
        return main("--server-url", fake.url, *args, env=env)

    return run_cli


def test_list_follows_every_page_newest_first(
    run: Run, fake: FakeHathora, seeded: list[str]
) -> None:
    """`deployments list` reads all three pages and prints every deployment, newest first."""
    pages = len(fake.requests_for("GetDeployments"))
    code, out, err = run("--json", "deployments", "list", "--app-id", APP)
    assert code == 0, err
    listed = json.loads(out)
    assert [item["deploymentId"] for item in listed] == seeded
    assert len(fake.requests_for("GetDeployments")) - pages == 3
    assert all(item["env"] == [{"name": "DB_PASSWORD", "value": None}] for item in listed)
    assert SECRET not in out + err


def test_list_as_a_table(run: Run, seeded: list[str]) -> None:
    """The table has a header and one row per deployment, newest first, ids whole."""
    code, out, err = run("deployment", "list", "--app-id", APP)  # the singular works too
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == [
        "DEPLOYMENT", "ID", "BUILD", "ID", "TAG", "CREATED", "PORT", "ROOMS", "MEMORY", "CPU",
    ]  # fmt: skip
    assert [line.split()[0] for line in lines[1:]] == seeded
    assert "7777/udp" in lines[1]
    assert lines[1].split()[-4:] == ["5", "1024", "MB", "0.5"]


def test_list_filters_by_deployment_and_build_tag(run: Run, seeded: list[str]) -> None:
    """--deployment-tag and --build-tag filter across pages; no match is not an error."""
    code, out, _ = run("--json", "deployments", "list", "--app-id", APP, "--deployment-tag", "t1")
    assert code == 0
    assert [item["deploymentId"] for item in json.loads(out)] == [seeded[1], seeded[3]]
    code, out, _ = run("--json", "deployments", "list", "--app-id", APP, "--build-tag", "b0")
    assert [item["deploymentId"] for item in json.loads(out)] == [seeded[4]]
    code, out, err = run("deployments", "list", "--app-id", APP, "--deployment-tag", "none yet")
    assert (code, out) == (0, "")
    assert err == "No deployments match --deployment-tag 'none yet'.\n"


def test_an_app_without_deployments_lists_none(run: Run) -> None:
    """An empty list is not an error: `No deployments.` on stderr, or `[]` with --json."""
    code, out, err = run("deployments", "list", "--app-id", EMPTY_APP)
    assert (code, out, err) == (0, "", "No deployments.\n")
    code, out, err = run("--json", "deployments", "list", "--app-id", EMPTY_APP)
    assert (code, json.loads(out), err) == (0, [], "")


def test_get_takes_the_id_either_way(run: Run, seeded: list[str]) -> None:
    """`get ID` and `get --deployment-id ID` show the same deployment; both or neither: exit 2."""
    code, out, err = run("--json", "deployments", "get", seeded[2], "--app-id", APP)
    assert code == 0, err
    positional = json.loads(out)
    code, out, _ = run("--json", "deployment", "get", "--deployment-id", seeded[2], "--app-id", APP)
    assert json.loads(out) == positional
    assert positional["deploymentId"] == seeded[2]
    assert positional["roomsPerProcess"] == 3
    both = run("deployments", "get", seeded[2], "--deployment-id", seeded[2], "--app-id", APP)
    assert both[0] == 2
    assert "give a deployment id once" in both[2]
    neither = run("deployments", "get", "--app-id", APP)
    assert neither[0] == 2
    assert "a deployment id is required: ID or --deployment-id ID" in neither[2]


def test_get_of_an_unknown_deployment_exits_3(run: Run, seeded: list[str]) -> None:
    """An unknown id is the service's 404: exit 3 with a hint naming the list command."""
    code, _, err = run("deployments", "get", "dep-missing", "--app-id", APP)
    assert code == 3
    assert "404: " in err
    assert "`hathora-cloud deployments list`" in err


def test_latest_shows_the_newest_deployment(run: Run, seeded: list[str]) -> None:
    """`latest` shows the deployment new rooms use; an app without one is a 404 (exit 3)."""
    code, out, err = run("deployments", "latest", "--app-id", APP)
    assert code == 0, err
    assert out.startswith(f"Deployment ID      {seeded[0]}")
    assert "DB_PASSWORD (values hidden: --show-env)" in out
    assert SECRET not in out
    code, out, _ = run("deployments", "latest", "--app-id", APP, "--show-env")
    assert f"DB_PASSWORD={SECRET}" in out
    code, _, err = run("deployments", "latest", "--app-id", EMPTY_APP)
    assert code == 3
    assert "an app without deployments has no latest one" in err


def test_the_app_id_comes_from_the_flag_or_the_environment(
    run: Run, fake: FakeHathora, seeded: list[str]
) -> None:
    """HATHORA_APP_ID names the app; with neither it, nor --app-id: exit 2, nothing sent."""
    code, out, err = run("--json", "deployments", "latest", env={"HATHORA_APP_ID": APP})
    assert code == 0, err
    assert json.loads(out)["deploymentId"] == seeded[0]
    before = len(fake.requests)
    for action in (["list"], ["get", seeded[0]], ["latest"]):
        code, out, err = run("deployments", *action)
        assert (code, out) == (2, "")
        assert "no application id: pass --app-id or set HATHORA_APP_ID" in err
    assert len(fake.requests) == before


def test_create_deploys_an_existing_build(run: Run, fake: FakeHathora) -> None:
    """`deployments create --build-id ID` deploys a build that succeeded, with the options."""
    app_id = fake.add_app("app-created")
    build = fake.add_build()
    code, out, err = run(
        "--json", "deployments", "create", "--build-id", build.build_id, "--app-id", app_id,
        *FULL, "--deployment-tag", "manual",
    )  # fmt: skip
    assert code == 0, err
    created = json.loads(out)
    latest = fake.latest_deployment(app_id)
    assert latest is not None
    assert (created["deploymentId"], created["buildId"]) == (latest.deployment_id, build.build_id)
    assert (created["deploymentTag"], created["roomsPerProcess"]) == ("manual", 2)
    code, out, err = run(
        "--json", "deployments", "create", build.build_id, "--app-id", app_id,
        "--from-latest", "--rooms-per-process", "9",
    )  # fmt: skip
    assert code == 0, err
    inherited = json.loads(out)
    assert inherited["roomsPerProcess"] == 9
    assert inherited["requestedMemoryMB"] == 1024
    assert inherited["deploymentTag"] is None  # never inherited


@pytest.mark.parametrize("status", ["failed", "running"])
def test_create_refuses_a_build_that_did_not_succeed(
    run: Run, fake: FakeHathora, status: str
) -> None:
    """A build that failed or is still running is not deployed: exit 1, nothing created."""
    build = fake.add_build(status=status)
    creates = len(fake.requests_for("CreateDeployment"))
    code, out, err = run("deployments", "create", build.build_id, "--app-id", EMPTY_APP, *FULL)
    assert (code, out) == (1, "")
    assert f"build {build.build_id} is {status}, not succeeded: no deployment was created" in err
    assert ("wait for it" in err) is (status == "running")
    assert len(fake.requests_for("CreateDeployment")) == creates
