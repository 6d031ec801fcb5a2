"""Show builds: rich tables for people, camelCase JSON (every field, always) for programs.

Cells are plain strings (styled with :class:`~rich.styled.Styled`), never pre-built ``Text``,
so the console escapes server data before the table measures it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs
from rich.console import JustifyMethod, RenderableType
from rich.styled import Styled
from rich.table import Table

from ..models import BuildV3, CreatedBuildV3WithMultipartUrls
from ._app import App
from ._values import instant, iso_utc, model_json, size

__all__ = ("build_json", "newest_first", "show_build", "show_builds", "styled_status")

_STATUS_STYLES = {
    "succeeded": "green",
    "failed": "bold red",
    "running": "yellow",
    "created": "cyan",
}
_GAP = 2
"""Columns between two table columns (rich's default padding of one on each side)."""
_TAG_WANTED = 24
"""Tags up to this many cells are shown whole when dropping other columns makes room."""
_TAG_MIN = 8
"""The narrowest a tag column may get (ellipsized) before the column is dropped instead."""


def newest_first(builds: Iterable[BuildV3]) -> list[BuildV3]:
    """Return the builds sorted by creation time, newest first."""
    return sorted(builds, key=lambda build: instant(build.created_at), reverse=True)


def build_json(build: BuildV3) -> dict[str, Any]:
    """Return every field of the build as the wire's camelCase JSON (``null`` when absent).

    A ``CreatedBuildV3WithMultipartUrls`` is shown as the ``BuildV3`` it is: its presigned
    upload URLs are credentials, never printed (``builds create --size`` stores them privately
    for ``builds upload --build-id``).
    """
    if isinstance(build, CreatedBuildV3WithMultipartUrls):
        fields = {field.name for field in attrs.fields(BuildV3)}
        build = BuildV3(**{name: getattr(build, name) for name in fields})
    data: dict[str, Any] = model_json(build)
    return data


def _when(build: BuildV3, name: str) -> str:
    return iso_utc(getattr(build, name)) or ""


def styled_status(build: BuildV3) -> RenderableType:
    """Return the build's status, coloured by what it means."""
    status = str(build.status)
    return Styled(status, _STATUS_STYLES.get(status, ""))


@attrs.frozen
class _Column:
    """One column of the build list and when it gives way on a narrow terminal."""

    header: str
    cell: Callable[[BuildV3], str]
    drop_rank: int
    """Columns go from the highest rank down, the tag (2) last; the id (0) and status (1) stay."""
    justify: JustifyMethod = "left"


_LIST_COLUMNS = (
    _Column("BUILD ID", lambda build: build.build_id, 0),
    _Column("TAG", lambda build: build.build_tag or "", 2),
    _Column("STATUS", lambda build: str(build.status), 1),
    _Column("IMAGE", lambda build: size(build.image_size) if build.image_size else "", 4, "right"),
    _Column("CREATED", lambda build: _when(build, "created_at"), 3),
    _Column("FINISHED", lambda build: _when(build, "finished_at"), 5),
)


def _fit(widths: dict[str, int], available: int) -> tuple[list[_Column], int]:
    """Choose the columns that fit ``available`` cells and the tag's width (ids never wrap).

    Less important columns give way first so that a tag of up to ``_TAG_WANTED`` cells shows
    whole; only when that cannot be had is it ellipsized (down to ``_TAG_MIN``, then dropped).

    Returns:
        The columns to show, in display order, and the width of the tag column.
    """
    for wanted in (_TAG_WANTED, _TAG_MIN):
        need = min(widths["TAG"], wanted)
        shown = list(_LIST_COLUMNS)
        while True:
            fixed = sum(widths[column.header] for column in shown if column.header != "TAG")
            room = available - fixed - _GAP * (len(shown) - 1)
            if room >= need:
                return shown, min(widths["TAG"], room)
            droppable = [column for column in shown if column.drop_rank > 2]
            if not droppable:
                break
            shown.remove(max(droppable, key=lambda column: column.drop_rank))
    essential = [column for column in _LIST_COLUMNS if column.drop_rank < 2]
    return essential, 0


def show_builds(app: App, builds: Sequence[BuildV3]) -> None:
    """Print builds as a table (or the page as JSON), newest first."""
    ordered = newest_first(builds)
    if app.json:
        app.emit_json({"builds": [build_json(build) for build in ordered]})
        return
    if not ordered:
        app.err.print("No builds.")
        return
    cells = {column.header: [column.cell(build) for build in ordered] for column in _LIST_COLUMNS}
    widths = {
        header: max(app.out.render_str(text).cell_len for text in (header, *texts))
        for header, texts in cells.items()
    }
    columns, tag_width = _fit(widths, app.out.width)
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in columns:
        width = tag_width if column.header == "TAG" else widths[column.header]
        table.add_column(
            column.header,
            justify=column.justify,
            no_wrap=True,
            overflow="ellipsis",
            width=width,
            min_width=width,
        )
    status_at = columns.index(_LIST_COLUMNS[2])
    for index, build in enumerate(ordered):
        row: list[RenderableType] = [cells[column.header][index] for column in columns]
        row[status_at] = styled_status(build)
        table.add_row(*row)
    needed = sum(column.width or 0 for column in table.columns) + _GAP * (len(columns) - 1)
    if needed > app.out.width:  # narrower than an id and a status: overflow rather than cut
        table.width = needed
    app.out.print(table, crop=False)


def show_build(app: App, build: BuildV3) -> None:
    """Print one build as a two-column table (or as JSON); upload URLs are never shown."""
    if app.json:
        app.emit_json(build_json(build))
        return
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    rows: list[tuple[str, RenderableType]] = [
        ("Build ID", build.build_id),
        ("Tag", build.build_tag or ""),
        ("Status", styled_status(build)),
        ("Image size", size(build.image_size)),
        ("Organization", build.org_id),
        ("Created by", build.created_by),
        ("Created", _when(build, "created_at")),
        ("Started", _when(build, "started_at")),
        ("Finished", _when(build, "finished_at")),
    ]
    optional = (("Expired", _when(build, "expired_at")), ("Content hash", build.content_hash))
    rows.extend((name, value) for name, value in optional if value)
    if build.share_url:
        rows.append(("Share URL", build.share_url))
    if isinstance(build, CreatedBuildV3WithMultipartUrls):
        parts = f"{len(build.upload_parts)} of at most {size(build.max_chunk_size)}"
        rows.append(("Upload parts", parts))
    for name, value in rows:
        table.add_row(name, value)
    app.out.print(table)
