"""A faithful local emulator of Hathora's BuildsV3 service, for tests and demos.

``async with FakeHathora() as fake:`` serves the wire contract on 127.0.0.1: bearer auth,
``orgId``, exact status codes and ``{"message"}`` errors, S3-style presigned multipart
uploads, a run endpoint that inspects the uploaded tarball and streams a build log, and
fault injection (:class:`FaultRule`) for resilience tests.

:func:`set_testing` makes every retry wait of the SDK zero (attempts and decisions unchanged),
so tests that provoke retries stay fast without patching anything::

    set_testing(True)            # from now on
    with set_testing(True): ...  # or just for a block (the previous state comes back)
"""

from .._retry import is_testing, set_testing
from ._fake import FakeHathora, serve
from ._faults import FaultRegistry, FaultRule
from ._state import BuildState, FaultKind, PartInfo, RecordedRequest, UploadState
from ._tarball import make_tarball

__all__ = (
    "BuildState",
    "FakeHathora",
    "FaultKind",
    "FaultRegistry",
    "FaultRule",
    "PartInfo",
    "RecordedRequest",
    "UploadState",
    "is_testing",
    "make_tarball",
    "serve",
    "set_testing",
)
