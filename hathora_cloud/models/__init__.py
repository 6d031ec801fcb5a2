"""The SDK's data models: frozen attrs classes, snake_case here, camelCase on the wire."""

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
