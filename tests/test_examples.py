"""The example scripts in examples/ run as shipped, against the emulator they start or are given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from hathora_cloud.testing import FakeHathora

_EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _env_without_hathora() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("HATHORA_")}


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("deploy_from_orchestrator.py", "succeeded"),
        ("cleanup_old_builds.py", "deleted bld-"),
        ("test_with_fake_hathora.py", "passed"),
        ("deploy_to_app.py", "deployment dep-"),
    ],
)
def test_example_script_runs(script: str, expected: str) -> None:
    """Each example exits 0 without a token (it starts FakeHathora) and prints its result."""
    done = subprocess.run(
        [sys.executable, str(_EXAMPLES / script)],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env_without_hathora(),
        cwd=_EXAMPLES.parent,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert expected in done.stdout


@pytest.mark.anyio
async def test_deploy_to_app_uses_the_environment() -> None:
    """deploy_to_app.py deploys to the server and app named by HATHORA_* (here an emulator's)."""
    async with FakeHathora(apps=("app-from-env",)) as fake:
        env = {
            **_env_without_hathora(),
            "HATHORA_TOKEN": fake.token,
            "HATHORA_CLOUD_ENDPOINT": fake.url,
            "HATHORA_APP_ID": "app-from-env",
            "BUILD_TAG": "from-env-1",
        }
        with anyio.fail_after(120):
            done = await anyio.run_process(
                [sys.executable, str(_EXAMPLES / "deploy_to_app.py")],
                env=env,
                cwd=_EXAMPLES.parent,
                check=False,
            )
        (deployment,) = fake.deployments_for("app-from-env")
    stdout, stderr = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 0, stderr[-2000:]
    assert f"deployment {deployment.deployment_id} of app app-from-env" in stdout
    assert deployment.build_tag == "from-env-1"
    assert fake.builds[deployment.build_id].status == "succeeded"
    assert "local emulator" not in stderr
    assert fake.token not in stdout + stderr
