"""``hathora-cloud builds ...`` against the emulator: what each command does.

Most tests run the CLI's ``main`` in this process (a subprocess costs about 0.7 s of start-up);
the end-to-end ones start ``python -m hathora_cloud.cli``. The embedded emulator's log pace is
set to zero through ``HATHORA_CLOUD_EMULATOR_LOG_DELAY``.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest

from hathora_cloud.cli._values import model_json
from hathora_cloud.models import BuildV3
from hathora_cloud.testing import FakeHathora
from tests._cli import EXAMPLES, TOKEN, background_fake, cli, in_process

Done = tuple[int, str, str]
"""What a command gave: its exit code, stdout and stderr."""
Run = Callable[..., Done]


def as_json(done: subprocess.CompletedProcess[str] | Done) -> Any:
    """Parse stdout as one JSON document, after checking the command succeeded."""
    if isinstance(done, subprocess.CompletedProcess):
        done = done.returncode, done.stdout, done.stderr
    code, out, err = done
    assert code == 0, err
    return json.loads(out)


def camel_fields(cls: type[Any]) -> list[str]:
    """Return the camelCase names of every field of an attrs model, in declaration order."""
    return [
        name.split("_")[0] + "".join(w.capitalize() for w in name.split("_")[1:])
        for name in (field.name for field in attrs.fields(cls))
    ]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeHathora]:
    """A FakeHathora served from a background event loop for the whole module."""
    with background_fake(token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def run(
    fake: FakeHathora, capfdbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> Run:
    """Run the CLI in this process against the module's emulator (``--server-url``)."""
    run_main = in_process(capfdbinary, monkeypatch)

    def run_cli(*args: str) -> Done:
        return run_main("--server-url", fake.url, *args)

    return run_cli


def test_version() -> None:
    """--version prints the package version and exits 0."""
    from hathora_cloud import __version__

    done = cli("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"hathora-cloud {__version__}"


def test_create_list_get_delete_as_json(run: Run, fake: FakeHathora) -> None:
    """create, list (newest first), get and delete print camelCase JSON and nothing else."""
    first = as_json(run("--json", "builds", "create", "--size", "10", "--tag", "one"))
    second = as_json(run("--json", "builds", "create", "--registry", "--tag", "two"))
    assert first["status"] == "created"
    listed = as_json(run("--json", "builds", "list"))["builds"]
    ids = [build["buildId"] for build in listed]
    assert ids.index(second["buildId"]) < ids.index(first["buildId"])
    assert "uploadParts" not in listed[0]
    got = as_json(run("builds", "get", first["buildId"], "--json"))
    assert (got["buildTag"], got["status"]) == ("one", "created")
    deleted = as_json(run("--json", "builds", "delete", "--yes", first["buildId"]))
    assert deleted == {"buildId": first["buildId"], "deleted": True}
    assert fake.builds[first["buildId"]].deleted_at is not None


def test_json_has_every_field_of_the_model_always(run: Run, fake: FakeHathora) -> None:
    """--json emits every model field (null when absent), in the model's order, in every command."""
    created = as_json(run("--json", "builds", "create", "--size", "10"))
    assert list(created) == camel_fields(BuildV3)  # the upload URLs are credentials: not shown
    assert created["buildTag"] is None
    assert created["deletedAt"] is None
    got = as_json(run("--json", "builds", "get", created["buildId"]))
    assert list(got) == camel_fields(BuildV3)
    assert (got["buildTag"], got["expiredAt"], got["finishedAt"]) == (None, None, None)
    listed = as_json(run("--json", "builds", "list"))["builds"]
    assert all(list(build) == camel_fields(BuildV3) for build in listed)
    uploaded = as_json(run("--json", "builds", "upload", str(EXAMPLES / "game-server")))
    assert list(uploaded) == camel_fields(BuildV3)  # the spent upload URLs are not shown


def test_times_are_utc_with_a_z(run: Run, fake: FakeHathora) -> None:
    """Tables and JSON show times in UTC, ISO 8601, with an explicit Z."""
    created = as_json(run("--json", "builds", "create", "--registry"))
    assert created["createdAt"].endswith("Z")
    code, out, err = run("builds", "get", created["buildId"])
    assert code == 0, err
    assert created["createdAt"][:19] + "Z" in out


def test_model_json_keeps_none_fields() -> None:
    """A model with unset optional fields still gets every key, each None, in field order."""
    from datetime import datetime, timezone

    build = BuildV3(
        build_id="bld-1",
        org_id="org-1",
        created_by="me",
        created_at=datetime(2024, 5, 1, 10, tzinfo=timezone.utc),
        started_at=None,
        finished_at=None,
        deleted_at=None,
        status="created",
        image_size=0,
    )
    data = model_json(build)
    assert list(data) == camel_fields(BuildV3)
    assert data["createdAt"] == "2024-05-01T10:00:00Z"
    assert data["buildTag"] is None


def test_singular_group_and_build_id_option(run: Run, fake: FakeHathora) -> None:
    """`build` works like `builds`, and --build-id like the positional id (the Go CLI's habits)."""
    created = as_json(run("--json", "build", "create", "--registry", "--tag", "go"))
    got = as_json(run("--json", "build", "get", "--build-id", created["buildId"]))
    assert got["buildTag"] == "go"
    deleted = as_json(run("--json", "build", "delete", "--yes", "--build-id", created["buildId"]))
    assert deleted["deleted"] is True


def test_registry_create_names_the_next_cli_command(run: Run) -> None:
    """After creating a registry build the hint is the CLI command to run, not the API name."""
    code, _, err = run("builds", "create", "--registry")
    assert code == 0, err
    assert "Next: hathora-cloud builds run-registry bld-" in err
    assert "runRegistry" not in err


def test_running_a_registry_build_with_run_hints_at_run_registry(
    run: Run, fake: FakeHathora
) -> None:
    """`builds run` of a registry build (a 400) points at `hathora-cloud builds run-registry`."""
    created = as_json(run("--json", "builds", "create", "--registry"))
    code, _, err = run("builds", "run", created["buildId"])
    assert code == 3
    assert "`hathora-cloud builds run-registry ID IMAGE`" in err


def test_missing_build_exits_3_with_one_line(run: Run) -> None:
    """A 404 exits 3 with one human line on stderr, nothing on stdout and no traceback."""
    code, out, err = run("builds", "get", "bld-nope")
    assert code == 3
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "404" in lines[0]
    assert "builds list" in lines[0]


def test_upload_and_run_game_server_through_a_pipe() -> None:
    """upload-and-run of the example succeeds on the realistic emulator: JSON out, log on stderr."""
    done = cli(
        "--emulator",
        "--json",
        "builds",
        "upload-and-run",
        str(EXAMPLES / "game-server"),
        "--tag",
        "v1",
    )
    build = as_json(done)
    assert (build["status"], build["buildTag"]) == ("succeeded", "v1")
    assert build["imageSize"] > 0
    assert f"Build {build['buildId']} created" in done.stderr
    assert "Pulling from library/python" in done.stderr  # the realistic docker build transcript
    assert "Successfully built" in done.stderr
    assert f"Packing {EXAMPLES / 'game-server'}" in done.stderr
    assert "\x1b" not in done.stderr
    assert "\r" not in done.stderr


def test_upload_and_run_of_the_failing_server_exits_1_with_the_log_tail() -> None:
    """A build whose Dockerfile runs `exit 1` exits 1 and, with --quiet, prints the log's tail."""
    done = cli(
        "--emulator", "--quiet", "builds", "upload-and-run", str(EXAMPLES / "failing-server")
    )
    assert done.returncode == 1
    assert "Last" in done.stderr
    assert "returned a non-zero code" in done.stderr
    assert "Traceback" not in done.stderr
    assert "failed" in done.stdout


def test_deploy_is_a_deprecated_alias_of_upload_and_run(run: Run, fake: FakeHathora) -> None:
    """`builds deploy` still uploads and runs, with a one-line deprecation notice on stderr."""
    code, out, err = run("--json", "builds", "deploy", str(EXAMPLES / "game-server"))
    assert code == 0, err
    assert json.loads(out)["status"] == "succeeded"
    notices = [line for line in err.splitlines() if "deprecated" in line]
    assert len(notices) == 1
    assert "use `builds upload-and-run`" in notices[0]
    code, _, err = run("builds", "upload-and-run", str(EXAMPLES / "game-server"))
    assert code == 0, err
    assert "deprecated" not in err


def test_run_and_upload_and_run_of_a_failing_build_give_the_same_reason(
    run: Run, fake: FakeHathora
) -> None:
    """`builds run` of a failing build ends with the status and last log line, as upload-and-run."""
    failing = str(EXAMPLES / "failing-server")
    uploaded = as_json(run("--json", "builds", "upload", failing))
    ran = run("builds", "run", "--build-id", uploaded["buildId"])
    deployed = run("builds", "upload-and-run", failing)
    reasons = []
    for code, _, err in (ran, deployed):
        assert code == 1, err
        error = err.strip().splitlines()[-1]
        assert "ended failed: The command '/bin/sh -c exit 1' returned a non-zero code" in error
        reasons.append(error.partition(" ended ")[2])
    assert reasons[0] == reasons[1]


def test_upload_then_run(run: Run, fake: FakeHathora) -> None:
    """`builds upload` then `builds run` build the example; the run prints its log on stderr."""
    uploaded = as_json(run("--json", "builds", "upload", str(EXAMPLES / "game-server")))
    assert "completeUploadPostRequestUrl" not in uploaded
    done = run("--json", "builds", "run", uploaded["buildId"])
    assert as_json(done)["status"] == "succeeded"
    assert "Step 1/" in done[2]


def test_run_registry_splits_the_registry_host(run: Run, fake: FakeHathora) -> None:
    """run-registry sends ghcr.io as the registry and builds the image it names."""
    created = as_json(run("--json", "builds", "create", "--registry"))
    done = run("--json", "builds", "run-registry", created["buildId"], "ghcr.io/acme/srv:2")
    assert as_json(done)["status"] == "succeeded"
    assert "ghcr.io/acme/srv" in done[2]
    again = as_json(run("--json", "builds", "create", "--registry"))
    by_option = run("--json", "build", "run-registry", "--build-id", again["buildId"], "acme/srv")
    assert as_json(by_option)["status"] == "succeeded"


def test_split_image() -> None:
    """A first segment with a dot, a colon or localhost is a registry host; otherwise none."""
    from hathora_cloud.cli._builds import split_image

    assert split_image("ghcr.io/org/app:1") == ("ghcr.io", "org/app:1")
    assert split_image("localhost:5000/app") == ("localhost:5000", "app")
    assert split_image("org/app:1.2") == (None, "org/app:1.2")
    assert split_image("app") == (None, "app")


def test_markup_like_tag_is_shown_verbatim(run: Run) -> None:
    """A tag that looks like rich markup or an emoji code is printed as is, not interpreted."""
    code, out, err = run("builds", "create", "--registry", "--tag", "[/oops] [bold]v1 :smile:")
    assert code == 0, err
    assert "[/oops] [bold]v1 :smile:" in out


def test_the_embedded_emulator_is_realistic_with_a_hidden_knob_for_its_pace(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--emulator builds take seconds with a docker-like log; hidden options make them instant."""
    from hathora_cloud.cli._app import _embedded_emulator
    from hathora_cloud.cli._parser import parse
    from hathora_cloud.testing._fake import REALISTIC_BUILD_DURATION

    for name in ("HATHORA_CLOUD_EMULATOR_LOG_DELAY", "HATHORA_CLOUD_EMULATOR_BUILD_DURATION"):
        monkeypatch.delenv(name, raising=False)
    config = _embedded_emulator(parse(["--emulator", "builds", "list"]), "org-x")._config
    assert config.realistic
    assert (config.build_duration, config.log_line_delay) == (REALISTIC_BUILD_DURATION, 0.0)
    instant = ["--emulator-build-duration", "0", "--emulator-log-delay", "0"]
    config = _embedded_emulator(parse(["--emulator", *instant, "builds", "list"]), "o")._config
    assert (config.realistic, config.build_duration, config.log_line_delay) == (True, 0.0, 0.0)
    monkeypatch.setenv("HATHORA_CLOUD_EMULATOR_BUILD_DURATION", "0.5")
    config = _embedded_emulator(parse(["builds", "list", "--emulator"]), "o")._config
    assert config.build_duration == 0.5
    with pytest.raises(SystemExit):
        parse(["--help"])
    assert "--emulator-build-duration" not in capsys.readouterr().out
