"""FakeHathora's fault injection: status codes, latency, drops, cut streams, bad JSON."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from hathora_cloud.testing import FakeHathora, FaultKind, FaultRule, make_tarball

pytestmark = pytest.mark.anyio


@pytest.fixture
async def fake() -> AsyncIterator[FakeHathora]:
    """A running emulator."""
    async with FakeHathora(max_chunk_size=1024) as emulator:
        yield emulator


@pytest.fixture
async def session(fake: FakeHathora) -> AsyncIterator[aiohttp.ClientSession]:
    """A session without keep-alive, so that aiohttp never silently retries a dropped call."""
    headers = {"Authorization": f"Bearer {fake.token}"}
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(fake.url, headers=headers, connector=connector) as client:
        yield client


async def _statuses(
    session: aiohttp.ClientSession, count: int, path: str = "/builds/v3/builds"
) -> list[int]:
    statuses = []
    for _ in range(count):
        async with session.get(path) as response:
            statuses.append(response.status)
    return statuses


async def test_status_fault_with_retry_after_for_the_next_calls(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """A 429 rule with times=2 answers the next two calls with 429 + Retry-After, then stops."""
    fake.inject(FaultRule.status_code(429, retry_after=2, times=2))
    async with session.get("/builds/v3/builds") as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "2"
        assert "message" in await response.json()
    assert await _statuses(session, 2) == [429, 200]
    assert [r.fault for r in fake.requests] == [FaultKind.STATUS, FaultKind.STATUS, None]
    assert len(fake.faults) == 0


async def test_status_fault_with_html_body(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """A 502 rule with body="html" answers with an HTML gateway page."""
    fake.faults.add(FaultRule.status_code(502, body="html", times=1))
    async with session.get("/builds/v3/builds") as response:
        assert response.status == 502
        assert response.content_type == "text/html"
        assert "502 Bad Gateway" in await response.text()


async def test_fault_only_hits_its_operation(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """A rule for GetBuild leaves GetBuilds alone."""
    fake.inject(FaultRule.status_code(500, operation="GetBuild"))
    assert await _statuses(session, 1) == [200]
    assert await _statuses(session, 2, "/builds/v3/builds/x") == [500, 500]


async def test_clear_removes_rules(fake: FakeHathora, session: aiohttp.ClientSession) -> None:
    """faults.clear() deactivates every rule."""
    fake.inject(FaultRule.status_code(503))
    assert await _statuses(session, 1) == [503]
    fake.faults.clear()
    assert await _statuses(session, 1) == [200]


async def test_fault_precedes_auth(fake: FakeHathora) -> None:
    """Faults act like a gateway: they answer before the token is even checked."""
    fake.inject(FaultRule.status_code(504, times=1))
    async with (
        aiohttp.ClientSession() as client,
        client.get(f"{fake.url}/builds/v3/builds") as response,
    ):
        assert response.status == 504


async def test_latency_fault_delays_then_handles(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """A latency rule waits the given seconds and then handles the call normally."""
    fake.inject(FaultRule.latency(0.2, times=1))
    started = time.monotonic()
    assert await _statuses(session, 1) == [200]
    assert time.monotonic() - started >= 0.2
    assert fake.requests[0].fault is FaultKind.LATENCY


async def test_drop_closes_without_response(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """A drop rule closes the connection before any response and before handling the call."""
    # A POST, because aiohttp transparently retries idempotent methods once on a disconnect.
    fake.inject(FaultRule.drop(operation="CreateBuild", times=1))
    with pytest.raises(aiohttp.ServerDisconnectedError):
        async with session.post("/builds/v3/builds", json={"buildSizeInBytes": 1}):
            pass
    assert fake.requests[0].status is None
    assert fake.requests[0].fault is FaultKind.DROP
    assert fake.builds == {}
    async with session.post("/builds/v3/builds", json={"buildSizeInBytes": 1}) as response:
        assert response.status == 201


async def test_malformed_json_fault(fake: FakeHathora, session: aiohttp.ClientSession) -> None:
    """A malformed-JSON rule answers 200 application/json whose body does not parse."""
    fake.inject(FaultRule.malformed_json(times=1))
    async with session.get("/builds/v3/builds") as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        body = await response.text()
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


async def test_cut_json_response(fake: FakeHathora, session: aiohttp.ClientSession) -> None:
    """A cut-stream rule on a JSON call sends half the body, then aborts."""
    fake.inject(FaultRule.cut_stream(operation="GetBuilds", times=1))
    async with session.get("/builds/v3/builds") as response:
        assert response.status == 200
        with pytest.raises(aiohttp.ClientPayloadError):
            await response.read()


async def test_cut_run_stream_keeps_building(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """A cut run stream delivers some log lines then aborts; the build still succeeds."""
    data = make_tarball({"Dockerfile": "FROM alpine\nRUN echo a\nRUN echo b\n"})
    async with session.post("/builds/v3/builds", json={"buildSizeInBytes": len(data)}) as response:
        created = await response.json()
    async with aiohttp.ClientSession() as plain:
        async with plain.put(created["uploadParts"][0]["putRequestUrl"], data=data) as response:
            etag = response.headers["ETag"]
        part = f"<Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part>"
        xml = f"<CompleteMultipartUpload>{part}</CompleteMultipartUpload>"
        async with plain.post(created["completeUploadPostRequestUrl"], data=xml) as response:
            assert response.status == 200
    fake.inject(FaultRule.cut_stream(operation="RunBuild", after_lines=3))
    received = bytearray()

    async def read_all(response: aiohttp.ClientResponse) -> None:
        async for chunk in response.content.iter_any():
            received.extend(chunk)

    async with session.post(f"/builds/v3/builds/{created['buildId']}/run") as response:
        assert response.status == 200
        with pytest.raises(aiohttp.ClientPayloadError):
            await read_all(response)
    build = fake.builds[created["buildId"]]
    assert received.decode() == "".join(build.log_lines[:3])
    for _ in range(100):
        if build.status != "running":
            break
        await asyncio.sleep(0.01)
    assert build.status == "succeeded"


async def test_upload_part_fault_uses_xml(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """Faults can target the presigned UploadPart operation, with an S3 XML body."""
    async with session.post("/builds/v3/builds", json={"buildSizeInBytes": 1}) as response:
        created = await response.json()
    fake.inject(FaultRule.status_code(503, operation="UploadPart", body="xml", times=1))
    url = created["uploadParts"][0]["putRequestUrl"]
    async with aiohttp.ClientSession() as plain:
        async with plain.put(url, data=b"a") as response:
            assert response.status == 503
            assert "<Code>SlowDown</Code>" in await response.text()
        async with plain.put(url, data=b"a") as response:
            assert response.status == 200


async def _seeded_run(seed: int) -> list[int]:
    async with FakeHathora() as fake:
        fake.inject(FaultRule.status_code(503, probability=0.3, seed=seed))
        headers = {"Authorization": f"Bearer {fake.token}"}
        async with aiohttp.ClientSession(fake.url, headers=headers) as client:
            return await _statuses(client, 30)


async def test_probability_with_seed_is_deterministic() -> None:
    """A probabilistic rule with a seed fires on the same calls every time, and only some."""
    first, second = await _seeded_run(1), await _seeded_run(1)
    assert first == second
    assert 0 < first.count(503) < 30


@pytest.mark.parametrize("kwargs", [{"probability": 1.5}, {"probability": -0.1}, {"times": 0}])
def test_invalid_rules_are_refused(kwargs: dict[str, float]) -> None:
    """Out-of-range probability or times raise ValueError."""
    with pytest.raises(ValueError, match="must be"):
        FaultRule(FaultKind.STATUS, **kwargs)  # type: ignore[arg-type]


def test_misspelt_operation_is_refused() -> None:
    """A rule for an unknown operation id raises ValueError instead of silently never firing."""
    with pytest.raises(ValueError, match="unknown operation 'UploadParts'"):
        FaultRule.status_code(503, operation="UploadParts")
    from hathora_cloud.testing._app import _ROUTES

    for _, _, _, name in _ROUTES:
        FaultRule.drop(operation=name)  # every route's operation id is accepted
