"""Leader election over a coordination.k8s.io Lease: of several copies, exactly one acts.

Two kube-controller-managers (or schedulers) for high availability must not both reconcile —
two ReplicaSet controllers would each create the missing pods. client-go's leaderelection
package settles it with one Lease (kube-system/kube-controller-manager), which every
candidate tries to hold:

    every retry period (2 s):
        no Lease                                   -> create it with holderIdentity = me: leading
        held by someone else, and that record      -> wait (it is "observed" fresh: we time it
          changed less than lease duration (15 s)     by our clock, not by its renewTime)
          ago by our clock
        held by me, or its holder went silent      -> update it (holder = me, renewTime = now;
                                                      a new holder bumps leaseTransitions):
                                                      a 409 means someone beat us to it
    leading, but no successful renewal for the
    renew deadline (10 s)                          -> leadership lost: stop (upstream exits)

So a killed leader's Lease is taken over at most ~15 s + 2 s after its last renewal, and a
leader cut off from the API server stops acting after 10 s — before anyone else may start (15 s).
Each acquisition is an Event LeaderElection "<identity> became leader" on the Lease.

Defaults are kube-controller-manager's --leader-elect-lease-duration=15s,
--leader-elect-renew-deadline=10s, --leader-elect-retry-period=2s. client-go jitters the retry
period by up to 1.2x; kubelab's elector uses a seeded generator for that jitter.
"""
from __future__ import annotations

import copy
import random
from typing import Callable

from ..objects.timefmt import parse, rfc3339_micro
from .client import ApiError, Client
from .events import NORMAL, EventRecorder

LEASE_DURATION, RENEW_DEADLINE, RETRY_PERIOD = 15.0, 10.0, 2.0
JITTER_FACTOR = 1.2


class LeaderElector:
    """One candidate for one Lease; calls on_started_leading / on_stopped_leading."""

    def __init__(self, client: Client, clock, name: str, identity: str, namespace: str = "kube-system",
                 on_started_leading: Callable[[], None] | None = None,
                 on_stopped_leading: Callable[[], None] | None = None,
                 lease_duration: float = LEASE_DURATION, renew_deadline: float = RENEW_DEADLINE,
                 retry_period: float = RETRY_PERIOD, rng: random.Random | None = None):
        self.client, self.clock, self.name, self.namespace = client, clock, name, namespace
        self.identity = identity
        self.on_started_leading, self.on_stopped_leading = on_started_leading, on_stopped_leading
        self.lease_duration, self.renew_deadline, self.retry_period = lease_duration, renew_deadline, retry_period
        self.rng = rng or random.Random(0)
        self.recorder = EventRecorder(client, clock, identity)
        self.leading = False
        self.observed: dict | None = None     # the Lease as we last read it
        self.observed_time = 0.0              # when (by our clock) its record last changed
        self.last_renew = 0.0                 # our last successful acquire or renew
        self._timer = None
        self.stopped = False

    def start(self) -> None:
        self.stopped = False
        self._tick()

    def stop(self) -> None:
        self.stopped = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.leading:
            self.leading = False
            if self.on_stopped_leading:
                self.on_stopped_leading()

    def _tick(self) -> None:
        if self.stopped:
            return
        succeeded = self.try_acquire_or_renew()
        now = self.clock.now()
        if succeeded:
            self.last_renew = now
            if not self.leading:
                self.leading = True
                self.recorder.event(self.observed, NORMAL, "LeaderElection", f"{self.identity} became leader")
                if self.on_started_leading:
                    self.on_started_leading()
        elif self.leading and now - self.last_renew >= self.renew_deadline:
            self.leading = False   # "failed to renew lease ...: timed out waiting for the condition"
            if self.on_stopped_leading:
                self.on_stopped_leading()
        period = self.retry_period if self.leading else self.retry_period * (1 + self.rng.random() * JITTER_FACTOR)
        if not self.stopped:
            self._timer = self.clock.call_later(period, self._tick, daemon=True)

    def try_acquire_or_renew(self) -> bool:
        now = self.clock.now()
        stamp = rfc3339_micro(now)
        try:
            lease = self.client.get("leases", self.name, self.namespace)
        except ApiError as error:
            if error.code != 404:
                return False
            return self._create(stamp)
        spec = lease.get("spec") or {}
        if self.observed is None or (self.observed.get("spec") or {}) != spec:
            self.observed, self.observed_time = lease, now   # the record changed: time it from now
        holder = spec.get("holderIdentity") or ""
        duration = spec.get("leaseDurationSeconds") or self.lease_duration
        if holder and holder != self.identity and now < self.observed_time + duration:
            return False   # someone else holds it and is alive, as far as we can tell
        updated = copy.deepcopy(lease)
        new_spec = updated.setdefault("spec", {})
        if holder != self.identity:
            new_spec["acquireTime"] = stamp
            new_spec["leaseTransitions"] = (spec.get("leaseTransitions") or 0) + (1 if holder else 0)
        new_spec.update({"holderIdentity": self.identity, "leaseDurationSeconds": int(self.lease_duration),
                         "renewTime": stamp})
        try:
            self.observed = self.client.update("leases", updated, self.namespace)
        except ApiError:
            return False   # 409: another candidate wrote first
        self.observed_time = now
        return True

    def _create(self, stamp: str) -> bool:
        lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                 "metadata": {"name": self.name, "namespace": self.namespace},
                 "spec": {"holderIdentity": self.identity, "leaseDurationSeconds": int(self.lease_duration),
                          "acquireTime": stamp, "renewTime": stamp, "leaseTransitions": 0}}
        try:
            self.observed = self.client.create("leases", lease, self.namespace)
        except ApiError:
            return False
        self.observed_time = self.clock.now()
        return True

    def holder(self) -> str:
        """Who holds the Lease, as we last read it."""
        return ((self.observed or {}).get("spec") or {}).get("holderIdentity", "")


def lease_age(lease: dict, now: float) -> float:
    renew = (lease.get("spec") or {}).get("renewTime")
    return now - parse(renew) if renew else float("inf")


class LeaderElected:
    """A component that only runs while it holds the Lease (`--leader-elect`, upstream's default).

    Upstream's controller manager and scheduler exit when they lose the Lease ("leaderelection
    lost") and their supervisor starts a new process; kubelab's stop the component and the
    elector for good (`exited`): a new candidate is a new LeaderElected, as a new process is.
    """

    def __init__(self, component, client: Client, clock, lock_name: str, identity: str,
                 rng: random.Random | None = None, **timing):
        self.component, self.clock = component, clock
        self.elector = LeaderElector(client, clock, lock_name, identity, on_started_leading=self._lead,
                                     on_stopped_leading=self._follow, rng=rng, **timing)
        self.identity = identity
        self.exited = self.stopping = False
        self.on_exit = None   # what a process does when it loses the Lease (kubelab up: exit)

    def __getattr__(self, attribute):
        return getattr(self.component, attribute)

    def start(self) -> None:
        self.elector.start()

    def stop(self) -> None:
        self.stopping = True   # a deliberate stop: not "leadership lost"
        self.elector.stop()

    @property
    def leading(self) -> bool:
        return self.elector.leading

    def _lead(self) -> None:
        self.component.start()

    def _follow(self) -> None:
        self.exited = True
        self.elector.stopped = True
        stop = getattr(self.component, "stop", None)
        if stop is not None:
            stop()
        for informer in getattr(getattr(self.component, "factory", None), "informers", {}).values():
            informer.stop()
        if self.on_exit is not None and not self.stopping:
            self.on_exit()
