"""Building frozen models and results on the hot path without their ``__init__``.

A frozen attrs class's ``__init__`` sets each field through ``object.__setattr__`` (frozen
classes forbid plain assignment); for a slotted class with no validators, converters or hooks,
filling its slots directly produces the same object for less than half the cost. The request
layer builds a ``CallMeta`` and an ``Ok``/``Err`` per call, and the converter a model per JSON
object: measured with ``timeit`` on Python 3.11, an ``Ok`` costs 1.0 -> 0.4 µs, a ``CallMeta``
0.7 -> 0.3 µs, a 13-field ``BuildV3`` about a microsecond less.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

from .result import CallMeta, Err, Ok

__all__ = ("fast_err", "fast_meta", "fast_ok", "fills_slots", "slot_setter")

T = TypeVar("T")
E = TypeVar("E", bound=BaseException)
Setter = Callable[[object, object], None]


def fills_slots(cls: type[Any]) -> bool:
    """Whether filling ``cls``'s slots is exactly what its ``__init__`` would do."""
    fields = attrs.fields(cls)
    return (
        "__slots__" in cls.__dict__
        and not hasattr(cls, "__attrs_post_init__")
        and not hasattr(cls, "__attrs_pre_init__")
        and all(f.validator is None and f.converter is None and f.init for f in fields)
        and all(type(getattr(cls, f.name, None)).__name__ == "member_descriptor" for f in fields)
    )


def slot_setter(cls: type[Any], name: str) -> Setter:
    """The setter of one slot of ``cls`` (only for classes :func:`fills_slots` accepts)."""
    setter: Setter = getattr(cls, name).__set__
    return setter


_new = object.__new__
_ok_value, _ok_meta = slot_setter(Ok, "value"), slot_setter(Ok, "meta")
_err_error, _err_meta = slot_setter(Err, "error"), slot_setter(Err, "meta")
_meta_attempts = slot_setter(CallMeta, "attempts")
_meta_status = slot_setter(CallMeta, "status_code")
_meta_headers = slot_setter(CallMeta, "headers")


def fast_ok(value: T, meta: CallMeta) -> Ok[T]:
    """``Ok(value, meta=meta)``."""
    result: Ok[T] = _new(Ok)
    _ok_value(result, value)
    _ok_meta(result, meta)
    return result


def fast_err(error: E, meta: CallMeta) -> Err[E]:
    """``Err(error, meta=meta)``."""
    result: Err[E] = _new(Err)
    _err_error(result, error)
    _err_meta(result, meta)
    return result


def fast_meta(
    attempts: int, status_code: int | None, headers: Mapping[str, str] | None
) -> CallMeta:
    """``CallMeta(attempts, status_code, headers)``."""
    meta: CallMeta = _new(CallMeta)
    _meta_attempts(meta, attempts)
    _meta_status(meta, status_code)
    _meta_headers(meta, headers)
    return meta
