"""The container shim on its own: the memory limit as the OOM killer, and live stdio for exec/attach.

Real processes, bounded in time: the docs' `stress` past its limit dies with 137 and leaves
the OOM marker the runtime reads (OOMKilled), one under its limit runs to its end; an exec
shim waits for its client, carries stdin and its end, puts a shell on a terminal whose size a
resize frame sets, and ends with the exit code as its last frame.
"""
import json
import os
import subprocess
import sys
import time

from kubelab.kubelet import container_io

SHIM = [sys.executable, "-m", "kubelab.kubelet.container_shim"]
STRESS = [sys.executable, "-m", "kubelab.kubelet.programs", "stress", "--vm", "1"]


def test_a_process_past_its_memory_limit_is_killed_as_the_oom_killer_would(tmp_path):
    log = tmp_path / "0.log"
    done = subprocess.run([*SHIM, str(log), "--memory-limit", str(60 << 20), "--", *STRESS, "--vm-bytes", "150M",
                           "--vm-hang", "1"], timeout=30)
    assert done.returncode == 137 and (tmp_path / "0.log.oom").exists()
    assert "stdout F stress: info: [" in log.read_text()


def test_a_process_under_its_memory_limit_runs_to_its_end(tmp_path):
    done = subprocess.run([*SHIM, str(tmp_path / "0.log"), "--memory-limit", str(100 << 20), "--", *STRESS,
                           "--vm-bytes", "10M", "--timeout", "1"], timeout=30)
    assert done.returncode == 0 and not (tmp_path / "0.log.oom").exists()
    assert "successful run completed" in (tmp_path / "0.log").read_text()


def session(options: list[str], argv: list[str], frames: list[tuple[int, bytes]]) -> tuple[list, int]:
    """Start an exec shim, send `frames`, and read until its exit frame: (frames heard, exit code)."""
    shim_id = f"exec://test-{os.getpid()}-{time.monotonic_ns()}"
    process = subprocess.Popen([*SHIM, "-", "--io", shim_id, "--exec", *options, "--", *argv], start_new_session=True)
    for _ in range(100):
        try:
            connection = container_io.connect(shim_id)
            break
        except OSError:
            time.sleep(0.05)
    heard = []
    try:
        for stream, payload in frames:
            connection.sendall(container_io.frame(stream, payload))
            time.sleep(0.1)
        while True:
            stream, payload = container_io.read_frame(connection)
            if stream is None:
                break
            heard.append((stream, payload))
            if stream == container_io.EXIT:
                break
    finally:
        connection.close()
    return heard, process.wait(10)


def test_an_exec_shim_carries_stdin_and_its_end_then_the_exit_code():
    heard, code = session(["--stdin"], ["cat"], [(container_io.STDIN, b"hello\n"),
                                                 (container_io.CLOSE, bytes([container_io.STDIN]))])
    assert heard == [(container_io.STDOUT, b"hello\n"), (container_io.EXIT, b"0")] and code == 0


def test_an_exec_shim_keeps_stdout_and_stderr_apart_without_a_terminal():
    heard, code = session([], ["sh", "-c", "echo out; echo err >&2; exit 2"], [])
    assert sorted(heard[:-1]) == [(container_io.STDOUT, b"out\n"), (container_io.STDERR, b"err\n")]
    assert heard[-1] == (container_io.EXIT, b"2") and code == 2


def test_an_exec_shim_runs_a_shell_on_a_terminal_of_the_size_it_is_told():
    heard, code = session(["--stdin", "--tty"], ["/bin/sh"], [
        (container_io.RESIZE, json.dumps({"Width": 99, "Height": 33}).encode()),
        (container_io.STDIN, b"stty size; tty\n"), (container_io.STDIN, b"exit 3\n")])
    output = b"".join(payload for stream, payload in heard if stream == container_io.STDOUT)
    assert b"33 99\r\n/dev/pts/" in output and heard[-1] == (container_io.EXIT, b"3") and code == 3
