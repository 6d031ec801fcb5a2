"""No loose ends: at every phase of upload → run → wait, the build is named and its fate known.

| phase that fails | the build | the error |
| --- | --- | --- |
| create | none was made | no `build_id` |
| a part, for good | deleted | `build_id`, `build_deleted=True` |
| the completion | deleted | the same |
| the delete itself, after a failed part | left | `build_deleted=False`, message says so |
| run | kept (uploaded) | `build_id`, `build_deleted=False` |
| the build (`RUN false`) | kept | `BuildFailedError.build_id` |
| wait (polling) | kept | `build_id` |
| cancellation while packing / uploading / completing | none / deleted / deleted | (re-raised) |
| cancellation while running or waiting | kept | (re-raised) |
| `on_progress` raising mid-upload | deleted | the callback's own exception |
| any failure with `delete_on_failure=False` | kept | `build_deleted=False` |
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import pytest

from hathora_cloud import Err, HathoraCloudCore, Ok, UploadProgress
from hathora_cloud.errors import (
    ApiError,
    BuildFailedError,
    HathoraError,
    SDKError,
    UploadError,
)
from hathora_cloud.funcs import builds_v3_upload_and_run, builds_v3_upload_build
from hathora_cloud.testing import FakeHathora, FaultRule, make_tarball, set_testing

pytestmark = pytest.mark.anyio

CHUNK = 64 * 1024
TARBALL = make_tarball({"Dockerfile": "FROM alpine\n", "blob": os.urandom(3 * CHUNK)})
FAILING = make_tarball({"Dockerfile": "FROM alpine\nRUN false\n"})


@pytest.fixture(autouse=True)
def _instant_retries() -> Iterator[None]:
    """Real retry decisions, no waits."""
    with set_testing(True):
        yield


@pytest.fixture
async def fake() -> AsyncIterator[FakeHathora]:
    """An emulator with small parts, so a tarball has several."""
    async with FakeHathora(max_chunk_size=CHUNK) as emulator:
        yield emulator


def _live(fake: FakeHathora) -> list[str]:
    return [build_id for build_id, build in fake.builds.items() if not build.is_deleted]


def _error(result: Ok[object] | Err[HathoraError]) -> HathoraError:
    assert isinstance(result, Err), result
    return result.error


async def test_a_failed_create_leaves_nothing(fake: FakeHathora, core: HathoraCloudCore) -> None:
    """When creating the build fails, no build exists and the error names none."""
    fake.inject(FaultRule.status_code(400, operation="CreateBuild"))
    error = _error(await builds_v3_upload_and_run(core, TARBALL))
    assert isinstance(error, ApiError)
    assert error.build_id is None
    assert fake.builds == {}


@pytest.mark.parametrize("operation", ["UploadPart", "CompleteUpload"])
async def test_a_failed_upload_deletes_its_build(
    fake: FakeHathora, core: HathoraCloudCore, operation: str
) -> None:
    """A part or the completion failing for good: the build is deleted, the error says which."""
    fake.inject(FaultRule.status_code(500, operation=operation))
    error = _error(await builds_v3_upload_and_run(core, TARBALL))
    assert isinstance(error, UploadError)
    assert error.build_id in fake.builds
    assert error.build_deleted
    assert fake.builds[error.build_id].is_deleted
    assert f"build {error.build_id} was deleted" in str(error)
    assert _live(fake) == []


async def test_a_failed_delete_leaves_the_build_and_says_so(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """If the cleanup delete fails too, the error says the build was left (and it is there)."""
    fake.inject(FaultRule.status_code(500, operation="UploadPart"))
    fake.inject(FaultRule.status_code(500, operation="DeleteBuild"))
    error = _error(await builds_v3_upload_build(core, TARBALL))
    assert error.build_id is not None
    assert not error.build_deleted
    assert "could not be deleted and was left" in str(error)
    assert _live(fake) == [error.build_id]


async def test_keep_on_failure_keeps_the_build(fake: FakeHathora, core: HathoraCloudCore) -> None:
    """delete_on_failure=False leaves the half-uploaded build for inspection."""
    fake.inject(FaultRule.status_code(500, operation="UploadPart"))
    error = _error(await builds_v3_upload_build(core, TARBALL, delete_on_failure=False))
    assert error.build_id is not None
    assert not error.build_deleted
    assert _live(fake) == [error.build_id]


async def test_a_failed_run_keeps_the_uploaded_build(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """Once uploaded the build is kept: a failed run names it and does not delete it."""
    fake.inject(FaultRule.status_code(403, operation="RunBuild"))
    error = _error(await builds_v3_upload_and_run(core, TARBALL))
    assert isinstance(error, SDKError)
    assert error.build_id is not None
    assert not error.build_deleted
    assert _live(fake) == [error.build_id]


async def test_a_failed_build_is_kept_and_named(fake: FakeHathora, core: HathoraCloudCore) -> None:
    """A build that ends failed: BuildFailedError names it, and it stays."""
    error = _error(await builds_v3_upload_and_run(core, FAILING))
    assert isinstance(error, BuildFailedError)
    assert error.build_id == error.build.build_id
    assert _live(fake) == [error.build_id]


async def test_a_failed_wait_names_the_build(fake: FakeHathora, core: HathoraCloudCore) -> None:
    """When polling the final status fails, the error still names the (kept) build."""
    fake.inject(FaultRule.status_code(404, operation="GetBuild"))
    error = _error(await builds_v3_upload_and_run(core, TARBALL))
    assert isinstance(error, ApiError)
    assert error.build_id is not None
    assert _live(fake) == [error.build_id]


async def test_a_raising_progress_callback_deletes_the_build(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """on_progress raising mid-upload: its exception propagates and the build is deleted."""

    def explode(progress: UploadProgress) -> None:
        if progress.parts_done:
            raise LookupError("stop")

    fake.inject(FaultRule.latency(0.05, operation="UploadPart"))
    with pytest.raises(LookupError) as caught:
        await builds_v3_upload_build(core, TARBALL, on_progress=explode, concurrency=1)
    assert len(fake.builds) == 1
    assert _live(fake) == []
    notes = getattr(caught.value, "__notes__", [])
    assert any("was deleted" in note for note in notes) or not hasattr(caught.value, "add_note")


async def _cancelled_after(seconds: float, core: HathoraCloudCore, source: object) -> None:
    with anyio.move_on_after(seconds) as scope:
        await builds_v3_upload_and_run(core, source)  # type: ignore[arg-type]
    assert scope.cancelled_caught


@pytest.mark.parametrize(
    ("operation", "live"),
    [("UploadPart", False), ("CompleteUpload", False), ("RunBuild", True), ("GetBuild", True)],
)
async def test_cancellation_at_each_phase(
    fake: FakeHathora, core: HathoraCloudCore, operation: str, live: bool
) -> None:
    """Cancelled while uploading or completing: deleted; while running or waiting: kept."""
    fake.inject(FaultRule.latency(1.0, operation=operation))
    await _cancelled_after(0.4, core, TARBALL)
    assert len(fake.builds) == 1
    assert bool(_live(fake)) is live


async def test_cancellation_while_packing_creates_nothing(
    fake: FakeHathora, core: HathoraCloudCore, tmp_path: Path
) -> None:
    """Cancelled before the build exists (packing a big directory): nothing was created."""
    (tmp_path / "Dockerfile").write_text("FROM alpine\n")
    for index in range(30):
        (tmp_path / f"blob{index}").write_bytes(os.urandom(1 << 20))
    await _cancelled_after(0.05, core, tmp_path)
    assert fake.builds == {}
