"""Show deployments: tables for people, camelCase JSON (every field) for programs.

Environment values are often secrets (API keys, database passwords), so they are shown only
with ``--show-env``: tables list the variables' names, and JSON keeps every entry with its
``name`` and a ``value`` of ``null`` (a script sees the key and cannot mistake the gap for an
empty value, or deploy it back by accident).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs
from rich.console import JustifyMethod, RenderableType
from rich.table import Table

from ..models import BuildV3, ContainerPort, Deployed, DeploymentV3
from ._app import App
from ._render import build_json, styled_status
from ._shorthand import port_text
from ._values import iso_utc, model_json, size

__all__ = (
    "deployed_json",
    "deployment_json",
    "show_deployed",
    "show_deployment",
    "show_deployments",
)

_GAP = 2
"""Columns between two table columns (rich's default padding of one on each side)."""


def deployment_json(deployment: DeploymentV3, *, show_env: bool) -> dict[str, Any]:
    """Return every field of the deployment as camelCase JSON; env values ``null`` unless shown."""
    data: dict[str, Any] = model_json(deployment)
    if not show_env:
        for entry in data["env"]:
            entry["value"] = None
    return data


def deployed_json(build: BuildV3, deployment: DeploymentV3 | None, *, show_env: bool) -> Any:
    """Return ``deploy``'s JSON: ``{"build": …, "deployment": …}`` (``null`` when none was made)."""
    shown = None if deployment is None else deployment_json(deployment, show_env=show_env)
    return {"build": build_json(build), "deployment": shown}


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _port(port: ContainerPort) -> str:
    """The default port without its name when that is the usual ``default``."""
    return f"{port.port}/{port.transport_type}" if port.name == "default" else port_text(port)


def _env(deployment: DeploymentV3, show_env: bool) -> str:
    if not deployment.env:
        return ""
    if show_env:
        return "\n".join(f"{item.name}={item.value}" for item in deployment.env)
    names = ", ".join(item.name for item in deployment.env)
    return f"{names} (values hidden: --show-env)"


def _gpu(deployment: DeploymentV3) -> str:
    if deployment.requested_gpu is not None:
        return _number(deployment.requested_gpu)
    experimental = deployment.experimental_requested_gpu
    return "" if experimental is None else f"{_number(experimental)} (experimental)"


def _rows(deployment: DeploymentV3, show_env: bool) -> list[tuple[str, RenderableType]]:
    return [
        ("Deployment ID", deployment.deployment_id),
        ("App", deployment.app_id),
        ("Build ID", deployment.build_id),
        ("Build tag", deployment.build_tag or ""),
        ("Tag", deployment.deployment_tag or ""),
        ("Created", iso_utc(deployment.created_at) or ""),
        ("Created by", deployment.created_by),
        ("Rooms per process", str(deployment.rooms_per_process)),
        ("Port", _port(deployment.default_container_port)),
        ("Additional ports", ", ".join(map(port_text, deployment.additional_container_ports))),
        ("Memory", f"{_number(deployment.requested_memory_mb)} MB"),
        ("CPU", _number(deployment.requested_cpu)),
        ("GPU", _gpu(deployment)),
        ("Idle timeout", "on" if deployment.idle_timeout_enabled else "off"),
        ("Fleet", deployment.fleet_id or ""),
        ("Env", _env(deployment, show_env)),
    ]


def _print_rows(app: App, rows: Sequence[tuple[str, RenderableType]]) -> None:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for name, value in rows:
        table.add_row(name, value)
    app.out.print(table)


def show_deployment(app: App, deployment: DeploymentV3) -> None:
    """Print one deployment as a two-column table, or as JSON."""
    if app.json:
        app.emit_json(deployment_json(deployment, show_env=app.show_env))
        return
    _print_rows(app, _rows(deployment, app.show_env))


def show_deployed(app: App, deployed: Deployed) -> None:
    """Print what ``deploy`` made: the deployment, with its build's status and image size."""
    if app.json:
        app.emit_json(deployed_json(deployed.build, deployed.deployment, show_env=app.show_env))
        return
    rows = _rows(deployed.deployment, app.show_env)
    build = deployed.build
    at = next(index for index, (name, _) in enumerate(rows) if name == "Build ID") + 1
    rows[at:at] = [("Build status", styled_status(build)), ("Image size", size(build.image_size))]
    _print_rows(app, rows)


@attrs.frozen
class _Column:
    """One column of the deployment list; on a narrow terminal the highest rank goes first."""

    header: str
    cell: Callable[[DeploymentV3], str]
    drop_rank: int
    justify: JustifyMethod = "left"


_LIST_COLUMNS = (
    _Column("DEPLOYMENT ID", lambda deployment: deployment.deployment_id, 0),
    _Column("BUILD ID", lambda deployment: deployment.build_id, 1),
    _Column("TAG", lambda deployment: deployment.deployment_tag or "", 4),
    _Column("CREATED", lambda deployment: iso_utc(deployment.created_at) or "", 2),
    _Column("PORT", lambda deployment: _port(deployment.default_container_port), 3),
    _Column("ROOMS", lambda deployment: str(deployment.rooms_per_process), 6, "right"),
    _Column("MEMORY", lambda d: f"{_number(d.requested_memory_mb)} MB", 5, "right"),
    _Column("CPU", lambda deployment: _number(deployment.requested_cpu), 7, "right"),
)


def _fit(widths: dict[str, int], available: int) -> list[_Column]:
    """The columns that fit ``available`` cells; the two ids always stay (they never wrap)."""
    shown = list(_LIST_COLUMNS)
    while sum(widths[column.header] for column in shown) + _GAP * (len(shown) - 1) > available:
        droppable = [column for column in shown if column.drop_rank > 1]
        if not droppable:
            break
        shown.remove(max(droppable, key=lambda column: column.drop_rank))
    return shown


def show_deployments(
    app: App, deployments: Sequence[DeploymentV3], filters: Sequence[str] = ()
) -> None:
    """Print deployments in the service's order as a table, or as a JSON array.

    Args:
        app: The command's app.
        deployments: What the service listed (newest first, as it returns them).
        filters: The filters given (``--deployment-tag v1``), named when nothing matched.
    """
    if app.json:
        app.emit_json([deployment_json(item, show_env=app.show_env) for item in deployments])
        return
    if not deployments:
        app.err.print(f"No deployments{' match ' + ' '.join(filters) if filters else ''}.")
        return
    cells = {column.header: [column.cell(item) for item in deployments] for column in _LIST_COLUMNS}
    widths = {
        header: max(app.out.render_str(text).cell_len for text in (header, *texts))
        for header, texts in cells.items()
    }
    columns = _fit(widths, app.out.width)
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in columns:
        width = widths[column.header]
        table.add_column(
            column.header, justify=column.justify, no_wrap=True, width=width, min_width=width
        )
    for index in range(len(deployments)):
        table.add_row(*(cells[column.header][index] for column in columns))
    needed = sum(widths[column.header] for column in columns) + _GAP * (len(columns) - 1)
    if needed > app.out.width:  # narrower than the two ids: overflow rather than cut
        table.width = needed
    app.out.print(table, crop=False)
