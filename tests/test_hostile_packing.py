"""Packing never crashes on what it finds, and never skips silently.

| attack (a build directory holding...) | outcome |
| --- | --- |
| a malformed `.dockerignore` pattern | `Err(SDKValidationError)` naming file, line, pattern |
| a FIFO, a socket | skipped, listed in the progress events, a WARNING record |
| a symlink leaving the directory (relative or absolute) | skipped the same way |
| a file the user cannot read | skipped the same way |
| an unreadable `Dockerfile` | `Err(SDKValidationError)`: a build cannot work without it |

Packing is a phase of the progress events: files and bytes packed of the totals, then uploading.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hathora_cloud import (
    CreatedBuildV3WithMultipartUrls,
    Err,
    HathoraCloudCore,
    Ok,
    Result,
    SkippedFile,
    UploadBuildError,
    UploadPhase,
    UploadProgress,
)
from hathora_cloud.errors import SDKValidationError
from hathora_cloud.funcs import builds_v3_upload_build
from hathora_cloud.testing import FakeHathora

pytestmark = pytest.mark.anyio


def _context(root: Path) -> Path:
    root.mkdir(exist_ok=True)
    (root / "Dockerfile").write_text("FROM alpine\nCOPY . /app\n")
    (root / "main.py").write_text("print('hi')\n")
    (root / "assets").mkdir()
    (root / "assets" / "map.bin").write_bytes(bytes(50_000))
    return root


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("[abc", "unclosed"),
        ("trailing\\", "backslash"),
        ("[]", "empty"),
        ("[z-a].txt", "reversed"),
        ("[a-]", "upper bound"),
    ],
)
async def test_malformed_dockerignore_names_file_line_and_pattern(
    fake: FakeHathora, core: HathoraCloudCore, tmp_path: Path, line: str, problem: str
) -> None:
    """A malformed pattern is Err(SDKValidationError) naming .dockerignore, line and pattern."""
    root = _context(tmp_path)
    (root / ".dockerignore").write_text(f"# comment\n*.log\n{line}\n")
    result = await builds_v3_upload_build(core, root)
    assert isinstance(result, Err)
    assert isinstance(result.error, SDKValidationError)
    message = result.error.message
    assert ".dockerignore line 3" in message
    assert repr(line) in message
    assert problem in message
    assert str(root) in message
    assert fake.requests == []


async def _upload_recording(
    core: HathoraCloudCore, root: Path
) -> tuple[Result[CreatedBuildV3WithMultipartUrls, UploadBuildError], list[UploadProgress]]:
    seen: list[UploadProgress] = []
    result = await builds_v3_upload_build(core, root, on_progress=seen.append)
    return result, seen


async def test_special_files_and_escaping_links_are_skipped_visibly(
    core: HathoraCloudCore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """FIFOs, sockets and links leaving the directory are skipped, reported and logged."""
    root = _context(tmp_path / "ctx")
    os.mkfifo(root / "pipe")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(root / "sock"))
    (tmp_path / "outside.txt").write_text("secret")
    (root / "escape").symlink_to("../outside.txt")
    (root / "absolute").symlink_to("/etc/passwd")
    (root / "inside").symlink_to("main.py")
    caplog.set_level(logging.WARNING, logger="hathora_cloud")
    try:
        result, seen = await _upload_recording(core, root)
    finally:
        server.close()
    assert isinstance(result, Ok), result
    skipped = {item.path: item.reason for item in seen[-1].skipped}
    assert set(skipped) == {"pipe", "sock", "escape", "absolute"}
    assert "special file" in skipped["pipe"]
    assert "outside the build directory" in skipped["escape"]
    warned = [record.getMessage() for record in caplog.records]
    assert all(any(path in message for message in warned) for path in skipped)


async def test_packing_is_a_progress_phase(core: HathoraCloudCore, tmp_path: Path) -> None:
    """Packing events come first (files and bytes of the totals), then upload events."""
    root = _context(tmp_path)
    result, seen = await _upload_recording(core, root)
    assert isinstance(result, Ok), result
    phases = [event.phase for event in seen]
    first_upload = phases.index(UploadPhase.UPLOADING)
    assert first_upload > 0
    assert set(phases[:first_upload]) == {UploadPhase.PACKING}
    assert set(phases[first_upload:]) == {UploadPhase.UPLOADING}
    packing = seen[first_upload - 1]
    assert packing.files_total == 4  # Dockerfile, main.py, assets, assets/map.bin
    assert packing.files_packed == packing.files_total
    assert packing.bytes_packed == packing.bytes_to_pack >= 50_000
    assert packing.build_id is None
    assert all(event.build_id == result.value.build_id for event in seen[first_upload:])


_CHILD = """
import json, os, sys
from pathlib import Path
from hathora_cloud._upload.packing import pack_directory
if os.geteuid() == 0:
    os.setuid(65534)  # root reads everything: pack as "nobody", like an ordinary user
result = pack_directory(Path(sys.argv[1]), Path(sys.argv[2]))
print(json.dumps([[item.path, item.reason] for item in result.skipped]))
"""


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory another user can work in (tmp_path is private to root)."""
    with tempfile.TemporaryDirectory(dir="/tmp") as name:
        os.chmod(name, 0o777)
        yield Path(name)


def _pack_as_nobody(root: Path, target: Path) -> subprocess.CompletedProcess[str]:
    """Pack in a child process that cannot read what it is not allowed to (root reads all)."""
    return subprocess.run(
        [sys.executable, "-c", _CHILD, str(root), str(target)],
        env={**os.environ, "HATHORA_LOG": "warning"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.skipif(sys.platform != "linux", reason="uses POSIX permissions")
def test_unreadable_file_is_skipped_visibly(shared_dir: Path) -> None:
    """A file the user cannot read is skipped with its reason; the rest is packed."""
    root = _context(shared_dir / "ctx")
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    (root / "private.key").write_text("k")
    (root / "private.key").chmod(0o000)
    done = _pack_as_nobody(root, shared_dir / "out.tar.gz")
    assert done.returncode == 0, done.stderr
    skipped = json.loads(done.stdout.strip().splitlines()[-1])
    assert skipped == [["private.key", "unreadable: Permission denied"]]
    assert "packing: skipped private.key" in done.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="uses POSIX permissions")
def test_unreadable_dockerfile_is_an_error(shared_dir: Path) -> None:
    """An unreadable Dockerfile stops the packing with an error instead of a skip."""
    root = _context(shared_dir / "ctx")
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    (root / "Dockerfile").chmod(0o000)
    done = _pack_as_nobody(root, shared_dir / "out.tar.gz")
    assert done.returncode != 0
    assert "PermissionError" in done.stderr


def test_skipped_file_is_exported() -> None:
    """SkippedFile is a frozen value users can build and compare."""
    assert SkippedFile("a", "b") == SkippedFile("a", "b")
