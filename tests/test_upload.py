"""builds_v3_upload_build against FakeHathora: byte-exact parts, sources, validation, headers."""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hathora_cloud import Err, HathoraCloud, HathoraCloudCore, Ok
from hathora_cloud.errors import SDKValidationError
from hathora_cloud.funcs import builds_v3_upload_build
from hathora_cloud.testing import FakeHathora, make_tarball
from hathora_cloud.uploads import UploadProgress

from ._server import tarball_of

pytestmark = pytest.mark.anyio

CHUNK = 64 * 1024


@pytest.fixture
async def fake() -> AsyncIterator[FakeHathora]:
    """A running emulator with 64 KiB parts."""
    async with FakeHathora(max_chunk_size=CHUNK) as emulator:
        yield emulator


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_SMALLEST = make_tarball({"Dockerfile": "FROM alpine\n"})


@pytest.mark.parametrize("size", [len(_SMALLEST), CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 1])
async def test_file_is_reassembled_byte_for_byte(
    fake: FakeHathora, core: HathoraCloudCore, tmp_path: Path, size: int
) -> None:
    """A .tgz of any size (tiny, one chunk, a multiple, a multiple + 1) arrives byte-exact."""
    data = tarball_of(size)
    path = tmp_path / "build.tgz"
    path.write_bytes(data)
    result = await builds_v3_upload_build(core, path, concurrency=2)
    assert isinstance(result, Ok), result
    build = result.value
    assert build.build_id in fake.builds
    assert _sha(fake.uploaded_bytes(build.build_id)) == _sha(data)
    puts = fake.requests_for("UploadPart")
    assert len(puts) == max(1, -(-size // CHUNK))
    assert [r.body_length for r in sorted(puts, key=lambda r: r.path)][-1] == (
        size - (len(puts) - 1) * CHUNK
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "not a readable .tar.gz"),
        (b"x", "not a readable .tar.gz"),
        (os.urandom(3000), "not a readable .tar.gz"),
        (make_tarball({"server.py": "print()\n"}), "no Dockerfile at the root"),
        (make_tarball({"sub/Dockerfile": "FROM x\n"}), "no Dockerfile at the root"),
    ],
)
async def test_tarball_without_root_dockerfile_is_refused_before_sending(
    fake: FakeHathora, core: HathoraCloudCore, tmp_path: Path, content: bytes, problem: str
) -> None:
    """A .tgz that is not a tar.gz, or lacks a root Dockerfile, is refused: nothing is sent."""
    path = tmp_path / "build.tgz"
    path.write_bytes(content)
    for source in (path, content):
        result = await builds_v3_upload_build(core, source)
        assert isinstance(result, Err)
        assert isinstance(result.error, SDKValidationError)
        if content[:2] == b"\x1f\x8b" or source is path:
            assert problem in result.error.message
    assert fake.requests == []


async def test_dockerfile_may_be_dotted_or_late_in_the_tarball(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """ "./Dockerfile" counts as the root Dockerfile, wherever it comes in the archive."""
    late = make_tarball({"a/" + str(i): "x" for i in range(50)} | {"./Dockerfile": "FROM x\n"})
    assert isinstance(await builds_v3_upload_build(core, late), Ok)


async def test_bytes_source_is_uploaded(fake: FakeHathora, core: HathoraCloudCore) -> None:
    """A bytes tarball is uploaded as is and the build's size is its exact length."""
    data = make_tarball({"Dockerfile": "FROM alpine\n", "blob": os.urandom(3 * CHUNK)})
    result = await builds_v3_upload_build(core, data, build_tag="v1")
    assert isinstance(result, Ok), result
    assert fake.uploaded_bytes(result.value.build_id) == data
    assert result.value.build_tag == "v1"
    assert fake.builds[result.value.build_id].upload.size == len(data)  # type: ignore[union-attr]


async def test_presigned_requests_carry_no_authorization(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """Part PUTs and the completion go without Authorization; the API call keeps it."""
    data = make_tarball({"Dockerfile": "FROM alpine\n", "blob": os.urandom(2 * CHUNK)})
    assert isinstance(await builds_v3_upload_build(core, data), Ok)
    presigned = fake.requests_for("UploadPart") + fake.requests_for("CompleteUpload")
    assert len(presigned) >= 3
    assert not any(request.has_authorization for request in presigned)
    assert all(
        r.headers.get("Content-Type") == "application/octet-stream"
        for r in fake.requests_for("UploadPart")
    )
    assert fake.requests_for("CompleteUpload")[0].headers["Content-Type"] == "application/xml"
    assert all(r.has_authorization for r in fake.requests_for("CreateBuild"))


async def test_parts_are_sent_with_exact_length_not_chunked(
    fake: FakeHathora, core: HathoraCloudCore, tmp_path: Path
) -> None:
    """Every part PUT declares its exact Content-Length and no Transfer-Encoding."""
    path = tmp_path / "b.tar.gz"
    path.write_bytes(tarball_of(2 * CHUNK + 10))
    assert isinstance(await builds_v3_upload_build(core, path), Ok)
    lengths = sorted(int(r.headers["Content-Length"]) for r in fake.requests_for("UploadPart"))
    assert lengths == [10, CHUNK, CHUNK]
    assert not any("Transfer-Encoding" in r.headers for r in fake.requests_for("UploadPart"))


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("missing.tgz", None, "no such file"),
        ("notes.txt", b"plain text", "not a .tgz"),
    ],
)
async def test_bad_paths_fail_before_sending(
    fake: FakeHathora,
    core: HathoraCloudCore,
    tmp_path: Path,
    name: str,
    content: bytes | None,
    fragment: str,
) -> None:
    """A missing path or a non-gzip file gives Err(SDKValidationError) and sends nothing."""
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = await builds_v3_upload_build(core, str(path))
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert fragment in str(result.error)
    assert fake.requests == []


async def test_gzip_file_without_tarball_suffix_is_accepted(
    fake: FakeHathora, core: HathoraCloudCore, tmp_path: Path
) -> None:
    """A file named otherwise is accepted when it starts with the gzip header."""
    path = tmp_path / "artifact.bin"
    data = make_tarball({"Dockerfile": "FROM alpine\n"})
    path.write_bytes(data)
    result = await builds_v3_upload_build(core, path)
    assert isinstance(result, Ok), result
    assert fake.uploaded_bytes(result.value.build_id) == data


@pytest.mark.parametrize(
    ("source", "kwargs"),
    [
        (b"not gzip", {}),
        (b"\x1f\x8b....", {"concurrency": 0}),
        (b"\x1f\x8b....", {"build_tag": ""}),
        (12345, {}),
    ],
)
async def test_invalid_arguments_fail_before_sending(
    fake: FakeHathora, core: HathoraCloudCore, source: object, kwargs: dict[str, object]
) -> None:
    """Non-gzip bytes, concurrency < 1, an empty tag or a wrong source type send nothing."""
    result = await builds_v3_upload_build(core, source, **kwargs)  # type: ignore[arg-type]
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert fake.requests == []


async def test_directory_without_dockerfile_sends_nothing(
    fake: FakeHathora, core: HathoraCloudCore, tmp_path: Path
) -> None:
    """A directory with no root Dockerfile gives Err(SDKValidationError) and no request."""
    (tmp_path / "main.py").write_text("print()")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "Dockerfile").write_text("FROM alpine\n")
    result = await builds_v3_upload_build(core, tmp_path)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    assert "Dockerfile" in str(result.error)
    assert fake.requests == []


async def test_progress_is_monotonic_and_ends_at_total(
    fake: FakeHathora, core: HathoraCloudCore, tmp_path: Path
) -> None:
    """on_progress (async) never goes backwards and its last call reports every byte and part."""
    from hathora_cloud.testing import FaultRule

    fake.inject(FaultRule.latency(0.03, operation="UploadPart"))
    path = tmp_path / "b.tgz"
    path.write_bytes(tarball_of(12 * CHUNK + 5))
    seen: list[UploadProgress] = []

    async def record(progress: UploadProgress) -> None:
        seen.append(progress)

    result = await builds_v3_upload_build(core, path, concurrency=2, on_progress=record)
    assert isinstance(result, Ok), result
    assert len(seen) >= 3
    for earlier, later in itertools.pairwise(seen):
        assert later.bytes_sent >= earlier.bytes_sent
        assert later.parts_done >= earlier.parts_done
    build_id = result.value.build_id
    assert seen[-1] == UploadProgress(12 * CHUNK + 5, 12 * CHUNK + 5, 13, 13, build_id=build_id)
    assert all(p.build_id == build_id for p in seen)


async def test_progress_callback_error_aborts_and_propagates(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """An exception raised by a sync on_progress propagates and completion is never sent."""
    data = make_tarball({"Dockerfile": "FROM alpine\n", "blob": os.urandom(2 * CHUNK)})

    def explode(progress: UploadProgress) -> None:
        raise RuntimeError("callback bug")

    with pytest.raises(RuntimeError, match="callback bug"):
        await builds_v3_upload_build(core, data, on_progress=explode)
    assert fake.requests_for("CompleteUpload") == []


async def test_facade_upload_build_returns_the_build(fake: FakeHathora) -> None:
    """HathoraCloud.builds_v3.upload_build returns the created build or raises."""
    data = make_tarball({"Dockerfile": "FROM alpine\n"})
    async with HathoraCloud(hathora_dev_token=fake.token, server_url=fake.url) as hathora:
        build = await hathora.builds_v3.upload_build(data)
        assert fake.uploaded_bytes(build.build_id) == data
        with pytest.raises(SDKValidationError):
            await hathora.builds_v3.upload_build(b"nope")


async def test_too_long_source_path_is_a_validation_error(core: HathoraCloudCore) -> None:
    """A source path the OS refuses (ENAMETOOLONG) is Err(SDKValidationError), not an OSError."""
    for source in ("/tmp/" + "a" * 300, "/tmp/" + "a" * 5000 + ".tgz"):
        result = await builds_v3_upload_build(core, source)
        assert isinstance(result, Err)
        assert isinstance(result.error, SDKValidationError)
