"""PodInfo: a pod with its affinity terms parsed once (upstream's framework.PodInfo).

InterPodAffinity compares every pending pod with the pods already placed, in both directions:
"does my term select that pod?" and "does that pod's term select me?". Parsing each term's
label selector on every comparison would dominate the cost, so a pod's terms are parsed when
it enters the cache (and once for the pod being scheduled) and kept here.

An affinity term selects a pod when the pod is in one of the term's namespaces — by default the
namespace of the pod that *owns* the term; `namespaces` lists others; `namespaceSelector`
picks namespaces by their labels ({} means all) — and the pod's labels match `labelSelector`.
A missing labelSelector selects nothing; an empty one selects every pod. `matchLabelKeys` adds
"key in (the owner's value)", `mismatchLabelKeys` "key notin (...)" (v1.32: on by default).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..objects import meta
from ..objects.selector import Requirement, from_label_selector, matches


@dataclass(frozen=True)
class AffinityTerm:
    namespaces: frozenset[str]
    selector: tuple[Requirement, ...] | None      # None: selects nothing
    topology_key: str
    namespace_selector: tuple[Requirement, ...] | None  # None: no namespace chosen by labels

    def matches(self, pod: dict, namespace_labels: dict[str, str] | None) -> bool:
        """Does this term select `pod` (whose namespace carries `namespace_labels`)?"""
        if self.selector is None:
            return False
        metadata = pod["metadata"]
        if metadata.get("namespace", "") not in self.namespaces:
            if self.namespace_selector is None:
                return False
            if self.namespace_selector and (namespace_labels is None
                                            or not matches(list(self.namespace_selector), namespace_labels)):
                return False  # (an empty namespaceSelector, {}, selects every namespace)
        return matches(list(self.selector), metadata.get("labels") or {})


@dataclass(frozen=True)
class WeightedAffinityTerm:
    term: AffinityTerm
    weight: int


def affinity_term(owner: dict, term: dict) -> AffinityTerm:
    """Parse one PodAffinityTerm of the pod `owner`."""
    labels = meta.labels(owner)
    selector = term.get("labelSelector")
    requirements = None
    if selector is not None:
        requirements = list(from_label_selector(selector))
        for key in term.get("matchLabelKeys") or []:
            if key in labels:
                requirements.append((key, "in", (labels[key],)))
        for key in term.get("mismatchLabelKeys") or []:
            if key in labels:
                requirements.append((key, "notin", (labels[key],)))
        requirements = tuple(requirements)
    namespaces = frozenset(term.get("namespaces") or ())
    namespace_selector = term.get("namespaceSelector")
    if not namespaces and namespace_selector is None:
        namespaces = frozenset([meta.namespace(owner)])
    return AffinityTerm(namespaces, requirements, term.get("topologyKey", ""),
                        None if namespace_selector is None else tuple(from_label_selector(namespace_selector)))


@dataclass
class PodInfo:
    pod: dict
    required_affinity_terms: list[AffinityTerm] = field(default_factory=list)
    required_anti_affinity_terms: list[AffinityTerm] = field(default_factory=list)
    preferred_affinity_terms: list[WeightedAffinityTerm] = field(default_factory=list)
    preferred_anti_affinity_terms: list[WeightedAffinityTerm] = field(default_factory=list)

    @property
    def has_affinity(self) -> bool:
        return bool(self.required_affinity_terms or self.required_anti_affinity_terms
                    or self.preferred_affinity_terms or self.preferred_anti_affinity_terms)


def _required(pod: dict, section: dict | None) -> list[AffinityTerm]:
    return [affinity_term(pod, term)
            for term in (section or {}).get("requiredDuringSchedulingIgnoredDuringExecution") or []]


def _preferred(pod: dict, section: dict | None) -> list[WeightedAffinityTerm]:
    return [WeightedAffinityTerm(affinity_term(pod, weighted.get("podAffinityTerm") or {}), weighted.get("weight", 0))
            for weighted in (section or {}).get("preferredDuringSchedulingIgnoredDuringExecution") or []]


def pod_info(pod: dict) -> PodInfo:
    """Parse the pod's podAffinity and podAntiAffinity terms."""
    affinity = pod["spec"].get("affinity") or {}
    pod_affinity, anti_affinity = affinity.get("podAffinity"), affinity.get("podAntiAffinity")
    if not pod_affinity and not anti_affinity:
        return PodInfo(pod)
    return PodInfo(pod, _required(pod, pod_affinity), _required(pod, anti_affinity),
                   _preferred(pod, pod_affinity), _preferred(pod, anti_affinity))


def has_pod_affinity(pod: dict) -> bool:
    affinity = pod["spec"].get("affinity") or {}
    return bool(affinity.get("podAffinity") or affinity.get("podAntiAffinity"))


def merge_namespaces(term: AffinityTerm, namespaces: list[dict]) -> AffinityTerm:
    """Resolve a non-empty namespaceSelector into names, once per cycle (upstream's
    mergeAffinityTermNamespacesIfNotEmpty), so matching no longer needs namespace labels."""
    if not term.namespace_selector:
        return term
    chosen = {meta.name(namespace) for namespace in namespaces
              if matches(list(term.namespace_selector), meta.labels(namespace))}
    return AffinityTerm(term.namespaces | chosen, term.selector, term.topology_key, None)
