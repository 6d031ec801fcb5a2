"""The example scripts in examples/ run as shipped against the emulator they start themselves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

_EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("deploy_from_orchestrator.py", "succeeded"),
        ("cleanup_old_builds.py", "deleted bld-"),
        ("test_with_fake_hathora.py", "passed"),
    ],
)
def test_example_script_runs(script: str, expected: str) -> None:
    """Each example exits 0 without a token (it starts FakeHathora) and prints its result."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HATHORA_")}
    done = subprocess.run(
        [sys.executable, str(_EXAMPLES / script)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=_EXAMPLES.parent,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert expected in done.stdout
