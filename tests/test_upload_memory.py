"""Memory stays bounded: a 200 MiB upload in 64 MiB parts grows peak RSS by far less than a part."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_SCRIPT = textwrap.dedent(
    """
    import asyncio, os, sys
    from hathora_cloud import HathoraCloudCore, Ok
    from hathora_cloud.funcs import builds_v3_upload_build
    from hathora_cloud.testing import FakeHathora, make_tarball

    MIB = 1024 * 1024

    def status_kib(field):
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise LookupError(field)

    async def main(workdir):
        path = os.path.join(workdir, "big.tgz")
        with open(path, "wb") as handle:
            handle.write(make_tarball({"Dockerfile": "FROM x\\n"}))  # a valid head...
            handle.truncate(200 * MIB)  # ...then sparse zeros: reading them costs no memory
        small = os.path.join(workdir, "small.tgz")
        with open(small, "wb") as handle:
            handle.write(make_tarball({"Dockerfile": "FROM x\\n", "blob": os.urandom(3 * MIB)}))
        async with FakeHathora(max_chunk_size=64 * MIB, storage_dir=workdir) as fake:
            async with HathoraCloudCore(hathora_dev_token=fake.token, server_url=fake.url) as core:
                warm = await builds_v3_upload_build(core, small)  # warm up imports and pools
                assert isinstance(warm, Ok), warm
                # ru_maxrss would carry the parent's peak across fork+exec: reset the
                # high-water mark of this process and read it from /proc instead.
                with open("/proc/self/clear_refs", "w") as clear:
                    clear.write("5")
                before = status_kib("VmRSS")
                result = await builds_v3_upload_build(core, path, concurrency=4)
                after = status_kib("VmHWM")
                assert isinstance(result, Ok), result
                upload = fake.builds[result.value.build_id].upload
                assert upload.completed and upload.tarball_path.stat().st_size == 200 * MIB
                assert len(upload.parts) == 4
        print((after - before) * 1024)

    asyncio.run(main(sys.argv[1]))
    """
)


@pytest.mark.skipif(sys.platform != "linux", reason="reads the peak RSS from /proc")
def test_peak_rss_growth_is_far_below_one_part(tmp_path: Path) -> None:
    """Uploading 200 MiB in 64 MiB parts (emulator storing to disk) adds < 32 MiB of peak RSS."""
    completed = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    growth = int(completed.stdout.strip().splitlines()[-1])
    print(f"peak RSS growth: {growth / 2**20:.1f} MiB")
    assert growth < 32 * 2**20
