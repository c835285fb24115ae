"""CRI ExecSync on the simulated runtime: run a command inside a running container.

Used by exec probes, preStop/postStart exec hooks and `cluster.exec(pod, command)`. The
command is a new process in the container: same image, environment and files (so it sees
what the main process wrote, and volumes shared with other containers), run on virtual time
by shell.py. It ends with an exit code and its output; past `timeout` it is killed and the
caller hears `timed_out` (an exec probe then fails: "command timed out").

Real containerd starts the process in the container's namespaces with runc exec; kubelab
runs the same little shell, which is all a lesson's probe or hook needs.
"""
from __future__ import annotations

from typing import Callable

from . import images
from .cri import ExecResult
from .shell import Process, StartError, check_executable


def exec_sync(runtime, container, argv: list[str], timeout: float | None,
              on_done: Callable[[ExecResult], None], stdin: str | None = None) -> None:
    """Run `argv` in `container` (reading `stdin`, then end of input); call `on_done` with how it
    ended (on the clock, never inline)."""
    clock = runtime.clock
    if container.state != "running":
        clock.call_soon(on_done, ExecResult(-1, "container not running", False))
        return
    behaviour = images.lookup(container.image.tag) or images.ImageBehaviour(container.image.repository)
    try:
        check_executable(behaviour, argv)
    except StartError as error:
        clock.call_soon(on_done, ExecResult(126, str(error)))
        return
    sandbox_name = container.process.hostname if container.process else ""
    process = Process(behaviour, list(argv), dict(container.config.env), container.files, sandbox_name,
                      clock.now, container.process.resolve if container.process else runtime.resolve)
    process.stdin = stdin or ""
    program = process._exec(list(argv), top=True)
    output: list[str] = []
    state = {"done": False}
    deadline = clock.now() + timeout if timeout else None

    def finish(result: ExecResult) -> None:
        if not state["done"]:
            state["done"] = True
            on_done(result)

    def advance() -> None:
        for _ in range(10_000):
            if state["done"]:
                return
            if deadline is not None and clock.now() >= deadline:
                finish(ExecResult(-1, "".join(output), timed_out=True))
                return
            try:
                action = next(program)
            except StopIteration as end:
                finish(ExecResult(end.value if isinstance(end.value, int) else 0, "".join(output)))
                return
            if action[0] == "log":
                output.append(action[1] + "\n")
            elif action[0] == "wait":
                if deadline is not None:
                    clock.call_later(deadline - clock.now(), advance)
                return   # a command that never ends: only the timeout stops it
            elif action[0] == "sleep":
                step = max(action[1], 0.01)
                if deadline is not None:
                    step = min(step, max(deadline - clock.now(), 0.0))
                clock.call_later(step, advance)
                return
    clock.call_soon(advance)
