"""NodeTable: the snapshot's nodes as columns, so one pod is filtered and scored against all at once.

    row i = snapshot.node_info_list[i]      (nodes in name order, the order Filter visits them)

    allocatable   milli_cpu  memory  pods        ← the Node's status.allocatable
    requested     milli_cpu  memory  pods        ← the sum of its pods' requests (NodeInfo.requested)
    non_zero      milli_cpu  memory              ← the same with scoring's 100m / 200Mi defaults
    flags         unschedulable  tainted  scalar (the node offers or carries extended resources)
    labels        per key, a column of small integers (one code per distinct value; -1: no label)

At 5,000 nodes, asking NodeResourcesFit's question node by node costs 5,000 Python calls per
pod; asked of the columns it is a few array operations. Plugins may answer from the table
(`filter_mask`, `score_array` in framework.py) and fall back to their node-by-node code for
the rows the table can't decide (a tainted node, a node with extended resources). The
node-by-node methods stay the definition: tests/scheduler/test_node_table.py checks on random
clusters that both paths choose the same node, visit the same nodes and give the same scores.

Invariant: row i equals NodeInfo i's totals at all times — the cache calls `refresh(name)`
whenever it adds or removes a pod, and builds a new table when nodes come or go.
"""
from __future__ import annotations

import numpy as np

from .node_info import NodeInfo
from ..objects.node_selector import _as_int, requirement_matches

MAX_NODE_SCORE = 100  # framework.MAX_NODE_SCORE (framework imports this module's neighbours, not it)
KEPT_ONE_BY_ONE = 16  # `kept`: up to this many changed rows are recomputed one by one


class NodeTable:
    def __init__(self, infos: list[NodeInfo]):
        self.infos = infos
        self.names = [info.name for info in infos]
        self.index = {name: i for i, name in enumerate(self.names)}
        size = len(infos)
        self.alloc_cpu = np.zeros(size, np.int64)
        self.alloc_memory = np.zeros(size, np.int64)
        self.alloc_pods = np.zeros(size, np.int64)
        self.req_cpu = np.zeros(size, np.int64)
        self.req_memory = np.zeros(size, np.int64)
        self.num_pods = np.zeros(size, np.int64)
        self.nz_cpu = np.zeros(size, np.int64)
        self.nz_memory = np.zeros(size, np.int64)
        self.unschedulable = np.zeros(size, bool)
        self.tainted = np.zeros(size, bool)
        self.scalar = np.zeros(size, bool)
        self.has_images = np.zeros(size, bool)
        self.labelled = np.array([bool(info.labels) for info in infos], bool)
        self._labels: dict[str, tuple[np.ndarray, dict[str, int]]] = {}
        self._values: dict[str, list[str]] = {}
        self._groups: dict | None = None      # built on first use (pods_matching)
        self._anti_terms: dict = {}
        self._score_terms: dict = {}
        self._by_labels: dict = {}            # key -> a mask that reads only the nodes' labels and names
        self._domains: dict = {}              # (label key, id of a kept mask) -> its rows and their codes
        self._one_per_node: dict[str, bool] = {}  # label key -> every node has a value of its own, in row order
        self._changed: list[int] = []         # rows refreshed, in order (what `kept` arrays catch up on)
        self._kept: dict = {}                 # key -> [array over all rows, how much of _changed it has seen]
        for i, info in enumerate(infos):
            node = info.node or {}
            allocatable = info.allocatable
            self.alloc_cpu[i], self.alloc_memory[i], self.alloc_pods[i] = \
                allocatable.milli_cpu, allocatable.memory, allocatable.pods
            self.unschedulable[i] = bool((node.get("spec") or {}).get("unschedulable"))
            self.tainted[i] = bool(info.taints)
            self.has_images[i] = bool(info.images)
            self._refresh_row(i, info)
        self.any_tainted = bool(self.tainted.any())
        self.any_unschedulable = bool(self.unschedulable.any())
        self.any_images = bool(self.has_images.any())
        self.any_without_cpu_or_memory = bool(((self.alloc_cpu == 0) | (self.alloc_memory == 0)).any())
        self.everywhere = np.ones(size, bool)  # the mask of a filter that rejects no node (shared: read only)
        self.everywhere.flags.writeable = False

    def __len__(self) -> int:
        return len(self.names)

    def refresh(self, name: str) -> None:
        """Copy one node's pod totals again (a pod came or went)."""
        i = self.index.get(name)
        if i is not None:
            self._refresh_row(i, self.infos[i])
            self._changed.append(i)
            if len(self._changed) > 100_000:  # catching up would cost more than starting again
                self._changed, self._kept = [], {}

    def kept(self, key, compute, compute_row=None) -> np.ndarray:
        """`compute(rows)` for every row, kept from one pod to the next: after the first call only the
        rows refreshed since are computed again — a few of them one by one by `compute_row(row)`
        (the plugin's node-by-node definition: a pod usually changes one row, and a dozen array
        operations on one row cost more than the plain code). `key` names everything `compute`
        reads besides the rows' pod totals (the plugin, the pod's requests); callers read the
        array, never write it."""
        found = self._kept.get(key)
        if found is None:
            if len(self._kept) >= 64:
                self._kept.clear()
            values = compute(np.arange(len(self)))
            self._kept[key] = [values, len(self._changed)]
            return values
        values, seen = found
        if seen < len(self._changed):
            changed = set(self._changed[seen:])
            if compute_row is not None and len(changed) <= KEPT_ONE_BY_ONE:
                for row in changed:
                    values[row] = compute_row(row)
            else:
                rows = np.array(sorted(changed), np.int64)
                values[rows] = compute(rows)
            found[1] = len(self._changed)
        return values

    def by_labels(self, key, compute) -> np.ndarray:
        """`compute()` — a mask that reads only the nodes' labels and names — kept for this table's
        life under `key` (a node's labels changing builds a new table). The mask is read-only."""
        mask = self._by_labels.get(key)
        if mask is None:
            if len(self._by_labels) >= 256:
                self._by_labels.clear()
            mask = self._by_labels[key] = compute()
            mask.flags.writeable = False
        return mask

    def _refresh_row(self, i: int, info: NodeInfo) -> None:
        requested, non_zero = info.requested, info.non_zero_requested
        self.req_cpu[i], self.req_memory[i], self.num_pods[i] = requested.milli_cpu, requested.memory, len(info.pods)
        self.nz_cpu[i], self.nz_memory[i] = non_zero.milli_cpu, non_zero.memory
        self.scalar[i] = bool(info.allocatable.scalar) or any(requested.scalar.values())

    def label_codes(self, key: str) -> tuple[np.ndarray, dict[str, int]]:
        """The column for label `key`: each node's value as a code (-1 when absent), and value -> code."""
        column = self._labels.get(key)
        if column is None:
            codes: dict[str, int] = {}
            values = np.full(len(self.infos), -1, np.int32)
            for i, info in enumerate(self.infos):
                value = info.labels.get(key)
                if value is not None:
                    values[i] = codes.setdefault(value, len(codes))
            column = self._labels[key] = (values, codes)
            self._values[key] = list(codes)  # code -> value (codes are given in order)
        return column

    def label_in(self, key: str, wanted) -> np.ndarray:
        """Which nodes carry label `key` with one of the `wanted` values."""
        values, codes = self.label_codes(key)
        wanted_codes = [codes[value] for value in wanted if value in codes]
        if not wanted_codes:
            return np.zeros(len(values), bool)
        if len(wanted_codes) == 1:
            return values == wanted_codes[0]
        return np.isin(values, wanted_codes)

    def label_present(self, key: str) -> np.ndarray:
        return self.label_codes(key)[0] >= 0

    # -- node selectors over the columns (the rules of node_selector.py, asked of every node) ------
    def requirement_mask(self, expression: dict) -> np.ndarray:
        key, operator, values = expression.get("key", ""), expression.get("operator"), expression.get("values") or []
        if operator == "In":
            return self.label_in(key, values)
        if operator == "NotIn":
            return ~self.label_in(key, values)
        if operator == "Exists":
            return self.label_present(key)
        if operator == "DoesNotExist":
            return ~self.label_present(key)
        if operator in ("Gt", "Lt") and len(values) == 1:
            want = _as_int(values[0])
            column, codes = self.label_codes(key)
            if want is None:
                return np.zeros(len(self), bool)
            matching = [code for value, code in codes.items() if (have := _as_int(value)) is not None
                        and (have > want if operator == "Gt" else have < want)]
            return np.isin(column, matching) if matching else np.zeros(len(self), bool)
        return np.zeros(len(self), bool)

    def term_mask(self, term: dict) -> np.ndarray:
        """A NodeSelectorTerm: expressions and metadata.name fields ANDed (an empty term: no node)."""
        expressions, fields = term.get("matchExpressions") or [], term.get("matchFields") or []
        mask = np.ones(len(self), bool) if expressions or fields else np.zeros(len(self), bool)
        for expression in expressions:
            mask &= self.requirement_mask(expression)
        for field in fields:
            if field.get("key") != "metadata.name":
                return np.zeros(len(self), bool)
            names = np.zeros(len(self), bool)
            for value in field.get("values") or []:
                if value in self.index:
                    names[self.index[value]] = True
            operator = field.get("operator")
            if operator == "In":
                mask &= names
            elif operator == "NotIn":
                mask &= ~names
            else:  # (validation allows only In and NotIn here; anything else as node_selector.py says)
                mask &= np.array([requirement_matches(field, {"metadata.name": name}) for name in self.names], bool)
        return mask

    def node_selector_mask(self, node_selector: dict | None) -> np.ndarray:
        """A NodeSelector: any of its terms."""
        mask = np.zeros(len(self), bool)
        for term in (node_selector or {}).get("nodeSelectorTerms") or []:
            mask |= self.term_mask(term)
        return mask

    def match_labels_mask(self, selector: dict[str, str]) -> np.ndarray:
        """A pod's spec.nodeSelector: every pair is a label of the node."""
        mask = np.ones(len(self), bool)
        for key, value in selector.items():
            mask &= self.label_in(key, [value])
        return mask

    # -- pods by label set: "how many pods matching this selector on each node", without a pod loop --
    def _build_pod_indexes(self) -> None:
        self._groups = {}
        self._by_namespace = {}   # namespace -> its entries of _groups (the same arrays)
        self._anti_terms = {}
        self._score_terms = {}
        for info in self.infos:
            for key, pod in info.pods.items():
                self._count_pod(info.name, pod, info.pods_with_affinity.get(key), 1)

    def _count_pod(self, node_name: str, pod: dict, affinity, sign: int) -> None:
        row = self.index.get(node_name)
        if row is None:
            return
        metadata = pod["metadata"]
        group = (metadata.get("namespace", ""), frozenset((metadata.get("labels") or {}).items()),
                 bool(metadata.get("deletionTimestamp")))
        counts = self._groups.get(group)
        if counts is None:
            counts = self._groups[group] = np.zeros(len(self), np.int64)
            self._by_namespace.setdefault(group[0], {})[group] = counts
        counts[row] += sign
        if affinity is None:
            return
        for term in affinity.required_anti_affinity_terms:
            self._add(self._anti_terms, term, row, sign)
        for term in affinity.required_affinity_terms:
            self._add(self._score_terms, ("required", term, 0), row, sign)
        for weighted in affinity.preferred_affinity_terms:
            self._add(self._score_terms, ("preferred", weighted.term, weighted.weight), row, sign)
        for weighted in affinity.preferred_anti_affinity_terms:
            self._add(self._score_terms, ("preferred", weighted.term, -weighted.weight), row, sign)

    def _add(self, index: dict, key, row: int, sign: int) -> None:
        counts = index.get(key)
        if counts is None:
            counts = index[key] = np.zeros(len(self), np.int64)
        counts[row] += sign

    def pod_changed(self, node_name: str, pod: dict, affinity, sign: int) -> None:
        """The cache counted (+1) or uncounted (-1) `pod` on `node_name` (affinity: its PodInfo, if it has terms)."""
        if self._groups is not None:
            self._count_pod(node_name, pod, affinity, sign)

    def pods_matching(self, predicate, namespace: str | None = None) -> np.ndarray:
        """How many placed pods on each node satisfy `predicate`, asked once per kind of pod: a
        stand-in with the kind's namespace, labels and (if being deleted) a deletionTimestamp.
        `namespace`: only that namespace's kinds are asked (the predicate refuses the others)."""
        if self._groups is None:
            self._build_pod_indexes()
        total = np.zeros(len(self), np.int64)
        groups = self._groups if namespace is None else self._by_namespace.get(namespace, {})
        for (namespace, labels, deleting), on_nodes in groups.items():
            metadata = {"namespace": namespace, "labels": dict(labels)}
            if deleting:
                metadata["deletionTimestamp"] = "(being deleted)"
            if predicate({"metadata": metadata}):
                total += on_nodes
        return total

    def anti_affinity_terms(self):
        """(required anti-affinity term of placed pods, how many placed pods carry it on each node)."""
        if self._groups is None:
            self._build_pod_indexes()
        return self._anti_terms.items()

    def scoring_terms(self):
        """(("required" | "preferred", term, weight), how many placed pods carry it on each node): the
        placed pods' terms InterPodAffinity scores an incoming pod by."""
        if self._groups is None:
            self._build_pod_indexes()
        return self._score_terms.items()

    def one_value_per_node(self, key: str) -> bool:
        """Does every node carry label `key` with a value of its own (kubernetes.io/hostname)? Then
        node i's value has code i, and a sum by code is the per-node array itself."""
        found = self._one_per_node.get(key)
        if found is None:
            column = self.label_codes(key)[0]
            found = self._one_per_node[key] = bool(np.array_equal(column, np.arange(len(column))))
        return found

    def sum_by_code(self, key: str, per_node: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Σ per_node over `rows`, by the code of label `key`: an array one longer than the codes, its
        last entry 0, so `sums[column]` reads 0 for nodes without the label (column -1)."""
        if self.one_value_per_node(key):
            sums = np.zeros(len(self) + 1, np.int64)
            np.multiply(per_node, rows, out=sums[:len(self)])
            return sums
        column, codes = self.label_codes(key)
        chosen = rows & (column >= 0)
        sums = np.zeros(len(codes) + 1, np.int64)
        sums[:len(codes)] = np.bincount(column[chosen], weights=per_node[chosen], minlength=len(codes))
        return sums

    def label_values(self, key: str) -> list[str]:
        """Label `key`'s values, by code."""
        self.label_codes(key)
        return self._values[key]

    def count_by_value(self, key: str, per_node: np.ndarray, rows: np.ndarray) -> dict[str, int]:
        """Σ per_node over `rows`, by the value of label `key` (rows without the label left out);
        every value carried by one of `rows` appears, with 0 if nothing was counted there."""
        column, codes = self.label_codes(key)
        found = self._domains.get((key, id(rows))) if not rows.flags.writeable else None
        if found is None or found[0] is not rows:
            chosen = np.flatnonzero(rows & (column >= 0))
            found = (rows, chosen, column[chosen], np.flatnonzero(np.bincount(column[chosen], minlength=len(codes))))
            if not rows.flags.writeable:  # (a kept mask, by_labels: its rows' codes are kept with it)
                if len(self._domains) >= 256:
                    self._domains.clear()
                self._domains[(key, id(rows))] = found
        _, chosen, chosen_codes, seen = found
        sums = np.bincount(chosen_codes, weights=per_node[chosen], minlength=len(codes))
        values = self._values[key]
        return {values[code]: int(sums[code]) for code in seen.tolist()}

# (length, value) -> a read-only int array of that value: the answers that are the same for every
# row ("no node is tainted: every raw score 0, every normalized score 100") are shared, not rebuilt
_CONSTANTS: dict[tuple[int, int], np.ndarray] = {}


def frozen(value):
    """A JSON-like value as nested tuples, to key a cache by (dict order counts: a miss, never a clash)."""
    if isinstance(value, dict):
        return tuple((key, frozen(item)) for key, item in value.items())
    if isinstance(value, list):
        return ("[",) + tuple(frozen(item) for item in value)
    return value


def constant_array(length: int, value: int) -> np.ndarray:
    """A read-only int array of `length` times `value` (shared: nobody may write it)."""
    found = _CONSTANTS.get((length, value))
    if found is None:
        if len(_CONSTANTS) >= 256:
            _CONSTANTS.clear()
        found = _CONSTANTS[(length, value)] = np.full(length, value, np.int64)
        found.flags.writeable = False
    return found


def is_constant(values: np.ndarray) -> bool:
    """Is this one of `constant_array`'s shared arrays (the same value in every row)?"""
    return len(values) > 0 and not values.flags.writeable and _CONSTANTS.get((len(values), int(values[0]))) is values


def default_normalize_array(scores: np.ndarray, reverse: bool = False) -> np.ndarray:
    """framework.default_normalize_score over an array: the highest becomes 100 (reverse: 0)."""
    if scores is _CONSTANTS.get((len(scores), 0)):
        highest = 0
    else:
        highest = int(scores.max()) if len(scores) else 0
    if highest == 0:
        return constant_array(len(scores), MAX_NODE_SCORE if reverse else 0)
    scaled = MAX_NODE_SCORE * scores // highest
    return MAX_NODE_SCORE - scaled if reverse else scaled
