"""FakeHathora's run endpoints: tarball inspection, streamed logs and status transitions."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import anyio
import pytest

from hathora_cloud.testing import FakeHathora, make_tarball

pytestmark = pytest.mark.anyio

CHUNK = 1024
DOCKERFILE = "FROM node:18-alpine\nWORKDIR /app\nCOPY . .\nRUN echo hello \\\n  world\nCMD node x\n"


class Client:
    """A raw-aiohttp driver for the emulator: create, upload, complete, run."""

    def __init__(self, fake: FakeHathora, session: aiohttp.ClientSession) -> None:
        """Remember the emulator and the session."""
        self.fake = fake
        self.session = session
        self.auth = {"Authorization": f"Bearer {fake.token}"}

    async def uploaded_build(self, data: bytes) -> str:
        """Create a build, upload ``data`` and complete it; return the build id."""
        url = f"{self.fake.url}/builds/v3/builds"
        body = {"buildSizeInBytes": len(data)}
        async with self.session.post(url, json=body, headers=self.auth) as response:
            created: dict[str, Any] = await response.json()
        xml = "<CompleteMultipartUpload>"
        for part in created["uploadParts"]:
            number = part["partNumber"]
            chunk = data[(number - 1) * CHUNK : number * CHUNK]
            async with self.session.put(part["putRequestUrl"], data=chunk) as response:
                etag = response.headers["ETag"]
            xml += f"<Part><PartNumber>{number}</PartNumber><ETag>{etag}</ETag></Part>"
        xml += "</CompleteMultipartUpload>"
        complete_url = created["completeUploadPostRequestUrl"]
        async with self.session.post(complete_url, data=xml) as response:
            assert response.status == 200
        build_id: str = created["buildId"]
        return build_id

    async def run(self, build_id: str) -> tuple[int, str]:
        """Run the build and read the whole log."""
        url = f"{self.fake.url}/builds/v3/builds/{build_id}/run"
        async with self.session.post(url, headers=self.auth) as response:
            return response.status, (await response.read()).decode()

    async def get(self, build_id: str) -> dict[str, Any]:
        """Return the BuildV3 JSON of ``build_id``."""
        url = f"{self.fake.url}/builds/v3/builds/{build_id}"
        async with self.session.get(url, headers=self.auth) as response:
            build: dict[str, Any] = await response.json()
            return build


@pytest.fixture
async def fake() -> AsyncIterator[FakeHathora]:
    """A running emulator with a tiny chunk size and no log pacing."""
    async with FakeHathora(max_chunk_size=CHUNK) as emulator:
        yield emulator


@pytest.fixture
async def client(fake: FakeHathora) -> AsyncIterator[Client]:
    """A driver bound to ``fake``."""
    async with aiohttp.ClientSession() as session:
        yield Client(fake, session)


async def test_run_stream_has_no_content_type(fake: FakeHathora, client: Client) -> None:
    """On the wire, the 200 run response carries no Content-Type header at all."""
    build_id = await client.uploaded_build(make_tarball({"Dockerfile": DOCKERFILE}))
    url = urlsplit(fake.url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    try:
        writer.write(
            f"POST /builds/v3/builds/{build_id}/run HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {fake.token}\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        raw = await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"content-type" not in head.lower()
    assert b"Successfully built" in body


async def test_good_tarball_succeeds_with_dockerfile_steps(
    fake: FakeHathora, client: Client
) -> None:
    """A tarball with a root Dockerfile streams one Step per instruction and succeeds."""
    build_id = await client.uploaded_build(make_tarball({"Dockerfile": DOCKERFILE, "x": "y"}))
    status, log = await client.run(build_id)
    assert status == 200
    steps = re.findall(r"^Step (\d)/5 : (\w+)", log, flags=re.MULTILINE)
    assert steps == [("1", "FROM"), ("2", "WORKDIR"), ("3", "COPY"), ("4", "RUN"), ("5", "CMD")]
    assert "Step 1/5 : FROM node:18-alpine\n" in log
    assert "Step 4/5 : RUN echo hello world\n" in log
    assert re.search(r"^ ---> Running in [0-9a-f]{12}$", log, flags=re.MULTILINE)
    assert re.search(r"^Successfully built [0-9a-f]{12}$", log, flags=re.MULTILINE)
    assert "\r" in log
    build = await client.get(build_id)
    assert build["status"] == "succeeded"
    assert isinstance(build["imageSize"], int)
    assert build["imageSize"] > 0
    assert fake.builds[build_id].log_text == log


async def test_dot_slash_dockerfile_is_accepted(client: Client) -> None:
    """A Dockerfile stored as ./Dockerfile counts as being at the root."""
    build_id = await client.uploaded_build(make_tarball({"./Dockerfile": "FROM alpine\n"}))
    await client.run(build_id)
    assert (await client.get(build_id))["status"] == "succeeded"


@pytest.mark.parametrize(
    ("archive", "needle"),
    [
        (b"plain bytes, not gzip", "not gzip"),
        (b"", "not gzip"),
        (b"\x1f\x8b\x08\x00garbage-after-gzip-magic", "not a valid tar.gz"),
        (make_tarball({"app/Dockerfile": "FROM alpine\n"}), "Dockerfile"),
        (make_tarball({"Dockerfile": "FORM alpine\n"}), "unknown instruction: FORM"),
        (make_tarball({"Dockerfile": "# only a comment\n"}), "cannot be empty"),
    ],
)
async def test_unusable_archive_fails_with_reason(
    client: Client, archive: bytes, needle: str
) -> None:
    """A non-gzip, non-tar, Dockerfile-less or unparseable archive fails and the log says why."""
    build_id = await client.uploaded_build(archive)
    status, log = await client.run(build_id)
    assert status == 200
    assert needle in log
    build = await client.get(build_id)
    assert (build["status"], build["imageSize"]) == ("failed", 0)
    assert build["finishedAt"] is not None


@pytest.mark.parametrize(("command", "code"), [("exit 1", 1), ("false", 1), ("exit 3", 3)])
async def test_failing_run_step_fails_the_build(client: Client, command: str, code: int) -> None:
    """A `RUN exit N` / `RUN false` step fails the build at that step with Docker's message."""
    dockerfile = f"FROM alpine\nRUN {command}\nCMD never\n"
    build_id = await client.uploaded_build(make_tarball({"Dockerfile": dockerfile}))
    _, log = await client.run(build_id)
    expected = f"The command '/bin/sh -c {command}' returned a non-zero code: {code}\n"
    assert log.endswith(expected)
    assert "Step 3/3" not in log
    assert (await client.get(build_id))["status"] == "failed"


async def test_exit_zero_does_not_fail(client: Client) -> None:
    """`RUN exit 0` is a successful step."""
    dockerfile = "FROM alpine\nRUN exit 0\n"
    build_id = await client.uploaded_build(make_tarball({"Dockerfile": dockerfile}))
    await client.run(build_id)
    assert (await client.get(build_id))["status"] == "succeeded"


async def test_status_transitions_and_timestamps(client: Client) -> None:
    """A build goes created → running (startedAt set) → succeeded (finishedAt set)."""
    async with FakeHathora(max_chunk_size=CHUNK, log_line_delay=0.02) as fake:
        paced = Client(fake, client.session)
        build_id = await paced.uploaded_build(make_tarball({"Dockerfile": "FROM alpine\n"}))
        before = await paced.get(build_id)
        url = f"{fake.url}/builds/v3/builds/{build_id}/run"
        async with paced.session.post(url, headers=paced.auth) as response:
            await response.content.readline()
            during = await paced.get(build_id)
            await response.read()
        after = await paced.get(build_id)
    assert (before["status"], before["startedAt"]) == ("created", None)
    assert (during["status"], during["finishedAt"]) == ("running", None)
    assert during["startedAt"] is not None
    assert after["status"] == "succeeded"
    assert after["createdAt"] <= after["startedAt"] <= after["finishedAt"]


async def test_second_run_is_400(client: Client) -> None:
    """Running a build that already ran answers 400 {"message"}."""
    build_id = await client.uploaded_build(make_tarball({"Dockerfile": "FROM alpine\n"}))
    await client.run(build_id)
    url = f"{client.fake.url}/builds/v3/builds/{build_id}/run"
    async with client.session.post(url, headers=client.auth) as response:
        assert response.status == 400
        assert "already" in (await response.json())["message"]


async def test_build_finishes_after_client_disconnects(client: Client) -> None:
    """If the client goes away mid-stream the build still runs to its final status."""
    async with FakeHathora(max_chunk_size=CHUNK, log_line_delay=0.01) as fake:
        paced = Client(fake, client.session)
        build_id = await paced.uploaded_build(make_tarball({"Dockerfile": DOCKERFILE}))
        url = f"{fake.url}/builds/v3/builds/{build_id}/run"
        async with paced.session.post(url, headers=paced.auth) as response:
            await response.content.readline()
            response.close()
        for _ in range(200):
            if fake.builds[build_id].status != "running":
                break
            await asyncio.sleep(0.01)
        assert fake.builds[build_id].status == "succeeded"
        assert fake.builds[build_id].log_text.endswith(":latest\n")


async def _registry_run(client: Client, config: dict[str, str]) -> tuple[str, str, str]:
    base = f"{client.fake.url}/builds/v3/builds"
    async with client.session.post(f"{base}/registry", json={}, headers=client.auth) as response:
        build_id: str = (await response.json())["buildId"]
    url = f"{base}/{build_id}/runRegistry"
    async with client.session.post(url, json=config, headers=client.auth) as response:
        assert response.status == 200
        assert "Content-Type" not in response.headers
        log = (await response.read()).decode()
    return build_id, log, (await client.get(build_id))["status"]


async def test_run_registry_pulls_and_succeeds(client: Client) -> None:
    """RunBuildRegistry streams a pull log for the image and succeeds."""
    config = {"image": "team/server:1.4", "registryUrl": "registry.example.com"}
    build_id, log, status = await _registry_run(client, config)
    assert "1.4: Pulling from registry.example.com/team/server\n" in log
    assert re.search(r"^Digest: sha256:[0-9a-f]{64}$", log, flags=re.MULTILINE)
    assert status == "succeeded"
    assert client.fake.builds[build_id].registry_image == "team/server:1.4"


async def test_run_registry_image_named_fail_fails(client: Client) -> None:
    """A registry image whose name contains "fail" ends the build failed."""
    _, log, status = await _registry_run(client, {"image": "acme/will-fail"})
    assert "pull access denied" in log
    assert status == "failed"


async def test_share_url_shows_the_log(client: Client) -> None:
    """The shareUrl page serves the build's status and log as text."""
    build_id = await client.uploaded_build(make_tarball({"Dockerfile": "FROM alpine\n"}))
    await client.run(build_id)
    share_url = (await client.get(build_id))["shareUrl"]
    async with client.session.get(share_url) as response:
        text = await response.text()
    assert f"Build {build_id}: succeeded" in text
    assert "Step 1/1 : FROM alpine" in text


async def test_closing_the_emulator_ends_a_running_build(client: Client) -> None:
    """aclose() stops a slow build in progress and ends its stream instead of hanging."""
    async with FakeHathora(max_chunk_size=CHUNK, log_line_delay=30.0) as fake:
        paced = Client(fake, client.session)
        build_id = await paced.uploaded_build(make_tarball({"Dockerfile": DOCKERFILE}))
        url = f"{fake.url}/builds/v3/builds/{build_id}/run"
        with anyio.fail_after(5):
            async with paced.session.post(url, headers=paced.auth) as response:
                first = await response.content.readany()
                await fake.aclose()
                rest = await response.read()
    assert first.startswith(b"Sending build context")
    assert rest == b""


async def test_archive_smaller_than_declared_fails_the_run(client: Client) -> None:
    """Completing with a subset of parts is S3-legal, but the run fails naming both sizes."""
    noise = random.Random(3).randbytes(3 * CHUNK)  # incompressible: several parts
    data = make_tarball({"Dockerfile": "FROM alpine\n", "pad.bin": noise})
    url = f"{client.fake.url}/builds/v3/builds"
    async with client.session.post(
        url, json={"buildSizeInBytes": len(data)}, headers=client.auth
    ) as response:
        created: dict[str, Any] = await response.json()
    assert len(created["uploadParts"]) >= 2
    first = created["uploadParts"][0]
    async with client.session.put(first["putRequestUrl"], data=data[:CHUNK]) as response:
        etag = response.headers["ETag"]
    part = f"<Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part>"
    xml = f"<CompleteMultipartUpload>{part}</CompleteMultipartUpload>"
    async with client.session.post(created["completeUploadPostRequestUrl"], data=xml) as response:
        assert response.status == 200
    status, log = await client.run(created["buildId"])
    assert status == 200
    assert f"is {CHUNK} bytes, but the build declared buildSizeInBytes={len(data)}" in log
    assert (await client.get(created["buildId"]))["status"] == "failed"


async def test_realistic_preset_prints_a_full_docker_transcript(client: Client) -> None:
    """realistic=True adds pull checksums, extraction and the push; builds still succeed."""
    async with FakeHathora(max_chunk_size=CHUNK, realistic=True, build_duration=0.0) as fake:
        detailed = Client(fake, client.session)
        build_id = await detailed.uploaded_build(make_tarball({"Dockerfile": DOCKERFILE}))
        _, log = await detailed.run(build_id)
        assert (await detailed.get(build_id))["status"] == "succeeded"
        registry_id, registry_log, _ = await _registry_run(detailed, {"image": "team/srv:2"})
    for needle in ("Verifying Checksum", "Download complete", "Extracting [", "Pull complete"):
        assert needle in log
    assert "The push refers to repository [registry.hathora.dev/" in log
    assert re.search(r"^latest: digest: sha256:[0-9a-f]{64} size: \d+$", log, flags=re.MULTILINE)
    assert "Extracting [" in registry_log
    assert fake.builds[registry_id].status == "succeeded"


def test_realistic_preset_defaults_to_a_few_seconds() -> None:
    """The preset's builds take REALISTIC_BUILD_DURATION seconds unless told otherwise."""
    from hathora_cloud.testing._fake import REALISTIC_BUILD_DURATION

    assert FakeHathora(realistic=True)._config.build_duration == REALISTIC_BUILD_DURATION >= 2
    assert FakeHathora(realistic=True, build_duration=1.0)._config.build_duration == 1.0
    assert FakeHathora()._config.build_duration == 0.0


def test_build_duration_is_spent_where_a_real_build_spends_it() -> None:
    """The duration splits over the lines by weight: pulls and RUN steps take the most."""
    from hathora_cloud.testing._logs import docker_build_plan

    dockerfile = "FROM node:20\nENV A=1\nRUN npm ci\nCMD node .\n"
    plan = docker_build_plan(dockerfile, 5000, random.Random(1), "img:latest", detailed=True)
    delays = plan.delays(10.0)
    assert len(delays) == len(plan.lines)
    assert sum(delays) == pytest.approx(10.0)
    pairs = list(zip(plan.lines, delays, strict=True))
    pulls = sum(d for line, d in pairs if "Downloading" in line or "Extracting" in line)
    headers = [d for line, d in pairs if line.startswith("Step ")]
    run_step_end = [d for line, d in pairs if line.startswith("Removing intermediate")]
    assert pulls > 10.0 / 3
    assert max(run_step_end) > 5 * max(headers)


@pytest.mark.parametrize(
    ("values", "detail"),
    [
        ({"max_chunk_size": 0}, "max_chunk_size"),
        ({"min_part_size": -1}, "min_part_size"),
        ({"log_line_delay": -0.1}, "log_line_delay"),
        ({"build_duration": float("nan")}, "build_duration"),
        ({"upload_url_ttl": float("inf")}, "upload_url_ttl"),
        ({"deployments_page_size": 0}, "deployments_page_size"),
    ],
)
def test_constructor_refuses_out_of_range_knobs(values: dict[str, Any], detail: str) -> None:
    """Negative, zero, NaN or infinite knobs raise ValueError naming the knob."""
    with pytest.raises(ValueError, match=detail):
        FakeHathora(**values)
