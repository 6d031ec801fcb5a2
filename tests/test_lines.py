"""The incremental line splitter behind BuildLogStream, under arbitrary chunking."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from hathora_cloud._lines import LineSplitter

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


def test_ten_mib_line_without_terminator() -> None:
    """A 10 MiB line with no terminator is returned whole when the stream ends."""
    splitter = LineSplitter()
    chunk = b"y" * 65536
    for _ in range(160):
        assert splitter.feed(chunk) == []
    (line,) = splitter.close()
    assert len(line) == 10 * 1024 * 1024
    assert set(line) == {"y"}
