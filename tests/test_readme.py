"""The README's code examples run as written (so the first thing users copy keeps working)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.anyio

_README = Path(__file__).resolve().parent.parent / "README.md"


def _python_block_after(heading: str) -> str:
    text = _README.read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None, f"no python block under {heading!r}"
    return match.group(1)


async def test_testing_your_code_example_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 'Testing your code' example deploys the example server through an injected fault."""
    monkeypatch.chdir(_README.parent)
    namespace: dict[str, object] = {}
    exec(compile(_python_block_after("Testing your code"), "README.md", "exec"), namespace)
    tests = [v for k, v in namespace.items() if k.startswith("test_") and callable(v)]
    assert len(tests) == 1
    test: Callable[[], Awaitable[None]] = tests[0]
    await test()


async def test_first_screen_example_deploys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first-screen example, pointed at the emulator, deploys a server directory."""
    from hathora_cloud.testing import FakeHathora

    source = _README.read_text(encoding="utf-8").split("```python\n", 1)[1].split("```", 1)[0]
    source = source.replace('"server/"', '"examples/game-server"').replace(
        "asyncio.run(main())", ""
    )
    monkeypatch.chdir(_README.parent)
    printed: list[str] = []
    async with FakeHathora() as fake:
        monkeypatch.setenv("HATHORA_TOKEN", fake.token)
        monkeypatch.setenv("HATHORA_CLOUD_ENDPOINT", fake.url)
        namespace: dict[str, object] = {"print": lambda *a: printed.append(" ".join(map(str, a)))}
        exec(compile(source, "README.md", "exec"), namespace)
        main: Callable[[], Awaitable[None]] = namespace["main"]  # type: ignore[assignment]
        await main()
    assert any(line.startswith("built bld-") for line in printed), printed[-3:]


def test_testing_your_code_example_runs_in_a_users_own_pytest(tmp_path: Path) -> None:
    """The 'Testing your code' example passes as a user's own test file, without our conftest."""
    (tmp_path / "test_user.py").write_text(_python_block_after("Testing your code"), "utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", "utf-8")
    (tmp_path / "examples").symlink_to(_README.parent / "examples")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
