"""FakeHathora's fault injection: status codes, latency, drops, cut streams, bad JSON."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

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


async def _created_registry_build(session: aiohttp.ClientSession) -> str:
    async with session.post("/builds/v3/builds/registry", json={}) as response:
        build_id: str = (await response.json())["buildId"]
        return build_id


@pytest.mark.parametrize(
    ("mode", "check"),
    [
        ("missing", lambda build: "createdAt" not in build),
        ("null", lambda build: build["createdAt"] is None),
        ("wrong_type", lambda build: build["createdAt"] == 12345),
    ],
)
async def test_invalid_schema_breaks_a_required_field(
    fake: FakeHathora, session: aiohttp.ClientSession, mode: str, check: Any
) -> None:
    """An invalid-schema rule keeps status and JSON but breaks a required, non-null field."""
    build_id = await _created_registry_build(session)
    fake.inject(FaultRule.invalid_schema(mode, operation="GetBuild", times=1))
    async with session.get(f"/builds/v3/builds/{build_id}") as response:
        assert (response.status, response.content_type) == (200, "application/json")
        broken = await response.json()
    assert check(broken)
    assert broken["buildId"] == build_id
    assert fake.requests[-1].fault is FaultKind.INVALID_SCHEMA
    async with session.get(f"/builds/v3/builds/{build_id}") as response:
        assert "createdAt" in await response.json()


async def test_invalid_schema_on_lists_and_explicit_fields(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """GetBuilds breaks "builds" by default; a dotted field path reaches into list items."""
    await _created_registry_build(session)
    fake.inject(FaultRule.invalid_schema("wrong_type", operation="GetBuilds", times=1))
    fake.inject(
        FaultRule.invalid_schema(
            "wrong_type", operation="GetBuilds", field="builds.0.imageSize", times=1
        )
    )
    async with session.get("/builds/v3/builds") as response:
        assert isinstance((await response.json())["builds"], dict)
    async with session.get("/builds/v3/builds") as response:
        assert (await response.json())["builds"][0]["imageSize"] == "0"


async def test_invalid_schema_without_a_field_replaces_the_body(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """DeleteBuild's {} has no field to break: the whole body becomes null (or [])."""
    build_id = await _created_registry_build(session)
    fake.inject(FaultRule.invalid_schema("null", operation="DeleteBuild", times=1))
    async with session.delete(f"/builds/v3/builds/{build_id}") as response:
        assert (response.status, await response.text()) == (200, "null")
    fake.inject(FaultRule.invalid_schema(operation="GetBuild", field="nope", times=1))
    async with session.get(f"/builds/v3/builds/{build_id}") as response:
        assert (response.status, await response.json()) == (404, [])


async def test_invalid_schema_also_breaks_error_bodies(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """On an error answer the rule breaks "message", so an ApiError body fails its schema."""
    fake.inject(FaultRule.invalid_schema("wrong_type", operation="GetBuild", times=1))
    async with session.get("/builds/v3/builds/missing") as response:
        assert response.status == 404
        assert (await response.json())["message"] == 12345


def test_invalid_schema_refuses_operations_without_json() -> None:
    """invalid_schema cannot target a streaming or S3 operation, nor use an unknown mode."""
    for operation in ("RunBuild", "UploadPart", "CompleteUpload"):
        with pytest.raises(ValueError, match="does not answer JSON"):
            FaultRule.invalid_schema(operation=operation)
    with pytest.raises(ValueError, match="schema mode"):
        FaultRule.invalid_schema("absent")


async def test_every_factory_takes_probability_and_seed(
    fake: FakeHathora, session: aiohttp.ClientSession
) -> None:
    """drop, cut, malformed-json, latency and invalid-schema rules honour probability=0."""
    for rule in (
        FaultRule.drop(probability=0.0, seed=1),
        FaultRule.cut_stream(probability=0.0),
        FaultRule.malformed_json(probability=0.0),
        FaultRule.latency(5.0, probability=0.0),
        FaultRule.invalid_schema(probability=0.0),
    ):
        fake.inject(rule)
    assert await _statuses(session, 3) == [200, 200, 200]
    assert all(record.fault is None for record in fake.requests)
