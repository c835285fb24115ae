"""Nodes: defaulting, and the trace's words for what a node update changed.

Upstream: pkg/registry/core/node/strategy.go. A node's spec and status are written by its
kubelet and the node controllers; kubelab's rules for them are the generic ones.
"""
from __future__ import annotations

from ...objects import conditions
from .strategy import Strategy


class NodeStrategy(Strategy):
    plural = "nodes"
    watch_trigger = "metadata.name"   # a kubelet's watch of its own Node (upstream's NodeNameTriggerFunc)

    def default(self, obj: dict) -> None:
        obj.setdefault("spec", {})
        obj.setdefault("status", {})

    def summary(self, old: dict, new: dict) -> str:
        if conditions.is_true(old, "Ready") != conditions.is_true(new, "Ready"):
            return "Ready" if conditions.is_true(new, "Ready") else "NotReady"
        if bool(old["spec"].get("unschedulable")) != bool(new["spec"].get("unschedulable")):
            return "cordoned" if new["spec"].get("unschedulable") else "uncordoned"
        return ""


STRATEGY = NodeStrategy()
