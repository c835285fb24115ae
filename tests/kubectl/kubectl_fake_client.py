"""A stand-in API server for kubectl's tests: it keeps objects exactly as the test built them.

The real API server sets uids, timestamps and defaults; a printer test wants a pod with a
given restart count and a container that died 45 seconds ago. This client stores hand-built
dicts verbatim, answers get/list (with label and field selectors) and the writes kubectl
makes, and refuses with the same ApiError (a Kubernetes Status) the real one raises.
"""
from __future__ import annotations

import copy

from kubelab.api.errors import ApiError, already_exists, not_found, status
from kubelab.apiserver.patch import merge_patch
from kubelab.objects import selector

# plural -> (kind, group, namespaced)
KINDS = {"pods": ("Pod", "", True), "services": ("Service", "", True), "endpoints": ("Endpoints", "", True),
         "nodes": ("Node", "", False), "namespaces": ("Namespace", "", False), "events": ("Event", "", True),
         "deployments": ("Deployment", "apps", True), "replicasets": ("ReplicaSet", "apps", True),
         "replicationcontrollers": ("ReplicationController", "", True), "daemonsets": ("DaemonSet", "apps", True),
         "statefulsets": ("StatefulSet", "apps", True)}
PLURAL_OF = {kind: plural for plural, (kind, _, _) in KINDS.items()}


class FakeClient:
    def __init__(self, *objects: dict):
        self.objects: dict[tuple[str, str, str], dict] = {}
        self.requests: list[tuple] = []   # (verb, resource, namespace, name), for tests to inspect
        for obj in objects:
            self.add(obj)

    def add(self, obj: dict) -> dict:
        plural = PLURAL_OF[obj["kind"]]
        self.objects[(plural, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])] = copy.deepcopy(obj)
        return obj

    def _check(self, resource: str) -> tuple[str, str, bool]:
        if resource not in KINDS:
            raise ApiError(status(404, "NotFound", "the server could not find the requested resource"))
        return KINDS[resource]

    def _key(self, resource: str, name: str, namespace: str | None) -> tuple[str, str, str]:
        _, _, namespaced = self._check(resource)
        return resource, (namespace or "default") if namespaced else "", name

    def get(self, resource: str, name: str, namespace: str | None = None) -> dict:
        self.requests.append(("get", resource, namespace, name))
        key = self._key(resource, name, namespace)
        if key not in self.objects:
            raise not_found(resource, KINDS[resource][1], name)
        return copy.deepcopy(self.objects[key])

    def list(self, resource: str, namespace: str | None = None, label_selector: str | None = None,
             field_selector: str | None = None) -> dict:
        self.requests.append(("list", resource, namespace, label_selector, field_selector))
        kind, group, namespaced = self._check(resource)
        labels = selector.parse(label_selector)
        fields = selector.parse_fields(field_selector)
        items = [copy.deepcopy(obj) for (plural, ns, _), obj in sorted(self.objects.items())
                 if plural == resource and (not namespaced or not namespace or ns == namespace)
                 and selector.matches(labels, obj["metadata"].get("labels") or {})
                 and selector.fields_match(fields, obj)]
        return {"apiVersion": f"{group}/v1" if group else "v1", "kind": f"{kind}List",
                "metadata": {"resourceVersion": "100"}, "items": items}

    def create(self, resource: str, obj: dict, namespace: str | None = None) -> dict:
        self.requests.append(("create", resource, namespace, obj["metadata"]["name"]))
        key = self._key(resource, obj["metadata"]["name"], namespace)
        if key in self.objects:
            raise already_exists(resource, KINDS[resource][1], obj["metadata"]["name"])
        stored = copy.deepcopy(obj)
        if key[1]:
            stored["metadata"]["namespace"] = key[1]
        self.objects[key] = stored
        return copy.deepcopy(stored)

    def patch(self, resource: str, name: str, patch: dict, namespace: str | None = None,
              subresource: str = "") -> dict:
        self.requests.append(("patch", resource, namespace, name, patch))
        key = self._key(resource, name, namespace)
        if key not in self.objects:
            raise not_found(resource, KINDS[resource][1], name)
        self.objects[key] = merge_patch(self.objects[key], patch)
        return copy.deepcopy(self.objects[key])

    def delete(self, resource: str, name: str, namespace: str | None = None,
               propagation_policy: str | None = None, grace_period_seconds: int | None = None) -> dict:
        self.requests.append(("delete", resource, namespace, name))
        key = self._key(resource, name, namespace)
        if key not in self.objects:
            raise not_found(resource, KINDS[resource][1], name)
        return self.objects.pop(key)
