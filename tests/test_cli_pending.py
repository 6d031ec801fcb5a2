"""``builds create --size`` then ``builds upload PATH --build-id ID``: the stored upload URLs.

The URLs come only with the create answer, so the CLI keeps them in a private file (0600 in a
0700 directory under ``$XDG_CACHE_HOME``), never prints them, and removes them once spent.
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hathora_cloud._converter import structure
from hathora_cloud.cli import _pending
from hathora_cloud.cli._pending import pending_dir
from hathora_cloud.models import CreatedBuildV3WithMultipartUrls
from hathora_cloud.testing import FakeHathora, FaultRule, make_tarball
from tests._cli import EXAMPLES, TOKEN, background_fake, cli, in_process
from tests._server import created_json
from tests.test_cli_builds import Done, Run

DOCKERFILE = (EXAMPLES / "game-server" / "Dockerfile").read_text()


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeHathora]:
    """A FakeHathora served from a background event loop for the whole module."""
    with background_fake(token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    """A fresh cache home for the test (``XDG_CACHE_HOME``)."""
    return tmp_path / "cache"


@pytest.fixture
def run(
    fake: FakeHathora,
    cache: Path,
    capfdbinary: pytest.CaptureFixture[bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> Run:
    """Run the CLI in this process against the module's emulator, with the test's cache home."""
    run_main = in_process(capfdbinary, monkeypatch)

    def run_cli(*args: str) -> Done:
        return run_main("--server-url", fake.url, *args, env={"XDG_CACHE_HOME": str(cache)})

    return run_cli


@pytest.fixture
def tarball(tmp_path: Path) -> Path:
    """A buildable .tgz on disk."""
    path = tmp_path / "server.tgz"
    path.write_bytes(make_tarball({"Dockerfile": DOCKERFILE, "server.py": "print('hi')\n"}))
    return path


def _create(run: Run, size: int) -> tuple[str, str]:
    """Create a build for ``size`` bytes with --json; its id and everything printed."""
    code, out, err = run("--json", "builds", "create", "--size", str(size))
    assert code == 0, err
    return json.loads(out)["buildId"], out + err


def test_create_stores_the_urls_privately_and_never_prints_them(
    run: Run, fake: FakeHathora, cache: Path, tarball: Path
) -> None:
    """The created build's URLs go to a 0600 file in a 0700 directory, not to the output."""
    build_id, printed = _create(run, tarball.stat().st_size)
    entry = cache / "hathora-cloud" / "uploads" / f"{build_id}.json"
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(entry.parent.stat().st_mode) == 0o700
    stored = json.loads(entry.read_text())["build"]
    urls = [part["putRequestUrl"] for part in stored["uploadParts"]]
    urls.append(stored["completeUploadPostRequestUrl"])
    assert all("X-Amz-Signature=" in url for url in urls)
    for url in urls:
        assert url.partition("?")[2] not in printed
    assert "X-Amz" not in printed
    assert f"Next: hathora-cloud builds upload PATH --build-id {build_id}" in printed
    code, out, err = run("builds", "create", "--size", "10")  # the table does not show them either
    assert code == 0, err
    assert "X-Amz" not in out + err


def test_upload_into_the_created_build_completes_it_and_forgets_the_urls(
    run: Run, fake: FakeHathora, cache: Path, tarball: Path
) -> None:
    """`builds upload PATH --build-id ID` uploads into that build; the stored URLs are removed."""
    build_id, _ = _create(run, tarball.stat().st_size)
    code, out, err = run("--json", "builds", "upload", str(tarball), "--build-id", build_id)
    assert code == 0, err
    assert json.loads(out)["buildId"] == build_id
    assert f"Build {build_id} created" not in err  # it was created earlier, not now
    upload = fake.builds[build_id].upload
    assert upload is not None
    assert upload.completed
    assert list((cache / "hathora-cloud" / "uploads").iterdir()) == []
    code, out, err = run("--json", "builds", "run", build_id)
    assert code == 0, err
    assert json.loads(out)["status"] == "succeeded"


def test_a_build_without_stored_urls_is_a_usage_error_that_explains_why(
    run: Run, fake: FakeHathora, tarball: Path
) -> None:
    """--build-id of a build this machine did not create says why and what to run instead."""
    code, out, err = run("builds", "upload", str(tarball), "--build-id", "bld-elsewhere")
    assert code == 2
    assert out == ""
    assert "no upload URLs stored for build bld-elsewhere" in err
    assert "returns them only when a build is created" in err
    assert "`hathora-cloud builds upload PATH`" in err
    assert len(err.strip().splitlines()) == 1


def test_a_wrong_size_or_a_directory_is_refused_before_sending(
    run: Run, fake: FakeHathora, tarball: Path
) -> None:
    """--build-id needs the .tgz of the size given at creation; a directory is refused too."""
    build_id, _ = _create(run, tarball.stat().st_size + 1)
    sent = len(fake.requests)
    code, _, err = run("builds", "upload", str(tarball), "--build-id", build_id)
    assert code == 2
    assert f"but build {build_id} was created for {tarball.stat().st_size + 1} bytes" in err
    code, _, err = run("builds", "upload", str(EXAMPLES / "game-server"), "--build-id", build_id)
    assert code == 2
    assert "a directory's packed size is not known in advance" in err
    code, _, err = run("builds", "upload", str(tarball), "--build-id", build_id, "--tag", "x")
    assert code == 2
    assert "--tag belongs to the build's creation" in err
    assert len(fake.requests) == sent


def test_a_failed_upload_into_a_created_build_leaves_it_and_keeps_the_urls(
    fake: FakeHathora, run: Run, cache: Path, tarball: Path
) -> None:
    """A failing part: the build is left (never deleted), the retry command shown, URLs kept."""
    build_id, _ = _create(run, tarball.stat().st_size)
    fake.inject(FaultRule.status_code(403, operation="UploadPart", body="xml", times=1))
    code, _, err = run("builds", "upload", str(tarball), "--build-id", build_id)
    assert code == 3, err
    assert fake.builds[build_id].deleted_at is None
    retry = f"hathora-cloud builds upload {tarball} --build-id {build_id}"
    assert f"upload again with: {retry}, or delete it with: " in err
    code, _, err = run("builds", "upload", str(tarball), "--build-id", build_id)
    assert code == 0, err


def test_deleting_the_build_forgets_its_urls(run: Run, fake: FakeHathora, cache: Path) -> None:
    """`builds delete` removes the deleted build's stored URLs."""
    build_id, _ = _create(run, 100)
    entry = cache / "hathora-cloud" / "uploads" / f"{build_id}.json"
    assert entry.exists()
    code, _, err = run("builds", "delete", build_id, "--yes")
    assert code == 0, err
    assert not entry.exists()


def test_the_embedded_emulator_stores_nothing(tmp_path: Path) -> None:
    """With --emulator the build dies with the command: nothing stored, --build-id refused."""
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    done = cli("--emulator", "builds", "create", "--size", "10", env=env)
    assert done.returncode == 0, done.stderr
    assert "cannot be uploaded later" in done.stderr
    assert not (tmp_path / "hathora-cloud").exists()
    done = cli("--emulator", "builds", "upload", "x.tgz", "--build-id", "bld-1", env=env)
    assert done.returncode == 2
    assert "--build-id cannot be used with --emulator" in done.stderr


def test_the_cache_follows_xdg_and_ignores_a_relative_value(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """XDG_CACHE_HOME is used when absolute; otherwise ~/.cache, as the XDG spec says."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert pending_dir() == tmp_path / "hathora-cloud" / "uploads"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert pending_dir() == tmp_path / "home" / ".cache" / "hathora-cloud" / "uploads"


@pytest.mark.parametrize("build_id", ["../../escape", ".hidden", "a/b", "bld-\x1b[2J"])
def test_an_id_that_is_no_safe_file_name_is_stored_under_its_hash(
    build_id: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A server-chosen id never names a path outside the directory; it still round-trips."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    created = structure(created_json(buildId=build_id), CreatedBuildV3WithMultipartUrls)
    directory = _pending.prepare()
    path = _pending.save(created, 2048)
    assert path.parent == directory
    assert path.name.startswith("sha256-")
    loaded = _pending.load(build_id)
    assert (loaded.build, loaded.size) == (created, 2048)
    _pending.forget(build_id)
    assert list(directory.iterdir()) == []


def test_entries_older_than_seven_days_are_pruned(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Preparing the directory removes entries whose URLs have surely expired (S3: 7 days)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    directory = _pending.prepare()
    old, new = (
        _pending.save(structure(created_json(buildId=name), CreatedBuildV3WithMultipartUrls), 1)
        for name in ("bld-old", "bld-new")
    )
    stale = time.time() - _pending.MAX_AGE - 60
    os.utime(old, (stale, stale))
    _pending.prepare()
    assert sorted(directory.iterdir()) == [new]
