"""The Endpoints and EndpointSlice controllers derive each pod's entry once per version
(pod_memo.py); what they write is still what the readable derivation gives from scratch."""
import random

from kubelab.controllers.endpoints import compute_subsets
from kubelab.controllers.pod_memo import PodMemo
from kubelab.objects import meta

from .conftest import make_ready
from .test_endpoints import pod, service


def test_a_value_is_derived_again_only_when_one_of_its_inputs_is_a_new_object():
    memo, calls = PodMemo(), []
    first = {"metadata": {"uid": "a"}, "status": {"podIP": "10.0.0.1"}}
    other = {"metadata": {"uid": "b"}, "status": {"podIP": "10.0.0.2"}}
    svc = {"spec": {}}

    def derive(pods, svc):
        return memo.derive("default/web", pods, (svc,),
                           lambda p: calls.append(p["metadata"]["uid"]) or p["status"]["podIP"])
    assert derive([first, other], svc) == ["10.0.0.1", "10.0.0.2"] and calls == ["a", "b"]
    assert derive([first, other], svc) == ["10.0.0.1", "10.0.0.2"] and calls == ["a", "b"]
    moved = {"metadata": {"uid": "a"}, "status": {"podIP": "10.0.0.9"}}   # a new version of pod a
    assert derive([moved, other], svc) == ["10.0.0.9", "10.0.0.2"] and calls == ["a", "b", "a"]
    assert derive([moved, other], {"spec": {"publishNotReadyAddresses": True}})   # a new Service: all again
    assert calls == ["a", "b", "a", "a", "b"]
    third = {"metadata": {"uid": "c"}, "status": {"podIP": "10.0.0.3"}}
    again = {"spec": {"publishNotReadyAddresses": True}}   # equal to the last Service: the same context
    assert derive([third, moved, other], again) == ["10.0.0.3", "10.0.0.9", "10.0.0.2"]
    assert calls == ["a", "b", "a", "a", "b", "c"]                 # a pod came: only it is derived
    assert derive([other], svc) and memo.scopes["default/web"][1] == [other]   # a pod gone is forgotten


def test_endpoints_and_slices_match_the_pods_after_every_change(client, clock, manager):
    rng = random.Random(7)
    client.create("services", service(target_port=8080))
    names = [f"web-{index}" for index in range(8)]
    for index, name in enumerate(names):
        pod(client, clock, name, f"node-{index % 3}", f"10.244.{index}.{index + 2}", ready=index % 2 == 0)
    clock.settle()
    for step in range(12):
        name = rng.choice(names)
        current = client.get("pods", name)
        if rng.random() < 0.7:   # readiness flips, or the pod moves to another IP
            ip = current["status"]["podIP"] if rng.random() < 0.5 else f"10.244.{step + 20}.{rng.randrange(2, 250)}"
            make_ready(client, clock, current, ip, ready=rng.random() < 0.5)
        else:                    # the pod goes, a new one of the same name comes
            client.delete("pods", name, grace_period_seconds=0)
            clock.settle()
            pod(client, clock, name, "node-1", f"10.244.{step + 40}.7")
        clock.settle()
        pods = sorted(client.list("pods")["items"], key=meta.name)
        svc = client.get("services", "web")
        assert (client.get("endpoints", "web").get("subsets") or []) == compute_subsets(svc, pods)
        slices = [s for s in client.list("endpointslices")["items"]
                  if meta.labels(s).get("kubernetes.io/service-name") == "web"]
        written = sorted((e["targetRef"]["uid"], e["addresses"][0], e["conditions"]["ready"])
                         for s in slices for e in s.get("endpoints") or [])
        controller = manager.controllers["endpointslice"]
        fresh = controller.desired_endpoints(svc, pods)   # no key: every pod derived afresh
        expected = sorted((e["targetRef"]["uid"], e["addresses"][0], e["conditions"]["ready"])
                          for endpoints in fresh.values() for e in endpoints.values())
        assert written == expected


def test_a_node_that_changes_zone_moves_its_endpoints_zone_at_the_next_sync(client, clock, manager):
    client.create("nodes", {"apiVersion": "v1", "kind": "Node",
                            "metadata": {"name": "node-1", "labels": {"topology.kubernetes.io/zone": "a"}}})
    client.create("services", service(target_port=8080))
    pod(client, clock, "web-1", "node-1", "10.244.1.2")
    clock.settle()

    def zones() -> list:
        return [e.get("zone") for s in client.list("endpointslices")["items"] for e in s.get("endpoints") or []]
    assert zones() == ["a"]
    node = client.get("nodes", "node-1")
    node["metadata"]["labels"]["topology.kubernetes.io/zone"] = "b"
    client.update("nodes", node)
    clock.settle()
    for endpoint_slice in client.list("endpointslices")["items"]:   # the pod and Service unchanged:
        client.delete("endpointslices", meta.name(endpoint_slice))   # only the sync this triggers
    clock.settle()
    assert zones() == ["b"]   # the pod's entry was derived again: the zone is part of it
