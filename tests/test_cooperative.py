"""Large bodies parsed and structured in slices: exactly the one-shot result, a shared GC pause."""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Iterator
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
    expected = _converter.structure(page, BuildsV3Page)
    sliced = await cooperative.structure(page, BuildsV3Page)
    assert sliced == expected
    assert isinstance(sliced.builds[0], BuildV3)


async def test_the_decoded_elements_are_freed_in_slices_once_built() -> None:
    """After a sliced build the decoded array is emptied (freed step by step, not all at once
    when the caller drops it); the built models keep every element."""
    page = {"builds": [build_json(buildId=f"b{i}") for i in range(3000)]}
    decoded = page["builds"]
    built = await cooperative.structure(page, BuildsV3Page)
    assert decoded == []
    assert [build.build_id for build in built.builds] == [f"b{i}" for i in range(3000)]


async def test_a_failed_build_leaves_the_decoded_document_whole() -> None:
    """When an element does not fit, the decoded document stays complete for the error to quote."""
    page = {"builds": [build_json() for _ in range(500)] + [build_json(imageSize="big")]}
    with pytest.raises(TypeError):
        await cooperative.structure(page, BuildsV3Page)
    assert len(page["builds"]) == 501


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


@pytest.fixture
def gc_enabled() -> Iterator[None]:
    """The cyclic GC enabled for the test, and restored to its state afterwards."""
    was = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        (gc.enable if was else gc.disable)()


@pytest.mark.usefixtures("gc_enabled")
async def test_the_gc_stays_paused_across_yields_and_resumes_after_the_last_reply() -> None:
    """Two overlapping large replies share one GC pause: the GC stays off through their yields
    and comes back only once both are done."""
    first_in, second_done = asyncio.Event(), asyncio.Event()
    seen: list[bool] = []

    async def first() -> None:
        async with cooperative.gc_paused():
            first_in.set()
            await second_done.wait()
            seen.append(gc.isenabled())

    async def second() -> None:
        await first_in.wait()
        async with cooperative.gc_paused():
            await asyncio.sleep(0)
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())
        second_done.set()

    await asyncio.gather(first(), second())
    assert seen == [False, False, False]
    assert gc.isenabled()


async def test_a_gc_the_caller_disabled_stays_disabled() -> None:
    """When the GC was off before the pause began, it is still off when the pause ends."""
    was = gc.isenabled()
    gc.disable()
    try:
        async with cooperative.gc_paused():
            await asyncio.sleep(0)
        assert not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


@pytest.mark.usefixtures("gc_enabled")
@pytest.mark.parametrize("ending", ["error", "cancel"])
async def test_the_gc_resumes_when_the_paused_work_fails_or_is_cancelled(ending: str) -> None:
    """An exception or a cancellation inside the pause still enables the GC again."""

    async def paused() -> None:
        async with cooperative.gc_paused():
            if ending == "error":
                raise ValueError("boom")
            await asyncio.sleep(10)

    task = asyncio.create_task(paused())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(ValueError if ending == "error" else asyncio.CancelledError):
        await task
    assert gc.isenabled()


@pytest.mark.usefixtures("gc_enabled")
async def test_a_large_page_collects_its_young_objects_itself_then_enables_the_gc() -> None:
    """Serving a large page ends with one young collection made by the SDK while the GC is still
    paused (in a loop step of its own), then the GC is on again."""
    builds = [build_json(buildId=f"b{i}") for i in range(3000)]
    paused_collections: list[int] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and not gc.isenabled():
            paused_collections.append(info["generation"])

    gc.callbacks.append(watch)
    try:
        async with serve(respond(200, json={"builds": builds})) as server:
            result = await _get(server)
    finally:
        gc.callbacks.remove(watch)
    assert isinstance(result, Ok)
    assert paused_collections == [0]
    assert gc.isenabled()
