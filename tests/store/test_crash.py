"""The durability story: kill a writing process with SIGKILL, again and again, and lose nothing.

A child process opens a file store and writes a deterministic sequence of operations (puts,
with a delete every seventh step), printing "ack N" after operation N returns — that is,
after its write-ahead log record is fsynced. The parent kills it with SIGKILL at a random
(seeded) point, reads the acknowledgements that made it out, reopens the store and checks it
against the sequence: every acknowledged operation is there, whole, and so is at most the one
that was in flight when the kill landed. The next child recovers the same directory and
carries on. Snapshots are taken every few records, so kills also land mid-snapshot.
"""
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kubelab.store.file import FileStore

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 50

CHILD = r"""
import sys
from kubelab.store.file import FileStore
sys.path.insert(0, {tests!r})
from test_crash import operation
store = FileStore(sys.argv[1], snapshot_every=13)
step = int(sys.argv[2])
print("ready", flush=True)
while step < 100_000:
    kind, key, value = operation(step)
    if kind == "put":
        store.put(key, value)
    else:
        store.delete(key)
    print("ack", step, flush=True)
    step += 1
"""


def operation(step: int) -> tuple[str, str, str]:
    """Operation number `step` of the sequence every child writes."""
    if step % 7 == 6:
        return "delete", f"/k/{step - 3:05d}", ""
    return "put", f"/k/{step:05d}", f"value-{step}-" + "x" * (step * 37 % 500)


def expected_after(steps: int) -> dict[str, str]:
    """The key space after the first `steps` operations."""
    state: dict[str, str] = {}
    for step in range(steps):
        kind, key, value = operation(step)
        if kind == "put":
            state[key] = value
        else:
            state.pop(key, None)
    return state


def test_every_acknowledged_write_survives_sigkill_and_nothing_half_written_appears(tmp_path):
    rng = random.Random(20240611)
    data_dir = tmp_path / "data"
    child = CHILD.format(tests=str(Path(__file__).parent))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    acknowledged = 0
    for _ in range(ROUNDS):
        errors = open(tmp_path / "child.stderr", "w+")
        process = subprocess.Popen([sys.executable, "-c", child, str(data_dir), str(acknowledged)],
                                   stdout=subprocess.PIPE, stderr=errors, text=True, env=env)
        lines = [process.stdout.readline() for _ in range(1 + rng.randint(0, 25))]
        if "" in lines:  # it stopped by itself: say how, rather than fail on a missing line
            errors.seek(0)
            pytest.fail(f"the writer exited early ({process.wait()}): {errors.read()}")
        assert lines[0] == "ready\n"         # it got a random way in; now kill it mid-write
        for line in lines[1:]:
            acknowledged = int(line.split()[1]) + 1
        process.send_signal(signal.SIGKILL)
        rest = process.communicate()[0].split("\n")   # acks already in the pipe when it died count too
        for number, line in enumerate(rest):
            words = line.split()
            if len(words) == 2 and words[0] == "ack" and words[1].isdigit():
                acknowledged = int(words[1]) + 1
            else:   # only the last piece may be short: the kill cut the line the child was writing
                assert number == len(rest) - 1, f"unexpected output from the writer: {line!r}"
        assert process.returncode == -signal.SIGKILL
        errors.close()

        with FileStore(data_dir) as store:
            found = {kv.key: kv.value for kv in store.range("\0", "\0").kvs}
            # Everything acknowledged, and at most the one operation in flight beyond it.
            if found != expected_after(acknowledged):
                assert found == expected_after(acknowledged + 1), "lost or half-written data"
                acknowledged += 1  # it made it to disk before the kill; the next child goes on
            assert store.revision == 1 + acknowledged  # each operation changed something: one revision
    assert acknowledged > ROUNDS  # the story really did write
