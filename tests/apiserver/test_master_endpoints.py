"""The `kubernetes` Service's Endpoints say where the API server answers (the master endpoint
reconciler): its advertise address and port, corrected when it starts again elsewhere."""
import random

from kubelab.apiserver import APIServer
from kubelab.clock import VirtualClock
from kubelab.store import MemoryStore


def master_endpoints(apiserver):
    return apiserver.read(apiserver.resources["endpoints"], "default", "kubernetes")[1]["subsets"]


def test_the_master_endpoints_follow_the_api_server_to_its_new_address():
    store, clock = MemoryStore(), VirtualClock()
    first = APIServer(store, clock, random.Random(0))
    first.bootstrap()
    assert master_endpoints(first) == [{"addresses": [{"ip": "10.0.0.10"}],
                                        "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]
    again = APIServer(store, clock, random.Random(1), advertise_address="127.0.0.1", secure_port=41234)
    again.bootstrap()   # the same store, served from another address
    assert master_endpoints(again) == [{"addresses": [{"ip": "127.0.0.1"}],
                                        "ports": [{"name": "https", "port": 41234, "protocol": "TCP"}]}]
    writes = store.revision
    again.bootstrap()   # nothing to correct: no write
    assert store.revision == writes
