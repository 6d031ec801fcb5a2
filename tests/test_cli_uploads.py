"""``builds upload`` and ``builds upload-and-run``: the build is named, and its fate is told.

Each phase reachable from the CLI is provoked on a FakeHathora with a fault: creating the build
(nothing to tell), a part, the completion (deleted), the run (kept), a failed build (kept), and
Ctrl-C during the upload (deleted) or the run (kept), in a child process sent SIGINT.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hathora_cloud.cli._live import skipped_line
from hathora_cloud.testing import FakeHathora, FaultRule
from hathora_cloud.uploads import SkippedFile
from tests._cli import EXAMPLES, TOKEN, background_fake, cli_env, in_process
from tests.test_cli_builds import Done, Run

GAME = str(EXAMPLES / "game-server")
FAILING = str(EXAMPLES / "failing-server")


@pytest.fixture
def runner(capfdbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run the CLI in this process; the first argument is the emulator it talks to."""
    run_main = in_process(capfdbinary, monkeypatch)

    def run_cli(fake: FakeHathora, *args: str, env: dict[str, str] | None = None) -> Done:
        return run_main("--server-url", fake.url, *args, env=env)

    return run_cli


@pytest.fixture
def faulty(request: pytest.FixtureRequest) -> Iterator[FakeHathora]:
    """A FakeHathora with the fault rules the test is parametrized with (``indirect``)."""
    rules: list[FaultRule] = list(getattr(request, "param", ()))
    with background_fake(token=TOKEN, faults=rules) as emulator:
        yield emulator


def _created_id(err: str) -> str | None:
    """The build id of the ``Build ID created`` line, if there is one."""
    for line in err.splitlines():
        if line.startswith("Build ") and line.endswith(" created"):
            return line.split()[1]
    return None


def test_the_build_id_is_printed_once_it_exists_even_when_quiet(
    runner: Run, faulty: FakeHathora
) -> None:
    """`Build ID created` is on stderr before the upload lines, with --quiet too."""
    code, out, err = runner(faulty, "--json", "builds", "upload", GAME)
    assert code == 0, err
    build_id = json.loads(out)["buildId"]
    lines = err.splitlines()
    assert lines.index(f"Build {build_id} created") < next(
        index for index, line in enumerate(lines) if line.startswith("Uploading ")
    )
    code, out, err = runner(faulty, "--quiet", "--json", "builds", "upload", GAME)
    assert code == 0, err
    assert err.splitlines() == [f"Build {json.loads(out)['buildId']} created"]


@pytest.mark.parametrize(
    "faulty", [[FaultRule.status_code(500, operation="CreateBuild")]], indirect=True
)
def test_a_failing_create_has_no_build_to_tell_about(runner: Run, faulty: FakeHathora) -> None:
    """When creating the build fails there is no build: no id, no fate line, no JSON."""
    code, out, err = runner(faulty, "--json", "builds", "upload-and-run", GAME)
    assert code == 3, err
    assert out == ""
    assert "Build " not in err
    assert "hathora-cloud: error: 500" in err
    assert faulty.builds == {}


@pytest.mark.parametrize(
    ("faulty", "where"),
    [
        ([FaultRule.status_code(403, operation="UploadPart", body="xml")], "part 1"),
        ([FaultRule.status_code(403, operation="CompleteUpload", body="xml")], "completion"),
    ],
    indirect=["faulty"],
    ids=["part", "completion"],
)
@pytest.mark.parametrize("command", ["upload", "upload-and-run"])
def test_a_failed_upload_deletes_the_build_and_says_so(
    runner: Run, faulty: FakeHathora, where: str, command: str
) -> None:
    """A failing part or completion: the build is deleted, told once, and in JSON on stdout."""
    code, out, err = runner(faulty, "--json", "builds", command, GAME)
    assert code == 3, err
    build_id = _created_id(err)
    assert build_id is not None, err
    assert faulty.builds[build_id].deleted_at is not None
    assert f"Build {build_id} was deleted (its upload never finished)." in err.splitlines()
    error = err.strip().splitlines()[-1]
    assert error.startswith(f"hathora-cloud: error: upload failed at {where}")
    assert "deleted" not in error  # the SDK's own note is not repeated on the error line
    assert json.loads(out) == {"buildId": build_id, "deleted": True}


@pytest.mark.parametrize(
    "faulty",
    [
        [
            FaultRule.status_code(403, operation="UploadPart", body="xml"),
            FaultRule.status_code(403, operation="DeleteBuild"),
        ]
    ],
    indirect=True,
)
def test_a_build_that_could_not_be_deleted_is_left_with_the_command_to_delete_it(
    runner: Run, faulty: FakeHathora
) -> None:
    """If the cleanup delete fails, the CLI says the build was left and how to delete it."""
    code, out, err = runner(faulty, "--json", "builds", "upload", GAME)
    assert code == 3, err
    build_id = _created_id(err)
    assert build_id is not None
    assert faulty.builds[build_id].deleted_at is None
    left = f"Build {build_id} was left (its upload did not finish) — delete it with: "
    assert f"{left}hathora-cloud builds delete {build_id} --yes" in err
    assert json.loads(out) == {"buildId": build_id, "deleted": False}


@pytest.mark.parametrize(
    "faulty", [[FaultRule.status_code(403, operation="RunBuild")]], indirect=True
)
def test_a_failing_run_keeps_the_uploaded_build_and_names_it(
    runner: Run, faulty: FakeHathora
) -> None:
    """upload-and-run whose run call fails keeps the uploaded build and shows its id."""
    code, out, err = runner(faulty, "--json", "builds", "upload-and-run", GAME)
    assert code == 3, err
    build_id = _created_id(err)
    assert build_id is not None
    assert faulty.builds[build_id].deleted_at is None
    upload = faulty.builds[build_id].upload
    assert upload is not None
    assert upload.completed
    kept = f"Build {build_id} was uploaded and is kept — delete it with: "
    assert f"{kept}hathora-cloud builds delete {build_id} --yes" in err
    assert json.loads(out) == {"buildId": build_id, "deleted": False}


def test_a_failed_build_is_kept_and_shown_once(runner: Run, faulty: FakeHathora) -> None:
    """A build that ends failed is kept; stdout holds the failed build as its one JSON document."""
    code, out, err = runner(faulty, "--json", "builds", "upload-and-run", FAILING)
    assert code == 1, err
    build = json.loads(out)
    assert build["status"] == "failed"
    assert faulty.builds[build["buildId"]].deleted_at is None
    assert f"Build {build['buildId']} failed and is kept — delete it with: " in err
    assert err.strip().splitlines()[-1].startswith("hathora-cloud: error: build ")


def _interrupt(fake: FakeHathora, argv: list[str], wait_for: str) -> tuple[int, str, str]:
    """Run the CLI in a child, send SIGINT once stderr shows ``wait_for``; code, out, err."""
    with subprocess.Popen(
        [sys.executable, "-m", "hathora_cloud.cli", "--server-url", fake.url, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=cli_env(TOKEN),
    ) as process:
        assert process.stderr is not None
        seen = []
        for line in process.stderr:
            seen.append(line)
            if wait_for in line:
                break
        else:
            pytest.fail(f"never printed {wait_for!r}: {''.join(seen)}")
        process.send_signal(signal.SIGINT)
        out, rest = process.communicate(timeout=30)
        return process.returncode, out, "".join(seen) + rest


@pytest.mark.parametrize(
    "faulty", [[FaultRule.latency(5.0, operation="UploadPart", times=1)]], indirect=True
)
def test_ctrl_c_during_the_upload_deletes_the_build_and_says_so(faulty: FakeHathora) -> None:
    """SIGINT mid-upload: exit 130, the build is deleted, and the CLI says so (JSON too)."""
    code, out, err = _interrupt(faulty, ["--json", "builds", "upload-and-run", GAME], " created")
    assert code == 130, err
    build_id = _created_id(err)
    assert build_id is not None
    assert faulty.builds[build_id].deleted_at is not None
    assert f"Build {build_id} was deleted (its upload never finished)." in err
    assert err.strip().splitlines()[-1] == "hathora-cloud: error: interrupted"
    assert json.loads(out) == {"buildId": build_id, "deleted": True}
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "faulty",
    [
        [
            FaultRule.latency(5.0, operation="UploadPart", times=1),
            FaultRule.status_code(503, operation="GetBuild"),
        ]
    ],
    indirect=True,
)
def test_ctrl_c_when_the_service_cannot_be_asked_says_so(faulty: FakeHathora) -> None:
    """SIGINT mid-upload with GetBuild failing: the CLI says it could not check, not a guess."""
    code, out, err = _interrupt(faulty, ["--json", "builds", "upload", GAME], " created")
    assert code == 130, err
    build_id = _created_id(err)
    assert f"Build {build_id} may have been left (the service could not be asked)" in err
    assert json.loads(out) == {"buildId": build_id, "deleted": None}


@pytest.mark.parametrize(
    "faulty", [[FaultRule.latency(5.0, operation="RunBuild", times=1)]], indirect=True
)
def test_ctrl_c_during_the_run_keeps_the_uploaded_build(faulty: FakeHathora) -> None:
    """SIGINT once the upload is complete: exit 130, the build is kept and named."""
    code, _, err = _interrupt(faulty, ["builds", "upload-and-run", GAME], "Uploaded ")
    assert code == 130, err
    build_id = _created_id(err)
    assert build_id is not None
    assert faulty.builds[build_id].deleted_at is None
    assert f"Build {build_id} was uploaded and is kept — delete it with: " in err


def test_skipped_paths_are_listed_without_verbose(
    runner: Run, faulty: FakeHathora, tmp_path: Path
) -> None:
    """Packing lists what it skipped (special files, links leaving the directory) on stderr."""
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    for index in range(11):
        os.mkfifo(tmp_path / f"fifo{index:02d}")
    (tmp_path / "zz-outside").symlink_to("/etc/hostname")
    code, _, err = runner(faulty, "builds", "upload", str(tmp_path))
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning: skipped")]
    assert len(warnings) == 1
    assert warnings[0].startswith("warning: skipped 12 paths: fifo00 (")
    assert warnings[0].endswith(", and 2 more")
    assert "Packed 13 B." in err


def test_skipped_line_names_ten_paths_then_counts_the_rest() -> None:
    """The skipped warning names at most ten paths with their reasons, then "and N more"."""
    one = skipped_line([SkippedFile("a", "unreadable: Permission denied")])
    assert one == "warning: skipped 1 path: a (unreadable: Permission denied)"
    many = skipped_line([SkippedFile(f"f{n}", "special file") for n in range(13)])
    assert many.count("(special file)") == 10
    assert many.endswith("f9 (special file), and 3 more")


def test_on_a_terminal_packing_has_its_own_bar_before_the_upload_bar(
    runner: Run, faulty: FakeHathora
) -> None:
    """With a terminal on stderr, a Packing bar (paths and bytes) precedes the Uploading bar."""
    code, _, err = runner(faulty, "builds", "upload", GAME, env={"TTY_COMPATIBLE": "1"})
    assert code == 0, err
    packing, uploading = err.find("Packing"), err.find("Uploading")
    assert 0 <= packing < uploading, err
    assert "3/3 paths" in err
    assert "(honouring .dockerignore)" not in err  # the bar replaces the static line
