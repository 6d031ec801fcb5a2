"""The ``hathora-cloud`` command: BuildsV3 and DeploymentsV3 from a terminal or a CI job.

Needs the ``cli`` extra (``pip install 'hathora-cloud[cli]'``) for rich's progress bar and
tables. ``import hathora_cloud`` never imports this package.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ("main",)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code (see the README's exit-code table).

    Args:
        argv: The arguments without the program name; ``sys.argv[1:]`` when ``None``.
    """
    try:
        from ._main import run
    except ImportError as error:
        if error.name != "rich":
            raise
        sys.stderr.write("hathora-cloud: the CLI needs rich: pip install 'hathora-cloud[cli]'\n")
        return 2
    return run(argv)
