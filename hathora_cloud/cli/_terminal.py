"""The one way CLI text reaches a terminal or a pipe: escaped, redacted, and written whole.

Everything the CLI prints goes through a :class:`Terminal`:

- its two rich consoles show server data with escape sequences, C1 controls, bidi overrides and
  lone surrogates visibly escaped (so a hostile build tag or log line cannot rewrite the user's
  terminal), before layout so tables stay aligned, and again on every rendered segment;
- its two :class:`Output` streams mask the token in every byte written (tables, JSON, argparse
  messages, log lines, tracebacks), and on stderr also the query strings of URLs (presigned
  upload URLs carry their signature there);
- :class:`Output` writes every byte or raises ``BrokenPipeError`` there and then: Python's own
  ``sys.stdout`` may drop the rest of a short write (``PYTHONUNBUFFERED``) or fail only at
  interpreter exit, after the exit code was chosen.
"""

from __future__ import annotations

import os
import re
import select
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any, TextIO, cast

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Text

from .._logging import printable

__all__ = ("Output", "Redactor", "SafeConsole", "Terminal")

_MIN_SECRET = 8
"""Shorter values are not masked: masking every ``t`` of a test token ``t`` would garble output."""
_MASK = "***"
_URL_QUERY = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s?#\"'<>]*)\?[^\s\"'<>#]*")
_PIPE_WIDTH = 200
"""Columns of a table written to a pipe (unless ``COLUMNS`` says otherwise): nothing is cut."""


class Redactor:
    """Mask secrets in text: the token always, URL query strings in diagnostics."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is masked whole.
        unique = {secret for secret in secrets if len(secret) >= _MIN_SECRET}
        self._secrets = tuple(sorted(unique, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        """Return ``text`` with every known secret replaced by ``***``."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, _MASK)
        return text

    def diagnostic(self, text: str) -> str:
        """Return ``text`` with secrets and every URL's query string masked."""
        return self(_URL_QUERY.sub(rf"\1?{_MASK}", text))


class Output:
    """A text stream over stdout or stderr that masks secrets and writes every byte or fails.

    Args:
        stream: The interpreter's stream (``sys.stdout`` or ``sys.stderr``).
        redact: Applied to every string written.
    """

    def __init__(self, stream: TextIO, redact: Callable[[str], str]) -> None:
        self._stream = stream
        self.redact = redact
        self.encoding: str = getattr(stream, "encoding", None) or "utf-8"
        try:
            self._fd: int | None = stream.fileno()
        except (AttributeError, OSError, ValueError):  # a test's StringIO: no descriptor
            self._fd = None
        if self._fd is not None and os.name == "nt" and os.isatty(self._fd):
            self._fd = None  # the Windows console wants its own stream's wide-character writes

    def write(self, text: str) -> int:
        """Write ``text`` (redacted) completely; raise ``BrokenPipeError`` if the reader left."""
        clean = self.redact(text)
        if self._fd is None:
            self._stream.write(clean)
            self._stream.flush()
            return len(text)
        self._stream.flush()  # whatever the interpreter's stream still holds goes first
        view = memoryview(clean.encode(self.encoding, "backslashreplace"))
        while view:
            try:
                written = os.write(self._fd, view)
            except BlockingIOError:  # a non-blocking descriptor inherited from the parent
                select.select([], [self._fd], [])
                continue
            view = view[written:]
        return len(text)

    def flush(self) -> None:
        """Nothing to do: :meth:`write` leaves nothing behind."""

    def isatty(self) -> bool:
        """Whether the stream is a terminal."""
        return self._stream.isatty()

    def fileno(self) -> int:
        """Return the stream's file descriptor."""
        return self._stream.fileno()


class SafeConsole(Console):
    """A rich console that never lets server data steer the terminal.

    Strings are escaped (and redacted) before they become :class:`~rich.text.Text`, so tables
    measure what is shown; every rendered segment is checked once more for text that arrived
    some other way. Markup, emoji codes and highlighting are off: data is shown as it is.
    """

    def __init__(self, file: Output, *, width: int | None = None) -> None:
        super().__init__(
            file=cast(IO[str], file), width=width, markup=False, emoji=False, highlight=False
        )
        self._redact = file.redact

    def render_str(self, text: str, **kwargs: Any) -> Text:
        """Turn a string into text, escaped and redacted first."""
        return super().render_str(self._redact(printable(text)), **kwargs)

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        """Render as rich does, escaping any segment that still carries a control character."""
        for segment in super().render(renderable, options):
            text = segment.text
            if segment.control is None and printable(text) is not text:
                yield Segment(printable(text), segment.style)
            else:
                yield segment

    def on_broken_pipe(self) -> None:
        """Let a closed stdout reach the CLI's one handler (rich's own would exit 1)."""
        raise BrokenPipeError


class Terminal:
    """Stdout and stderr, as redacting streams and as safe rich consoles.

    Args:
        secrets: Masked everywhere (the token).
        hidden: Masked on stderr only: values the command was given and never prints itself
            (``--env`` values), in case a server's error message echoes them. Stdout keeps
            them, so a build tag that happens to equal one is not garbled in results.

    Attributes:
        out_file: Stdout (results, JSON); masks the token.
        err_file: Stderr (notes, log lines, errors); masks the token, the hidden values and URL
            query strings.
        out: The console for results on stdout.
        err: The console for everything else, on stderr.
    """

    def __init__(self, secrets: Sequence[str] = (), hidden: Sequence[str] = ()) -> None:
        self.redactor = Redactor(secrets)
        self.err_redactor = Redactor((*secrets, *hidden))
        self.out_file = Output(sys.stdout, self.redactor)
        self.err_file = Output(sys.stderr, self.err_redactor.diagnostic)
        piped = not self.out_file.isatty() and "COLUMNS" not in os.environ
        self.out = SafeConsole(self.out_file, width=_PIPE_WIDTH if piped else None)
        self.err = SafeConsole(self.err_file)

    def write_plain(self, text: str, *, stderr: bool = True) -> None:
        """Write text as is but escaped (argparse messages, tracebacks): no rich layout."""
        (self.err_file if stderr else self.out_file).write(printable(text))

    def print_traceback(self, error: BaseException) -> None:
        """Write ``error``'s traceback to stderr, escaped and redacted (``--verbose``)."""
        self.write_plain("".join(traceback.format_exception(error)))
