"""Every FakeHathora knob from the command line: fault specs, sizes, and both entry points."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest

from hathora_cloud.testing import FaultKind, FaultRule, parse_fault_spec
from hathora_cloud.testing._options import (
    EmulatorSettings,
    add_emulator_arguments,
    config_from_args,
    parse_size,
)

ENTRY_POINTS = {
    "module": [sys.executable, "-m", "hathora_cloud.testing"],
    "cli": [sys.executable, "-m", "hathora_cloud.cli", "emulator"],
}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("GetBuild:status=503:times=2", FaultRule.status_code(503, operation="GetBuild", times=2)),
        (
            "*:status=429:retry-after=1:times=3",
            FaultRule.status_code(429, retry_after=1, times=3),
        ),
        (
            "CreateBuild:status=502:body=html:delay=0.5",
            FaultRule.status_code(502, operation="CreateBuild", body="html", delay=0.5),
        ),
        (
            "*:status=503:probability=0.2:seed=7",
            FaultRule.status_code(503, probability=0.2, seed=7),
        ),
        ("GetBuilds:latency=1.5", FaultRule.latency(1.5, operation="GetBuilds")),
        ("UploadPart:drop:times=1", FaultRule.drop(operation="UploadPart", times=1)),
        ("RunBuild:cut:after-lines=3", FaultRule.cut_stream(operation="RunBuild", after_lines=3)),
        ("GetBuild:malformed-json", FaultRule.malformed_json(operation="GetBuild")),
        ("GetBuild:invalid-schema", FaultRule.invalid_schema(operation="GetBuild")),
        (
            "GetDeployment:invalid-schema=null:field=fleetId",
            FaultRule.invalid_schema("null", operation="GetDeployment", field="fleetId"),
        ),
        (
            " GetDeployments : INVALID-SCHEMA=wrong-type : Times=1 ",
            FaultRule.invalid_schema("wrong_type", operation="GetDeployments", times=1),
        ),
    ],
)
def test_fault_specs_map_onto_the_factories(spec: str, expected: FaultRule) -> None:
    """Each documented spec form builds the same rule as the matching FaultRule factory."""
    assert parse_fault_spec(spec) == expected


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("", "expected OPERATION:ACTION"),
        ("GetBuild", "expected OPERATION:ACTION"),
        ("GetBuild:explode", "unknown action 'explode'"),
        ("GetBuild:status", "status needs a value"),
        ("GetBuild:status=abc", "not an HTTP status"),
        ("GetBuild:status=99", "not an HTTP status"),
        ("GetBuild:latency=-1", "not a number of seconds"),
        ("GetBuild:drop=3", "drop takes no value"),
        ("GetBuild:status=503:times=0", "times='0' must be an integer >= 1"),
        ("GetBuild:status=503:times", "needs a value"),
        ("GetBuild:status=503:probability=2", "must be within 0..1"),
        ("GetBuild:status=503:body=pdf", "must be one of json, html, xml, empty"),
        ("GetBuild:status=503:after-lines=2", "does not apply to status"),
        ("GetBuild:latency=1:delay=1", "does not apply to latency"),
        ("GetBuild:status=503:times=1:times=2", "given twice"),
        ("GetBuilds:status=503:seed=x", "not a valid value"),
        ("Nope:drop", "unknown operation 'Nope'"),
        ("RunBuild:invalid-schema", "does not answer JSON"),
        ("GetBuild:invalid-schema=absent", "schema mode"),
    ],
)
def test_bad_fault_specs_are_one_line_errors(spec: str, reason: str) -> None:
    """A bad spec raises ValueError: one line quoting the spec and saying what is wrong."""
    with pytest.raises(ValueError, match="bad fault spec") as caught:
        parse_fault_spec(spec)
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "size"),
    [("1024", 1024), ("64KiB", 65536), ("5 MiB", 5 * 1024**2), ("1GiB", 1024**3), ("2kb", 2000)],
)
def test_sizes_accept_units(text: str, size: int) -> None:
    """Sizes are bytes, or a number with KB/MB/GB (1000) or KiB/MiB/GiB (1024) units."""
    assert parse_size(text) == size


def _settings(*argv: str) -> EmulatorSettings:
    parser = argparse.ArgumentParser()
    add_emulator_arguments(parser)
    return config_from_args(parser.parse_args(list(argv)))


def test_every_knob_reaches_the_emulator() -> None:
    """Each option lands on the matching FakeHathora constructor knob."""
    settings = _settings(
        "--token=t0k",
        "--org-id=org-x",
        "--chunk-size=64KiB",
        "--min-part-size=1KiB",
        "--build-duration=2.5",
        "--log-line-delay=0.01",
        "--upload-url-ttl=60",
        "--realistic",
        "--app=app-a",
        "--app=app-b",
        "--deployments-page-size=3",
        "--fault=GetBuild:status=503:times=2",
        "--fault=*:latency=0.1",
    )
    fake = settings.create(port=0)
    config = fake._config
    assert (fake.token, fake.org_id, fake.apps) == ("t0k", "org-x", ("app-a", "app-b"))
    assert (config.max_chunk_size, config.min_part_size) == (65536, 1024)
    assert (config.build_duration, config.log_line_delay, config.upload_url_ttl) == (2.5, 0.01, 60)
    assert (config.realistic, config.deployments_page_size) == (True, 3)
    assert [rule.kind for rule in fake.faults] == [FaultKind.STATUS, FaultKind.LATENCY]


def test_defaults_and_the_log_delay_fallback() -> None:
    """Without options the constructor's defaults apply; the caller's line delay is a fallback."""
    plain = _settings().create(default_log_line_delay=0.05)._config
    assert (plain.max_chunk_size, plain.min_part_size, plain.log_line_delay) == (
        8 * 1024**2,
        5 * 1024**2,
        0.05,
    )
    realistic = _settings("--realistic").create(default_log_line_delay=0.05)._config
    assert (realistic.log_line_delay, realistic.build_duration) == (0.0, 4.0)


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--chunk-size=0"], "--chunk-size: must be at least 1 byte"),
        (["--chunk-size=lots"], "--chunk-size: 'lots' is not a size"),
        (["--build-duration=-2"], "--build-duration"),
        (["--log-line-delay=nan"], "--log-line-delay"),
        (["--deployments-page-size=0"], "--deployments-page-size"),
        (["--fault=GetBuild:boom"], "bad fault spec 'GetBuild:boom'"),
    ],
)
def test_bad_values_name_their_option(argv: list[str], named: str) -> None:
    """An invalid value raises ValueError naming the option, in one line."""
    with pytest.raises(ValueError, match=re.escape(named)) as caught:
        _settings(*argv)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize(
    "argv",
    [["--fault", "GetBuild:status=abc"], ["--app", "a", "--app", "a"]],
)
def test_bad_options_exit_2_with_one_line(entry: str, argv: list[str]) -> None:
    """Both entry points turn a bad knob into one error line and exit code 2, no traceback."""
    done = subprocess.run(
        [*ENTRY_POINTS[entry], "--port", "0", *argv],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "error:" in done.stderr
    assert "Traceback" not in done.stderr


@asynccontextmanager
async def _served(entry: str, *argv: str) -> AsyncIterator[str]:
    """Run an entry point with ``argv`` and yield its URL once it listens."""
    json_flag = ["--json"] if entry == "cli" else []
    process = await asyncio.create_subprocess_exec(
        *ENTRY_POINTS[entry],
        "--port",
        "0",
        "--token",
        "tok",
        *json_flag,
        *argv,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        first = (await asyncio.wait_for(process.stdout.readline(), 15)).decode()
        url = json.loads(first)["url"] if entry == "cli" else first.rsplit(" ", 1)[1].strip()
        yield url
    finally:
        process.terminate()
        await process.wait()
        await process.stdout.read()


@pytest.mark.anyio
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
async def test_entry_points_serve_with_the_knobs(entry: str) -> None:
    """Faults, apps and chunk size given as options are live in the served emulator."""
    argv = ("--fault", "GetBuilds:status=503:times=1", "--app", "app-x", "--chunk-size", "1KiB")
    async with (
        _served(entry, *argv) as url,
        aiohttp.ClientSession(headers={"Authorization": "Bearer tok"}) as session,
    ):
        async with session.get(f"{url}/builds/v3/builds") as response:
            assert response.status == 503
        async with session.get(f"{url}/builds/v3/builds") as response:
            assert response.status == 200
        async with session.get(f"{url}/deployments/v3/apps/app-x/deployments") as response:
            assert await response.json() == {"deployments": []}
        body = {"buildSizeInBytes": 3000}
        async with session.post(f"{url}/builds/v3/builds", json=body) as response:
            created = await response.json()
        assert created["maxChunkSize"] == 1024
        assert len(created["uploadParts"]) == 3
