"""A faithful local emulator of Hathora's BuildsV3 service, for tests and demos.

``async with FakeHathora() as fake:`` serves the wire contract on 127.0.0.1: bearer auth,
``orgId``, exact status codes and ``{"message"}`` errors, S3-style presigned multipart
uploads, a run endpoint that inspects the uploaded tarball and streams a build log, and
fault injection (:class:`FaultRule`) for resilience tests.
"""

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
    "make_tarball",
    "serve",
)
