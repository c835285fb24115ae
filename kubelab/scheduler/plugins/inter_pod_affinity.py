"""InterPodAffinity: place a pod near (affinity) or away from (anti-affinity) pods with given labels.

Extension points: PreFilter, Filter, PreScore, Score (with NormalizeScore).

    affinity:
      podAffinity:      # "in the same <topologyKey> domain as a pod matching <labelSelector>"
        requiredDuringSchedulingIgnoredDuringExecution:
        - {labelSelector: {matchLabels: {app: cache}}, topologyKey: topology.kubernetes.io/zone}
      podAntiAffinity:  # "not in the same domain as ..."
        preferredDuringSchedulingIgnoredDuringExecution:
        - {weight: 100, podAffinityTerm: {labelSelector: ..., topologyKey: kubernetes.io/hostname}}

A *topology domain* is a set of nodes sharing a label value: topologyKey kubernetes.io/hostname
makes each node its own domain, topology.kubernetes.io/zone groups nodes by zone.

PreFilter counts, over the cluster, per (topologyKey, value):
  existing anti-affinity   placed pods whose required anti-affinity terms select this pod
  affinity                 placed pods matching *all* this pod's required affinity terms
  anti-affinity            placed pods matching each of this pod's required anti-affinity terms
(Skip when all three are empty.) Filter, per node, in upstream's order:
  1. every required affinity term's domain holds a matching pod, and the node has every
     topologyKey — else UnschedulableAndUnresolvable "node(s) didn't match pod affinity rules".
     Exception: if no pod in the cluster matches and the pod matches its own terms, it may go
     anywhere with the keys (the first pod of a group that wants to be together).
  2. no required anti-affinity term's domain holds a matching pod — else Unschedulable
     "node(s) didn't match pod anti-affinity rules".
  3. no placed pod's anti-affinity forbids this domain — else Unschedulable
     "node(s) didn't satisfy existing pods anti-affinity rules" (symmetry: the rule binds both ways).

Score: for each placed pod, add to its domain: the weight of each of the new pod's preferred
affinity terms it matches (anti: subtract); hardPodAffinityWeight (1) for each of *its* required
affinity terms the new pod matches; the weights of its preferred terms the new pod matches. A
node scores the sum over its domains; NormalizeScore maps min..max onto 0..100. Weight 2.
"""
from __future__ import annotations

from ..framework import (ASSIGNED_POD_ADD, ASSIGNED_POD_DELETE, ASSIGNED_POD_UPDATE, MAX_NODE_SCORE, NODE_ADD,
                         NODE_LABEL_CHANGE, OK, SKIPPED, CycleState, FilterPlugin, NodeInfo, PreFilterPlugin,
                         PreScorePlugin, ScorePlugin, Status, unresolvable, unschedulable)
from .. import schedule_columns
from ..node_table import np
from ..affinity_counts import PreFilterState, TopologyPair
from ..pod_info import AffinityTerm, PodInfo, merge_namespaces, pod_info

Name = "InterPodAffinity"

ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules"
ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules"
ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules"

DEFAULT_HARD_POD_AFFINITY_WEIGHT = 1
_PRE_FILTER, _PRE_SCORE = "PreFilter" + Name, "PreScore" + Name

AFFINITY_NOT_MATCH = unresolvable(Name, ERR_REASON_AFFINITY_RULES_NOT_MATCH)
ANTI_AFFINITY_NOT_MATCH = unschedulable(Name, ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH)
EXISTING_ANTI_AFFINITY_NOT_MATCH = unschedulable(Name, ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH)


def pod_matches_all_affinity_terms(terms: list[AffinityTerm], pod: dict) -> bool:
    return bool(terms) and all(term.matches(pod, None) for term in terms)


def _count(counts: dict[TopologyPair, int], labels: dict[str, str], topology_key: str) -> None:
    value = labels.get(topology_key)
    if value is not None:
        counts[(topology_key, value)] = counts.get((topology_key, value), 0) + 1


class InterPodAffinity(PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin):
    name = Name

    def __init__(self, handle, hard_pod_affinity_weight: int = DEFAULT_HARD_POD_AFFINITY_WEIGHT,
                 ignore_preferred_terms_of_existing_pods: bool = False):
        self.handle = handle
        self.hard_pod_affinity_weight = hard_pod_affinity_weight
        self.ignore_preferred_terms_of_existing_pods = ignore_preferred_terms_of_existing_pods

    def events_to_register(self):
        return [(ASSIGNED_POD_ADD, None), (ASSIGNED_POD_UPDATE, None), (ASSIGNED_POD_DELETE, None),
                (NODE_ADD, None), (NODE_LABEL_CHANGE, None)]

    # -- what the plugin needs from the cluster ------------------------------------------------
    def _namespaces(self) -> list[dict]:
        lister = self.handle.lister("namespaces")
        return lister.list() if lister is not None else []

    def _namespace_labels(self, namespace: str) -> dict | None:
        lister = self.handle.lister("namespaces")
        found = lister.get(namespace) if lister is not None else None
        return None if found is None else (found["metadata"].get("labels") or {})

    def _incoming(self, pod: dict, preferred: bool) -> PodInfo:
        info = pod_info(pod)
        namespaces = None
        def merged(terms):
            nonlocal namespaces
            if any(term.namespace_selector for term in terms) and namespaces is None:
                namespaces = self._namespaces()
            return [merge_namespaces(term, namespaces or []) for term in terms]
        if preferred:
            for weighted_terms in (info.preferred_affinity_terms, info.preferred_anti_affinity_terms):
                terms = merged([w.term for w in weighted_terms])
                weighted_terms[:] = [type(w)(term, w.weight) for w, term in zip(weighted_terms, terms)]
        else:
            info.required_affinity_terms = merged(info.required_affinity_terms)
            info.required_anti_affinity_terms = merged(info.required_anti_affinity_terms)
        return info

    # -- filtering -----------------------------------------------------------------------------
    def pre_filter(self, state: CycleState, pod: dict) -> Status:
        snapshot = self.handle.snapshot()
        if schedule_columns.ENABLED and snapshot.node_info_list and not _has_required_terms(pod) \
                and not snapshot.table.anti_affinity_terms():
            return SKIPPED  # nothing to count: no terms of its own, no placed pod with anti-affinity
        info = self._incoming(pod, preferred=False)
        namespace_labels = self._namespace_labels(pod["metadata"].get("namespace", ""))
        if schedule_columns.ENABLED and snapshot.node_info_list:
            s = PreFilterState(info, namespace_labels, snapshot.table)
            self._count_by_columns(s, pod, snapshot.table)
        else:
            s = PreFilterState(info, namespace_labels)
            self._count_node_by_node(s, pod, snapshot)
        if not s.any("existing") and not info.required_affinity_terms and not info.required_anti_affinity_terms:
            return SKIPPED
        state[_PRE_FILTER] = s
        return OK

    def _count_node_by_node(self, s: PreFilterState, pod: dict, snapshot) -> None:
        """The topology pairs PreFilter counts, visiting every placed pod (the definition)."""
        info = s.pod_info
        for node_info in snapshot.have_pods_with_required_anti_affinity:
            for existing in node_info.pods_with_required_anti_affinity.values():
                for term in existing.required_anti_affinity_terms:
                    if term.matches(pod, s.namespace_labels):
                        _count(s.existing_anti_affinity_counts, node_info.labels, term.topology_key)
        if info.required_affinity_terms or info.required_anti_affinity_terms:
            for node_info in snapshot.node_info_list:
                if not node_info.labels:
                    continue
                for existing in node_info.pods.values():
                    if pod_matches_all_affinity_terms(info.required_affinity_terms, existing):
                        for term in info.required_affinity_terms:
                            _count(s.affinity_counts, node_info.labels, term.topology_key)
                    for term in info.required_anti_affinity_terms:
                        if term.matches(existing, None):
                            _count(s.anti_affinity_counts, node_info.labels, term.topology_key)

    def _count_by_columns(self, s: PreFilterState, pod: dict, table) -> None:
        """The same counts from the node table's indexes: placed pods grouped by namespace and labels,
        and the placed pods' required anti-affinity terms with how many carry each on every node."""
        def add(kind, key, on_nodes, rows):
            sums = table.sum_by_code(key, on_nodes, rows)
            found = s.by_code[kind].get(key)
            s.by_code[kind][key] = sums if found is None else found + sums
        for term, on_nodes in table.anti_affinity_terms():
            if term.matches(pod, s.namespace_labels):
                add("existing", term.topology_key, on_nodes, on_nodes > 0)
        info = s.pod_info
        if not info.required_affinity_terms and not info.required_anti_affinity_terms:
            return
        if info.required_affinity_terms:
            on_nodes = table.pods_matching(
                lambda placed: pod_matches_all_affinity_terms(info.required_affinity_terms, placed))
            for term in info.required_affinity_terms:
                add("affinity", term.topology_key, on_nodes, table.labelled & (on_nodes > 0))
        for term in info.required_anti_affinity_terms:
            on_nodes = table.pods_matching(lambda placed: term.matches(placed, None))
            add("anti", term.topology_key, on_nodes, table.labelled & (on_nodes > 0))

    def filter(self, state: CycleState, pod: dict, node_info: NodeInfo) -> Status:
        s: PreFilterState = state[_PRE_FILTER]
        if not satisfy_pod_affinity(s, node_info.labels):
            return AFFINITY_NOT_MATCH
        if not satisfy_pod_anti_affinity(s, node_info.labels):
            return ANTI_AFFINITY_NOT_MATCH
        if not satisfy_existing_pods_anti_affinity(s, node_info.labels):
            return EXISTING_ANTI_AFFINITY_NOT_MATCH
        return OK

    def _rule_masks(self, s: PreFilterState, table):
        """The three rules of `filter` over the label columns (see satisfy_* below), each a mask."""
        if s._masks is not None and s._masks[0] is table:
            return s._masks[1]
        affinity, anti, existing = (np.ones(len(table), bool) for _ in range(3))
        terms = s.pod_info.required_affinity_terms
        if terms:
            keys_present, pods_exist = np.ones(len(table), bool), np.ones(len(table), bool)
            for term in terms:
                keys_present &= table.label_present(term.topology_key)
                pods_exist &= s.present("affinity", term.topology_key, table)
            first_of_group = not s.any("affinity") and pod_matches_all_affinity_terms(terms, s.pod_info.pod)
            affinity &= keys_present & (pods_exist | first_of_group)
        if s.any("anti"):
            for term in s.pod_info.required_anti_affinity_terms:
                anti &= ~s.present("anti", term.topology_key, table)
        if s.any("existing"):
            keys = s.by_code["existing"] if table is s.table else {key for key, _ in s.counts("existing")}
            for key in keys:
                existing &= ~s.present("existing", key, table)
        s._masks = (table, (affinity, anti, existing))
        return affinity, anti, existing

    def filter_mask(self, state: CycleState, pod: dict, table):
        affinity, anti, existing = self._rule_masks(state[_PRE_FILTER], table)
        return affinity & anti & existing

    def filter_statuses(self, state: CycleState, pod: dict, table, rows):
        """The first rule each rejected row breaks, in `filter`'s order."""
        affinity, anti, existing = self._rule_masks(state[_PRE_FILTER], table)
        verdict = np.where(~affinity[rows], 1, np.where(~anti[rows], 2, np.where(~existing[rows], 3, 0)))
        statuses = (OK, AFFINITY_NOT_MATCH, ANTI_AFFINITY_NOT_MATCH, EXISTING_ANTI_AFFINITY_NOT_MATCH)
        return [statuses[code] for code in verdict.tolist()]

    # -- scoring -------------------------------------------------------------------------------
    def pre_score(self, state: CycleState, pod: dict, node_infos: list[NodeInfo]) -> Status:
        if not node_infos:
            return OK
        affinity = pod["spec"].get("affinity") or {}
        has_constraints = bool(((affinity.get("podAffinity") or {}).get(
            "preferredDuringSchedulingIgnoredDuringExecution")) or ((affinity.get("podAntiAffinity") or {}).get(
                "preferredDuringSchedulingIgnoredDuringExecution")))
        if self.ignore_preferred_terms_of_existing_pods and not has_constraints:
            return SKIPPED
        snapshot = self.handle.snapshot()
        if schedule_columns.ENABLED and snapshot.node_info_list and not has_constraints \
                and not snapshot.table.scoring_terms():
            return SKIPPED  # no preferred terms of its own, no placed pod with terms to score by
        info = self._incoming(pod, preferred=True)
        namespace_labels = self._namespace_labels(pod["metadata"].get("namespace", ""))
        topology_score: dict[str, dict[str, int]] = {}
        if schedule_columns.ENABLED and snapshot.node_info_list:
            self._score_by_columns(info, namespace_labels, has_constraints, snapshot.table, topology_score)
            nodes = ()
        else:
            nodes = snapshot.node_info_list if has_constraints else snapshot.have_pods_with_affinity
        for node_info in nodes:
            labels = node_info.labels
            if not labels:
                continue
            existing_pods = node_info.pods.values() if has_constraints else \
                [existing.pod for existing in node_info.pods_with_affinity.values()]
            for existing in existing_pods:
                self._process_existing_pod(info, namespace_labels, existing, node_info, labels, topology_score)
        if not topology_score:
            return SKIPPED
        state[_PRE_SCORE] = topology_score
        return OK

    def _score_by_columns(self, info: PodInfo, namespace_labels, has_constraints: bool, table,
                          topology_score: dict) -> None:
        """PreScore's sums from the node table's indexes: the incoming pod's preferred terms against
        placed pods grouped by namespace and labels, and placed pods' terms against the incoming pod."""
        def add(term: AffinityTerm, weight: int, on_nodes) -> None:
            found = table.count_by_value(term.topology_key, on_nodes, table.labelled & (on_nodes > 0))
            if found:
                domain = topology_score.setdefault(term.topology_key, {})
                for value, count in found.items():
                    domain[value] = domain.get(value, 0) + weight * count
        if has_constraints:
            for weighted, sign in [(w, 1) for w in info.preferred_affinity_terms] + \
                                  [(w, -1) for w in info.preferred_anti_affinity_terms]:
                add(weighted.term, sign * weighted.weight,
                    table.pods_matching(lambda placed: weighted.term.matches(placed, None)))
        for (kind, term, weight), on_nodes in table.scoring_terms():
            if kind == "required":
                if self.hard_pod_affinity_weight <= 0:
                    continue
                weight = self.hard_pod_affinity_weight
            if term.matches(info.pod, namespace_labels):
                add(term, weight, on_nodes)

    def score_array(self, state: CycleState, pod: dict, table, rows):
        """Each feasible node's sum, looked up by its label codes."""
        scores = np.zeros(len(rows), np.int64)
        for key, values in (state.get(_PRE_SCORE) or {}).items():
            column, codes = table.label_codes(key)
            by_code = np.zeros(len(codes) + 1, np.int64)  # the last entry: nodes without the label
            for value, amount in values.items():
                if value in codes:
                    by_code[codes[value]] = amount
            scores += by_code[column[rows]]
        return scores

    def _process_existing_pod(self, info: PodInfo, namespace_labels, existing: dict, node_info: NodeInfo,
                              labels: dict, topology_score: dict) -> None:
        def add(term: AffinityTerm, weight: int, pod: dict, pod_namespace_labels) -> None:
            if term.matches(pod, pod_namespace_labels) and term.topology_key in labels:
                domain = topology_score.setdefault(term.topology_key, {})
                value = labels[term.topology_key]
                domain[value] = domain.get(value, 0) + weight
        for weighted in info.preferred_affinity_terms:
            add(weighted.term, weighted.weight, existing, None)
        for weighted in info.preferred_anti_affinity_terms:
            add(weighted.term, -weighted.weight, existing, None)
        existing_info = node_info.pods_with_affinity.get(
            f"{existing['metadata'].get('namespace', '')}/{existing['metadata']['name']}")
        if existing_info is None:
            return
        if self.hard_pod_affinity_weight > 0:
            for term in existing_info.required_affinity_terms:
                add(term, self.hard_pod_affinity_weight, info.pod, namespace_labels)
        for weighted in existing_info.preferred_affinity_terms:
            add(weighted.term, weighted.weight, info.pod, namespace_labels)
        for weighted in existing_info.preferred_anti_affinity_terms:
            add(weighted.term, -weighted.weight, info.pod, namespace_labels)

    def score(self, state: CycleState, pod: dict, node_info: NodeInfo) -> int:
        topology_score = state.get(_PRE_SCORE) or {}
        return sum(values.get(node_info.labels[key], 0) for key, values in topology_score.items()
                   if key in node_info.labels)

    def normalize_score(self, state: CycleState, pod: dict, scores: dict[str, int]) -> dict[str, int]:
        if not state.get(_PRE_SCORE) or not scores:
            return scores
        lowest, highest = min(scores.values()), max(scores.values())
        spread = highest - lowest
        return {node: int(MAX_NODE_SCORE * ((score - lowest) / spread)) if spread > 0 else 0
                for node, score in scores.items()}


def _has_required_terms(pod: dict) -> bool:
    affinity = pod["spec"].get("affinity") or {}
    return any((affinity.get(kind) or {}).get("requiredDuringSchedulingIgnoredDuringExecution")
               for kind in ("podAffinity", "podAntiAffinity"))


def satisfy_pod_affinity(s: PreFilterState, labels: dict[str, str]) -> bool:
    pods_exist = True
    for term in s.pod_info.required_affinity_terms:
        value = labels.get(term.topology_key)
        if value is None:
            return False  # every topology key must be on the node
        if s.affinity_counts.get((term.topology_key, value), 0) <= 0:
            pods_exist = False
    if not pods_exist:
        # the first pod of a group with affinity to itself: let it go anywhere with the keys
        return not s.affinity_counts and pod_matches_all_affinity_terms(s.pod_info.required_affinity_terms,
                                                                        s.pod_info.pod)
    return True


def satisfy_pod_anti_affinity(s: PreFilterState, labels: dict[str, str]) -> bool:
    if s.anti_affinity_counts:
        for term in s.pod_info.required_anti_affinity_terms:
            value = labels.get(term.topology_key)
            if value is not None and s.anti_affinity_counts.get((term.topology_key, value), 0) > 0:
                return False
    return True


def satisfy_existing_pods_anti_affinity(s: PreFilterState, labels: dict[str, str]) -> bool:
    if s.existing_anti_affinity_counts:
        for pair in labels.items():
            if s.existing_anti_affinity_counts.get(pair, 0) > 0:
                return False
    return True


def new(arguments: dict | None = None, handle=None) -> InterPodAffinity:
    """The plugin's factory, as the registry calls it (args: InterPodAffinityArgs)."""
    arguments = arguments or {}
    return InterPodAffinity(handle, arguments.get("hardPodAffinityWeight", DEFAULT_HARD_POD_AFFINITY_WEIGHT),
                            bool(arguments.get("ignorePreferredTermsOfExistingPods", False)))
