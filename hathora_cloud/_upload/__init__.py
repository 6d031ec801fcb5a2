"""The upload subsystem: from a directory, tarball or bytes to an uploaded, run, judged build.

Below ``funcs`` and above the request layer: it calls ``send_json``/``send_stream`` with the
operation descriptions directly, never the public functions. Modules, in the order a build goes
through them:

* ``source`` - what to upload: a tarball, ``bytes``, or a directory packed by ``packing``;
* ``plan`` - the service's part list checked against the file, as byte ranges;
* ``presigned`` - part PUTs and the completion, on the shared retry engine;
* ``parts`` - the concurrent workers and progress;
* ``upload`` - create → plan → parts → complete (``builds_v3_upload_build``);
* ``wait`` - polling to a terminal status (``builds_v3_wait_for_build``);
* ``run`` - upload → run → log → verdict (``builds_v3_upload_and_run``);
* ``deploy`` - options checked → (latest deployment) → upload and run → deployment
  (``deployments_v3_deploy``).
"""

import contextlib

# anyio imports its asyncio backend on the first worker-thread call, on the event loop: about 20 ms
# of stall in the middle of a game server's first upload. Import it with the upload code instead.
with contextlib.suppress(ImportError):
    import anyio._backends._asyncio  # noqa: F401

from .run import upload_and_run as upload_and_run
from .source import UploadSource as UploadSource
from .upload import upload_build as upload_build
from .wait import wait_for_build as wait_for_build

__all__ = ("UploadSource", "upload_and_run", "upload_build", "wait_for_build")
