"""The incremental line splitter behind BuildLogStream, under arbitrary chunking."""

from __future__ import annotations

import itertools
import re

from hypothesis import given
from hypothesis import strategies as st

from hathora_cloud._lines import DEFAULT_MAX_LINE, LineSplitter

_TERMINATOR = re.compile(r"\r\n|\r|\n")
tokens = st.sampled_from(["\r\n", "\r", "\n", "\n\r", "ab", "é", "€", "😀", " "])
texts = st.lists(tokens | st.characters(codec="utf-8"), max_size=60).map("".join)


def reference(text: str) -> list[str]:
    """Split the whole text at once: \\r\\n, \\r and \\n each end a line; a tail is a line."""
    lines = _TERMINATOR.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


def split_in_chunks(data: bytes, cuts: list[int]) -> list[str]:
    """Feed ``data`` to a LineSplitter in pieces cut at the given offsets."""
    splitter = LineSplitter()
    lines: list[str] = []
    start = 0
    for cut in [*sorted(cuts), len(data)]:
        lines += splitter.feed(data[start:cut])
        start = cut
    return lines + splitter.close()


@given(st.data(), texts)
def test_matches_reference_for_any_chunking(data: st.DataObject, text: str) -> None:
    """Any text, cut at any byte offsets (mid-character, between \\r and \\n), splits as a whole."""
    encoded = text.encode()
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=len(encoded)), max_size=12))
    assert split_in_chunks(encoded, cuts) == reference(text)


@given(st.data(), texts)
def test_one_byte_at_a_time(data: st.DataObject, text: str) -> None:
    """Feeding one byte per chunk gives the same lines as the whole text."""
    encoded = text.encode()
    assert split_in_chunks(encoded, list(range(len(encoded)))) == reference(text)


@given(st.data(), st.binary(max_size=200))
def test_invalid_utf8_replaced(data: st.DataObject, raw: bytes) -> None:
    """Arbitrary bytes decode with U+FFFD replacement exactly as a whole-buffer decode would."""
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=len(raw)), max_size=12))
    assert split_in_chunks(raw, cuts) == reference(raw.decode("utf-8", "replace"))


def test_invalid_bytes_become_replacement_character() -> None:
    """An invalid byte in a line becomes U+FFFD and does not end the stream."""
    assert split_in_chunks(b"ok\xff\nnext", [3]) == ["ok\ufffd", "next"]


def test_line_is_emitted_when_its_terminator_arrives() -> None:
    """A line comes out as soon as its terminator arrives; a \\n after a split \\r adds nothing."""
    splitter = LineSplitter()
    assert splitter.feed(b"first\r") == ["first"]
    assert splitter.feed(b"\nsec") == []
    assert splitter.feed(b"ond\n\n") == ["second", ""]
    assert splitter.close() == []


def test_truncated_character_at_end_is_replaced() -> None:
    """A multi-byte character cut off by the end of the stream becomes U+FFFD."""
    splitter = LineSplitter()
    assert splitter.feed("x€".encode()[:-1]) == []
    assert splitter.close() == ["x\ufffd"]


def test_ten_mib_line_arrives_in_pieces_of_the_limit() -> None:
    """A 10 MiB line without a terminator comes out in 1 Mi pieces as it grows, none buffered."""
    splitter = LineSplitter()
    chunk = b"y" * 65536
    pieces: list[str] = []
    for _ in range(160):
        pieces += splitter.feed(chunk)
        assert sum(map(len, splitter._pending)) <= DEFAULT_MAX_LINE
    pieces += splitter.close()
    assert [len(piece) for piece in pieces] == [DEFAULT_MAX_LINE] * 10
    assert "".join(pieces) == "y" * (10 * 1024 * 1024)


@given(
    text=st.text(alphabet="ab\n\r", max_size=300),
    limit=st.integers(min_value=1, max_value=20),
    cuts=st.lists(st.integers(min_value=0, max_value=300), max_size=8),
)
def test_long_lines_are_cut_at_the_limit_anywhere(text: str, limit: int, cuts: list[int]) -> None:
    """Whatever the chunking, pieces are at most `limit` long and rejoin to the unlimited lines."""
    data = text.encode()
    unlimited = LineSplitter(max_line=10**9)
    limited = LineSplitter(max_line=limit)
    bounds = [0, *sorted(c for c in cuts if c <= len(data)), len(data)]
    whole: list[str] = []
    pieces: list[str] = []
    for start, end in itertools.pairwise(bounds):
        whole += unlimited.feed(data[start:end])
        pieces += limited.feed(data[start:end])
    whole += unlimited.close()
    pieces += limited.close()
    assert all(0 <= len(piece) <= limit for piece in pieces)
    assert "".join(pieces) == "".join(whole)
    assert all(len(line) <= limit for line in whole) == (pieces == whole)
