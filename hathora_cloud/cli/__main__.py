"""``python -m hathora_cloud.cli``: the same as the ``hathora-cloud`` command."""

from . import main

raise SystemExit(main())
