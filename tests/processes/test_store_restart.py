"""The control plane hears again after its store restarts, on every backend (issue 12, point 1).

Under `kubelab up`, the store is killed mid-run (kill -9: kubelab's store server with the
file backend, or the real etcd); the supervisor starts it again on the same port and data,
every watch on it has ended, and every layer above must notice and list again. Then the
cluster must still reconcile: a Deployment scaled after the restart reaches its new size,
and a new one gets its ReplicaSet and pods — within a bounded time. (Before the fix, nothing
reconciled for up to 30 minutes.) The memory store server keeps nothing across a restart —
like an etcd that lost its data dir — so on memory the store's watches are dropped instead
(`kubelab fault drop-watch store`), which breaks the same streams without losing data.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from running_up import RunningUp  # noqa: E402

CONVERGE_SECONDS = 90


def deployment(name: str, replicas: int) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}


def ready(up: RunningUp, name: str, replicas: int) -> bool:
    status = up.client.get("deployments", name, "default").get("status", {})
    return status.get("readyReplicas") == replicas and status.get("replicas") == replicas


@pytest.mark.parametrize("store, fault", [("memory", "drop-watch"), ("file", "crash"), ("etcd", "crash")])
def test_after_the_store_restarts_a_scale_and_a_new_deployment_are_reconciled(tmp_path, store, fault):
    if store == "etcd":
        from kubelab.store.etcd_process import EtcdUnavailable, find_etcd
        try:
            find_etcd()
        except EtcdUnavailable as why:
            pytest.skip(f"real etcd not available: {why}")
    up = RunningUp(tmp_path, "--nodes", "2", "--apiservers", "2", "--store", store, "--restart-backoff", "1s")
    try:
        up.client.create("deployments", deployment("before", 1), "default")
        up.eventually(lambda: ready(up, "before", 1), CONVERGE_SECONDS, "deployment before at 1")
        mark = len(up.lines)
        done = up.fault(fault, "store")
        assert done.returncode == 0, done.stderr
        if fault == "crash":
            up.wait_for("store restarted", 30, after=mark)
        up.eventually(lambda: up.client.list("namespaces"), 30, "the API to answer again")
        scale = up.client.get("deployments", "before", "default")
        scale["spec"]["replicas"] = 3
        up.eventually(lambda: up.client.update("deployments", scale, "default"), 30, "the scale to be written")
        up.client.create("deployments", deployment("after", 2), "default")
        up.eventually(lambda: ready(up, "before", 3), CONVERGE_SECONDS, "deployment before to reach 3")
        up.eventually(lambda: ready(up, "after", 2), CONVERGE_SECONDS, "deployment after to reach 2")
        sets = up.client.list("replicasets", "default", label_selector="app=after")["items"]
        assert [(s["metadata"]["name"], s["spec"]["replicas"], s["status"].get("readyReplicas")) for s in sets] \
            == [(sets[0]["metadata"]["name"], 2, 2)], [s["metadata"] for s in sets]
    finally:
        up.stop()
