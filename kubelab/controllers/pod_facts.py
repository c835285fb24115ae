"""What a ReplicaSet's sync needs to know of each of its pods, read once per version of the pod.

A sync looks at every one of its pods, as upstream's does: claim them (ours? adopt? release?),
then count replicas, fullyLabeledReplicas, readyReplicas and availableReplicas. A ReplicaSet
is synced about as often as one of its pods changes — each bind, each Ready — so a ReplicaSet
of 300 pods read its 299 unchanged pods again at every one of those syncs: on a big cluster
that was most of the controller manager's time (issue 13). Upstream's Go pays the same
O(its pods) per sync, about a hundred times more cheaply per pod.

Invariant: the informer never changes a cached pod in place — a change arrives as a new
object (client-go's "NEVER modify objects from the store") — so what was read from a pod
object stays true while that very object (`is`) is the one handed to the sync, and while the
owner's selector and template labels are the ones it was read against. `PodFacts` are kept
with the object they were read from and reused only then; anything else is read again.
Availability depends on the time, so the facts keep *when* the pod became Ready and the
count compares that with now at each sync. A pod's facts are dropped when it is deleted, and
an owner's when the owner is (or when its selector or template labels change).

Reading each pod once per version still walked all 300 pods at each of ~800 syncs. So an
owner's facts also keep the counts a status needs (ours, fully labeled, ready) and which
active pods claiming must look at (orphans, ours that no longer match): `refresh` compares
this sync's candidates with the last sync's object by object (in C), reads only the new
objects and updates the counts, so a sync costs the pods that changed. `claimed` lists ours in key order
only when a scale-down has to rank them.

The readable definitions stay the reference: `active_pods.is_active`, `is_ready`,
`is_available`, `replicaset.calculate_status`; tests/controllers/test_pod_facts.py checks the
two give the same answers on random pods, and across random stories of syncs.
"""
from __future__ import annotations

from itertools import compress
from operator import is_not
from typing import NamedTuple

from ..objects import meta, selector
from .active_pods import is_active, is_ready, ready_since


class PodFacts(NamedTuple):
    active: bool                 # same namespace as the owner, not terminating, not finished
    controller_uid: str | None   # the uid in its controller ownerReference, if it has one
    matches: bool                # the owner's selector matches its labels
    fully_labeled: bool          # it carries every label of the owner's pod template
    ready: bool                  # Ready condition True
    ready_since: float | None    # when it became Ready (None if not Ready or no time given)

    def available(self, min_ready_seconds: int, now: float) -> bool:
        """Ready, and for at least minReadySeconds (active_pods.is_available)."""
        if not self.ready:
            return False
        return min_ready_seconds == 0 or (self.ready_since is not None
                                          and self.ready_since + min_ready_seconds <= now)


def read_facts(owner: dict, requirements, template_labels: dict, pod: dict) -> PodFacts:
    """The facts of one pod as its owner sees them (the slow, readable way)."""
    labels = meta.labels(pod)
    reference = meta.controller_of(pod)
    ready = is_ready(pod)
    return PodFacts(
        active=meta.namespace(pod) == meta.namespace(owner) and is_active(pod),
        controller_uid=reference.get("uid") if reference is not None else None,
        matches=selector.matches(requirements, labels),
        fully_labeled=all(labels.get(k) == v for k, v in template_labels.items()),
        ready=ready,
        ready_since=ready_since(pod) if ready else None)


class OwnerPodFacts:
    """One owner's facts about its candidate pods, keyed by pod uid, each with the object it
    came from, and the counts a status needs, kept as the candidates change (`refresh`)."""

    def __init__(self, owner: dict, selector_spec: dict | None, template_labels: dict):
        self.owner, self.selector_spec, self.template_labels = owner, selector_spec, template_labels
        self.owner_uid = owner["metadata"].get("uid")
        self.requirements = selector.from_label_selector(selector_spec)
        self.entries: dict[str, tuple[dict, PodFacts]] = {}   # pod uid -> (pod object, facts)
        # Invariant: these sum the facts in `entries` — ours: active, controlled by the owner,
        # selected by it (claiming has nothing to do); others: active, anything else (orphans
        # to adopt, our pods to release), which claiming looks at at every sync.
        self.ours: set[str] = set()
        self.others: set[str] = set()
        self.fully_labeled = self.ready = 0
        # The last candidates refreshed from: kept alive so that their ids stay theirs (an id is
        # unique only among live objects), so an unchanged candidate is the very same object.
        self._seen: list[dict] = []

    def __call__(self, pod: dict) -> PodFacts:
        entry = self.entries.get(pod["metadata"].get("uid", ""))
        if entry is not None and entry[0] is pod:
            return entry[1]
        return self._remember(pod)

    def is_ours(self, pod: dict) -> bool:
        """Controlled by this owner and selected by it: claiming has nothing to do."""
        entry = self.entries.get(pod["metadata"].get("uid", ""))
        facts = entry[1] if entry is not None and entry[0] is pod else self(pod)
        return facts.matches and facts.controller_uid == self.owner_uid

    # -- kept up to date: a sync costs the pods that changed ----------------------------
    def refresh(self, candidates: list[dict]) -> None:
        """Bring the facts and counts up to this sync's candidates (the informer's objects, by
        key): only a candidate that is a new object is read, and entries of pods no longer
        among them are dropped. Usually only a few pods changed in place (same count, same
        order): comparing the two lists position by position, in C, finds them; otherwise
        the last candidates' ids do. A sync costs the pods that changed."""
        seen = self._seen
        if len(seen) == len(candidates):
            changed = list(compress(candidates, map(is_not, candidates, seen)))
        else:
            seen_ids = set(map(id, seen))
            changed = [pod for pod in candidates if id(pod) not in seen_ids]
        for pod in changed:
            self(pod)
        if len(self.entries) != len(candidates):   # some pods are gone
            present = {pod["metadata"].get("uid", "") for pod in candidates}
            for uid in [uid for uid in self.entries if uid not in present]:
                self.forget(uid)
        self._seen = candidates

    def forget(self, uid: str) -> None:
        entry = self.entries.pop(uid, None)
        if entry is not None:
            self._count(uid, entry[1], -1)

    def _remember(self, pod: dict) -> PodFacts:
        uid = pod["metadata"].get("uid", "")
        self.forget(uid)
        facts = read_facts(self.owner, self.requirements, self.template_labels, pod)
        self.entries[uid] = (pod, facts)
        self._count(uid, facts, +1)
        return facts

    def _count(self, uid: str, facts: PodFacts, sign: int) -> None:
        if not facts.active:
            return
        if facts.matches and facts.controller_uid == self.owner_uid:
            (self.ours.add if sign > 0 else self.ours.discard)(uid)
            self.fully_labeled += sign * facts.fully_labeled
            self.ready += sign * facts.ready
        else:
            (self.others.add if sign > 0 else self.others.discard)(uid)

    def available(self, min_ready_seconds: int, now: float) -> int:
        """How many of ours are available now (ready ones, when minReadySeconds is 0)."""
        if min_ready_seconds == 0:
            return self.ready
        return sum(self.entries[uid][1].available(min_ready_seconds, now) for uid in self.ours)

    def unclaimed(self) -> list[dict]:
        """The active candidates claiming must look at (orphans, ours to release), by key."""
        return sorted((self.entries[uid][0] for uid in self.others), key=meta.key)

    def claimed(self, adopted: list[dict]) -> list[dict]:
        """Ours, with the pods just adopted, in the candidates' (key) order — as claiming the
        whole candidate list would return them."""
        pods = [self.entries[uid][0] for uid in self.ours] + adopted
        return sorted(pods, key=meta.key)


class PodFactsCache:
    """Every owner's `OwnerPodFacts`, started afresh when its selector or template labels change."""

    def __init__(self):
        self.owners: dict[str, OwnerPodFacts] = {}   # owner uid -> its pods' facts

    def for_owner(self, owner: dict, selector_spec: dict | None) -> OwnerPodFacts:
        template_labels = ((owner["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
        facts = self.owners.get(meta.uid(owner))
        if facts is None or facts.selector_spec != selector_spec or facts.template_labels != template_labels:
            facts = self.owners[meta.uid(owner)] = OwnerPodFacts(owner, selector_spec, template_labels)
        facts.owner = owner
        return facts

    def forget(self, owner: dict) -> None:
        self.owners.pop(meta.uid(owner), None)

    def forget_pod(self, owner: dict, pod: dict) -> None:
        """A pod of this owner is gone: its facts are not kept any longer."""
        facts = self.owners.get(meta.uid(owner))
        if facts is not None:
            facts.forget(meta.uid(pod))
            facts._seen = []   # the next refresh looks at every candidate again
