"""An incremental line splitter for build logs: bytes in, complete ``str`` lines out.

``\\n``, ``\\r\\n`` and a bare ``\\r`` each end a line, also when the two bytes of ``\\r\\n`` or the
bytes of one UTF-8 character arrive in different chunks. Invalid UTF-8 becomes U+FFFD. A line
longer than ``max_line`` characters is delivered in pieces of ``max_line`` characters (the last
piece ends where the line ends), so memory stays bounded whatever the server sends; a partial
line is kept as a list of pieces, so a long line costs linear time.
"""

from __future__ import annotations

import codecs

__all__ = ("DEFAULT_MAX_LINE", "LineSplitter")

DEFAULT_MAX_LINE = 1 << 20
"""Characters after which a line without a terminator is delivered in pieces."""


class LineSplitter:
    """Split a byte stream into lines, one chunk at a time."""

    __slots__ = ("_decode", "_max_line", "_pending", "_pending_size", "_skip_lf")

    def __init__(self, max_line: int = DEFAULT_MAX_LINE) -> None:
        if max_line < 1:
            raise ValueError("max_line must be at least 1")
        self._decode = codecs.getincrementaldecoder("utf-8")("replace").decode
        self._pending: list[str] = []
        self._pending_size = 0
        self._skip_lf = False
        self._max_line = max_line

    def feed(self, chunk: bytes) -> list[str]:
        """Return the lines that ``chunk`` completes, without their terminators."""
        return self._split(self._decode(chunk))

    def _split(self, text: str) -> list[str]:
        if not text:
            return []
        if self._skip_lf:
            self._skip_lf = False
            if text[0] == "\n":
                text = text[1:]
        if "\r" in text:
            # A trailing \r ends its line now; a \n opening the next chunk then belongs to it.
            self._skip_lf = text[-1] == "\r"
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        last = lines.pop()
        if lines and self._pending:
            self._pending.append(lines[0])
            lines[0] = "".join(self._pending)
            self._pending.clear()
            self._pending_size = 0
        if last:
            self._pending.append(last)
            self._pending_size += len(last)
        # Only the first line (joined with what was pending) can be longer than the text.
        limit = self._max_line
        if self._pending_size > limit or len(text) > limit or (lines and len(lines[0]) > limit):
            return self._cut(lines)
        return lines

    def _cut(self, lines: list[str]) -> list[str]:
        """Split over-long complete lines, and deliver the pending part in full pieces."""
        limit = self._max_line
        out: list[str] = []
        for line in lines:
            if len(line) > limit:
                out.extend(line[i : i + limit] for i in range(0, len(line), limit))
            else:
                out.append(line)
        if self._pending_size > limit:
            pending = "".join(self._pending)
            whole = len(pending) - len(pending) % limit
            if whole == len(pending):
                whole -= limit  # keep the last full piece pending: the line may end right after
            out.extend(pending[i : i + limit] for i in range(0, whole, limit))
            rest = pending[whole:]
            self._pending = [rest] if rest else []
            self._pending_size = len(rest)
        return out

    def close(self) -> list[str]:
        """Return the unterminated last line, if any, once the stream has ended."""
        lines = self._split(self._decode(b"", True))
        pending = self._pending
        if not pending:
            return lines
        line = "".join(pending)
        pending.clear()
        self._pending_size = 0
        if len(line) > self._max_line:
            return [*lines, *self._cut([line])]
        return [*lines, line]
