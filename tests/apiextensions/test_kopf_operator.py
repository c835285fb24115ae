"""Story: a kopf operator (pip's kopf, unchanged) runs against `kubelab up` and does its job.

The operator is kubelab/examples/webapp_operator.py: each WebApp gets a Deployment (owned by
it) and a status. Bounded: `kubelab up` stops itself, `kopf run` runs under coreutils'
`timeout` and is stopped at the end, waits have deadlines; everything is on 127.0.0.1.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kubelab.client import ApiError
from kubelab.processes.background import Background

pytest.importorskip("kopf", reason="kopf is in the test extra: pip install -e '.[test]'")
EXAMPLES = Path(__file__).resolve().parents[2] / "kubelab" / "examples"


LOG: list[Path] = []   # the running operator's log, shown when a wait times out


def eventually(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            result = check()
        except ApiError:
            result = None
        if result:
            return result
        time.sleep(0.5)
    log = LOG[-1].read_text()[-6000:] if LOG else ""
    raise AssertionError(f"timed out waiting for {what}\n{log}")


def test_a_kopf_operator_makes_a_deployment_per_webapp_and_writes_status(tmp_path):
    import yaml
    with Background(nodes=1, seconds=240) as up:
        client = up.client()
        client.create("customresourcedefinitions", yaml.safe_load((EXAMPLES / "webapp-crd.yaml").read_text()))
        env = {**os.environ, "KUBECONFIG": up.kubeconfig, "HOME": str(tmp_path)}
        log = open(tmp_path / "kopf.log", "w")
        LOG.append(tmp_path / "kopf.log")
        operator = subprocess.Popen(
            ["timeout", "-k", "5", "180", sys.executable, "-m", "kopf", "run", "--standalone",
             "--namespace", "default", str(EXAMPLES / "webapp_operator.py")],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
        try:
            client.create("webapps", yaml.safe_load((EXAMPLES / "webapp.yaml").read_text()), namespace="default")
            deployment = eventually(lambda: client.get("deployments", "hello", "default"), 60,
                                    "the operator's Deployment")
            webapp = client.get("webapps", "hello", "default")
            assert deployment["spec"]["replicas"] == 2
            assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.14.2"
            owner = deployment["metadata"]["ownerReferences"][0]
            assert (owner["kind"], owner["name"], owner["uid"]) == ("WebApp", "hello", webapp["metadata"]["uid"])
            webapp = eventually(lambda: (client.get("webapps", "hello", "default").get("status") or {})
                                .get("phase") and client.get("webapps", "hello", "default"), 30, "the status")
            assert webapp["status"]["deployment"] == "hello" and webapp["status"]["phase"] == "Created"
            assert "kubelab.example.com/webapp-operator" in webapp["metadata"]["finalizers"]

            webapp["spec"]["replicas"] = 3
            client.update("webapps", webapp)
            eventually(lambda: client.get("deployments", "hello", "default")["spec"]["replicas"] == 3, 60,
                       "the operator to follow the change")
            client.delete("webapps", "hello", "default")
            eventually(lambda: not any(w["metadata"]["name"] == "hello"
                                       for w in client.list("webapps", "default")["items"]), 60,
                       "kopf to run its delete handler and release its finalizer")
            assert not any(d["metadata"]["name"] == "hello" for d in client.list("deployments", "default")["items"])
        finally:
            operator.send_signal(signal.SIGINT)
            try:
                operator.wait(20)
            except subprocess.TimeoutExpired:
                operator.kill()
            log.close()
        output = (tmp_path / "kopf.log").read_text()
        # CPython's own noise when SIGINT lands as asyncio closes its loop ("Exception ignored when
        # trying to write to the signal wakeup fd: … Bad file descriptor") is not the operator failing.
        handlers = output.split("Exception ignored when trying to write to the signal wakeup fd")[0]
        assert "Traceback" not in handlers, output[-4000:]
