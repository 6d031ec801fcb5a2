"""Large bodies parsed and structured in slices, so the event loop is never held for long.

``json.loads`` of a 10,000-build page (3-5 MB) holds the loop for 20-30 ms, and structuring it as
long again; a game server ticking at 60 Hz has 16 ms per frame. A worker thread does not help:
both hold the GIL. So a body of ``structure.LARGE_BODY`` bytes or more is handled here instead: the
top-level object is walked by hand and each element of its arrays decoded by the ``json`` module's
own C scanner, then the models are built element by element; every :data:`SLICE_SECONDS` the
work yields to the loop. The result is exactly ``json.loads`` (the same scanner, the same errors
as ``ValueError``) and the same models; the price is a few per cent of throughput.
"""

from __future__ import annotations

import asyncio
import gc
import json
import json.scanner
import re
import time
import typing
from typing import Any, TypeVar

import attrs

from .. import _converter

__all__ = ("SLICE_SECONDS", "parse", "structure")

T = TypeVar("T")

SLICE_SECONDS = 0.004
"""The longest the loop is held before yielding (a quarter of a 60 Hz frame)."""
_CHECK_EVERY = 64
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
    try:
        text = body.decode(json.detect_encoding(body), "surrogatepass")
    except (UnicodeDecodeError, LookupError) as exc:
        raise ValueError(str(exc)) from None
    index = _WS.match(text, 0).end()  # type: ignore[union-attr]
    if not text.startswith("{", index):
        return json.loads(text)  # not an object (then not a page): no slices needed
    try:
        value, end = await _object(text, index, _Clock())
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
    """``_converter.structure(data, cls)``, with the elements of long arrays built in slices."""
    if type(data) is not dict or not attrs.has(cls):
        return _converter.structure(data, cls)
    clock = _Clock()
    built: dict[str, tuple[Any, ...]] = {}
    emptied = dict(data)
    for field in attrs.fields(attrs.resolve_types(cls)):
        key = _converter.wire_name(field)
        items = data.get(key)
        element = _model_of(field.type)
        if element is not None and type(items) is list and len(items) > _CHECK_EVERY:
            built[field.name] = await _elements(items, element, clock)
            emptied[key] = []
    value: Any = _converter.structure(emptied, cls)
    return attrs.evolve(value, **built) if built else value  # type: ignore[no-any-return]


def _model_of(kind: Any) -> type[Any] | None:
    """The model class of a ``tuple[Model, ...]`` field, else ``None``."""
    args = typing.get_args(kind)
    if typing.get_origin(kind) is tuple and len(args) == 2 and attrs.has(args[0]):
        model: type[Any] = args[0]
        return model
    return None


async def _elements(items: list[Any], cls: type[Any], clock: _Clock) -> tuple[Any, ...]:
    """Build each element; the cyclic GC is paused while a slice runs, not across yields.

    Everything built here survives: the GC would only traverse it again and again.
    """
    out = []
    collecting = gc.isenabled()
    try:
        if collecting:
            gc.disable()
        for index, item in enumerate(items, start=1):
            out.append(_converter.structure(item, cls))
            if index % _CHECK_EVERY == 0:
                if collecting:
                    gc.enable()
                await clock.tick()
                if collecting:
                    gc.disable()
    finally:
        if collecting:
            gc.enable()
    return tuple(out)
