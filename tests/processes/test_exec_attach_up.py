"""`kubectl exec -i/-it` and `kubectl attach -i/-it` against `kubelab up --runtime process`.

The real kubectl (the kit's 1.37; the machine's 1.32 and 1.27 when there) speaks WebSocket (v5.channel.k8s.io) and, with
KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false, SPDY/3.1: both carry stdin to the process and its
end (`echo … | kubectl exec -i POD -- cat` ends), and with `-t` a terminal: the command runs on
a pty whose size follows kubectl's window (terminal.py gives kubectl a real terminal).
`attach -i` writes to the container's own stdin (the pod's `stdin: true`; with `stdinOnce`
the end of the session ends it), `attach -it` reaches a `tty: true` container's shell, and
`attach -t` to a container without a TTY gets kubectl's own warning and its output;
`kubectl run -i/-it --rm` (stdin, stdinOnce, tty, attach, delete) works as the docs use it.
"""
import os
import subprocess

from kubelab.processes.background import real_kubectl

from .running_up import RunningUp
from .terminal import Terminal
from .test_kubectl_versions_against_up import kubectl_binary

SPDY = {"KUBECTL_REMOTE_COMMAND_WEBSOCKETS": "false"}
PODS = """
apiVersion: v1
kind: Pod
metadata:
  name: ticker
spec:
  containers:
  - name: ticker
    image: busybox:1.37
    command: ["sh", "-c", "while true; do echo tick; sleep 1; done"]
---
apiVersion: v1
kind: Pod
metadata:
  name: reader
spec:
  restartPolicy: Never
  containers:
  - name: reader
    image: busybox:1.37
    stdin: true
    stdinOnce: true
    command: ["sh", "-c", "while read line; do echo \\"got $line\\"; done; echo bye"]
---
apiVersion: v1
kind: Pod
metadata:
  name: shell
spec:
  containers:
  - name: shell
    image: busybox:1.37
    stdin: true
    tty: true
"""


def test_exec_and_attach_carry_stdin_and_a_terminal_over_websocket_and_spdy(tmp_path):
    kubectl = real_kubectl()
    # the kit's kubectl both ways, and the machine's older ones where they are: 1.32 (WebSocket) and
    # 1.27 (SPDY only, before kubectl's WebSocket executor)
    clients = [(kubectl, {}), (kubectl, SPDY)] + [(binary, {}) for binary in map(kubectl_binary, ("1.32", "1.27"))
                                                   if binary]
    up = RunningUp(tmp_path / "up", "--nodes", "1", "--runtime", "process")
    env = {**os.environ, "KUBECONFIG": str(tmp_path / "up" / "kubeconfig")}

    def run(*args, stdin=None, extra=None, binary=None):
        return subprocess.run([binary or kubectl, *args], capture_output=True, text=True, timeout=30, input=stdin,
                              env={**env, **(extra or {})})
    try:
        up.eventually(lambda: up.client.get("serviceaccounts", "default", "default"), 60, "the default account")
        assert run("apply", "-f", "-", stdin=PODS).returncode == 0
        up.eventually(lambda: all((up.client.get("pods", name, "default").get("status") or {}).get("phase")
                                  == "Running" for name in ("ticker", "reader", "shell")), 60, "three pods Running")

        # exec -i: stdin piped in, its end reaches the command (v5's close signal, SPDY's FIN)
        for binary, extra in clients:
            piped = run("exec", "-i", "ticker", "--", "cat", stdin="hi\nthere\n", extra=extra, binary=binary)
            assert (piped.returncode, piped.stdout) == (0, "hi\nthere\n"), (binary, extra, piped)
            read = run("exec", "-i", "ticker", "--", "sh", "-c", 'while read x; do echo "<$x>"; done; echo end',
                       stdin="1\n2\n", extra=extra, binary=binary)
            assert read.stdout == "<1>\n<2>\nend\n", (binary, extra, read)
        # without -i the command's stdin is empty; exit codes and a missing command as before
        assert run("exec", "ticker", "--", "sh", "-c", "echo $HOSTNAME; cat").stdout == "ticker\n"
        failed = run("exec", "ticker", "--", "sh", "-c", "echo out; echo err >&2; exit 3")
        assert (failed.returncode, failed.stdout) == (3, "out\n") and "err\n" in failed.stderr
        assert "command terminated with exit code 3" in failed.stderr
        missing = run("exec", "ticker", "--", "no-such-tool")
        assert missing.returncode == 1 and 'exec: "no-such-tool": executable file not found in $PATH' in missing.stderr

        # exec -it: a shell on a terminal the size of kubectl's window, following its resizes
        for binary, extra in clients:
            terminal = Terminal([binary, "exec", "-it", "ticker", "--", "sh"], {**env, **extra}, rows=33, cols=99)
            terminal.expect("# ")
            terminal.send("stty size; tty\r")
            terminal.expect("33 99\r\n/dev/pts/")
            terminal.expect("# ")
            terminal.resize(40, 120)   # kubectl hears SIGWINCH and sends the new size on the resize stream
            up.eventually(lambda: terminal.send("stty size\r") or "40 120" in terminal.expect("# "), 10,
                          "the resized window inside the container")
            terminal.send("exit 7\r")
            assert terminal.wait() == 7, extra
            assert "command terminated with exit code 7" in terminal.output.decode(), extra

        # attach -i: the container's own stdin; stdinOnce: the session's end is its end
        attached = run("attach", "-i", "reader", stdin="hello\nworld\n")
        assert attached.returncode == 0 and attached.stdout == "got hello\ngot world\nbye\n", attached
        up.eventually(lambda: up.client.get("pods", "reader", "default")["status"]["phase"] == "Succeeded", 20,
                      "the reader Completed once its stdin closed")

        # attach -it: the tty container's shell
        terminal = Terminal([kubectl, "attach", "-it", "shell"], env, rows=30, cols=100)
        terminal.expect("If you don't see a command prompt, try pressing enter.")
        terminal.send("\r")
        terminal.expect("# ")
        terminal.send("echo $((6*7)); stty size\r")
        terminal.expect("42\r\n30 100")
        terminal.send("exit\r")
        assert terminal.wait() == 0
        assert "Session ended, resume using 'kubectl attach shell -c shell" in terminal.output.decode()
        up.eventually(lambda: (up.client.get("pods", "shell", "default")["status"]["containerStatuses"][0]
                               .get("state") or {}).get("running") and True, 30, "the shell restarted")
        terminal = Terminal([kubectl, "attach", "-it", "shell"], {**env, **SPDY})   # the same over SPDY
        terminal.expect("try pressing enter.")
        terminal.send("\r")
        terminal.expect("# ")
        terminal.send("echo $((6*7))\r")
        terminal.expect("42\r\n")
        os.kill(terminal.pid, 15)
        terminal.wait()

        # attach -t to a container that has no TTY: kubectl's warning, then its output
        terminal = Terminal([kubectl, "attach", "-it", "ticker"], env)
        terminal.expect("error: Unable to use a TTY - container ticker did not allocate one")
        terminal.expect("tick\r\n")
        os.kill(terminal.pid, 15)
        terminal.wait()

        # kubectl run -i / -it --rm: a pod with stdin (stdinOnce, tty), attached as soon as it runs, then deleted
        ran = run("run", "-i", "--rm", "cat1", "--image=busybox:1.37", "--restart=Never", "--", "cat",
                  stdin="from stdin\n")
        assert ran.returncode == 0 and ran.stdout.startswith("from stdin\npod \"cat1\" deleted"), ran
        terminal = Terminal([kubectl, "run", "-it", "--rm", "bb", "--image=busybox:1.37", "--restart=Never", "--",
                             "sh"], env, rows=30, cols=100)
        terminal.expect("try pressing enter.", 60)
        terminal.send("\r")
        terminal.expect("# ")
        terminal.send("echo $HOSTNAME; stty size\r")
        terminal.expect("bb\r\n30 100")
        terminal.send("exit\r")
        assert terminal.wait(60) == 0 and 'pod "bb" deleted' in terminal.output.decode()

        # an exec'd command ends with its container (one pid namespace upstream)
        sleeper = subprocess.Popen([kubectl, "exec", "ticker", "--", "sleep", "300"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        up.eventually(lambda: "sleep 300" in subprocess.run(["pgrep", "-af", "sleep 300"], capture_output=True,
                                                           text=True).stdout, 20, "the exec'd sleep running")
        assert run("delete", "pod", "ticker", "--wait=true", "--timeout=60s").returncode == 0
        _, stderr = sleeper.communicate(timeout=30)
        assert sleeper.returncode == 137 and "command terminated with exit code 137" in stderr, stderr
        assert "/bin/sleep 300" not in subprocess.run(["pgrep", "-af", "sleep 300"], capture_output=True,
                                                      text=True).stdout
    finally:
        up.stop()
