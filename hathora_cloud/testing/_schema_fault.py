"""Schema faults: valid JSON that no longer fits the operation's response schema."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

_LIST_FIELDS = {"GetBuilds": "builds", "GetDeployments": "deployments"}
# Required and never null in every object answer (BuildV3, CreatedBuildV3WithMultipartUrls,
# DeploymentV3); error answers only have "message".
_OBJECT_FIELDS = ("createdAt", "message")


def _wrong_type(value: Any) -> Any:
    """Return a JSON value of another type than ``value``."""
    if isinstance(value, bool):
        return "true"
    if isinstance(value, str):
        return 12345
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return {"items": value}
    if isinstance(value, dict):
        return "not an object"
    return 0  # null where a nullable date-time is expected


def _default_path(body: Any, operation: str) -> list[str]:
    if not isinstance(body, dict):
        return []
    listed = _LIST_FIELDS.get(operation)
    if listed is not None and listed in body:
        return [listed]
    return next(([key] for key in _OBJECT_FIELDS if key in body), [])


def _resolve(body: Any, path: list[str]) -> dict[str, Any] | list[Any] | None:
    """Return the container holding the last component of ``path``, or ``None``."""
    node = body
    for part in path[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    last = path[-1]
    if isinstance(node, dict) and last in node:
        return node
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        return node
    return None


def break_schema(body: Any, operation: str, mode: str, field: str | None) -> Any:
    """Return ``body`` with one field broken according to ``mode``.

    Args:
        body: The parsed JSON answer (modified in place when a field is found).
        operation: The operation id, which picks the default field.
        mode: ``"missing"``, ``"wrong_type"`` or ``"null"``.
        field: A dotted path such as ``"builds.0.status"``, or ``None`` for the default.

    Returns:
        The broken body. Without a field to break (say, DeleteBuild's ``{}``, or a path that
        does not exist) the whole body is replaced: by ``null`` for ``"null"``, else by ``[]``.
    """
    path = field.split(".") if field else _default_path(body, operation)
    container = _resolve(body, path) if path else None
    if container is None:
        return None if mode == "null" else []
    if isinstance(container, list):
        index = int(path[-1])
        if mode == "missing":
            del container[index]
        else:
            container[index] = None if mode == "null" else _wrong_type(container[index])
        return body
    key = path[-1]
    if mode == "missing":
        del container[key]
    else:
        container[key] = None if mode == "null" else _wrong_type(container[key])
    return body


def break_response(
    response: web.Response, operation: str, mode: str, field: str | None
) -> web.Response:
    """Return ``response`` with its JSON body broken; other answers are returned unchanged."""
    if response.content_type != "application/json" or not isinstance(response.body, bytes):
        return response
    body = break_schema(json.loads(response.body), operation, mode, field)
    return web.json_response(body, status=response.status)
