"""Packed history: an old version of a key kept as a delta against the version that replaced it.

What it models. etcd keeps every version of every key until a compaction removes it — but in
bbolt, on disk, with only its key index (treeIndex) in memory. The memory store keeps its
history in memory, and between two compactions that can be most of what it holds: the API
server compacts every 5 minutes of clock time (apiserver/compactor.py, as kube-apiserver
does, and as etcd's own `--auto-compaction-mode=revision` does: it too runs every 5
minutes), while 150,000 pods settle in about one virtual second, so every version of every
pod written on the way — about four per pod, ~1.7 KB each — is still held when they all run.

So a version that has been replaced is kept as zlib's deflate of its JSON with the version
that replaced it as the preset dictionary (`zdict`): a status write changes a few fields, so
the delta is ~70 bytes where the text was ~1,700 (about 25× smaller, ~10 µs to make). A
version replaced by a delete has no next version; it is deflated alone (about 2× smaller).
Reading it back walks forward to the first version still whole — the next one, or the one
after it, ending at the key's current value or its tombstone — and inflates back down the
chain. Only the store's log holds packed versions; every reader of the log (reads at a past
revision, watches replayed from the past, snapshots) unpacks through `unpack`, so no answer
changes: same values, same revisions, same 410 Gone at the compacted revision.

Invariant: a packed version's `replaced_at` is the revision of the change that replaced it,
and that change is in the log for as long as the packed version is (it is younger), so the
chain always ends at a whole value. Packing never mutates a KeyValue or WatchEvent anyone
was given: the log's entries are replaced by new ones.

Current values that have gone cold are kept small too. The same pass that packs the history
finds the changes, older than the newest PACK_AFTER, whose value is still its key's current
one (a Running pod nobody has written since, an Event; 256 characters or more) and keeps it deflated against
a dictionary shared by its resource — a value of the same resource from the same pass (pods
~2.7 KB → ~180 bytes, Events ~650 → ~190): etcd holds its values in bbolt's pages, on disk,
not in the API server's memory. `get` and `range` hand out whole KeyValues (inflating takes
~2 µs); writing the key again replaces the deflated value as any value is replaced.

Left out: etcd's on-disk pages and their defragmentation; the newest changes (PACK_AFTER)
stay whole, so a watch resumed from a recent revision replays them as they are, and a key
written again soon after is read whole.
"""
from __future__ import annotations

import bisect
import zlib
from dataclasses import dataclass
from typing import Callable, Iterator

from .interface import Key, KeyValue, LeaseID, Revision, WatchEvent

LEVEL = 1                 # zlib's fastest: a delta against the next version is tiny at any level
# Raw deflate (no header, no checksum) with an 8 KiB window and small hash tables: a pod or an
# Event and its dictionary fit in it, and the compressor's state stays under glibc's mmap
# threshold — zlib's defaults (32 KiB, memLevel 8: ~268 KB of state) cost ~30 µs a value in
# mmap/munmap alone, these ~4 µs. A longer value still packs exactly, only less tightly.
WINDOW = -13
MEMORY_LEVEL = 4
PACK_AFTER = 1024         # the newest changes in the log stay whole (a watch resumed nearby replays them)
PACK_BATCH = 1024         # older ones are packed this many at a time
DEFLATE_AT_LEAST = 256    # a shorter current value (a counter, a small Lease) is not worth deflating


@dataclass(slots=True)
class PackedKeyValue:
    """A replaced version of a key: its value deflated against the value that replaced it."""
    key: Key
    blob: bytes
    create_revision: Revision
    mod_revision: Revision
    version: int
    lease: LeaseID
    size: int                   # the bytes of key and value (the store's `size` counts them)
    replaced_at: Revision       # the revision of the change that replaced this version


@dataclass(slots=True)
class DeflatedKeyValue:
    """A key's current value, gone cold: deflated against its resource's shared dictionary."""
    key: Key
    blob: bytes
    dictionary: bytes
    create_revision: Revision
    mod_revision: Revision
    version: int
    lease: LeaseID

    @property
    def value(self) -> str:
        inflate = zlib.decompressobj(WINDOW, zdict=self.dictionary)
        return (inflate.decompress(self.blob) + inflate.flush()).decode()

    def whole(self) -> KeyValue:
        return KeyValue(self.key, self.value, self.create_revision, self.mod_revision, self.version, self.lease)


def deflate(kv: KeyValue, dictionary: bytes) -> DeflatedKeyValue:
    compress = zlib.compressobj(LEVEL, zlib.DEFLATED, WINDOW, MEMORY_LEVEL, zdict=dictionary)
    blob = compress.compress(kv.value.encode()) + compress.flush()
    return DeflatedKeyValue(kv.key, blob, dictionary, kv.create_revision, kv.mod_revision, kv.version, kv.lease)


# The version that replaced `key` at `revision`: whole, packed, or None (a delete).
ChangeAt = Callable[[Key, Revision], "KeyValue | PackedKeyValue | None"]


def pack(old: KeyValue, replacement: KeyValue | None, size: int) -> PackedKeyValue:
    """`old`, replaced at `replacement`'s revision, as a delta against it (alone if deleted)."""
    if replacement is not None and replacement.value:
        deflate = zlib.compressobj(LEVEL, zlib.DEFLATED, WINDOW, MEMORY_LEVEL, zdict=replacement.value.encode())
    else:
        deflate = zlib.compressobj(LEVEL, zlib.DEFLATED, WINDOW, MEMORY_LEVEL)
    blob = deflate.compress(old.value.encode()) + deflate.flush()
    replaced_at = replacement.mod_revision if replacement is not None else 0
    return PackedKeyValue(old.key, blob, old.create_revision, old.mod_revision, old.version,
                          old.lease, size, replaced_at)


def unpack(kv: KeyValue | PackedKeyValue | None, change_at: ChangeAt) -> KeyValue | None:
    """The whole KeyValue of a version, inflating down the chain of versions that replaced it."""
    if kv is None or type(kv) is KeyValue:
        return kv
    chain = []
    while type(kv) is PackedKeyValue:
        chain.append(kv)
        kv = change_at(kv.key, kv.replaced_at) if kv.replaced_at else None
    dictionary = kv.value.encode() if kv is not None else b""
    for packed in reversed(chain):
        inflate = zlib.decompressobj(WINDOW, zdict=dictionary) if dictionary else zlib.decompressobj(WINDOW)
        dictionary = inflate.decompress(packed.blob) + inflate.flush()
    first = chain[0]
    return KeyValue(first.key, dictionary.decode(), first.create_revision, first.mod_revision,
                    first.version, first.lease)


class PackedHistory:
    """The memory store's log, packed (memory.py keeps `_log`, `_log_revisions`, `_packed`,
    `compacted_revision`, and calls `_pack` when pack_after + pack_batch entries are unpacked)."""

    pack_after, pack_batch = PACK_AFTER, PACK_BATCH   # a test may make them small

    def _pack(self, stop: int) -> None:
        """Pack every version replaced by a log entry before `stop`: the entry that replaced it
        and the one that wrote it get new events holding the packed version (none is mutated).
        A value written there that is still its key's current value is deflated, in the log
        and in `_current` alike."""
        log, current, dictionaries = self._log, self._current, {}
        for index in range(self._packed, stop):
            event = log[index]
            old = event.prev_kv
            if type(old) is KeyValue:
                text = old.key + old.value
                packed = pack(old, event.kv if event.type == "PUT" else None,
                              len(text) if text.isascii() else len(text.encode()))
                event = log[index] = WatchEvent(event.type, event.kv, packed)
                if old.mod_revision > self.compacted_revision:   # the change that wrote it is in the log
                    written = self._change_index(old.key, old.mod_revision)
                    log[written] = WatchEvent(log[written].type, packed, log[written].prev_kv)
            kv = event.kv
            if type(kv) is KeyValue and len(kv.value) >= DEFLATE_AT_LEAST and current.get(kv.key) is kv:
                resource = kv.key[:kv.key.find("/", kv.key.find("/", 1) + 1) + 1]   # "/registry/pods/"
                dictionary = dictionaries.get(resource)
                if dictionary is None:
                    dictionary = dictionaries[resource] = kv.value.encode()
                cold = current[kv.key] = deflate(kv, dictionary)
                log[index] = WatchEvent(event.type, cold, event.prev_kv)
        self._packed = stop

    def _change_index(self, key: Key, revision: Revision) -> int:
        """Where in the log the change of `key` at `revision` is."""
        index = bisect.bisect_left(self._log_revisions, revision)
        while self._log[index].kv.key != key:
            index += 1
        return index

    def _replacement(self, key: Key, revision: Revision):
        """The version that replaced `key` at `revision` (packed or whole), None if deleted."""
        event = self._log[self._change_index(key, revision)]
        return event.kv if event.type == "PUT" else None

    def _whole(self, kv: KeyValue | PackedKeyValue | DeflatedKeyValue | None) -> KeyValue | None:
        if kv is None or type(kv) is KeyValue:
            return kv
        return kv.whole() if type(kv) is DeflatedKeyValue else unpack(kv, self._replacement)

    def _history(self, start: Revision) -> Iterator[WatchEvent]:
        """The log's changes from revision `start` on, every version whole."""
        for event in self._log[bisect.bisect_left(self._log_revisions, start):]:
            if type(event.kv) is KeyValue and (event.prev_kv is None or type(event.prev_kv) is KeyValue):
                yield event
            else:
                yield WatchEvent(event.type, self._whole(event.kv), self._whole(event.prev_kv))

