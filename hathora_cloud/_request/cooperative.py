"""Large bodies parsed and structured in slices, so the event loop is never held for long.

``json.loads`` of a 10,000-build page (3-5 MB) holds the loop for 20-30 ms, and structuring it as
long again; a game server ticking at 60 Hz has 16 ms per frame. A worker thread does not help:
both hold the GIL. So a body of ``structure.LARGE_BODY`` bytes or more is handled here instead: the
top-level object is walked by hand and each element of its arrays decoded by the ``json`` module's
own C scanner, then the models are built element by element; every :data:`SLICE_SECONDS` the
work yields to the loop. The result is exactly ``json.loads`` (the same scanner, the same errors
as ``ValueError``) and the same models; the price is a few per cent of throughput.

Two costs would otherwise land in a single step: the cyclic GC, which re-enabled between slices
ran full collections of 14-29 ms inside them (:func:`gc_paused` keeps it off for the whole reply
and makes the one young collection itself), and freeing the decoded dicts all at once when the
reply is dropped, 5-10 ms for 10,000 builds (:func:`structure` frees them in slices).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import json.scanner
import re
import threading
import time
import typing
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import attrs

from .. import _converter

__all__ = ("SLICE_SECONDS", "gc_paused", "parse", "structure")

T = TypeVar("T")

SLICE_SECONDS = 0.004
"""The longest the loop is held before yielding (a quarter of a 60 Hz frame)."""
_CHECK_EVERY = 64
_DISCARD_EVERY = 1024
_scan: Any = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
_WS = re.compile(r"[ \t\n\r]*")
_BOUNDARY = re.compile(r"\}[ \t\n\r]*,[ \t\n\r]*\{")
_RUN_CHARS = 32 * 1024
"""About how much text one run parses at a time (a fraction of a millisecond)."""


class _Clock:
    """Yields to the loop once a slice of work has taken :data:`SLICE_SECONDS`."""

    __slots__ = ("_due",)

    def __init__(self) -> None:
        self._due = time.perf_counter() + SLICE_SECONDS

    async def tick(self) -> None:
        if time.perf_counter() >= self._due:
            await asyncio.sleep(0)
            self._due = time.perf_counter() + SLICE_SECONDS


async def parse(body: bytes) -> object:
    """``json.loads(body)``, in slices (raises ``ValueError`` like it does)."""
    await asyncio.sleep(0)  # reading the body was this step's work: parse in the next one
    clock = _Clock()
    try:
        text = body.decode(json.detect_encoding(body), "surrogatepass")
    except (UnicodeDecodeError, LookupError) as exc:
        raise ValueError(str(exc)) from None
    index = _WS.match(text, 0).end()  # type: ignore[union-attr]
    if not text.startswith("{", index):
        return json.loads(text)  # not an object (then not a page): no slices needed
    try:
        value, end = await _object(text, index, clock)
    except _Invalid as invalid:
        raise ValueError(f"invalid JSON at character {invalid.index}") from None
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None
    if _WS.match(text, end).end() != len(text):  # type: ignore[union-attr]
        raise ValueError("Extra data after the JSON document")
    return value


class _Invalid(Exception):
    """The document is not valid JSON at ``index`` (StopIteration cannot leave a coroutine)."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


def _value(text: str, index: int) -> tuple[Any, int]:
    """One JSON value at ``index`` by the C scanner, and where it ends."""
    try:
        result: tuple[Any, int] = _scan(text, index)
    except StopIteration as stop:
        raise _Invalid(stop.value) from None
    return result


async def _object(text: str, index: int, clock: _Clock) -> tuple[dict[str, Any], int]:
    result: dict[str, Any] = {}
    index = _skip(text, index + 1)
    if text.startswith("}", index):
        return result, index + 1
    while True:
        if not text.startswith('"', index):
            raise _Invalid(index)
        key, index = _value(text, index)
        index = _skip(text, index)
        if not text.startswith(":", index):
            raise _Invalid(index)
        index = _skip(text, index + 1)
        if text.startswith("[", index):
            result[key], index = await _array(text, index, clock)
        else:
            result[key], index = _value(text, index)
        index = _skip(text, index)
        if text.startswith(",", index):
            index = _skip(text, index + 1)
        elif text.startswith("}", index):
            return result, index + 1
        else:
            raise _Invalid(index)


async def _array(text: str, index: int, clock: _Clock) -> tuple[list[Any], int]:
    """Parse the array opening at ``index``: whole runs of objects at a time when possible.

    The next ``},{`` beyond :data:`_RUN_CHARS` is a candidate end of a run of complete elements;
    ``json.loads("[" + run + "]")`` either accepts the run, which then *is* a run of complete
    elements (a cut inside a string leaves it unterminated, one inside an element leaves brackets
    unbalanced), or refuses it, and that stretch is parsed element by element instead. Runs keep
    ``json.loads``'s own speed; an element at a time costs about half as much again.
    """
    items: list[Any] = []
    index = _skip(text, index + 1)
    if text.startswith("]", index):
        return items, index + 1
    while True:
        boundary = _BOUNDARY.search(text, index + _RUN_CHARS)
        if boundary is not None:
            try:
                items.extend(json.loads("[" + text[index : boundary.start() + 1] + "]"))
            except (ValueError, RecursionError):
                pass  # not a run of whole elements: take the next element alone below
            else:
                index = boundary.end() - 1
                await clock.tick()
                continue
        item, index = _value(text, index)
        items.append(item)
        index = _skip(text, index)
        if text.startswith(",", index):
            index = _skip(text, index + 1)
        elif text.startswith("]", index):
            return items, index + 1
        else:
            raise _Invalid(index)
        if len(items) % _CHECK_EVERY == 0:
            await clock.tick()


def _skip(text: str, index: int) -> int:
    return _WS.match(text, index).end()  # type: ignore[union-attr]


async def structure(data: object, cls: type[T]) -> T:
    """``_converter.structure(data, cls)``, with the elements of long arrays built in slices.

    Consumes ``data``: once the model is built, the arrays it was built from are emptied in slices
    too (see :func:`_discard`). On failure ``data`` is left whole, for the error to quote.
    """
    if type(data) is not dict or not attrs.has(cls):
        return _converter.structure(data, cls)
    clock = _Clock()
    built: dict[str, tuple[Any, ...]] = {}
    consumed: list[list[Any]] = []
    emptied = dict(data)
    for field in attrs.fields(attrs.resolve_types(cls)):
        key = _converter.wire_name(field)
        items = data.get(key)
        element = _model_of(field.type)
        if element is not None and type(items) is list and len(items) > _CHECK_EVERY:
            built[field.name] = await _elements(items, element, clock)
            emptied[key] = []
            consumed.append(items)
    value: Any = _converter.structure(emptied, cls)
    for items in consumed:
        await _discard(items, clock)
    return attrs.evolve(value, **built) if built else value  # type: ignore[no-any-return]


async def _discard(items: list[Any], clock: _Clock) -> None:
    """Free the decoded elements a few thousand at a time: freeing 10,000 build objects at once
    (when the caller drops the document) holds the loop for 5-10 ms."""
    while items:
        del items[-_DISCARD_EVERY:]
        await clock.tick()


def _model_of(kind: Any) -> type[Any] | None:
    """The model class of a ``tuple[Model, ...]`` field, else ``None``."""
    args = typing.get_args(kind)
    if typing.get_origin(kind) is tuple and len(args) == 2 and attrs.has(args[0]):
        model: type[Any] = args[0]
        return model
    return None


async def _elements(items: list[Any], cls: type[Any], clock: _Clock) -> tuple[Any, ...]:
    """Build each element, yielding to the loop between slices."""
    hook = _converter.hook(cls)
    out: list[Any] = []
    for start in range(0, len(items), _CHECK_EVERY):
        out += [hook(item, cls) for item in items[start : start + _CHECK_EVERY]]
        await clock.tick()
    return tuple(out)


class _Pause:
    """Who holds the GC pause of :func:`gc_paused` (concurrent large replies share one)."""

    holders = 0
    resume = False
    lock = threading.Lock()  # event loops in other threads may hold the pause too


@contextlib.asynccontextmanager
async def gc_paused() -> AsyncIterator[None]:
    """Pause the cyclic GC while a large reply is parsed and built, yields to the loop included.

    Everything decoded here survives until it is built, and everything built survives: the GC
    would only traverse it again and again, and re-enabling it at every yield let a full
    collection (14-29 ms with a 10,000-build page alive) fall inside one of the slices. Paused
    throughout, the page costs one young collection when the pause ends, made here in a loop
    step of its own (4-7 ms for 10,000 builds) rather than by whatever allocates next. The pause
    is shared: the GC is enabled again when the last large reply in progress is done, and only
    if it was enabled when the first began.
    """
    with _Pause.lock:
        if _Pause.holders == 0:
            _Pause.resume = gc.isenabled()
            gc.disable()
        _Pause.holders += 1
    released = False
    try:
        yield
        await asyncio.sleep(0)  # the young collection below gets a loop step of its own
        with _Pause.lock:
            last = _Pause.holders == 1
            resume = _Pause.resume  # read with the count: a pause starting now may reset it
            if last:
                _Pause.holders = 0
                released = True
        if last and resume:
            gc.collect(0)
            gc.enable()
            await asyncio.sleep(0)
    finally:
        if not released:
            with _Pause.lock:
                _Pause.holders -= 1
                if _Pause.holders == 0 and _Pause.resume:
                    gc.enable()
