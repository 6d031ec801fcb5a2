"""The models and the one converter: round trips, wire names, date-times, open enums."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hathora_cloud import _converter
from hathora_cloud.models import (
    BuildPart,
    BuildStatus,
    BuildsV3Page,
    BuildV3,
    CreateBuildV3Params,
    CreatedBuildV3WithMultipartUrls,
    CreateMultipartBuildParams,
    RegistryConfig,
)

from ._server import build_json

offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
aware = st.datetimes(timezones=offsets)
statuses = st.one_of(st.sampled_from(BuildStatus), st.text(max_size=20))
optional_text = st.none() | st.text(max_size=30)

builds = st.builds(
    BuildV3,
    build_id=st.text(max_size=40),
    org_id=st.text(max_size=40),
    created_by=st.text(max_size=40),
    created_at=aware,
    started_at=st.none() | aware,
    finished_at=st.none() | aware,
    deleted_at=st.none() | aware,
    status=statuses,
    image_size=st.integers(min_value=0, max_value=2**53),
    build_tag=optional_text,
    content_hash=optional_text,
    share_url=optional_text,
    expired_at=st.none() | aware,
)


def _wire(obj: object) -> Any:
    """Unstructure and pass through real JSON text, as the wire does."""
    return json.loads(json.dumps(_converter.unstructure(obj)))


def _offsets(build: BuildV3) -> list[timedelta | None]:
    stamps = (build.created_at, build.started_at, build.finished_at, build.deleted_at)
    return [None if d is None else d.utcoffset() for d in (*stamps, build.expired_at)]


@given(builds)
def test_build_round_trip(build: BuildV3) -> None:
    """Any BuildV3 survives unstructure → JSON → structure, offsets and open statuses included."""
    back = _converter.structure(_wire(build), BuildV3)
    assert back == build
    assert _offsets(back) == _offsets(build)
    assert back.status == build.status
    if build.status in {s.value for s in BuildStatus}:
        assert isinstance(back.status, BuildStatus)
    else:
        assert type(back.status) is str


@given(builds, st.lists(st.integers(min_value=1, max_value=10_000), max_size=5))
def test_created_build_round_trip(build: BuildV3, numbers: list[int]) -> None:
    """CreatedBuildV3WithMultipartUrls round-trips, its parts becoming a tuple of BuildPart."""
    parts = tuple(BuildPart(part_number=n, put_request_url=f"http://s3/{n}") for n in numbers)
    created = CreatedBuildV3WithMultipartUrls(
        **attrs.asdict(build, recurse=False),
        complete_upload_post_request_url="http://s3/complete",
        max_chunk_size=5 * 1024 * 1024,
        upload_parts=parts,
    )
    wire = _wire(created)
    assert {"completeUploadPostRequestUrl", "maxChunkSize", "uploadParts"} <= wire.keys()
    assert _converter.structure(wire, CreatedBuildV3WithMultipartUrls) == created


@given(st.lists(builds, max_size=3))
def test_page_round_trip(items: list[BuildV3]) -> None:
    """A BuildsV3Page round-trips with its builds in order."""
    page = BuildsV3Page(builds=tuple(items))
    assert _converter.structure(_wire(page), BuildsV3Page) == page


@given(st.integers(min_value=0, max_value=2**63), optional_text, optional_text)
def test_create_params_omit_none(size: int, build_id: str | None, tag: str | None) -> None:
    """CreateMultipartBuildParams unstructures to camelCase and leaves out None fields."""
    wire = _converter.unstructure(
        CreateMultipartBuildParams(build_size_in_bytes=size, build_id=build_id, build_tag=tag)
    )
    expected: dict[str, object] = {"buildSizeInBytes": size}
    if build_id is not None:
        expected["buildId"] = build_id
    if tag is not None:
        expected["buildTag"] = tag
    assert wire == expected


@given(st.text(min_size=1), optional_text, optional_text)
def test_registry_config_omit_none(image: str, url: str | None, auth: str | None) -> None:
    """RegistryConfig sends image always and registryUrl/auth only when set."""
    wire = _converter.unstructure(RegistryConfig(image=image, registry_url=url, auth=auth))
    assert wire["image"] == image
    assert wire.get("registryUrl") == url
    assert ("registryUrl" in wire) == (url is not None)
    assert wire.get("auth") == auth
    assert ("auth" in wire) == (auth is not None)


def test_empty_registry_params_are_empty_object() -> None:
    """CreateBuildV3Params() unstructures to {}."""
    assert _converter.unstructure(CreateBuildV3Params()) == {}


@given(aware, st.integers(min_value=1, max_value=9))
def test_fraction_digits_parsed(moment: datetime, digits: int) -> None:
    """Date-times with 1 to 9 fractional digits parse to the instant, truncated to microseconds."""
    fraction = f"{moment.microsecond:06d}{'123'}"[:digits]
    text = moment.replace(tzinfo=None, microsecond=0).isoformat() + "." + fraction + "Z"
    parsed = _converter.structure(build_json(createdAt=text), BuildV3).created_at
    micro = int(fraction[:6].ljust(6, "0"))
    assert parsed == moment.replace(microsecond=micro, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=timezone.utc)),
        ("2024-05-01T10:00:00z", datetime(2024, 5, 1, 10, tzinfo=timezone.utc)),
        ("2024-05-01T10:00:00.1Z", datetime(2024, 5, 1, 10, 0, 0, 100000, tzinfo=timezone.utc)),
        (
            "2024-05-01T12:00:00-05:30",
            datetime(2024, 5, 1, 12, tzinfo=timezone(-timedelta(hours=5, minutes=30))),
        ),
    ],
)
def test_date_time_forms(text: str, expected: datetime) -> None:
    """RFC 3339 forms with Z, z, short fractions and numeric offsets are accepted."""
    parsed = _converter.structure(build_json(createdAt=text), BuildV3).created_at
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "bad", ["2024-05-01T10:00:00", "2024-05-01", "10:00:00Z", "", "2024-13-01T00:00:00Z", 0]
)
def test_bad_date_times_rejected(bad: object) -> None:
    """A zone-less, date-only, malformed or non-string date-time does not structure."""
    with pytest.raises(Exception):  # noqa: B017, PT011 - any structuring error will do
        _converter.structure(build_json(createdAt=bad), BuildV3)


@pytest.mark.parametrize("value", [5.5, "5", True, None, float("inf")])
def test_image_size_must_be_integral(value: object) -> None:
    """imageSize accepts only ints and integral floats."""
    with pytest.raises(Exception):  # noqa: B017, PT011
        _converter.structure(build_json(imageSize=value), BuildV3)


def test_build_status_is_str_enum() -> None:
    """BuildStatus members are strings whose str() is the wire value."""
    assert str(BuildStatus.FAILED) == "failed"
    assert isinstance(BuildStatus.RUNNING, str)
    assert BuildStatus("running") is BuildStatus.RUNNING
    assert {s.value for s in BuildStatus} == {"created", "running", "succeeded", "failed"}


@pytest.mark.parametrize(
    ("status", "finished", "terminal"),
    [("succeeded", None, True), ("failed", None, True), ("running", None, False),
     ("weird", None, False), ("weird", "2024-05-01T10:00:00Z", True)],
)  # fmt: skip
def test_is_terminal(status: str, finished: str | None, terminal: bool) -> None:
    """A build is terminal when it succeeded, failed, or has finished_at set."""
    build = _converter.structure(build_json(status=status, finishedAt=finished), BuildV3)
    assert build.is_terminal is terminal


def test_models_are_frozen_and_keyword_only() -> None:
    """Models reject positional arguments and attribute assignment."""
    build = _converter.structure(build_json(), BuildV3)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        build.status = "failed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        RegistryConfig("image")  # type: ignore[call-arg]


def test_secrets_not_in_repr() -> None:
    """Presigned URLs and registry credentials never appear in a model's repr."""
    config = RegistryConfig(image="img", auth="registry-password")
    part = BuildPart(part_number=1, put_request_url="http://s3/p?X-Amz-Signature=sig1")
    created = _converter.structure(
        {
            **build_json(),
            "completeUploadPostRequestUrl": "http://s3/c?X-Amz-Signature=sig2",
            "maxChunkSize": 1,
            "uploadParts": [],
        },
        CreatedBuildV3WithMultipartUrls,
    )
    shown = repr(config) + repr(part) + repr(created)
    assert "registry-password" not in shown
    assert "sig1" not in shown
    assert "sig2" not in shown
    assert "img" in shown
