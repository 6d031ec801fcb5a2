"""How the CLI writes values: times in UTC with a ``Z``, sizes in binary units, models as JSON.

Times: ISO 8601 in UTC with an explicit ``Z`` (``2024-05-01T10:00:00Z``), in tables (to the
second) and JSON (full precision), whatever the offset the server used. A time that has no UTC
equivalent in Python's calendar (year 1 at ``+14:00``, year 9999 at ``-12:00``) keeps its own
offset rather than failing.

JSON: every field of the model, always, under its wire name (camelCase; ``requestedMemoryMB``
where the API spells it so), ``null`` when absent, so a script can rely on a key being there;
an integral number is written as an integer (``1024``, as the API does); a lone surrogate (which
no UTF-8 text can hold) becomes U+FFFD.
"""

from __future__ import annotations

import enum
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any, cast

import attrs

__all__ = ("dump_json", "instant", "iso_utc", "model_json", "size")

_ONE_MICROSECOND = timedelta(microseconds=1)
_SURROGATE = re.compile("[\ud800-\udfff]")


def iso_utc(value: datetime | None, *, precise: bool = False) -> str | None:
    """Return ``value`` as ISO 8601 in UTC ending in ``Z`` (``None`` stays ``None``).

    Args:
        value: A timezone-aware time (a naive one is taken as UTC).
        precise: Keep the microseconds (JSON); otherwise whole seconds (tables).
    """
    if value is None:
        return None
    spec = "auto" if precise else "seconds"
    try:
        utc = value.astimezone(timezone.utc) if value.tzinfo else value
    except (OverflowError, ValueError):  # no UTC equivalent before year 1 or after 9999
        return value.isoformat(timespec=spec)
    return utc.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def instant(value: datetime) -> int:
    """Return microseconds since 0001-01-01 UTC: a sort key that cannot overflow."""
    offset = value.utcoffset() or timedelta(0)
    naive = value.replace(tzinfo=None)
    since_midnight = (naive - naive.replace(hour=0, minute=0, second=0, microsecond=0)) // (
        _ONE_MICROSECOND
    )
    return naive.toordinal() * 86_400_000_000 + since_midnight - offset // _ONE_MICROSECOND


def size(value: int) -> str:
    """Return a byte count in binary units: ``512 B``, ``1.5 KiB``, ``3.2 GiB``."""
    amount = float(value)
    for unit in ("B", "KiB", "MiB"):
        if abs(amount) < 1024:
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} GiB"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def model_json(value: object) -> Any:
    """Return a model (or a tuple of them, or a plain value) as JSON-ready data.

    Every attrs field becomes its wire key, in declaration order, present even when its
    value is ``None``; enums become their value, times :func:`iso_utc` strings, and integral
    floats integers.
    """
    if attrs.has(type(value)):
        fields: tuple[attrs.Attribute[Any], ...] = attrs.fields(cast(Any, type(value)))
        return {
            field.metadata.get("wire") or _camel(field.name): model_json(getattr(value, field.name))
            for field in fields
        }
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, datetime):
        return iso_utc(value, precise=True)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (tuple, list)):
        return [model_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): model_json(item) for key, item in value.items()}
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    return value


def dump_json(data: object) -> str:
    """Return ``data`` (see :func:`model_json`) as indented ASCII JSON: safe on any terminal."""
    return json.dumps(model_json(data), indent=2, ensure_ascii=True)
