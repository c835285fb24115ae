"""The root CA certificate publisher: a ConfigMap `kube-root-ca.crt` in every namespace.

    namespaces ──informer──▶ enqueue the namespace
    configmaps named kube-root-ca.crt, changed or deleted ──▶ enqueue its namespace
        sync(namespace):
            namespace gone or Terminating   -> nothing
            ConfigMap missing               -> create it: data["ca.crt"] = the cluster's CA
            ConfigMap differs               -> put the CA (and the description) back

Why: every pod's service-account volume (kube-api-access-*) projects `ca.crt` from this
ConfigMap, so a program in the pod can verify the API server it talks to at
kubernetes.default.svc. Invariant: in every live namespace the ConfigMap says exactly the CA
the controller manager was given (`--root-ca-file`); an edit by anyone else is undone.

kubelab's in-process cluster has no certificate authority: the bundle then says so in one
comment line (the same placeholder token Secrets carry). `kubelab up` hands the controller
manager the certificate its HTTPS front serves, which is also the CA its clients trust.
Upstream's controller is pkg/controller/certificates/rootcacertpublisher; it also records
metrics of its syncs, which kubelab leaves out.
"""
from __future__ import annotations

import copy

from ..client import ApiError, Controller
from ..objects import meta
from .tokens import CA_PLACEHOLDER   # what token Secrets carry too

ROOT_CA = "kube-root-ca.crt"
DESCRIPTION_KEY = "kubernetes.io/description"
DESCRIPTION = ("Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints "
               "such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across "
               "distributions of Kubernetes clusters.")


class RootCACertPublisher(Controller):
    name = "root-ca-cert-publisher"

    def __init__(self, client, clock, factory, config=None):
        super().__init__(client, clock, factory)
        self.root_ca = getattr(config, "root_ca", "") or CA_PLACEHOLDER   # --root-ca-file's contents
        self.namespaces = factory.informer("namespaces")
        self.configmaps = factory.informer("configmaps")
        self.namespaces.add_handlers(self.enqueue, lambda old, new: self.enqueue(new))
        self.configmaps.add_handlers(on_update=lambda old, new: self.on_configmap(new), on_delete=self.on_configmap)

    def on_configmap(self, config_map: dict) -> None:
        if meta.name(config_map) == ROOT_CA:
            self.enqueue(meta.namespace(config_map))

    def sync(self, key: str) -> None:
        """Make namespace `key`'s kube-root-ca.crt say the cluster's CA."""
        namespace = self.namespaces.get(key)
        if namespace is None or (namespace.get("status") or {}).get("phase") == "Terminating":
            return
        data = {"ca.crt": self.root_ca}
        existing = self.configmaps.get(f"{key}/{ROOT_CA}")
        if existing is None:
            try:
                self.client.create("configmaps", {
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": ROOT_CA, "namespace": key, "annotations": {DESCRIPTION_KEY: DESCRIPTION}},
                    "data": data}, key)
            except ApiError as error:
                if error.reason not in ("AlreadyExists", "Forbidden"):   # Forbidden: the namespace is going
                    raise
            return
        annotations = existing["metadata"].get("annotations") or {}
        if existing.get("data") == data and annotations.get(DESCRIPTION_KEY) == DESCRIPTION:
            return
        updated = copy.deepcopy(existing)   # never modify the informer's copy
        updated["data"] = data
        updated["metadata"].setdefault("annotations", {})[DESCRIPTION_KEY] = DESCRIPTION
        updated.pop("binaryData", None)
        self.client.update("configmaps", updated, key)
