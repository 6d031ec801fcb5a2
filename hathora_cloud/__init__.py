"""Async-first Python SDK for Hathora Cloud's BuildsV3 API.

Standalone functions take a :class:`HathoraCloudCore` and return ``Ok``/``Err``::

    from hathora_cloud import HathoraCloudCore, Ok, Err
    from hathora_cloud.funcs import builds_v3_get_builds

    async with HathoraCloudCore(hathora_dev_token="...") as core:
        match await builds_v3_get_builds(core):
            case Ok(value=page):
                print(len(page.builds))
            case Err(error=error):
                print("failed:", error)

:class:`HathoraCloud` is the class facade whose methods return values or raise. Every type a
callback, annotation or ``except`` clause needs (results, errors, models, progress, hooks, the
log stream) can be imported from here too.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from . import _logging
from ._core import HathoraCloudCore as HathoraCloudCore
from ._version import __version__ as __version__
from .errors import ApiError as ApiError
from .errors import BuildFailedError as BuildFailedError
from .errors import HathoraCloudError as HathoraCloudError
from .errors import HathoraError as HathoraError
from .errors import HTTPClientError as HTTPClientError
from .errors import HTTPConnectionError as HTTPConnectionError
from .errors import InvalidRequestError as InvalidRequestError
from .errors import OperationError as OperationError
from .errors import RequestAbortedError as RequestAbortedError
from .errors import RequestTimeoutError as RequestTimeoutError
from .errors import ResponseValidationError as ResponseValidationError
from .errors import SDKError as SDKError
from .errors import SDKValidationError as SDKValidationError
from .errors import UnexpectedClientError as UnexpectedClientError
from .errors import UploadAndRunError as UploadAndRunError
from .errors import UploadBuildError as UploadBuildError
from .errors import UploadError as UploadError
from .hooks import HookContext as HookContext
from .hooks import HookRequest as HookRequest
from .hooks import HookResponse as HookResponse
from .hooks import Hooks as Hooks
from .result import CallMeta as CallMeta
from .result import Err as Err
from .result import Ok as Ok
from .result import Result as Result
from .retries import BackoffStrategy as BackoffStrategy
from .retries import RequestOptions as RequestOptions
from .retries import RetryConfig as RetryConfig

if TYPE_CHECKING:
    from .models import BuildPart as BuildPart
    from .models import BuildStatus as BuildStatus
    from .models import BuildsV3Page as BuildsV3Page
    from .models import BuildV3 as BuildV3
    from .models import ContainerPort as ContainerPort
    from .models import CreateBuildV3Params as CreateBuildV3Params
    from .models import CreatedBuildV3WithMultipartUrls as CreatedBuildV3WithMultipartUrls
    from .models import CreateMultipartBuildParams as CreateMultipartBuildParams
    from .models import DeletedBuild as DeletedBuild
    from .models import Deployed as Deployed
    from .models import DeploymentConfigV3 as DeploymentConfigV3
    from .models import DeploymentSettings as DeploymentSettings
    from .models import DeploymentsV3Page as DeploymentsV3Page
    from .models import DeploymentV3 as DeploymentV3
    from .models import EnvVar as EnvVar
    from .models import RegistryConfig as RegistryConfig
    from .models import TransportType as TransportType
    from .sdk import HathoraCloud as HathoraCloud
    from .streams import BuildLogStream as BuildLogStream
    from .uploads import LogLineCallback as LogLineCallback
    from .uploads import ProgressCallback as ProgressCallback
    from .uploads import SkippedFile as SkippedFile
    from .uploads import UploadPhase as UploadPhase
    from .uploads import UploadProgress as UploadProgress

# A library stays silent unless the application configures logging.
logging.getLogger("hathora_cloud").addHandler(logging.NullHandler())
_logging.configure_from_env()  # HATHORA_LOG=debug|info|warning: log lines on stderr, no code

__all__ = (
    "ApiError",
    "BackoffStrategy",
    "BuildFailedError",
    "BuildLogStream",
    "BuildPart",
    "BuildStatus",
    "BuildV3",
    "BuildsV3Page",
    "CallMeta",
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
    "Err",
    "HTTPClientError",
    "HTTPConnectionError",
    "HathoraCloud",
    "HathoraCloudCore",
    "HathoraCloudError",
    "HathoraError",
    "HookContext",
    "HookRequest",
    "HookResponse",
    "Hooks",
    "InvalidRequestError",
    "LogLineCallback",
    "Ok",
    "OperationError",
    "ProgressCallback",
    "RegistryConfig",
    "RequestAbortedError",
    "RequestOptions",
    "RequestTimeoutError",
    "ResponseValidationError",
    "Result",
    "RetryConfig",
    "SDKError",
    "SDKValidationError",
    "SkippedFile",
    "TransportType",
    "UnexpectedClientError",
    "UploadAndRunError",
    "UploadBuildError",
    "UploadError",
    "UploadPhase",
    "UploadProgress",
    "__version__",
)


_MODELS = frozenset(
    (
        "BuildPart",
        "BuildStatus",
        "BuildsV3Page",
        "BuildV3",
        "ContainerPort",
        "CreateBuildV3Params",
        "CreatedBuildV3WithMultipartUrls",
        "CreateMultipartBuildParams",
        "DeletedBuild",
        "Deployed",
        "DeploymentConfigV3",
        "DeploymentSettings",
        "DeploymentsV3Page",
        "DeploymentV3",
        "EnvVar",
        "RegistryConfig",
        "TransportType",
    )
)


_UPLOADS = frozenset(
    ("LogLineCallback", "ProgressCallback", "SkippedFile", "UploadPhase", "UploadProgress")
)


def __getattr__(name: str) -> Any:
    # The facade imports every operation, each API group's models cost their class creation,
    # and a program that only reads builds needs neither the log stream nor upload progress:
    # load them only when asked for.
    if name == "HathoraCloud":
        from .sdk import HathoraCloud

        value: Any = HathoraCloud
    elif name == "BuildLogStream":
        from .streams import BuildLogStream

        value = BuildLogStream
    elif name in _UPLOADS:
        from . import uploads

        value = getattr(uploads, name)
    elif name in _MODELS:
        from . import models

        value = getattr(models, name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
