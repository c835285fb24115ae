"""`kubelab iptables-save NODE` under `kubelab up`: the rules each kube-proxy process last wrote."""
import subprocess
import sys

from .running_up import ROOT, RunningUp


def iptables_save(data_dir, node):
    return subprocess.run([sys.executable, "-m", "kubelab", "iptables-save", "--data-dir", str(data_dir), node],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_each_kube_proxy_process_shows_its_rules_and_a_service_appears_in_them(tmp_path):
    up = RunningUp(tmp_path / "up", "--nodes", "1")
    try:
        up.client.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                                      "spec": {"type": "NodePort", "selector": {"app": "web"},
                                               "ports": [{"name": "http", "port": 80}]}}, "default")
        shown = up.eventually(lambda: "default/web:http has no endpoints" in iptables_save(up.dir, "node-1").stdout
                              and iptables_save(up.dir, "node-1").stdout, 60, "the Service in node-1's rules")
        assert shown.startswith("*filter\n") and "\n*nat\n" in shown and shown.endswith("COMMIT\n")
        assert ":KUBE-SERVICES - [0:0]" in shown and "-j KUBE-NODEPORTS" in shown
        missing = iptables_save(up.dir, "node-9")
        assert missing.returncode == 1 and "no rules from a kube-proxy on 'node-9'" in missing.stderr
    finally:
        up.stop()
