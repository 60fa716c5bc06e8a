"""Many messages in one buffer, for the batch jobs that fork a worker per core.

A list of a million ``bytes`` objects is no good to forked workers: reading one writes its
reference count, so the kernel copies every page the messages sit on into every worker.
One buffer and two arrays of offsets are only ever read, so the workers share them, and
the parent holds no second copy of the data (plus a 33-byte header a message) as a split does.
"""

from __future__ import annotations

import mmap
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from streams.engine.copies import as_received

_CHUNK = 1 << 24  # newlines are found 16 MB at a time, so the scan needs no buffer of its size


@dataclass(frozen=True)
class Packed:
    """Message ``n`` is ``data[starts[n]:ends[n]]`` (from ``lines`` and ``messages``, one
    separator byte follows each but the last; from ``arrow``, none)."""

    data: bytes | mmap.mmap
    starts: array[int]
    ends: array[int]
    lines_of_text: bool = False  # lines of a file: a line's end ("\r\n" too) is not its content

    @classmethod
    def lines(cls, data: bytes | mmap.mmap) -> Packed:
        """JSON Lines, numbered as ``data.split(b"\\n")`` numbers them."""
        ends = array("q")
        raw = np.frombuffer(data, np.uint8)
        for at in range(0, len(data), _CHUNK):
            found = np.flatnonzero(raw[at : at + _CHUNK] == ord("\n")) + at
            ends.frombytes(found.astype(np.int64).tobytes())
        ends.append(len(data))
        return cls._from_ends(data, ends, lines_of_text=True)

    @classmethod
    def messages(cls, items: Sequence[bytes]) -> Packed:
        """Separate messages (which may hold newlines themselves), joined by newlines."""
        lengths = np.fromiter(map(len, items), np.int64, len(items))
        ends = array("q", (np.cumsum(lengths + 1) - 1).tobytes())
        return cls._from_ends(b"\n".join(items), ends)

    @classmethod
    def arrow(cls, column: Any) -> Packed:
        """An Arrow binary column: its chunks' values joined (the one copy), their offsets
        shifted to match (a chunk holds under 2 GB; the whole may not)."""
        parts: list[memoryview] = []
        starts, ends = array("q"), array("q")
        size = 0
        for chunk in column.chunks:
            if not len(chunk):
                continue
            _, offsets, values = chunk.buffers()
            bounds = np.frombuffer(offsets, np.int32, len(chunk) + 1, chunk.offset * 4).astype(np.int64)
            shift = size - int(bounds[0])
            parts.append(memoryview(values)[int(bounds[0]) : int(bounds[-1])])
            starts.frombytes((bounds[:-1] + shift).tobytes())
            ends.frombytes((bounds[1:] + shift).tobytes())
            size += int(bounds[-1] - bounds[0])
        return cls(b"".join(parts), starts, ends)

    @classmethod
    def _from_ends(cls, data: bytes | mmap.mmap, ends: array[int], lines_of_text: bool = False) -> Packed:
        starts = array("q", [0] if ends else [])
        starts.frombytes((np.frombuffer(ends, np.int64)[:-1] + 1).tobytes())
        return cls(data, starts, ends, lines_of_text)

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, n: int) -> bytes:
        return self.data[self.starts[n] : self.ends[n]]

    def __iter__(self) -> Iterator[bytes]:
        return self.copies(range(len(self)))

    def copies(self, numbers: Iterable[int]) -> Iterator[bytes]:
        """The messages at ``numbers``, as bytes (a method call per message cost more)."""
        data, starts, ends = self.data, self.starts, self.ends
        return (data[starts[n] : ends[n]] for n in numbers)

    def content(self, n: int) -> bytes:
        """Message ``n`` as received: a line without the "\r" of a "\r\n" line end."""
        return as_received(self[n]) if self.lines_of_text else self[n]

    def views(self, numbers: Iterable[int]) -> Iterator[memoryview]:
        """The messages at ``numbers``, read in place (nothing is copied)."""
        view, starts, ends = memoryview(self.data), self.starts, self.ends
        return (view[starts[n] : ends[n]] for n in numbers)
