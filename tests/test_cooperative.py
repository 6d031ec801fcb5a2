"""Large bodies parsed and structured in slices give exactly what the one-shot path gives."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hathora_cloud import Ok, _converter
from hathora_cloud._request import cooperative
from hathora_cloud._request.structure import LARGE_BODY
from hathora_cloud.funcs import builds_v3_get_builds
from hathora_cloud.models import BuildsV3Page, BuildV3

from ._server import RecordingServer, build_json, respond, serve

pytestmark = pytest.mark.anyio

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=25,
)


def _parse(text: str | bytes) -> tuple[str, Any]:
    body = text.encode() if isinstance(text, str) else text
    try:
        return "ok", asyncio.run(cooperative.parse(body))
    except ValueError:
        return "error", None


def _loads(text: str | bytes) -> tuple[str, Any]:
    """json.loads, with a too-deep document counted as invalid (as the SDK counts it)."""
    try:
        return "ok", json.loads(text)
    except (ValueError, RecursionError):
        return "error", None


@settings(max_examples=300, deadline=None)
@given(
    document=st.dictionaries(st.text(max_size=6), _json, max_size=5),
    indent=st.none() | st.integers(0, 3),
)
def test_parse_equals_json_loads_on_any_object(
    document: dict[str, Any], indent: int | None
) -> None:
    """Any JSON object, compact or indented, parses to exactly what json.loads gives."""
    text = json.dumps(document, indent=indent)
    assert _parse(text) == _loads(text)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [1, 2,]}',
        '{"a": [1 2]}',
        '{"a" 1}',
        "{'a': 1}",
        '{"a": 1,}',
        '{"a": 1} x',
        '{"a": [1, 2]',
        '{"a": [' + "[" * 5000 + "]" * 5000 + "]}",
        '{"a": NaN, "b": [Infinity, -Infinity]}',
        ' \n {"a": [] } \n',
        '{"a": 1, "a": 2}',
        '{"\\ud800": "\\udc00"}',
        "[1, 2, 3]",
        '"just a string"',
    ],
)
def test_parse_agrees_with_json_loads_on_edges(text: str) -> None:
    """Malformed, trailing, deep, NaN, duplicate-key, non-object documents: as json.loads."""
    assert _parse(text) == _loads(text)


@pytest.mark.parametrize("body", [b"\xff\xfe{\x00}\x00", b"\xef\xbb\xbf{}", b'{"a": "\xff"}'])
def test_parse_agrees_on_encodings(body: bytes) -> None:
    """UTF-16, a UTF-8 BOM and invalid UTF-8 are handled as json.loads handles bytes."""
    assert _parse(body) == _loads(body)


async def test_structure_equals_the_one_shot_path() -> None:
    """A 2,000-build page built in slices equals the one-shot structuring, element for element."""
    page = {"builds": [build_json(buildId=f"b{i}", imageSize=i) for i in range(2000)], "x": 1}
    sliced = await cooperative.structure(page, BuildsV3Page)
    assert sliced == _converter.structure(page, BuildsV3Page)
    assert isinstance(sliced.builds[0], BuildV3)


async def test_a_bad_element_fails_like_the_one_shot_path() -> None:
    """One broken element among thousands raises, as the one-shot structuring does."""
    page = {"builds": [build_json() for _ in range(500)] + [build_json(imageSize="big")]}
    with pytest.raises(TypeError):
        await cooperative.structure(page, BuildsV3Page)
    with pytest.raises(TypeError):
        _converter.structure(page, BuildsV3Page)


async def test_a_large_page_is_served_through_the_sliced_path() -> None:
    """A page above the threshold comes back Ok and complete through the public function."""
    builds = [build_json(buildId=f"b{i}") for i in range(3000)]
    assert len(json.dumps({"builds": builds})) >= LARGE_BODY
    async with serve(respond(200, json={"builds": builds})) as server:
        result = await _get(server)
    assert isinstance(result, Ok)
    assert [b.build_id for b in result.value.builds] == [f"b{i}" for i in range(3000)]


async def _get(server: RecordingServer) -> Any:
    from hathora_cloud import HathoraCloudCore

    async with HathoraCloudCore(hathora_dev_token="t", server_url=server.url) as core:
        return await builds_v3_get_builds(core)


async def test_the_loop_keeps_ticking_while_a_large_page_is_handled() -> None:
    """While a 10,000-build page is parsed and built, a 1 ms ticker keeps getting turns."""
    builds = [build_json(buildId=f"b{i}", buildTag="v" * 20) for i in range(10_000)]
    body = json.dumps({"builds": builds}).encode()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.001)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        data = await cooperative.parse(body)
        await cooperative.structure(data, BuildsV3Page)
    finally:
        task.cancel()
    assert ticks >= 3  # one-shot handling would allow at most one turn
