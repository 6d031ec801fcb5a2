"""The README's code examples run as written (so the first thing users copy keeps working)."""

from __future__ import annotations

import re
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
