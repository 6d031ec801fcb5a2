"""A faithful local emulator of Hathora Cloud's BuildsV3 and DeploymentsV3, for tests and demos.

``async with FakeHathora() as fake:`` serves the wire contract on 127.0.0.1: bearer auth,
``orgId``, exact status codes and ``{"message"}`` errors, S3-style presigned multipart
uploads, a run endpoint that inspects the uploaded tarball and streams a build log, apps and
their deployments, and fault injection (:class:`FaultRule`, or a spec string for
:func:`parse_fault_spec`) for resilience tests. ``docs/emulator.md`` describes every knob.

:func:`set_testing` makes every retry wait of the SDK zero (attempts and decisions unchanged),
so tests that provoke retries stay fast without patching anything::

    set_testing(True)            # from now on
    with set_testing(True): ...  # or just for a block (the previous state comes back)

Names are loaded on first use, so that importing a submodule (the command line's options) does
not start up the whole server machinery.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .._retry import is_testing, set_testing

if TYPE_CHECKING:
    from ._deploy_state import DeploymentState as DeploymentState
    from ._deploy_state import PortState as PortState
    from ._fake import FakeHathora as FakeHathora
    from ._fake import serve as serve
    from ._fault_spec import parse_fault_spec as parse_fault_spec
    from ._faults import FaultRegistry as FaultRegistry
    from ._faults import FaultRule as FaultRule
    from ._state import BuildState as BuildState
    from ._state import FaultKind as FaultKind
    from ._state import PartInfo as PartInfo
    from ._state import RecordedRequest as RecordedRequest
    from ._state import UploadState as UploadState
    from ._tarball import make_tarball as make_tarball

_WHERE = {
    "BuildState": "_state",
    "DeploymentState": "_deploy_state",
    "FakeHathora": "_fake",
    "FaultKind": "_state",
    "FaultRegistry": "_faults",
    "FaultRule": "_faults",
    "PartInfo": "_state",
    "PortState": "_deploy_state",
    "RecordedRequest": "_state",
    "UploadState": "_state",
    "make_tarball": "_tarball",
    "parse_fault_spec": "_fault_spec",
    "serve": "_fake",
}

__all__ = (
    "BuildState",
    "DeploymentState",
    "FakeHathora",
    "FaultKind",
    "FaultRegistry",
    "FaultRule",
    "PartInfo",
    "PortState",
    "RecordedRequest",
    "UploadState",
    "is_testing",
    "make_tarball",
    "parse_fault_spec",
    "serve",
    "set_testing",
)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
