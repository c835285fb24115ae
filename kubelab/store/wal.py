"""The write-ahead log: every change, on disk, before anyone is told it happened.

What it models. etcd's WAL. Each state change of the store is one *record*, appended to a
single file as a frame:

    length (4 bytes, little-endian) | crc32 of the payload (4 bytes) | payload (JSON)

A write is acknowledged only after `sync()` has returned, i.e. after `fsync` says the bytes
are on stable storage; that is what makes "acknowledged" mean "survives a crash". Syncing
is the slow part (a fraction of a millisecond to several milliseconds), so the file store
lets writes that arrive together share one fsync ("group commit").

Recovery reads the frames back in order. A crash in the middle of an append leaves a *torn
write*: a last frame that is short or whose checksum does not match. That write was never
acknowledged, so it is cut off, with a warning in the log. A bad frame *followed by good
ones* is different: something damaged the file after it was written, and recovery refuses
to guess (CorruptedError, naming the file and the offset).

Left out: etcd's segment files (it starts a new 64 MB file as each fills) and preallocation;
here the log is one file that the store truncates after each snapshot.
"""
from __future__ import annotations

import json
import logging
import os
import struct
import zlib
from pathlib import Path

from .interface import CorruptedError

log = logging.getLogger("kubelab.store.wal")

FRAME = struct.Struct("<II")  # payload length, crc32 of the payload


def encode(record: dict) -> bytes:
    payload = json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode()
    return FRAME.pack(len(payload), zlib.crc32(payload)) + payload


def read(path: Path) -> list[dict]:
    """The records of the log at `path`, cutting a torn last write off the file."""
    if not path.exists():
        return []
    data = path.read_bytes()
    records, offset = [], 0
    while offset < len(data):
        record, end = _frame_at(data, offset)
        if record is None:
            if end < len(data):
                raise CorruptedError(f"{path}: the record at byte {offset} fails its checksum and "
                                     f"is followed by {len(data) - end} more bytes: the log is "
                                     f"corrupted, not torn; refusing to guess what was lost")
            log.warning("%s: torn write at byte %d (%d bytes, never acknowledged); cutting the "
                        "log there", path, offset, len(data) - offset)
            with open(path, "r+b") as file:
                file.truncate(offset)
                os.fsync(file.fileno())
            break
        records.append(record)
        offset = end
    return records


def _frame_at(data: bytes, offset: int) -> tuple[dict | None, int]:
    """(record, end of frame), or (None, end) for a bad frame; end is len(data) if it runs off."""
    if len(data) - offset < FRAME.size:
        return None, len(data)
    length, crc = FRAME.unpack_from(data, offset)
    start, end = offset + FRAME.size, offset + FRAME.size + length
    if end > len(data):
        return None, len(data)
    payload = data[start:end]
    if zlib.crc32(payload) != crc:
        return None, end
    try:
        return json.loads(payload), end
    except ValueError:  # a frame of zeros passes the CRC (crc32(b"") == 0) but is no record
        return None, end


class WriteAheadLog:
    """The open log: append frames, push them to the OS, fsync them, start over."""

    def __init__(self, path: Path):
        self.path = path
        self._file = open(path, "ab", buffering=1 << 20)

    def append(self, record: dict) -> None:
        """Buffer one record (nothing is durable until `sync`)."""
        self._file.write(encode(record))

    def flush(self) -> None:
        """Hand what is buffered to the operating system (cheap; not yet durable)."""
        self._file.flush()

    def sync(self) -> None:
        """fsync: after this returns, everything flushed survives a crash."""
        os.fsync(self._file.fileno())

    def reset(self) -> None:
        """Empty the log (its records are all in a snapshot now)."""
        self._file.flush()
        self._file.truncate(0)
        self._file.seek(0)
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
