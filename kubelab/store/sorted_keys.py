"""The memory store's keys in order, for range scans: a sorted list cut into blocks.

What it models. Nothing of etcd's API: etcd keeps its keys in a B-tree (the `treeIndex`), so a
new key costs O(log n). The memory store had one sorted Python list, where `bisect.insort`
is a binary search plus a shift of every key after the new one: 0.4 ms a key at 900,000 keys
when the key sorts early (every `/registry/events/...` key sorts before all the pods). At
150,000 pods, with a few Events each, those shifts grew with the store — a cost per write
that grew with the cluster.

Here the keys sit in blocks of at most `2 × LOAD`, each sorted, the blocks in order (the idea
of the `sortedcontainers` package, in its simplest form): a new key is a binary search over
the blocks' first keys and an insert into one block of at most a few thousand keys.

Invariant: concatenated, the blocks are every key once, in ascending order; no block is
empty; `_firsts[i]` is `_blocks[i][0]`. Left out: positions by index (the store never asks).
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from typing import Iterable

LOAD = 1000   # a block is split in two when it passes 2 × LOAD keys


class SortedKeys:
    """A set of string keys that lists any [start, end) range in order."""

    def __init__(self, keys: Iterable[str] = ()):
        ordered = sorted(keys)
        self._blocks: list[list[str]] = [ordered[i:i + LOAD] for i in range(0, len(ordered), LOAD)]
        self._firsts: list[str] = [block[0] for block in self._blocks]
        self._length = len(ordered)

    def __len__(self) -> int:
        return self._length

    def add(self, key: str) -> None:
        """Insert a key the set does not hold."""
        if not self._blocks:
            self._blocks, self._firsts = [[key]], [key]
        else:
            index = max(0, bisect_right(self._firsts, key) - 1)
            block = self._blocks[index]
            insort(block, key)
            self._firsts[index] = block[0]
            if len(block) > 2 * LOAD:
                self._blocks[index:index + 1] = [block[:LOAD], block[LOAD:]]
                self._firsts[index:index + 1] = [block[0], block[LOAD]]
        self._length += 1

    def remove(self, key: str) -> None:
        """Take out a key the set holds."""
        index = bisect_right(self._firsts, key) - 1
        block = self._blocks[index] if index >= 0 else []
        position = bisect_left(block, key)
        if position == len(block) or block[position] != key:
            raise KeyError(key)
        del block[position]
        if block:
            self._firsts[index] = block[0]
        else:
            del self._blocks[index], self._firsts[index]
        self._length -= 1

    def between(self, start: str, end: str | None = None) -> list[str]:
        """The keys k with start <= k < end (no `end`: to the last key), in order."""
        found: list[str] = []
        index = max(0, bisect_right(self._firsts, start) - 1)
        while index < len(self._blocks):
            block = self._blocks[index]
            if end is not None and block[0] >= end:
                break
            low = bisect_left(block, start) if block[0] < start else 0
            high = len(block) if end is None or block[-1] < end else bisect_left(block, end)
            found.extend(block[low:high])
            index += 1
        return found
