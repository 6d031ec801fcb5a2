"""Show builds: rich tables for people, camelCase JSON (the wire's shape) for programs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from rich.table import Table
from rich.text import Text

from .._converter import unstructure
from ..models import BuildV3, CreatedBuildV3WithMultipartUrls
from ._app import App

__all__ = ("build_json", "newest_first", "show_build", "show_builds")

_STATUS_STYLES = {
    "succeeded": "green",
    "failed": "bold red",
    "running": "yellow",
    "created": "cyan",
}
_UPLOAD_KEYS = ("completeUploadPostRequestUrl", "maxChunkSize", "uploadParts")


def newest_first(builds: Iterable[BuildV3]) -> list[BuildV3]:
    """Return the builds sorted by creation time, newest first."""
    return sorted(builds, key=lambda build: build.created_at, reverse=True)


def build_json(build: BuildV3, *, with_upload_urls: bool = False) -> dict[str, Any]:
    """Return the build as the wire's camelCase JSON.

    Args:
        build: The build.
        with_upload_urls: Keep the presigned upload URLs of a just-created build; they are
            credentials, so only ``builds create`` (whose whole point they are) shows them.
    """
    data: dict[str, Any] = unstructure(build)
    if not with_upload_urls:
        for key in _UPLOAD_KEYS:
            data.pop(key, None)
    return data


def _when(value: datetime | None) -> str:
    return "" if value is None else value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _size(value: int) -> str:
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def _status(build: BuildV3) -> Text:
    status = str(build.status)
    return Text(status, style=_STATUS_STYLES.get(status, ""))


def show_builds(app: App, builds: Sequence[BuildV3]) -> None:
    """Print builds as a table (or the page as JSON), newest first."""
    ordered = newest_first(builds)
    if app.json:
        app.emit_json({"builds": [build_json(build) for build in ordered]})
        return
    if not ordered:
        app.err.print("No builds.")
        return
    table = Table(title=None, box=None, header_style="bold", pad_edge=False)
    table.add_column("BUILD ID", no_wrap=True)
    table.add_column("TAG")
    table.add_column("STATUS", no_wrap=True)
    table.add_column("IMAGE", justify="right", no_wrap=True)
    table.add_column("CREATED", no_wrap=True)
    table.add_column("FINISHED", no_wrap=True)
    for build in ordered:
        table.add_row(
            Text(build.build_id),
            Text(build.build_tag or ""),
            _status(build),
            _size(build.image_size) if build.image_size else "",
            _when(build.created_at),
            _when(build.finished_at),
        )
    app.out.print(table)


def show_build(app: App, build: BuildV3, *, with_upload_urls: bool = False) -> None:
    """Print one build as a two-column table (or as JSON)."""
    if app.json:
        app.emit_json(build_json(build, with_upload_urls=with_upload_urls))
        return
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    rows: list[tuple[str, str | Text]] = [
        ("Build ID", build.build_id),
        ("Tag", build.build_tag or ""),
        ("Status", _status(build)),
        ("Image size", _size(build.image_size)),
        ("Organization", build.org_id),
        ("Created by", build.created_by),
        ("Created", _when(build.created_at)),
        ("Started", _when(build.started_at)),
        ("Finished", _when(build.finished_at)),
    ]
    if build.share_url:
        rows.append(("Share URL", build.share_url))
    if isinstance(build, CreatedBuildV3WithMultipartUrls):
        rows.append(
            ("Upload parts", f"{len(build.upload_parts)} of at most {_size(build.max_chunk_size)}")
        )
    for name, value in rows:
        # Server and user data (a tag like "[/x]") is text, never rich markup.
        table.add_row(name, Text(value) if isinstance(value, str) else value)
    app.out.print(table)
