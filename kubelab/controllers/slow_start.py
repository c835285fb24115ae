"""Slow start: many creates in doubling batches, stopping after the first batch that failed.

Upstream's slowStartBatch (k8s.io/kubernetes/pkg/controller/replicaset/replica_set.go, v1.32;
the Job and DaemonSet controllers do the same): a ReplicaSet asked for 500 pods does not fire
500 creates at an API server that would refuse them all (a quota used up, an admission
webhook saying no); it sends 1, then 2, then 4, 8, … and stops after a batch with an error,
so a create that keeps failing costs a handful of requests and events, not hundreds.

Upstream runs a batch's calls in parallel goroutines; kubelab makes them one after another,
in the same order, every call of a batch attempted even when an earlier one of the batch
failed (as every goroutine of the batch runs). So when nothing fails, the pods, their names
and their order are exactly those of creating them one by one.

Invariant: `slow_start_batch` returns how many calls succeeded and the first error; calls
after the failing batch are never made (the caller lowers its expectations by every call
that did not create something: failed or never attempted).
"""
from __future__ import annotations

from typing import Callable

from ..client import ApiError

SLOW_START_INITIAL_BATCH_SIZE = 1   # upstream's controller.SlowStartInitialBatchSize


def slow_start_batch(count: int, call: Callable[[int], object],
                     initial_batch_size: int = SLOW_START_INITIAL_BATCH_SIZE) -> tuple[int, ApiError | None]:
    """Call `call(i)` for i in 0..count-1 in batches of 1, 2, 4, …; (successes, first error).
    An ApiError is a refused create; anything else is a bug and goes straight up."""
    successes, position, first_error = 0, 0, None
    batch_size = min(count, initial_batch_size)
    while batch_size > 0:
        for i in range(position, position + batch_size):
            try:
                call(i)
                successes += 1
            except ApiError as error:   # the batch goes on, as its goroutines would
                first_error = first_error or error
        if first_error is not None:
            return successes, first_error
        position += batch_size
        batch_size = min(2 * batch_size, count - position)
    return successes, None
