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

:class:`HathoraCloud` is the class facade whose methods return values or raise.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from . import _logging
from ._core import HathoraCloudCore as HathoraCloudCore
from ._version import __version__ as __version__
from .result import CallMeta as CallMeta
from .result import Err as Err
from .result import Ok as Ok
from .result import Result as Result
from .retries import BackoffStrategy as BackoffStrategy
from .retries import RequestOptions as RequestOptions
from .retries import RetryConfig as RetryConfig

if TYPE_CHECKING:
    from .sdk import HathoraCloud as HathoraCloud

# A library stays silent unless the application configures logging.
logging.getLogger("hathora_cloud").addHandler(logging.NullHandler())
_logging.configure_from_env()  # HATHORA_LOG=debug|info|warning: log lines on stderr, no code

__all__ = (
    "BackoffStrategy",
    "CallMeta",
    "Err",
    "HathoraCloud",
    "HathoraCloudCore",
    "Ok",
    "RequestOptions",
    "Result",
    "RetryConfig",
    "__version__",
)


def __getattr__(name: str) -> Any:
    # The facade imports every operation; load it only when asked for.
    if name == "HathoraCloud":
        from .sdk import HathoraCloud

        globals()["HathoraCloud"] = HathoraCloud
        return HathoraCloud
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
