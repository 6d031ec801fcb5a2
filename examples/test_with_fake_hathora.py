"""How to test your own deploy code against ``FakeHathora``, including injected faults.

Run ``pytest examples/test_with_fake_hathora.py`` (or ``python`` this file). The project's own
test run does not collect it: ``testpaths`` in ``pyproject.toml`` is ``tests``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hathora_cloud import Err, HathoraCloudCore, Ok
from hathora_cloud.errors import BuildFailedError, HathoraCloudError
from hathora_cloud.funcs.builds_v3_upload_and_run import builds_v3_upload_and_run
from hathora_cloud.testing import FakeHathora, FaultRule

EXAMPLES = Path(__file__).resolve().parent


async def deploy_game_server(core: HathoraCloudCore, source: Path, version: str) -> str:
    """Your code under test: build ``source`` and return the new build's id, or raise."""
    result = await builds_v3_upload_and_run(core, source, build_tag=version)
    match result:
        case Ok(value=build):
            return build.build_id
        case Err(error=error):
            raise error


@pytest.fixture
def anyio_backend() -> str:
    """Run the async tests on asyncio (aiohttp needs it)."""
    return "asyncio"


@pytest.fixture
async def fake() -> AsyncIterator[FakeHathora]:
    """A fresh emulator per test."""
    async with FakeHathora() as emulator:
        yield emulator


@pytest.fixture
async def core(fake: FakeHathora) -> AsyncIterator[HathoraCloudCore]:
    """A core pointed at the emulator."""
    async with HathoraCloudCore(hathora_dev_token=fake.token, server_url=fake.url) as client:
        yield client


@pytest.mark.anyio
async def test_deploy_builds_the_image(fake: FakeHathora, core: HathoraCloudCore) -> None:
    """A deploy uploads the directory, runs it, and leaves a succeeded build with its tag."""
    build_id = await deploy_game_server(core, EXAMPLES / "game-server", "1.0.0")
    assert fake.builds[build_id].status == "succeeded"
    assert fake.builds[build_id].build_tag == "1.0.0"


@pytest.mark.anyio
async def test_deploy_survives_rate_limiting(fake: FakeHathora, core: HathoraCloudCore) -> None:
    """A 429 with Retry-After on create is retried, and the deploy still succeeds."""
    fake.inject(FaultRule.status_code(429, operation="CreateBuild", retry_after=0.1, times=1))
    await deploy_game_server(core, EXAMPLES / "game-server", "1.0.1")
    assert len(fake.requests_for("CreateBuild")) == 2


@pytest.mark.anyio
async def test_deploy_reports_a_broken_dockerfile(core: HathoraCloudCore) -> None:
    """A Dockerfile whose RUN step fails surfaces as BuildFailedError with the log's tail."""
    with pytest.raises(BuildFailedError) as caught:
        await deploy_game_server(core, EXAMPLES / "failing-server", "broken")
    assert caught.value.log_tail


@pytest.mark.anyio
async def test_deploy_fails_cleanly_when_the_service_is_down(
    fake: FakeHathora, core: HathoraCloudCore
) -> None:
    """Persistent 503s end in an error your code can report, not a hang or a crash."""
    fake.inject(FaultRule.status_code(503, operation="CreateBuild"))
    with pytest.raises(HathoraCloudError) as caught:
        await deploy_game_server(core, EXAMPLES / "game-server", "1.0.2")
    assert caught.value.status_code == 503


if __name__ == "__main__":
    raise SystemExit(
        pytest.main([__file__, "-q", "-W", "ignore::pytest.PytestAssertRewriteWarning"])
    )
