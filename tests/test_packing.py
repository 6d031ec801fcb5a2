"""Directory packing: .dockerignore semantics, symlinks, special files, upload of a directory."""

from __future__ import annotations

import io
import os
import socket
import tarfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hathora_cloud import HathoraCloudCore, Ok
from hathora_cloud._upload.ignore import IgnoreRules
from hathora_cloud._upload.packing import pack_directory
from hathora_cloud.funcs import builds_v3_upload_build
from hathora_cloud.testing import FakeHathora

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("rules", "path", "excluded"),
    [
        ("# comment\n\n*.log", "# comment", False),
        ("*.log", "app.log", True),
        ("*.log", "logs/app.log", False),
        ("*/*.log", "logs/app.log", True),
        ("**/*.log", "a/b/c/app.log", True),
        ("**/*.log", "app.log", True),
        ("build/**", "build/x/y", True),
        ("?.txt", "a.txt", True),
        ("?.txt", "ab.txt", False),
        ("node_modules", "node_modules/pkg/index.js", True),
        ("/secret", "secret", True),
        ("/secret", "sub/secret", False),
        ("cache/", "cache/file", True),
        ("*.md\n!README.md", "README.md", False),
        ("*.md\n!README.md", "NOTES.md", True),
        ("!README.md\n*.md", "README.md", True),
        ("docs\n!docs/keep.txt", "docs/keep.txt", False),
        ("docs\n!docs/keep.txt", "docs/drop.txt", True),
        ("[ab].c", "b.c", True),
        ("[!ab].c", "b.c", False),
        ("a\\*b", "a*b", True),
        ("a\\*b", "axb", False),
        ("  spaced.txt  ", "spaced.txt", True),
        ("./dir/../other", "other", True),
    ],
)
def test_ignore_rules_match_like_docker(rules: str, path: str, excluded: bool) -> None:
    """Each .dockerignore feature excludes (or re-includes) exactly what Docker does."""
    assert IgnoreRules.parse(rules).is_excluded(path) is excluded


def _members(data: bytes) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return {member.name: member for member in archive.getmembers()}


def _tree(root: Path) -> None:
    (root / "Dockerfile").write_text("FROM alpine\nCOPY . /app\n")
    (root / ".dockerignore").write_text(
        "# build outputs\n*.log\n**/*.tmp\n/top.txt\nsecrets/\n!secrets/public.pem\n?.bak\n"
        "Dockerfile\n"
    )
    (root / "main.py").write_text("print('hi')\n")
    (root / "app.log").write_text("x")
    (root / "top.txt").write_text("x")
    (root / "a.bak").write_text("x")
    (root / "ab.bak").write_text("kept")
    (root / "src" / "deep").mkdir(parents=True)
    (root / "src" / "top.txt").write_text("kept")
    (root / "src" / "deep" / "x.tmp").write_text("x")
    (root / "src" / "deep" / "code.py").write_text("kept")
    (root / "secrets").mkdir()
    (root / "secrets" / "key").write_text("private")
    (root / "secrets" / "public.pem").write_text("public")


def test_pack_directory_honours_dockerignore(tmp_path: Path) -> None:
    """Packing keeps included files, drops ignored ones, re-includes exceptions and Dockerfile."""
    root = tmp_path / "ctx"
    root.mkdir()
    _tree(root)
    target = tmp_path / "out.tar.gz"
    pack_directory(root, target)
    names = set(_members(target.read_bytes()))
    assert {"Dockerfile", ".dockerignore", "main.py", "ab.bak", "src/top.txt"} <= names
    assert {"src/deep/code.py", "secrets/public.pem"} <= names
    assert not names & {"app.log", "top.txt", "a.bak", "src/deep/x.tmp", "secrets/key"}


def test_symlinks_inside_are_kept_outside_are_skipped(tmp_path: Path) -> None:
    """A link to a file inside is stored as a link; absolute or escaping links are left out."""
    root = tmp_path / "ctx"
    root.mkdir()
    (root / "Dockerfile").write_text("FROM alpine\n")
    (root / "real.txt").write_text("x")
    (tmp_path / "outside.txt").write_text("secret")
    os.symlink("real.txt", root / "inside-link")
    os.symlink("../outside.txt", root / "escaping-link")
    os.symlink(str(tmp_path / "outside.txt"), root / "absolute-link")
    target = tmp_path / "out.tgz"
    pack_directory(root, target)
    members = _members(target.read_bytes())
    assert members["inside-link"].issym()
    assert members["inside-link"].linkname == "real.txt"
    assert "escaping-link" not in members
    assert "absolute-link" not in members


def test_special_files_are_skipped(tmp_path: Path) -> None:
    """FIFOs and sockets in the directory are not put into the archive."""
    root = tmp_path / "ctx"
    root.mkdir()
    (root / "Dockerfile").write_text("FROM alpine\n")
    os.mkfifo(root / "pipe")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(root / "sock"))
        target = tmp_path / "out.tgz"
        pack_directory(root, target)
    assert set(_members(target.read_bytes())) == {"Dockerfile"}


def test_packing_is_deterministic(tmp_path: Path) -> None:
    """Packing the same tree twice gives identical bytes (fixed order, no gzip name or time)."""
    root = tmp_path / "ctx"
    root.mkdir()
    _tree(root)
    first, second = tmp_path / "1.tgz", tmp_path / "2.tgz"
    pack_directory(root, first)
    pack_directory(root, second)
    assert first.read_bytes() == second.read_bytes()


@pytest.fixture
async def fake() -> AsyncIterator[FakeHathora]:
    """A running emulator with 4 KiB parts."""
    async with FakeHathora(max_chunk_size=4096) as emulator:
        yield emulator


async def test_directory_upload_sends_the_filtered_tarball(
    fake: FakeHathora, tmp_path: Path
) -> None:
    """Uploading a directory sends a tar.gz of exactly the non-ignored files; no temp file stays."""
    root = tmp_path / "ctx"
    root.mkdir()
    _tree(root)
    (root / "big.bin").write_bytes(os.urandom(20_000))
    async with HathoraCloudCore(hathora_dev_token=fake.token, server_url=fake.url) as core:
        result = await builds_v3_upload_build(core, str(root))
    assert isinstance(result, Ok), result
    members = _members(fake.uploaded_bytes(result.value.build_id))
    files = {name for name, member in members.items() if member.isfile()}
    assert files == {
        "Dockerfile",
        ".dockerignore",
        "main.py",
        "ab.bak",
        "big.bin",
        "src/top.txt",
        "src/deep/code.py",
        "secrets/public.pem",
    }
    assert len(fake.requests_for("UploadPart")) >= 2
