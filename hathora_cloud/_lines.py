"""An incremental line splitter for build logs: bytes in, complete ``str`` lines out.

``\\n``, ``\\r\\n`` and a bare ``\\r`` each end a line, also when the two bytes of ``\\r\\n`` or the
bytes of one UTF-8 character arrive in different chunks. Invalid UTF-8 becomes U+FFFD. Lines have
no length limit: a partial line is kept as a list of pieces, so a long line costs linear time.
"""

from __future__ import annotations

import codecs

__all__ = ("LineSplitter",)


class LineSplitter:
    """Split a byte stream into lines, one chunk at a time."""

    __slots__ = ("_decode", "_pending", "_skip_lf")

    def __init__(self) -> None:
        self._decode = codecs.getincrementaldecoder("utf-8")("replace").decode
        self._pending: list[str] = []
        self._skip_lf = False

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
        if lines:
            pending = self._pending
            if pending:
                pending.append(lines[0])
                lines[0] = "".join(pending)
                pending.clear()
            if last:
                pending.append(last)
        elif last:
            self._pending.append(last)
        return lines

    def close(self) -> list[str]:
        """Return the unterminated last line, if any, once the stream has ended."""
        self._split(self._decode(b"", True))
        pending = self._pending
        if not pending:
            return []
        line = "".join(pending)
        pending.clear()
        return [line]
