"""Credentials: who each component is, handed out when a cluster is made (kubeadm's job).

kubeadm generates the cluster's keys and one kubeconfig per component; kubelab does the same
in memory (and `kubelab up` writes them to files):

    you (kubectl)            kubernetes-admin, group system:masters → cluster-admin
    kube-scheduler           system:kube-scheduler                  → its ClusterRole
    kube-controller-manager  system:kube-controller-manager         → its ClusterRole (shared informers)
      each controller        system:serviceaccount:kube-system:<controller name>
                                                                    → system:controller:<name>
    kubelet on node N        system:node:N, group system:nodes      → the Node authorizer
    kube-proxy               system:kube-proxy                      → system:node-proxier

The admin, the scheduler, the controller manager, the kubelets and kube-proxy get static
tokens (kubeadm gives them client certificates; see authentication/token_file.py). Each
controller gets a service-account token signed by the API server's key, as
kube-controller-manager does with `--use-service-account-credentials`.

Real kube-controller-manager asks for those tokens through the TokenRequest API, creates the
service accounts if missing and refreshes each token before it expires (an hour). kubelab's
in-process cluster issues them directly, valid for a year, so that no lesson — however much
virtual time it fast-forwards — sees a controller's token expire.
"""
from __future__ import annotations

import random

from ..apiserver.authentication import ServiceAccountTokens, StaticTokens
from ..apiserver.authentication.rsa import generate_key
from ..apiserver.authentication.user import (KUBE_CONTROLLER_MANAGER, KUBE_PROXY, KUBE_SCHEDULER,
                                             NODE_PREFIX, NODES_GROUP, SYSTEM_MASTERS)
from ..apiserver.handler_chain import secure

ADMIN = "kubernetes-admin"
CONTROLLER_TOKEN_SECONDS = 365 * 24 * 3600


class ClusterCredentials:
    """The tokens of every component of one cluster, and the API server set up to check them."""

    def __init__(self, apiserver, seed: int):
        rng = random.Random(seed)
        self.static_tokens = StaticTokens()
        self.tokens = ServiceAccountTokens(generate_key(seed), apiserver.clock, random.Random(rng.getrandbits(64)))
        self._rng = random.Random(rng.getrandbits(64))
        self.admin = self.static_tokens.issue(self._rng, ADMIN, SYSTEM_MASTERS)
        self.scheduler = self.static_tokens.issue(self._rng, KUBE_SCHEDULER)
        self.controller_manager = self.static_tokens.issue(self._rng, KUBE_CONTROLLER_MANAGER)
        self.proxy = self.static_tokens.issue(self._rng, KUBE_PROXY)
        self.nodes: dict[str, str] = {}
        secure(apiserver, self.static_tokens, self.tokens)

    def node(self, name: str) -> str:
        """The kubelet's token on node `name` (system:node:NAME, group system:nodes)."""
        if name not in self.nodes:
            self.nodes[name] = self.static_tokens.issue(self._rng, NODE_PREFIX + name, NODES_GROUP)
        return self.nodes[name]

    def controller_client(self, manager_client, name: str):
        """The client controller `name` speaks with (upstream's SA client builder)."""
        return manager_client.for_component(name, self.controller(name))

    def controller(self, name: str) -> str:
        """A service-account token for controller `name` (service account kube-system/NAME)."""
        return self.tokens.issue("kube-system", name, "", expiration_seconds=CONTROLLER_TOKEN_SECONDS)
