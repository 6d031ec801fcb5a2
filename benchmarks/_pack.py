"""Scenario 7: ``builds_v3_upload_build`` of a ~300 MB build directory (SDK only).

:func:`make_tree` writes a deterministic game-server build context: a ``Dockerfile`` and a
``.dockerignore``, thousands of small source and config files (compressible text), a few hundred
medium assets (already compressed, so incompressible) and a few large binaries (half
compressible), plus files the ``.dockerignore`` leaves out. Run as
``python -m benchmarks._pack <server-url> <directory>`` in a fresh process per round; it uploads
the directory (packing it into a temporary tar.gz first, then uploading the parts) and prints
JSON: the whole operation's seconds, the packing phase's seconds (until the first progress report
of the uploading phase, which the SDK sends as the first part starts), CPU seconds, the tarball's
size, peak RSS growth and the longest event-loop stall. The stall is what this scenario is for:
packing runs while the caller's loop must keep serving everything else.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path

from ._fixtures import ORG_ID, TOKEN
from ._probe import measured, peak_rss, reset_peak_rss

_VOCABULARY = " ".join(
    (
        "void int float return if else for while class struct public private static const auto",
        "player score session match lobby region latency tick snapshot entity component system",
        "vector quaternion transform physics collider render shader texture buffer socket packet",
    )
).split()


def _text(rng: random.Random, size: int) -> bytes:
    words = rng.choices(_VOCABULARY, k=size // 6 + 1)
    return " ".join(words).encode()[:size]


def _half_compressible(rng: random.Random, corpus: bytes, size: int) -> bytes:
    """Alternate 4 KiB of random bytes and 4 KiB of text, like code and data in a binary."""
    pieces, total = [], 0
    while total < size:
        offset = rng.randrange(len(corpus) - 4096)
        pieces += [rng.randbytes(4096), corpus[offset : offset + 4096]]
        total += 8192
    return b"".join(pieces)[:size]


def _plan(scale: float) -> list[tuple[str, int, str]]:
    """Return ``(relative path, size, kind)`` for every file; ``scale`` 1.0 gives ~300 MB."""
    files = [("Dockerfile", 0, "text"), (".dockerignore", 0, "text")]
    sources = max(1, int(3000 * scale))
    # 1-16 KiB of source each (~26 MB), 0.5-4 KiB of config each, 100-900 KiB assets (~100 MB).
    files += [
        (f"src/mod{i // 100:02d}/f{i:04d}.cs", 1024 + i * 337 % 15360, "text")
        for i in range(sources)
    ]
    files += [(f"config/c{i:03d}.json", 512 + i * 97 % 3584, "text") for i in range(sources // 6)]
    files += [
        (f"assets/pack{i // 50}/a{i:03d}.ktx2", (100 + i * 7919 % 800) << 10, "random")
        for i in range(max(1, int(200 * scale)))
    ]
    mib = 1 << 20
    files += [
        ("bin/GameServer.x86_64", int(60 * mib * scale), "half"),
        ("bin/libengine.so", int(40 * mib * scale), "half"),
        ("data/world.pak", int(70 * mib * scale), "random"),
        ("logs/server.log", int(5 * mib * scale), "text"),  # left out by .dockerignore
        ("tmp/cache.bin", int(5 * mib * scale), "random"),  # left out by .dockerignore
    ]
    return files


def make_tree(root: Path, scale: float = 1.0) -> int:
    """Write the build directory under ``root`` (deterministic); return its total size."""
    rng = random.Random(7)
    corpus = _text(rng, 1 << 20)
    total = 0
    for relative, size, kind in _plan(scale):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if relative == "Dockerfile":
            data = b'FROM ubuntu:22.04\nCOPY . /srv/game\nCMD ["/srv/game/bin/GameServer.x86_64"]\n'
        elif relative == ".dockerignore":
            data = b"logs/\ntmp/\n*.swp\n"
        elif kind == "text":
            offset = rng.randrange(len(corpus) - size) if size < len(corpus) else 0
            body = corpus * (size // len(corpus) + 1) if size >= len(corpus) else corpus
            data = f"// {relative}\n".encode() + body[offset : offset + size]
        elif kind == "random":
            data = rng.randbytes(size)
        else:
            data = _half_compressible(rng, corpus, size)
        path.write_bytes(data)
        total += len(data)
    os.sync()  # write-back must not run during the measurements
    return total


async def _upload(url: str, directory: str) -> dict[str, float]:
    from hathora_cloud import HathoraCloudCore
    from hathora_cloud.funcs import builds_v3_upload_build
    from hathora_cloud.uploads import UploadPhase, UploadProgress

    started = time.perf_counter()
    first: dict[str, float] = {}  # the packing phase, as seen when the upload phase starts

    def on_progress(progress: UploadProgress) -> None:
        if not first and progress.phase is UploadPhase.UPLOADING:
            first.update(
                packing_s=time.perf_counter() - started,
                tar_mib=progress.total_bytes / (1 << 20),
                packing_stall_ms=m.monitor.longest * 1000,
            )

    before = reset_peak_rss()
    async with (
        HathoraCloudCore(hathora_dev_token=TOKEN, org_id=ORG_ID, server_url=url) as core,
        measured() as m,
    ):
        result = await builds_v3_upload_build(core, directory, on_progress=on_progress)
    if not result.ok:
        raise RuntimeError(f"SDK upload of a directory failed: {result.error!r}")
    return first | {
        "seconds": m.wall_s,
        "cpu_s": m.cpu_s,
        "rss_growth_mib": max(0, peak_rss() - before) / (1 << 20),
        "stall_ms": m.stall_ms,
    }


def main() -> None:
    """Upload the directory once and print the JSON measurements."""
    url, directory = sys.argv[1:3]
    import hathora_cloud.funcs.builds_v3_upload_build  # noqa: F401  (in the RSS baseline)

    print(json.dumps(asyncio.run(_upload(url, directory))))


if __name__ == "__main__":
    main()
