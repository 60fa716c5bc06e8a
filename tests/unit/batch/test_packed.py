"""One buffer of messages reads back exactly the messages put in, numbered as before."""

from __future__ import annotations

import pytest

from streams.batch.packed import Packed


@pytest.mark.parametrize("data", [b"", b"a", b"a\n", b"\n\n", b"ab\ncd", b'{"x":1}\n\n{"y":2}\n'])
def test_lines_are_numbered_as_split_numbers_them(data: bytes) -> None:
    packed = Packed.lines(data)
    assert [packed[n] for n in range(len(packed))] == data.split(b"\n")
    assert [bytes(v) for v in packed.views(range(len(packed)))] == data.split(b"\n")


def test_lines_spanning_many_scan_chunks_keep_their_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("streams.batch.packed._CHUNK", 7)  # a newline at every chunk edge, and between
    data = b"\n".join(b"x" * (n % 9) for n in range(200))
    packed = Packed.lines(data)
    assert [packed[n] for n in range(len(packed))] == data.split(b"\n")


def test_messages_may_hold_newlines_and_be_empty() -> None:
    items = [b'{\n  "a": 1\n}', b"", b"\n", b"plain"]
    packed = Packed.messages(items)
    assert [packed[n] for n in range(len(packed))] == items
    assert len(Packed.messages([])) == 0


def test_an_arrow_column_is_packed_chunk_by_chunk_slices_and_all() -> None:
    import pyarrow as pa

    column = pa.chunked_array(
        [
            pa.array([b"ab", b"c"], pa.binary()).slice(1),  # a chunk that starts inside its buffer
            pa.array([], pa.binary()),
            pa.array([b"", b"d\nef", b"", b"g"], pa.binary()).slice(1, 3),
        ]
    )
    packed = Packed.arrow(column)
    assert list(packed) == [b"c", b"d\nef", b"", b"g"] and len(packed) == 4
    assert list(Packed.arrow(pa.chunked_array([], pa.binary()))) == []
