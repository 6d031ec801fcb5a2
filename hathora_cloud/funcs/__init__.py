"""The standalone functions: one coroutine per operation, each taking the core first.

Importing one name imports only its module::

    from hathora_cloud.funcs import builds_v3_get_build
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .builds_v3_create_build import builds_v3_create_build as builds_v3_create_build
    from .builds_v3_create_build_registry import (
        builds_v3_create_build_registry as builds_v3_create_build_registry,
    )
    from .builds_v3_delete_build import builds_v3_delete_build as builds_v3_delete_build
    from .builds_v3_get_build import builds_v3_get_build as builds_v3_get_build
    from .builds_v3_get_builds import builds_v3_get_builds as builds_v3_get_builds
    from .builds_v3_run_build import builds_v3_run_build as builds_v3_run_build
    from .builds_v3_run_build_registry import (
        builds_v3_run_build_registry as builds_v3_run_build_registry,
    )
    from .builds_v3_upload_and_run import builds_v3_upload_and_run as builds_v3_upload_and_run
    from .builds_v3_upload_build import builds_v3_upload_build as builds_v3_upload_build
    from .builds_v3_wait_for_build import builds_v3_wait_for_build as builds_v3_wait_for_build
    from .deployments_v3_create_deployment import (
        deployments_v3_create_deployment as deployments_v3_create_deployment,
    )
    from .deployments_v3_deploy import deployments_v3_deploy as deployments_v3_deploy
    from .deployments_v3_get_deployment import (
        deployments_v3_get_deployment as deployments_v3_get_deployment,
    )
    from .deployments_v3_get_deployments import (
        deployments_v3_get_deployments as deployments_v3_get_deployments,
    )
    from .deployments_v3_get_latest_deployment import (
        deployments_v3_get_latest_deployment as deployments_v3_get_latest_deployment,
    )
    from .deployments_v3_iter_deployments import (
        deployments_v3_iter_deployments as deployments_v3_iter_deployments,
    )

__all__ = (
    "builds_v3_create_build",
    "builds_v3_create_build_registry",
    "builds_v3_delete_build",
    "builds_v3_get_build",
    "builds_v3_get_builds",
    "builds_v3_run_build",
    "builds_v3_run_build_registry",
    "builds_v3_upload_and_run",
    "builds_v3_upload_build",
    "builds_v3_wait_for_build",
    "deployments_v3_create_deployment",
    "deployments_v3_deploy",
    "deployments_v3_get_deployment",
    "deployments_v3_get_deployments",
    "deployments_v3_get_latest_deployment",
    "deployments_v3_iter_deployments",
)


def __getattr__(name: str) -> Any:
    if name in __all__:
        value = getattr(importlib.import_module(f"{__name__}.{name}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


# Why lazy: a program that calls one operation should not pay for the others (the upload stack
# alone brings tarfile, gzip, XML and worker threads). Measured with instruction counts
# (valgrind --tool=callgrind, independent of machine load), after the dependencies are imported:
# importing builds_v3_get_build costs 248 M instructions, every function of both API groups 561 M
# (2026-11-30, Python 3.11). The gap grows with each API group. Both import styles must work, so
# this is the simplest mechanism that keeps them: a module __getattr__ (PEP 562), and the class
# below, because importing the submodule hathora_cloud.funcs.<name> makes Python bind the module
# to the package attribute of the same name.


class _FuncsModule(types.ModuleType):
    """Keep ``funcs.<name>`` the function even after its same-named module is imported.

    Importing ``hathora_cloud.funcs.builds_v3_get_build`` makes Python bind the *module* to the
    package attribute, which would shadow the function; bind the function instead.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and name in __all__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _FuncsModule
