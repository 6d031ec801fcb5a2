"""``HathoraCloud``: the class facade whose methods return values or raise the error.

It wraps the standalone functions exactly as the TypeScript SDK's ``HathoraCloud`` class does::

    async with HathoraCloud(hathora_dev_token="...") as hathora:
        build = await hathora.builds_v3.get_build("bld-...")

Each method is derived from its standalone function (:func:`_raising`), so it has the very same
parameters and cannot drift from it; it returns ``result.unwrap()``.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

from ._core import HathoraCloudCore
from .funcs.builds_v3_create_build import builds_v3_create_build
from .funcs.builds_v3_create_build_registry import builds_v3_create_build_registry
from .funcs.builds_v3_delete_build import builds_v3_delete_build
from .funcs.builds_v3_get_build import builds_v3_get_build
from .funcs.builds_v3_get_builds import builds_v3_get_builds
from .funcs.builds_v3_run_build import builds_v3_run_build
from .funcs.builds_v3_run_build_registry import builds_v3_run_build_registry
from .funcs.builds_v3_upload_and_run import builds_v3_upload_and_run
from .funcs.builds_v3_upload_build import builds_v3_upload_build
from .funcs.builds_v3_wait_for_build import builds_v3_wait_for_build
from .funcs.deployments_v3_create_deployment import deployments_v3_create_deployment
from .funcs.deployments_v3_deploy import deployments_v3_deploy
from .funcs.deployments_v3_get_deployment import deployments_v3_get_deployment
from .funcs.deployments_v3_get_deployments import deployments_v3_get_deployments
from .funcs.deployments_v3_get_latest_deployment import deployments_v3_get_latest_deployment
from .funcs.deployments_v3_iter_deployments import deployments_v3_iter_deployments
from .result import Err, Ok

__all__ = ("BuildsV3", "DeploymentsV3", "HathoraCloud")

P = ParamSpec("P")
T = TypeVar("T")


class _Group:
    """One API group of the facade, bound to its core."""

    def __init__(self, core: HathoraCloudCore) -> None:
        self._core = core


def _raising(
    func: Callable[Concatenate[HathoraCloudCore, P], Awaitable[Ok[T] | Err[Any]]],
) -> Callable[Concatenate[_Group, P], Coroutine[Any, Any, T]]:
    """Make the facade method of ``func``: same parameters, the value returned or raised."""

    @functools.wraps(func)
    async def method(self: _Group, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return (await func(self._core, *args, **kwargs)).unwrap()

    summary = (func.__doc__ or "").strip().split("\n", 1)[0]
    method.__doc__ = (
        f"{summary}\n\nReturns the value, or raises the error (a ``HathoraError``); the "
        f"parameters are those of :func:`hathora_cloud.funcs.{func.__name__}`."
    )
    return method


def _raising_items(
    func: Callable[Concatenate[HathoraCloudCore, P], AsyncGenerator[Ok[T] | Err[Any], None]],
) -> Callable[Concatenate[_Group, P], AsyncGenerator[T, None]]:
    """Make the facade iterator of ``func``: same parameters, bare values, the error raised."""

    @functools.wraps(func)
    async def method(self: _Group, /, *args: P.args, **kwargs: P.kwargs) -> AsyncGenerator[T, None]:
        # aclosing: a consumer that stops early closes the underlying iterator at once.
        async with contextlib.aclosing(func(self._core, *args, **kwargs)) as items:
            async for item in items:
                yield item.unwrap()

    summary = (func.__doc__ or "").strip().split("\n", 1)[0]
    method.__doc__ = (
        f"{summary}\n\nYields the values and raises the first error (a ``HathoraError``); the "
        f"parameters are those of :func:`hathora_cloud.funcs.{func.__name__}`."
    )
    return method


class BuildsV3(_Group):
    """The BuildsV3 operations; each returns its value or raises a ``HathoraError``."""

    get_builds = _raising(builds_v3_get_builds)
    create_build = _raising(builds_v3_create_build)
    get_build = _raising(builds_v3_get_build)
    delete_build = _raising(builds_v3_delete_build)
    create_build_registry = _raising(builds_v3_create_build_registry)
    run_build = _raising(builds_v3_run_build)
    run_build_registry = _raising(builds_v3_run_build_registry)
    upload_build = _raising(builds_v3_upload_build)
    wait_for_build = _raising(builds_v3_wait_for_build)
    upload_and_run = _raising(builds_v3_upload_and_run)


class DeploymentsV3(_Group):
    """The DeploymentsV3 operations and ``deploy``; each returns its value or raises."""

    get_deployments = _raising(deployments_v3_get_deployments)
    create_deployment = _raising(deployments_v3_create_deployment)
    get_latest_deployment = _raising(deployments_v3_get_latest_deployment)
    get_deployment = _raising(deployments_v3_get_deployment)
    deploy = _raising(deployments_v3_deploy)
    iter_deployments = _raising_items(deployments_v3_iter_deployments)


class HathoraCloud(HathoraCloudCore):
    """The SDK as one object: ``hathora.builds_v3.get_build(...)`` returns a value or raises.

    Takes the same keywords as :class:`HathoraCloudCore` (it is one, as the TypeScript SDK's
    ``HathoraCloud`` and ``HathoraCloudCore`` share their base): ``.core`` works with the
    standalone functions too, and closing either closes both.
    """

    @functools.cached_property
    def builds_v3(self) -> BuildsV3:
        """The BuildsV3 operations."""
        return BuildsV3(self)

    @functools.cached_property
    def deployments_v3(self) -> DeploymentsV3:
        """The DeploymentsV3 operations."""
        return DeploymentsV3(self)

    @property
    def core(self) -> HathoraCloudCore:
        """The core behind the facade, for the standalone functions."""
        return self

    async def __aenter__(self) -> HathoraCloud:
        return self
