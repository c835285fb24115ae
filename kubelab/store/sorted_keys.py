"""Sorted keys: the store's key index for range scans, in chunks so an insert stays cheap.

What it models. etcd finds a range's keys in its in-memory B-tree (treeIndex); the memory
store keeps its live keys sorted and bisects. One flat sorted list makes a new key cost a
memmove of everything after it: 1 µs at 30,000 keys, ~200 µs at 760,000 (5,000 nodes'
150,000 pods and their Events), so settling such a cluster would spend more than a minute on
inserts alone. Here the keys sit in chunks of at most 2 × LOAD, each sorted, with the last
key of each chunk in `_maxes` (the layout of the `sortedcontainers` package's SortedList):
an insert bisects `_maxes`, then one chunk, and moves at most 2 × LOAD pointers.

Invariant: the chunks, read in order, are the sorted keys, no chunk is empty, and
`_maxes[i]` is the last key of `_chunks[i]`. `scan` answers exactly what bisecting the one
sorted list would (tests/store/test_sorted_keys.py checks it against that list).
"""
from __future__ import annotations

import bisect
from typing import Iterable

LOAD = 1000    # sortedcontainers' default load factor: chunks of 1,000 to 2,000 keys


class SortedKeys:
    """The live keys, in order, for `scan(start, end)`."""

    def __init__(self, keys: Iterable[str] = ()):
        ordered = sorted(keys)
        self._chunks = [ordered[i:i + LOAD] for i in range(0, len(ordered), LOAD)]
        self._maxes = [chunk[-1] for chunk in self._chunks]
        self._length = len(ordered)

    def __len__(self) -> int:
        return self._length

    def __iter__(self):
        for chunk in self._chunks:
            yield from chunk

    def add(self, key: str) -> None:
        """Insert a key that is not there yet."""
        if not self._chunks:
            self._chunks.append([key])
            self._maxes.append(key)
        else:
            index = min(bisect.bisect_left(self._maxes, key), len(self._maxes) - 1)
            chunk = self._chunks[index]
            bisect.insort(chunk, key)
            self._maxes[index] = chunk[-1]
            if len(chunk) > 2 * LOAD:    # split in two halves
                self._chunks[index:index + 1] = [chunk[:LOAD], chunk[LOAD:]]
                self._maxes[index:index + 1] = [chunk[LOAD - 1], chunk[-1]]
        self._length += 1

    def remove(self, key: str) -> None:
        """Take out a key that is there."""
        index = bisect.bisect_left(self._maxes, key)
        chunk = self._chunks[index]
        del chunk[bisect.bisect_left(chunk, key)]
        if chunk:
            self._maxes[index] = chunk[-1]
        else:
            del self._chunks[index], self._maxes[index]
        self._length -= 1

    def scan(self, start: str, end: str | None) -> list[str]:
        """The keys k with start <= k < end, in order (end None: to the last key)."""
        found: list[str] = []
        index = bisect.bisect_left(self._maxes, start)
        if index == len(self._maxes):
            return found
        chunk = self._chunks[index]
        position = bisect.bisect_left(chunk, start)
        while True:
            if end is not None and chunk[-1] >= end:
                found += chunk[position:bisect.bisect_left(chunk, end, position)]
                return found
            found += chunk[position:] if position else chunk
            index += 1
            if index == len(self._chunks):
                return found
            chunk, position = self._chunks[index], 0
