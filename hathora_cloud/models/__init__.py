"""The SDK's data models: frozen attrs classes, snake_case here, camelCase on the wire.

One module per API group; each name is imported from its group on first use, so code that needs
only BuildsV3 never pays for building the DeploymentsV3 classes (attrs generates their methods
at import).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .builds_v3 import BuildPart as BuildPart
    from .builds_v3 import BuildStatus as BuildStatus
    from .builds_v3 import BuildsV3Page as BuildsV3Page
    from .builds_v3 import BuildV3 as BuildV3
    from .builds_v3 import CreateBuildV3Params as CreateBuildV3Params
    from .builds_v3 import CreatedBuildV3WithMultipartUrls as CreatedBuildV3WithMultipartUrls
    from .builds_v3 import CreateMultipartBuildParams as CreateMultipartBuildParams
    from .builds_v3 import DeletedBuild as DeletedBuild
    from .builds_v3 import RegistryConfig as RegistryConfig
    from .deployments_v3 import ContainerPort as ContainerPort
    from .deployments_v3 import Deployed as Deployed
    from .deployments_v3 import DeploymentConfigV3 as DeploymentConfigV3
    from .deployments_v3 import DeploymentSettings as DeploymentSettings
    from .deployments_v3 import DeploymentsV3Page as DeploymentsV3Page
    from .deployments_v3 import DeploymentV3 as DeploymentV3
    from .deployments_v3 import EnvVar as EnvVar
    from .deployments_v3 import TransportType as TransportType

_GROUPS = {
    "BuildPart": "builds_v3",
    "BuildStatus": "builds_v3",
    "BuildsV3Page": "builds_v3",
    "BuildV3": "builds_v3",
    "CreateBuildV3Params": "builds_v3",
    "CreatedBuildV3WithMultipartUrls": "builds_v3",
    "CreateMultipartBuildParams": "builds_v3",
    "DeletedBuild": "builds_v3",
    "RegistryConfig": "builds_v3",
    "ContainerPort": "deployments_v3",
    "Deployed": "deployments_v3",
    "DeploymentConfigV3": "deployments_v3",
    "DeploymentSettings": "deployments_v3",
    "DeploymentsV3Page": "deployments_v3",
    "DeploymentV3": "deployments_v3",
    "EnvVar": "deployments_v3",
    "TransportType": "deployments_v3",
}

__all__ = (
    "BuildPart",
    "BuildStatus",
    "BuildV3",
    "BuildsV3Page",
    "ContainerPort",
    "CreateBuildV3Params",
    "CreateMultipartBuildParams",
    "CreatedBuildV3WithMultipartUrls",
    "DeletedBuild",
    "Deployed",
    "DeploymentConfigV3",
    "DeploymentSettings",
    "DeploymentV3",
    "DeploymentsV3Page",
    "EnvVar",
    "RegistryConfig",
    "TransportType",
)


def __getattr__(name: str) -> Any:
    group = _GROUPS.get(name)
    if group is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{group}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
