"""``.dockerignore`` rules, parsed and matched the way ``docker build`` does (moby/patternmatcher).

``#`` comments, blank lines, ``*`` and ``?`` (never across ``/``), ``**`` (any number of
directories), ``[...]`` classes, ``\\`` escapes, ``!`` exceptions (the last matching line wins), a
leading ``/`` and a trailing ``/`` ignored, and a pattern matching a directory excludes everything
below it. A malformed pattern is an error naming its line: :class:`BadIgnorePattern`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import attrs

__all__ = ("BadIgnorePattern", "IgnoreRules", "read_rules")


class BadIgnorePattern(ValueError):
    """A ``.dockerignore`` line that is not a valid pattern."""

    def __init__(self, line: int, pattern: str, problem: str) -> None:
        super().__init__(f".dockerignore line {line}: malformed pattern {pattern!r} ({problem})")
        self.line = line
        self.pattern = pattern


def _malformed(pattern: str) -> str | None:
    """Why ``pattern`` is malformed for Go's ``filepath.Match`` (Docker's matcher), or ``None``."""
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            if index + 1 >= len(pattern):
                return "a trailing backslash escapes nothing"
            index += 2
            continue
        if char == "[":
            end, problem = _class_end(pattern, index)
            if problem is not None:
                return problem
            index = end
        index += 1
    return None


def _class_end(pattern: str, start: int) -> tuple[int, str | None]:
    """Check the character class opening at ``start``; return its closing index."""
    index = start + 1
    if index < len(pattern) and pattern[index] in "!^":
        index += 1
    first = index
    while index < len(pattern) and pattern[index] != "]":
        low = pattern[index]
        if low == "\\":
            index += 1
            if index >= len(pattern):
                break
            low = pattern[index]
        if index + 2 < len(pattern) and pattern[index + 1] == "-" and pattern[index + 2] != "]":
            high = pattern[index + 2]
            if high == "\\" and index + 3 < len(pattern):
                high = pattern[index + 3]
                index += 1
            if high < low:
                return index, f"the range {low}-{high} is reversed"
            index += 2
        elif index + 1 < len(pattern) and pattern[index + 1] == "-":
            return index, "a range has no upper bound"
        index += 1
    if index >= len(pattern):
        return index, "an unclosed ["
    if index == first:
        return index, "an empty []"
    return index, None


@attrs.frozen
class _Pattern:
    regex: re.Pattern[str]
    exception: bool


@attrs.frozen
class IgnoreRules:
    """The parsed lines of a ``.dockerignore`` file."""

    patterns: tuple[_Pattern, ...]

    @classmethod
    def parse(cls, text: str) -> IgnoreRules:
        """Parse ``.dockerignore`` text (``#`` comments and blank lines are skipped).

        Raises:
            BadIgnorePattern: A line is not a valid pattern.
        """
        patterns = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            exception = line.startswith("!")
            if exception:
                line = line[1:].strip()
            problem = _malformed(line)
            if problem is None:
                line = _clean(line)
                if not line:
                    continue
                try:
                    patterns.append(_Pattern(re.compile(_to_regex(line)), exception))
                    continue
                except re.error as exc:
                    problem = str(exc)
            raise BadIgnorePattern(number, raw.strip(), problem)
        return cls(tuple(patterns))

    @property
    def has_exceptions(self) -> bool:
        """Whether any ``!`` line could re-include something below an excluded directory."""
        return any(pattern.exception for pattern in self.patterns)

    def is_excluded(self, relative: str) -> bool:
        """Whether the ``/``-separated ``relative`` path is excluded (the last match wins)."""
        parents = _parents(relative)
        excluded = False
        for pattern in self.patterns:
            if excluded == (not pattern.exception):
                continue  # this line could not change the verdict
            if any(pattern.regex.fullmatch(path) for path in parents):
                excluded = not pattern.exception
        return excluded


def _clean(pattern: str) -> str:
    """Normalise like Go's ``filepath.Clean`` and drop a leading ``/`` (Docker does too)."""
    parts: list[str] = []
    for part in pattern.replace(os.sep, "/").split("/"):
        if part in ("", "."):
            continue
        if part == ".." and parts and parts[-1] != "..":
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def _parents(relative: str) -> list[str]:
    """``a/b/c`` → ``[a, a/b, a/b/c]``: a pattern matching a parent excludes the child."""
    pieces = relative.split("/")
    return ["/".join(pieces[: index + 1]) for index in range(len(pieces))]


def _to_regex(pattern: str) -> str:
    """Translate a Docker ignore pattern into a regular expression (moby/patternmatcher)."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**", index):
            index += 2
            if pattern.startswith("/", index):
                out.append("(?:.*/)?")
                index += 1
            else:
                out.append(".*")
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and index + 1 < len(pattern):
            index += 1
            out.append(re.escape(pattern[index]))
        elif char == "[" and (end := pattern.find("]", index + 2)) != -1:
            body = pattern[index + 1 : end]
            negate = body[:1] in ("!", "^")
            body = body[1:] if negate else body
            out.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
            index = end
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def read_rules(root: Path) -> IgnoreRules:
    """Read ``root/.dockerignore``; no file means no rules."""
    path = root / ".dockerignore"
    if not path.is_file():
        return IgnoreRules(())
    return IgnoreRules.parse(path.read_text(encoding="utf-8", errors="replace"))
