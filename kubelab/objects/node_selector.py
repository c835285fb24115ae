"""Does a node match a pod's nodeSelector and node affinity? (upstream's component-helpers nodeaffinity)

    spec.nodeSelector: {disktype: ssd}                       every pair must be a node label
    affinity.nodeAffinity.requiredDuringScheduling...:       nodeSelectorTerms are ORed;
        nodeSelectorTerms: [{matchExpressions: [...],        inside a term, expressions and fields
                             matchFields: [...]}]           are ANDed; an empty term matches nothing
    affinity.nodeAffinity.preferredDuringScheduling...:      each matching term adds its weight

Operators: In, NotIn, Exists, DoesNotExist, Gt and Lt (the label read as an integer; a label
that is not one does not match). matchFields knows one field, metadata.name (In / NotIn).
NotIn and DoesNotExist also match nodes without the label, as upstream.

The same rules serve the scheduler (NodeAffinity, PodTopologySpread's nodeAffinityPolicy: Honor),
the DaemonSet controller, the kubelet's admission and
the API server's validation of the operators (apiserver/registry/pod/scheduling.py).
"""
from __future__ import annotations

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")


def _as_int(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def requirement_matches(expression: dict, labels: dict[str, str]) -> bool:
    """One NodeSelectorRequirement against a node's labels (or {"metadata.name": name} for fields)."""
    key, operator, values = expression.get("key", ""), expression.get("operator"), expression.get("values") or []
    present = key in labels
    if operator == "In":
        return present and labels[key] in values
    if operator == "NotIn":
        return not present or labels[key] not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    if operator in ("Gt", "Lt") and present and len(values) == 1:
        have, want = _as_int(labels[key]), _as_int(values[0])
        if have is None or want is None:
            return False
        return have > want if operator == "Gt" else have < want
    return False


def term_matches(term: dict, labels: dict[str, str], node_name: str) -> bool:
    """A NodeSelectorTerm: every expression and every field requirement holds (empty: never)."""
    expressions, fields = term.get("matchExpressions") or [], term.get("matchFields") or []
    if not expressions and not fields:
        return False
    if not all(requirement_matches(expression, labels) for expression in expressions):
        return False
    return all(field.get("key") == "metadata.name" and requirement_matches(field, {"metadata.name": node_name})
               for field in fields)


def node_selector_matches(node_selector: dict | None, labels: dict[str, str], node_name: str) -> bool:
    """A NodeSelector: any of its terms matches."""
    return any(term_matches(term, labels, node_name) for term in (node_selector or {}).get("nodeSelectorTerms") or [])


class RequiredNodeAffinity:
    """A pod's hard node constraints: spec.nodeSelector AND its required node affinity."""

    def __init__(self, pod: dict):
        spec = pod.get("spec") or {}
        self.node_selector: dict[str, str] = spec.get("nodeSelector") or {}
        node_affinity = (spec.get("affinity") or {}).get("nodeAffinity") or {}
        self.required: dict | None = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")

    @property
    def empty(self) -> bool:
        return not self.node_selector and self.required is None

    def match(self, labels: dict[str, str], node_name: str) -> bool:
        for key, value in self.node_selector.items():
            if labels.get(key) != value:
                return False
        return self.required is None or node_selector_matches(self.required, labels, node_name)


def preferred_terms(pod: dict) -> list[tuple[int, dict]]:
    """(weight, NodeSelectorTerm) of the pod's preferred node affinity."""
    node_affinity = ((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {}
    return [(term.get("weight", 0), term.get("preference") or {})
            for term in node_affinity.get("preferredDuringSchedulingIgnoredDuringExecution") or []]
