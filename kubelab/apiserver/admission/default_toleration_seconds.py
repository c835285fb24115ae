"""DefaultTolerationSeconds: every pod tolerates a not-ready or unreachable node for 300 s.

When a node stops reporting, the node lifecycle controller taints it
node.kubernetes.io/not-ready or node.kubernetes.io/unreachable with effect NoExecute. A pod
without a matching toleration would be evicted at once; this plugin gives every pod one that
lasts --default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds
(300 s each), so a brief network blip does not reschedule the world. A pod that already
tolerates the taint (a DaemonSet's pods tolerate it forever) keeps its own.
"""
from __future__ import annotations

from .attributes import Attributes
from .chain import AdmissionPlugin

NOT_READY, UNREACHABLE = "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"
DEFAULT_TOLERATION_SECONDS = 300


class DefaultTolerationSeconds(AdmissionPlugin):
    name = "DefaultTolerationSeconds"
    operations = ("CREATE",)
    resources = ("pods",)

    def admit(self, attributes: Attributes) -> None:
        if attributes.subresource:
            return
        tolerations = attributes.object.setdefault("spec", {}).setdefault("tolerations", [])
        for taint_key in (NOT_READY, UNREACHABLE):
            if not any(_tolerates(toleration, taint_key) for toleration in tolerations):
                tolerations.append({"key": taint_key, "operator": "Exists", "effect": "NoExecute",
                                    "tolerationSeconds": DEFAULT_TOLERATION_SECONDS})


def _tolerates(toleration: dict, taint_key: str) -> bool:
    """Does this toleration already cover the NoExecute taint `taint_key`?"""
    if toleration.get("effect") not in (None, "", "NoExecute"):
        return False
    if toleration.get("operator") == "Exists" and not toleration.get("key"):
        return True
    return toleration.get("key") == taint_key
