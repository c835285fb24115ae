"""The supervisor's restart rules, on small stand-in children and given times (issue 12, point 6).

A child that dies is restarted at once the first time, then after 10 s, 20 s, 40 s … capped
at 5 minutes (the kubelet's CrashLoopBackOff), and the count starts again once it has run 10
minutes. The children here are `python -c "sleep"` processes; the times passed to `poll` are
made up, so the story does not wait for them.
"""
from __future__ import annotations

import sys

from kubelab.processes.control import ControlServer
from kubelab.processes.supervisor import BACKOFF_CAP, Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def crash_and_poll(supervisor: Supervisor, child, now: float) -> float:
    """kill -9 the child, let the supervisor notice; the delay it chose."""
    supervisor.crash(child)
    supervisor.poll(now)
    return child.last_delay


def test_restarts_back_off_as_crash_loop_back_off_does_and_reset_after_ten_minutes(tmp_path):
    said = []
    supervisor = Supervisor(tmp_path, say=said.append)
    child = supervisor.start("scheduler", SLEEPER, module=None)
    try:
        now = child.started_at
        delays = []
        for _ in range(7):
            delays.append(crash_and_poll(supervisor, child, now))
            now += delays[-1]
            supervisor.poll(now)           # the backoff is over: started again
            assert child.running
        assert delays == [0.0, 10.0, 20.0, 40.0, 80.0, 160.0, BACKOFF_CAP]
        assert child.restarts == 7 and "scheduler exited with code -9; restarting in 0s (restart 1)" in said[0]
        child.started_at = now - 601     # it then ran for more than 10 minutes
        assert crash_and_poll(supervisor, child, now) == 0.0
    finally:
        supervisor.stop()


def test_a_child_stopped_on_purpose_stays_down_until_started(tmp_path):
    supervisor = Supervisor(tmp_path, say=lambda text: None)
    child = supervisor.start("controller-manager", SLEEPER, module=None)
    try:
        supervisor.stop_child(child)
        supervisor.poll(child.started_at + 3600)
        assert not child.running and child.restarts == 0
        supervisor.start_child(child)
        assert child.running and child.wanted
    finally:
        supervisor.stop()


def test_crashing_a_memory_store_says_it_comes_back_empty(tmp_path):
    supervisor = Supervisor(tmp_path, say=lambda text: None)
    supervisor.start("store", [*SLEEPER, "--store", "memory"], module=None)
    control = ControlServer(tmp_path, supervisor)
    try:
        said = control.fault("crash", "store")
        assert said.startswith("store crashed (kill -9); the supervisor restarts it — empty: the memory store")
    finally:
        control.close()
        supervisor.stop()
