"""Priority: a pod's priorityClassName becomes its spec.priority (and its preemptionPolicy).

    spec.priorityClassName: high-priority  ─▶  spec.priority: 1000000, spec.preemptionPolicy: from the class

A pod without a class gets the value of the class marked globalDefault, or 0. A class that does
not exist is refused: `pods "web" is forbidden: no PriorityClass with name nope was found`; a
pod that states its own spec.priority different from its class's is refused too — priority is
the cluster's to assign, not the pod's to claim. On PriorityClasses, only one may be
globalDefault.
"""
from __future__ import annotations

from .attributes import Attributes
from .chain import AdmissionPlugin

DEFAULT_POLICY = "PreemptLowerPriority"


class Priority(AdmissionPlugin):
    name = "Priority"
    operations = ("CREATE", "UPDATE")
    resources = ("pods", "priorityclasses")

    def __init__(self, list_classes=None):
        self.list_classes = list_classes  # () -> every PriorityClass (set by the API server)

    def admit(self, attributes: Attributes) -> None:
        if attributes.resource != "pods" or attributes.operation != "CREATE" or attributes.subresource:
            return
        spec = attributes.object.setdefault("spec", {})
        name = spec.get("priorityClassName")
        policy = DEFAULT_POLICY
        if name:
            found = attributes.lookup("priorityclasses", "", name)
            if found is None:
                attributes.forbid(f"no PriorityClass with name {name} was found")
            value, policy = found.get("value", 0), found.get("preemptionPolicy") or DEFAULT_POLICY
        else:
            default = next((c for c in self._classes(attributes) if c.get("globalDefault")), None)
            value = default.get("value", 0) if default else 0
            if default:
                policy = default.get("preemptionPolicy") or DEFAULT_POLICY
        if spec.get("priority") not in (None, value):
            attributes.forbid(f"the integer value of priority ({spec['priority']}) must not be provided in pod spec; "
                              f"priority admission controller computed {value} from the given PriorityClass name")
        spec["priority"] = value
        if spec.get("preemptionPolicy") in (None, DEFAULT_POLICY):
            spec["preemptionPolicy"] = policy

    def validate(self, attributes: Attributes) -> None:
        if attributes.resource != "priorityclasses" or not (attributes.object or {}).get("globalDefault"):
            return
        for other in self._classes(attributes):
            if other.get("globalDefault") and other["metadata"]["name"] != attributes.name:
                attributes.forbid(f"PriorityClass {other['metadata']['name']} is already marked as default. "
                                  "Only one default can exist")

    def _classes(self, attributes: Attributes) -> list[dict]:
        return self.list_classes() if self.list_classes else []
