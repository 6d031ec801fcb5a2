"""The compiled structuring code agrees with the converter it speeds up, on any document."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hathora_cloud import _converter
from hathora_cloud.models import (
    BuildsV3Page,
    BuildV3,
    CreatedBuildV3WithMultipartUrls,
    DeletedBuild,
    DeploymentsV3Page,
    DeploymentV3,
)

from ._deployments import DEPLOYMENT
from ._server import build_json, created_json

MODELS: dict[type[Any], dict[str, Any]] = {
    BuildV3: build_json(buildTag="t", startedAt="2024-05-01T10:00:01.5+02:00"),
    CreatedBuildV3WithMultipartUrls: created_json(),
    BuildsV3Page: {"builds": [build_json(), build_json(status="weird")]},
    DeletedBuild: {},
    DeploymentV3: dict(DEPLOYMENT),
    DeploymentsV3Page: {"deployments": [dict(DEPLOYMENT)], "nextPageToken": "n"},
}

_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["2024-01-01T00:00:00Z", "2024-01-01T00:00:00", "succeeded", "udp", "1.5"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _outcome(structure: Any, document: object, cls: type[Any]) -> tuple[str, object]:
    try:
        return "ok", structure(document, cls)
    except Exception as exc:  # the kind of failure is what both must share
        return "error", type(exc).__name__ if isinstance(exc, KeyError) else "error"


@pytest.mark.parametrize("cls", list(MODELS), ids=lambda cls: cls.__name__)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_compiled_hooks_agree_with_the_converter(cls: type[Any], data: st.DataObject) -> None:
    """For valid documents with one key changed or removed, both give equal objects or both fail."""
    document = json.loads(json.dumps(MODELS[cls]))
    keys = sorted(document)
    if keys:
        key = data.draw(st.sampled_from(keys))
        if data.draw(st.booleans()):
            document[key] = data.draw(_values)
        else:
            del document[key]
    reference = _outcome(_converter.reference().structure, document, cls)
    compiled = _outcome(_converter.structure, document, cls)
    assert compiled[0] == reference[0], (document, reference, compiled)
    if compiled[0] == "ok":
        assert compiled[1] == reference[1]


@pytest.mark.parametrize("cls", list(MODELS), ids=lambda cls: cls.__name__)
def test_valid_documents_structure_identically(cls: type[Any]) -> None:
    """The untouched example documents give the same objects through both paths."""
    document = MODELS[cls]
    assert _converter.structure(document, cls) == _converter.reference().structure(document, cls)


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime.datetime(1000, 1, 1), timezones=st.just(datetime.timezone.utc)
    ),
    digits=st.sampled_from([0, 1, 3, 6, 9]),
    zulu=st.sampled_from(["Z", "z", "+00:00"]),
)
def test_the_z_fast_path_parses_like_the_general_one(
    moment: datetime.datetime, digits: int, zulu: str
) -> None:
    """The trailing-Z fast path (Python 3.10's date-times) gives what the general parser gives,
    for every fraction length, and refuses nothing the general parser accepts."""
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        text += "." + f"{moment.microsecond:06d}{moment.microsecond % 1000:03d}"[:digits]
    text += zulu
    expected = _converter._parse_datetime_slow(text)
    try:
        fast = _converter._fromisoformat_z(text)
    except ValueError:
        fast = _converter._parse_datetime_slow(text)  # the hooks fall back exactly like this
    assert fast == expected
    assert _converter.structure(build_json(createdAt=text), BuildV3).created_at == expected
