"""InterPodAffinity's PreFilter state: how many placed pods count against or for a pod, per domain.

    existing   placed pods whose required anti-affinity terms select the incoming pod
    affinity   placed pods matching all the incoming pod's required affinity terms
    anti       placed pods matching each of its required anti-affinity terms

each per (topologyKey, value) — a domain. Counted node by node (the plugin's definition) they are
dicts from the start. Counted over the node table they stay arrays — per topology key, the sum for
each label code (`by_code`) — and become dicts only when read (the node-by-node `filter`, an
explanation): with topologyKey kubernetes.io/hostname, 5,000 nodes would be 5,000 dict entries per
pod. Invariant: once PreFilter is done the counts do not change, so what is derived from them
(the dicts, "any count above zero", the filter's masks) is worked out once per cycle.
"""
from __future__ import annotations

from .node_table import np
from .pod_info import PodInfo

TopologyPair = tuple[str, str]


class PreFilterState:
    """PreFilter's three counts (the module's note)."""
    KINDS = ("existing", "affinity", "anti")

    def __init__(self, info: PodInfo, namespace_labels: dict | None, table=None):
        self.pod_info = info
        self.namespace_labels = namespace_labels
        self.table = table
        self.by_code: dict[str, dict[str, np.ndarray]] = {kind: {} for kind in self.KINDS}
        self._counts: dict[str, dict[TopologyPair, int]] = {} if table is not None else \
            {kind: {} for kind in self.KINDS}
        self._masks = None  # (table, the three rules' masks), once filter_mask asked
        self._any: dict[str, bool] = {}

    def counts(self, kind: str) -> dict[TopologyPair, int]:
        found = self._counts.get(kind)
        if found is None:
            found = self._counts[kind] = {}
            for key, sums in self.by_code[kind].items():
                values = self.table.label_values(key)
                for code in np.flatnonzero(sums > 0).tolist():
                    found[(key, values[code])] = int(sums[code])
        return found

    def any(self, kind: str) -> bool:
        if kind in self._counts:
            return bool(self._counts[kind])
        found = self._any.get(kind)
        if found is None:   # (the counts are final once PreFilter is done: asked once per kind)
            found = self._any[kind] = any(bool((sums > 0).any()) for sums in self.by_code[kind].values())
        return found

    def present(self, kind: str, key: str, table) -> np.ndarray:
        """Which of the table's nodes lie in a domain of `key` with a count above zero."""
        if table is self.table:
            sums = self.by_code[kind].get(key)
            if sums is None:
                return np.zeros(len(table), bool)
            if table.one_value_per_node(key):   # (node i's value has code i: no lookup by code)
                return sums[:len(table)] > 0
            return (sums > 0)[table.label_codes(key)[0]]
        return table.label_in(key, positive_values(self.counts(kind), key))

    existing_anti_affinity_counts = property(lambda self: self.counts("existing"))
    affinity_counts = property(lambda self: self.counts("affinity"))
    anti_affinity_counts = property(lambda self: self.counts("anti"))


def positive_values(counts: dict[TopologyPair, int], key: str) -> list[str]:
    """The values of topology key `key` with a count above zero."""
    return [value for (pair_key, value), count in counts.items() if pair_key == key and count > 0]
