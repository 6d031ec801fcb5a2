"""``HATHORA_LOG=debug|info|warning``: the SDK's log lines on stderr without a line of code.

Like the openai client's ``OPENAI_LOG``: ``import hathora_cloud`` calls :func:`configure_from_env`,
which adds one stderr handler to the ``hathora_cloud`` logger when the variable names a level.
The CLI's ``--verbose`` goes through :func:`enable` too, so both print the same lines.

The SDK never logs a secret (tokens, presigned query strings); the handler's formatter also shows
every character that could steer a terminal (escape sequences, C1 controls, bidi overrides, lone
surrogates) visibly escaped, because log lines carry server data (paths, error bodies).
"""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    _StreamHandler = logging.StreamHandler[TextIO]
else:  # typeshed makes it generic; keep run time free of subscripting it
    _StreamHandler = logging.StreamHandler

__all__ = ("ENV_VAR", "FORMAT", "configure_from_env", "enable", "installed", "printable")

ENV_VAR = "HATHORA_LOG"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
"""One line per record: when, how severe, which logger, what."""

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}
_LOGGER = "hathora_cloud"

# C0 controls but tab and newline, DEL and C1 controls (0x9b is a one-byte CSI), the bidi
# embeddings, overrides and isolates plus the marks, the line/paragraph separators, and lone
# surrogates (an encoder cannot write them).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """Return ``text`` with every character that could steer a terminal shown escaped.

    ``"\\x1b[2J"`` becomes the visible ``\\x1b[2J``; tabs, newlines and ordinary Unicode (emoji,
    joiners, accents) are kept. The result encodes to UTF-8 (no lone surrogates remain).

    Args:
        text: Any text, typically from a server.

    Returns:
        The text, safe to write to a terminal.
    """
    return text if _UNSAFE.search(text) is None else _UNSAFE.sub(_escape, text)


class _PrintableFormatter(logging.Formatter):
    """The one format of the SDK's stderr lines, terminal-safe (tracebacks included)."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record))


class _Handler(_StreamHandler):
    """The handler this module adds; its class marks it so it is never added twice."""


def installed() -> logging.StreamHandler[TextIO] | None:
    """Return the handler :func:`enable` added, or ``None`` when logging was not turned on."""
    logger = logging.getLogger(_LOGGER)
    return next((h for h in logger.handlers if isinstance(h, _Handler)), None)


def enable(level: int, stream: TextIO | None = None) -> logging.StreamHandler[TextIO]:
    """Send the ``hathora_cloud`` logger's records at ``level`` and above to stderr.

    Idempotent: a second call reuses the handler the first one added (adjusting its level and,
    when given, its stream), so a record is never printed twice.

    Args:
        level: The lowest level shown, such as ``logging.DEBUG``.
        stream: Where to write; ``sys.stderr`` when ``None``.

    Returns:
        The handler, for a caller that adds its own filter.
    """
    logger = logging.getLogger(_LOGGER)
    handler = installed()
    if handler is None:
        handler = _Handler(stream or sys.stderr)
        handler.setFormatter(_PrintableFormatter(FORMAT))
        logger.addHandler(handler)
    elif stream is not None:
        handler.setStream(stream)
    handler.setLevel(level)
    logger.setLevel(level)
    return handler


def configure_from_env() -> logging.StreamHandler[TextIO] | None:
    """Apply ``HATHORA_LOG`` (``debug``, ``info`` or ``warning``, any case) when it is set.

    An unknown value is ignored with one line on stderr saying so, never an exception: a typo in
    an environment variable must not stop an application from importing the SDK.

    Returns:
        The handler, or ``None`` when the variable is unset, empty or unknown.
    """
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return None
    level = _LEVELS.get(raw.lower())
    if level is None:
        choices = ", ".join(_LEVELS)
        sys.stderr.write(
            f"hathora_cloud: ignoring {ENV_VAR}={printable(repr(raw))}: expected one of {choices}\n"
        )
        return None
    return enable(level)
