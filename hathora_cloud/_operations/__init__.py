"""One declarative description per API operation: all the request layer (``_request``) reads.

Each API group's descriptions are a module of this package (``builds_v3``, ``deployments_v3``), so
importing one operation loads only its own group's models. Adding an operation means adding an
:class:`Operation` to its group's module and a short coroutine in ``funcs/``.
"""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

import attrs

T = TypeVar("T")

JSON = "application/json"
OCTET_STREAM = "application/octet-stream"


@attrs.frozen(kw_only=True, eq=False)
class Operation(Generic[T]):
    """How one operation looks on the wire.

    Each description is a module-level singleton, compared and hashed by identity: it is part of
    the key of every prepared request (``_request.prepare``), and a generated ``__hash__`` over its
    twelve fields cost each call a Python-level call and a tuple hash.

    Attributes:
        operation_id: The TypeScript SDK's operation id (what hooks and logs see).
        method: The HTTP method.
        path: The path template, ``{name}`` marking percent-encoded path parameters.
        success_status: The one status that means success.
        success_type: ``application/json`` or ``application/octet-stream`` (a stream).
        api_error_statuses: Statuses whose JSON ``{"message"}`` body becomes an ``ApiError``.
        response_type: The model a JSON success body is structured into (``None`` for streams).
        body_type: The model of the JSON request body, ``None`` when there is no body.
        idempotent: Whether repeating the request cannot duplicate work on the server.
        query: The optional query parameters, in the order they are sent (``None`` values
            are left out, an empty string is sent as ``name=``).
        org_scoped: Whether the ``orgId`` query parameter applies (from the call or the core).
        path_defaults: Path parameters that fall back to a core attribute when the call gives
            none (``{"appId": "app_id"}``).
    """

    operation_id: str
    method: Literal["GET", "POST", "DELETE"]
    path: str
    success_status: int
    success_type: str
    api_error_statuses: frozenset[int]
    response_type: type[T] | None
    body_type: type[object] | None = None
    idempotent: bool = False
    query: tuple[str, ...] = ()
    org_scoped: bool = True
    path_defaults: tuple[tuple[str, str], ...] = ()
