"""Expectations: what a controller is still waiting to *see*, after it has acted.

A controller writes through the API server but learns the result only later, from its
informers. Between the two, its cache is stale: a ReplicaSet controller that just created
three pods still sees none, and a second sync would create three more. Upstream's answer
(k8s.io/kubernetes/pkg/controller/controller_utils.go, ControllerExpectations) is a note per
owner key:

    "replicaset default/web expects 3 adds"       set just before the creates
    creation_observed  ->  2 ... 1 ... 0           lowered as the pod informer reports them
    satisfied?         ->  only when both counts are <= 0, or the note is 5 minutes old

Invariant: a controller manages replicas for a key only when its expectations are
satisfied; otherwise it only writes status. Expectations are only ever lowered once set
(a fresh set replaces them).

Deletions are tracked by pod key, not just counted (upstream's UIDTrackingControllerExpectations):
a graceful delete is seen twice — first as an update that sets deletionTimestamp, then as the
real delete — and each pod must count once.

The 5-minute expiry (ExpectationsTimeout) is the safety net for a watch event that never comes
(a relist after 410 Gone can skip a pod that was created and deleted in between). Upstream the
informer's periodic resync wakes the controller up after the expiry; kubelab has no resync, so
`wake_after_expiry` tells the caller when to look again.
"""
from __future__ import annotations

from dataclasses import dataclass, field

Key = str  # the owner's "namespace/name"

EXPECTATIONS_TIMEOUT = 5 * 60.0  # seconds (ExpectationsTimeout)


@dataclass
class Expectation:
    adds: int                       # creates not yet seen by the informer
    deletes: int                    # deletes not yet seen by the informer
    timestamp: float                # when they were set, on the clock
    deleting: set[str] = field(default_factory=set)  # pod keys whose deletion we still wait for

    def fulfilled(self) -> bool:
        return self.adds <= 0 and self.deletes <= 0


class ControllerExpectations:
    """Per owner key: how many creates and which deletes are still to be observed."""

    def __init__(self, clock, timeout: float = EXPECTATIONS_TIMEOUT):
        self.clock, self.timeout = clock, timeout
        self.expectations: dict[Key, Expectation] = {}

    def satisfied(self, key: Key) -> bool:
        """May the controller act for `key`? Yes if nothing is awaited, or the wait expired."""
        expectation = self.expectations.get(key)
        if expectation is None:
            return True  # never set, or deleted: a new owner syncs freely
        if expectation.fulfilled():
            return True
        return self.clock.now() - expectation.timestamp > self.timeout

    def expect_creations(self, key: Key, count: int) -> None:
        """Before creating `count` objects for `key` (replaces older expectations)."""
        self.expectations[key] = Expectation(count, 0, self.clock.now())

    def expect_deletions(self, key: Key, pod_keys: list[str]) -> None:
        """Before deleting these pods for `key` (replaces older expectations)."""
        self.expectations[key] = Expectation(0, len(pod_keys), self.clock.now(), set(pod_keys))

    def creation_observed(self, key: Key) -> None:
        """The informer reported one new object for `key` (or a create was never attempted)."""
        expectation = self.expectations.get(key)
        if expectation is not None:
            expectation.adds -= 1

    def deletion_observed(self, key: Key, pod_key: str) -> None:
        """The informer reported `pod_key` deleted (or terminating); counted once per pod."""
        expectation = self.expectations.get(key)
        if expectation is not None and pod_key in expectation.deleting:
            expectation.deleting.discard(pod_key)
            expectation.deletes -= 1

    def delete(self, key: Key) -> None:
        """Forget `key` (its owner is gone), so a new owner of the same name starts clean."""
        self.expectations.pop(key, None)

    def wake_after_expiry(self) -> float:
        """Seconds after which unmet expectations expire and a sync should look again."""
        return self.timeout + 1.0
