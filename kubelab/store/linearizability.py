"""Is this history linearizable? A Porcupine-style checker for a key-value store.

What it checks. Clients call a store concurrently; each call has a start time and (maybe) an
end time, and what it returned. The store is *linearizable* if every call can be given one
instant between its start and its end at which it took effect, such that the calls, run one
after another in that order on a plain dictionary, return exactly what they returned. That is
etcd's promise for every read and write (and what Kubernetes' optimistic concurrency rests
on): a write acknowledged is seen by every later read, and no read sees a value that was
never, or is no longer, current.

How. Wing and Gong's search with Lowe's memoisation, as in Porcupine (Athalye, 2017): walk
the calls in time order; try to linearize a pending call whose effect the model accepts;
when a call's end is reached with the call still pending, backtrack. States already tried
with the same set of linearized calls are skipped (a cache of (bitset, state)), which keeps
the search small on real histories. Keys are independent registers, so the history is split
per key and each part checked alone (P-compositionality), as Porcupine's partitioned models do.

A call that never returned (its client saw a timeout or a dropped connection, e.g. the
store was killed) may or may not have taken effect: it gets an end time of infinity, and an
output the model accepts whatever the state (Porcupine's rule for unknown outcomes).

The model: one key's value, or None when absent. Operations:
    ("get",)                 -> value or None      ok if it is the current value
    ("put", value)           -> None               always ok; the value becomes current
    ("delete",)              -> deleted count      ok if 1 when present, 0 when absent
    ("cas", expected, value) -> succeeded          a txn "if value == expected then put":
                                                   ok if it succeeded exactly when current
                                                   == expected (expected None: absent)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Hashable

UNKNOWN = object()   # the output of a call whose outcome nobody saw


@dataclass(frozen=True)
class Operation:
    """One call: who, on which key, what, when it started and ended, what it returned."""
    client: int
    key: str
    input: tuple
    call: float
    output: Any = UNKNOWN
    end: float = math.inf   # math.inf: never returned (outcome unknown)


def step(state: Hashable, operation_input: tuple, output: Any) -> tuple[bool, Hashable]:
    """The register model: is `output` right from `state`, and the state after."""
    kind = operation_input[0]
    if kind == "get":
        return output is UNKNOWN or output == state, state
    if kind == "put":
        return True, operation_input[1]
    if kind == "delete":
        if output is UNKNOWN:
            return True, None
        return output == (0 if state is None else 1), None
    if kind == "cas":
        expected, value = operation_input[1], operation_input[2]
        holds = state == expected
        if output is UNKNOWN:   # it may have happened, if it could have
            return True, value if holds else state
        return output == holds, value if holds else state
    raise ValueError(f"unknown operation {kind!r}")


class _Entry:
    """A node of the doubly linked list of call and return events."""
    __slots__ = ("index", "is_call", "time", "match", "previous", "next")

    def __init__(self, index: int, is_call: bool, time: float):
        self.index, self.is_call, self.time = index, is_call, time
        self.match: _Entry | None = None
        self.previous: _Entry | None = None
        self.next: _Entry | None = None


def check_register(operations: list[Operation], initial: Hashable = None) -> bool:
    """Wing & Gong with memoisation, for the operations on one key."""
    entries: list[_Entry] = []
    for index, operation in enumerate(operations):
        call, end = _Entry(index, True, operation.call), _Entry(index, False, operation.end)
        call.match = end
        entries += [call, end]
    # In time order; at equal times calls come first (they may overlap what ends then).
    entries.sort(key=lambda entry: (entry.time, not entry.is_call))
    head = _Entry(-1, True, -math.inf)
    previous = head
    for entry in entries:
        previous.next, entry.previous = entry, previous
        previous = entry

    def lift(entry: _Entry) -> None:          # take a call and its return out of the list
        entry.previous.next = entry.next
        if entry.next is not None:
            entry.next.previous = entry.previous
        end = entry.match
        end.previous.next = end.next
        if end.next is not None:
            end.next.previous = end.previous

    def unlift(entry: _Entry) -> None:        # put them back where they were
        end = entry.match
        end.previous.next = end
        if end.next is not None:
            end.next.previous = end
        entry.previous.next = entry
        if entry.next is not None:
            entry.next.previous = entry

    state, linearized = initial, 0
    tried: set[tuple[int, Hashable]] = set()
    stack: list[tuple[_Entry, Hashable]] = []
    entry = head.next
    while head.next is not None:
        if entry is None:          # only calls that never returned are left, all tried
            return True
        if entry.is_call:
            operation = operations[entry.index]
            ok, after = step(state, operation.input, operation.output)
            if ok:
                marked = linearized | (1 << entry.index)
                if (marked, after) not in tried:
                    tried.add((marked, after))
                    stack.append((entry, state))
                    state, linearized = after, marked
                    lift(entry)
                    entry = head.next
                    continue
            entry = entry.next
        else:                      # a return reached with its call still pending: backtrack
            if math.isinf(entry.time):
                return True        # every call that returned is linearized
            if not stack:
                return False
            entry, state = stack.pop()
            linearized &= ~(1 << entry.index)
            unlift(entry)
            entry = entry.next
    return True


def check(operations: list[Operation], initial: dict[str, Hashable] | None = None) -> list[str]:
    """Check a whole history, key by key; the keys whose history is not linearizable."""
    by_key: dict[str, list[Operation]] = {}
    for operation in operations:
        by_key.setdefault(operation.key, []).append(operation)
    initial = initial or {}
    return sorted(key for key, ops in by_key.items() if not check_register(ops, initial.get(key)))
