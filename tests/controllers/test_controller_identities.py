"""Stories of who each controller is when the manager builds its clients as `kubelab up` does
(--use-service-account-credentials: one TokenRequest-backed service account per controller)."""
import base64
import random

from kubelab.apiserver import APIServer
from kubelab.client import Client, InProcessTransport
from kubelab.client.clientbuilder import ServiceAccountClientBuilder
from kubelab.cluster.credentials import ClusterCredentials
from kubelab.controllers import ControllerManager
from kubelab.store import MemoryStore


def test_token_secrets_are_filled_when_every_controller_speaks_as_its_service_account(clock):
    apiserver = APIServer(MemoryStore(clock), clock, random.Random(0))
    apiserver.bootstrap()
    credentials = ClusterCredentials(apiserver, seed=0)
    transport = InProcessTransport(apiserver)
    manager_client = Client(transport, "kube-controller-manager", credentials.controller_manager)
    manager = ControllerManager(manager_client, clock, client_builder=ServiceAccountClientBuilder(manager_client, clock))
    manager.start()
    clock.run(1)
    admin = Client(transport, "kubectl", credentials.admin)
    admin.create("secrets", {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                             "metadata": {"name": "build-robot-token",
                                          "annotations": {"kubernetes.io/service-account.name": "default"}}},
                 "default")
    clock.run(2)

    secret = admin.get("secrets", "build-robot-token", "default")
    assert base64.b64decode(secret["data"]["namespace"]).decode() == "default"
    token = base64.b64decode(secret["data"]["token"]).decode()
    assert token.count(".") == 2   # a signed JWT
    assert not [e for e in manager.errors() if "403" in e[2]], manager.errors()
    # the tokens controller spoke as the manager itself (upstream's root client), the others as themselves
    writers = {entry.user for entry in apiserver.trace if entry.resource == "secrets"}
    assert writers == {"kubernetes-admin", "system:kube-controller-manager"}
    assert any(e.user == "system:serviceaccount:kube-system:service-account-controller" for e in apiserver.trace)
