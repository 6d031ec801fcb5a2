"""Never built: the Dockerfile next to this file fails on purpose (``RUN exit 1``)."""

print("unreachable")
