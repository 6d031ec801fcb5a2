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

__all__ = (
    "BuildPart",
    "BuildStatus",
    "BuildV3",
    "BuildsV3Page",
    "CreateBuildV3Params",
    "CreateMultipartBuildParams",
    "CreatedBuildV3WithMultipartUrls",
    "DeletedBuild",
    "RegistryConfig",
)
