"""``hathora-cloud deploy PATH``: build, then deploy, against the emulator.

The CLI runs in this process against a FakeHathora on a background loop (``--server-url``), or
against its own embedded emulator (``--emulator``). Each test that deploys uses an app of its own,
so the module's emulator can be shared.
"""

from __future__ import annotations

import itertools
import json
import shlex
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from aiohttp import web

from hathora_cloud.models import BuildV3, DeploymentV3
from hathora_cloud.testing import FakeHathora, FaultRule
from tests._cli import EXAMPLES, TOKEN, background_fake, background_server, in_process
from tests._server import build_json
from tests.test_cli_builds import Done, Run, camel_fields
from tests.test_cli_deploy_options import FULL
from tests.test_cli_uploads import _created_id, _interrupt

GAME = str(EXAMPLES / "game-server")
FAILING = str(EXAMPLES / "failing-server")
SECRET = "sk-live-5e3a9d7c1b"
"""An environment value long enough to be masked wherever the CLI would print it by mistake."""
_APPS = itertools.count(1)


def wire_fields(cls: type[Any]) -> list[str]:
    """Return the JSON keys of a model: its wire names (``requestedMemoryMB``), in order."""
    pairs = zip(attrs.fields(cls), camel_fields(cls), strict=True)
    return [field.metadata.get("wire") or name for field, name in pairs]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeHathora]:
    """A FakeHathora served from a background event loop for the whole module."""
    with background_fake(token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def app_id(fake: FakeHathora) -> str:
    """A new application of the module's emulator, with no deployment yet."""
    return fake.add_app(f"app-test-{next(_APPS)}")


@pytest.fixture
def main(capfdbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run the CLI's ``main`` in this process: exit code, stdout, stderr."""
    return in_process(capfdbinary, monkeypatch)


@pytest.fixture
def run(fake: FakeHathora, main: Run) -> Run:
    """Run the CLI against the module's emulator (``--server-url``)."""

    def run_cli(*args: str, env: dict[str, str] | None = None) -> Done:
        return main("--server-url", fake.url, *args, env=env)

    return run_cli


def test_deploy_prints_the_build_and_the_deployment_as_json(
    run: Run, fake: FakeHathora, app_id: str
) -> None:
    """--json: {"build", "deployment"} with every field under its wire name; env values null."""
    code, out, err = run(
        "--json", "deploy", GAME, "--app-id", app_id, *FULL,
        "--env", f"API_KEY={SECRET}", "--additional-port", "chat:7001/tcp",
        "--deployment-tag", "first", "--build-tag", "1.4.2", "--requested-gpu", "1",
        "--fleet-id", "fleet-eu", "--no-idle-timeout",
    )  # fmt: skip
    assert code == 0, err
    shown = json.loads(out)
    assert list(shown) == ["build", "deployment"]
    build, deployment = shown["build"], shown["deployment"]
    assert list(build) == camel_fields(BuildV3)
    assert list(deployment) == wire_fields(DeploymentV3)
    assert (build["status"], build["buildTag"]) == ("succeeded", "1.4.2")
    assert deployment["env"] == [{"name": "API_KEY", "value": None}]
    assert deployment["requestedMemoryMB"] == 1024  # an integer, as the API writes it
    assert deployment["additionalContainerPorts"] == [
        {"transportType": "tcp", "port": 7001, "name": "chat"}
    ]
    made = fake.latest_deployment(app_id)
    assert made is not None
    assert (made.deployment_id, made.build_id) == (deployment["deploymentId"], build["buildId"])
    assert made.env == (("API_KEY", SECRET),)  # sent, never shown
    assert (made.idle_timeout_enabled, made.rooms_per_process, made.requested_gpu) == (False, 2, 1)
    assert (made.deployment_tag, made.fleet_id, made.build_tag) == ("first", "fleet-eu", "1.4.2")
    assert SECRET not in out + err


def test_show_env_prints_env_values_in_json_and_tables(run: Run, app_id: str) -> None:
    """--show-env shows the values; without it a table lists the names only."""
    env = ("--env", f"API_KEY={SECRET}", "--env", "MODE=a=b,c")
    code, out, err = run("--json", "deploy", GAME, "--app-id", app_id, "--show-env", *FULL, *env)
    assert code == 0, err
    assert json.loads(out)["deployment"]["env"] == [
        {"name": "API_KEY", "value": SECRET},
        {"name": "MODE", "value": "a=b,c"},
    ]
    code, out, err = run("deploy", GAME, "--app-id", app_id, *FULL, *env)
    assert code == 0, err
    assert "API_KEY, MODE (values hidden: --show-env)" in out
    assert SECRET not in out + err
    code, out, _ = run("deploy", GAME, "--app-id", app_id, *FULL, *env, "--show-env")
    assert code == 0
    assert f"API_KEY={SECRET}" in out


def test_the_table_shows_the_deployment_and_its_build(run: Run, app_id: str) -> None:
    """The human output: ids, the build's status, the port as PORT/TRANSPORT, UTC times."""
    code, out, err = run(
        "deploy", GAME, "--app-id", app_id, *FULL, "--additional-port", "rcon:7002/tls"
    )
    assert code == 0, err
    assert out.startswith("Deployment ID")
    assert "Build status       succeeded" in out
    assert "Port               7777/udp" in out
    assert "Additional ports   rcon:7002/tls" in out
    assert "Memory             1024 MB" in out
    assert "Idle timeout       on" in out
    created = next(line for line in out.splitlines() if line.startswith("Created  "))
    assert created.rstrip().endswith("Z")
    assert "creating the deployment in " + app_id in err
    assert err.index("Build ") < err.index("succeeded; creating the deployment")


def test_from_latest_inherits_what_is_not_given_and_keeps_explicit_values(
    run: Run, fake: FakeHathora, app_id: str
) -> None:
    """--from-latest takes every option not given from the latest deployment; given ones win.

    An explicit --no-idle-timeout is kept (the official CLI would inherit "on"), and the
    deployment tag is never inherited.
    """
    first = (
        "--transport-type", "tcp", "--container-port", "9000", "--rooms-per-process", "3",
        "--requested-memory-mb", "2048", "--requested-cpu", "1.5", "--requested-gpu", "1",
        "--env", "A=1", "--additional-port", "chat:9001/udp", "--deployment-tag", "v1",
        "--fleet-id", "fleet-x",
    )  # fmt: skip
    code, _, err = run("deploy", GAME, "--app-id", app_id, *first)
    assert code == 0, err
    code, out, err = run(
        "--json", "deploy", GAME, "--app-id", app_id, "--from-latest",
        "--no-idle-timeout", "--rooms-per-process", "5",
    )  # fmt: skip
    assert code == 0, err
    deployment = json.loads(out)["deployment"]
    made = fake.latest_deployment(app_id)
    assert made is not None
    assert made.deployment_id == deployment["deploymentId"]
    assert (made.default_port.transport_type, made.default_port.port) == ("tcp", 9000)
    assert (made.requested_memory_mb, made.requested_cpu, made.requested_gpu) == (2048, 1.5, 1)
    assert made.env == (("A", "1"),)
    assert [(port.name, port.port) for port in made.additional_ports] == [("chat", 9001)]
    assert made.fleet_id == "fleet-x"
    assert (made.rooms_per_process, made.idle_timeout_enabled) == (5, False)
    assert made.deployment_tag is None


@pytest.mark.parametrize(
    "argv",
    [
        ["--env", "NO_EQUALS"],
        ["--env", "A=1", "--env", "A=2"],
        ["--additional-port", "chat:70000/udp"],
        ["--container-port", "0"],
        ["--no-idle-timeout", "--idle-timeout-enabled", "true"],
    ],
)
def test_invalid_options_exit_2_before_anything_is_sent(
    run: Run, fake: FakeHathora, app_id: str, argv: list[str]
) -> None:
    """A bad option is a usage error (exit 2) before a single request, with no traceback."""
    before = len(fake.requests)
    code, out, err = run("deploy", GAME, "--app-id", app_id, *FULL, *argv)
    assert code == 2, err
    assert (out, len(fake.requests)) == ("", before)
    assert err.startswith("hathora-cloud: error: ")
    assert "Traceback" not in err


def test_missing_options_and_app_are_usage_errors(run: Run, fake: FakeHathora) -> None:
    """Against a server, missing sizing options or app id are named; nothing is sent."""
    before = len(fake.requests)
    code, _, err = run("deploy", GAME, "--app-id", fake.app_id, "--transport-type", "udp")
    assert code == 2
    assert "missing --container-port, --rooms-per-process" in err
    code, _, err = run("deploy", GAME, *FULL)
    assert code == 2
    assert "no application id: pass --app-id or set HATHORA_APP_ID" in err
    assert len(fake.requests) == before


def test_the_sdks_validation_error_is_a_usage_error(run: Run, fake: FakeHathora) -> None:
    """What the SDK refuses before sending (here: no such PATH) exits 2, nothing sent."""
    before = len(fake.requests)
    code, _, err = run("deploy", "no/such/dir", "--app-id", fake.app_id, *FULL)
    assert code == 2
    assert "no such file or directory: " in err
    assert err.rstrip().endswith("no/such/dir")
    assert len(fake.requests) == before


def test_hathora_app_id_names_the_app(run: Run, fake: FakeHathora, app_id: str) -> None:
    """Without --app-id, HATHORA_APP_ID names the application."""
    code, out, err = run("--json", "deploy", GAME, *FULL, env={"HATHORA_APP_ID": app_id})
    assert code == 0, err
    assert json.loads(out)["deployment"]["appId"] == app_id
    assert len(fake.deployments_for(app_id)) == 1


def test_a_failed_build_exits_1_and_creates_no_deployment(
    run: Run, fake: FakeHathora, app_id: str
) -> None:
    """A build that fails: exit 1, the failed build on stdout, no deployment, build kept."""
    code, out, err = run("--json", "--quiet", "deploy", FAILING, "--app-id", app_id, *FULL)
    assert code == 1, err
    shown = json.loads(out)
    assert shown["build"]["status"] == "failed"
    assert shown["deployment"] is None
    assert fake.deployments_for(app_id) == []
    assert all(app_id not in request.path for request in fake.requests_for("CreateDeployment"))
    lines = err.strip().splitlines()
    assert "Last " in err  # --quiet: the log's tail is printed instead
    assert f"Build {shown['build']['buildId']} failed and is kept" in lines[-2]
    assert lines[-1].startswith(f"hathora-cloud: error: build {shown['build']['buildId']} ended")
    assert "failed (no deployment was created): The command" in lines[-1]


def _retry_line(err: str) -> str:
    line = next(line for line in err.splitlines() if "without rebuilding" in line)
    return line.split("deploy it without rebuilding: hathora-cloud ", 1)[1]


def test_a_deployment_failure_after_a_good_build_names_the_kept_build(
    run: Run, fake: FakeHathora, app_id: str
) -> None:
    """CreateDeployment fails after the build succeeded: exit 3, the build kept and named,
    with a `deployments create` command that deploys it without rebuilding."""
    fake.inject(FaultRule.status_code(422, operation="CreateDeployment", times=1))
    env = ("--env", f"API_KEY={SECRET}")
    code, out, err = run("--json", "deploy", GAME, "--app-id", app_id, *FULL, *env)
    assert code == 3, err
    build_id = json.loads(out)["buildId"]
    assert json.loads(out) == {"buildId": build_id, "deleted": False}
    assert fake.builds[build_id].status == "succeeded"
    assert fake.deployments_for(app_id) == []
    assert f"Build {build_id} succeeded and is kept, but no deployment was created" in err
    assert err.strip().splitlines()[-1].startswith("hathora-cloud: error: 422: ")
    assert SECRET not in out + err
    retry = _retry_line(err)
    assert retry.startswith(f"deployments create --build-id {build_id} --app-id {app_id} ")
    assert retry.endswith(" (give the --env values again)")
    words = shlex.split(retry.removesuffix(" (give the --env values again)"))
    words = [f"API_KEY={SECRET}" if word == "API_KEY=…" else word for word in words]
    code, out, err = run("--json", *words)
    assert code == 0, err
    assert json.loads(out)["buildId"] == build_id
    made = fake.latest_deployment(app_id)
    assert made is not None
    assert (made.build_id, made.env, made.rooms_per_process) == (
        build_id,
        (("API_KEY", SECRET),),
        2,
    )


def test_a_create_without_an_answer_may_have_made_the_deployment(
    run: Run, fake: FakeHathora, app_id: str
) -> None:
    """When CreateDeployment gets no answer, the CLI says the deployment may exist, and how to
    check, rather than claiming it was not made (the POST is not retried)."""
    fake.inject(FaultRule.drop(operation="CreateDeployment", times=1))
    code, _, err = run("deploy", GAME, "--app-id", app_id, *FULL)
    assert code == 3, err
    assert "the deployment may have been created — check with: hathora-cloud deployments " in err
    assert f"latest --app-id {app_id}" in err
    assert len([r for r in fake.requests_for("CreateDeployment") if app_id in r.path]) == 1


@pytest.mark.parametrize(
    ("operation", "wait_for", "told"),
    [
        ("RunBuild", "Uploaded ", "was uploaded and is kept — delete it with: "),
        (
            "CreateDeployment",
            "creating the deployment",
            "succeeded and is kept; the deployment may",
        ),
    ],
)
def test_ctrl_c_tells_what_became_of_the_build(operation: str, wait_for: str, told: str) -> None:
    """SIGINT once the build runs, or while the deployment is created: exit 130 and one line
    saying the build is kept (and, during the create, that the deployment may exist)."""
    delay = FaultRule.latency(5.0, operation=operation, times=1)
    with background_fake(token=TOKEN, faults=[delay]) as fake:
        argv = ["deploy", GAME, "--app-id", fake.app_id, *FULL]
        code, _, err = _interrupt(fake, argv, wait_for)
        build_id = _created_id(err)
        assert code == 130, err
        assert build_id is not None
        assert fake.builds[build_id].deleted_at is None
    assert f"Build {build_id} {told}" in err
    assert err.strip().splitlines()[-1] == "hathora-cloud: error: interrupted"


def test_from_latest_on_an_app_without_deployments_exits_3_before_building(
    run: Run, fake: FakeHathora, app_id: str
) -> None:
    """--from-latest with nothing to inherit: the 404 is an API error (3); no build is made."""
    builds = len(fake.requests_for("CreateBuild"))
    code, _, err = run("deploy", GAME, "--app-id", app_id, "--from-latest")
    assert code == 3
    assert "404: " in err
    assert "--from-latest needs a deployment to inherit from" in err
    assert len(fake.requests_for("CreateBuild")) == builds


def test_the_embedded_emulator_deploys_without_an_app_id(main: Run) -> None:
    """--emulator: the emulator's app, demo defaults for what is missing (said on stderr)."""
    code, out, err = main("--emulator", "--json", "deploy", GAME, "--container-port", "9000")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["build"]["status"] == "succeeded"
    assert shown["deployment"]["appId"] == "app-fake-0001"
    assert shown["deployment"]["defaultContainerPort"]["port"] == 9000
    assert (
        "emulator demo defaults: --transport-type udp --rooms-per-process 1 "
        "--requested-memory-mb 1024 --requested-cpu 0.5 (the real service needs them given)"
    ) in err
    code, out, err = main("--emulator", "--json", "deploy", GAME, "--app-id", "app-mine", *FULL)
    assert code == 0, err
    assert json.loads(out)["deployment"]["appId"] == "app-mine"
    assert "demo defaults" not in err


def test_env_values_and_the_token_are_masked_when_a_server_echoes_them(main: Run) -> None:
    """A server error that echoes the request: the env value and the token are masked on stderr."""

    async def echo(request: web.Request) -> web.StreamResponse:
        if request.method == "GET":
            build_id = request.path.rsplit("/", 1)[1]
            return web.json_response(build_json(buildId=build_id, status="succeeded"))
        body = await request.text()
        auth = request.headers.get("Authorization", "")
        return web.json_response({"message": f"rejected {auth}: {body}"}, status=422)

    with background_server(echo) as server:
        argv = ("deployments", "create", "bld-1", "--app-id", "app-1", *FULL)
        code, out, err = main(
            "--server-url", server.url, "--verbose", *argv, "--env", f"API_KEY={SECRET}"
        )
    assert code == 3, err
    assert "rejected" in err
    assert "***" in err  # the echo arrived, masked
    assert SECRET not in out + err
    assert TOKEN not in out + err
    assert "API_KEY" in err  # the name is not a secret: only the value is masked
