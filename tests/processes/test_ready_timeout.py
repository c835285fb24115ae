"""`kubelab up --nodes N` waits for N Ready nodes a minute plus a second per node (issue 13):
`--nodes 500` starts 1,000 processes, which a flat minute did not cover. Unit stories: the
computation, the message, and which waits `start` gives the longer time (no cluster started)."""
from __future__ import annotations

import pytest

from kubelab.processes import dns_component, up
from kubelab.processes.up import READY_SECONDS_PER_NODE, READY_TIMEOUT_SECONDS, Plan, wait_until


def plan(tmp_path, nodes: int) -> Plan:
    return Plan(tmp_path, 6443, nodes, "memory", [0], tokens={"admin": ("token", "admin", "system:masters")})


def test_the_wait_grows_with_the_nodes_from_a_minute(tmp_path):
    assert plan(tmp_path, 0).ready_timeout == READY_TIMEOUT_SECONDS == 60
    assert plan(tmp_path, 3).ready_timeout == 63
    assert plan(tmp_path, 500).ready_timeout == 60 + 500 * READY_SECONDS_PER_NODE == 560
    assert plan(tmp_path, 5000).ready_timeout > plan(tmp_path, 500).ready_timeout


class Children:
    """A Supervisor that starts nothing and whose children never exit."""

    def __init__(self):
        self.started = []

    def start(self, name, argv, module="kubelab"):
        self.started.append(name)

    def exited(self):
        return []


def test_the_timeout_message_names_what_it_waited_for_and_how_long():
    with pytest.raises(RuntimeError, match=r"^timed out after 0 s waiting for 500 Ready node\(s\)$"):
        wait_until(lambda: False, 0.05, "500 Ready node(s)", Children())


def test_start_gives_the_nodes_and_what_follows_the_longer_wait_and_the_servers_a_minute(tmp_path, monkeypatch):
    cluster = plan(tmp_path, 40)
    (tmp_path / "apiserver.crt").write_text("certificate")
    waits = []
    monkeypatch.setattr(up, "wait_until", lambda check, timeout, what, supervisor: waits.append((what, timeout)))
    monkeypatch.setattr(up, "_start_store", lambda cluster, supervisor: "http://127.0.0.1:2379")
    monkeypatch.setattr(up, "HTTPTransport", lambda *args, **kwargs: None)
    monkeypatch.setattr(up, "Client", lambda *args, **kwargs: None)
    monkeypatch.setattr(dns_component, "install_addons", lambda *args: None)
    children = Children()
    up.start(cluster, children, say=lambda line: None)
    assert dict(waits) == {"the API server on port 0": 60, "the front": 60,
                           "40 Ready node(s)": 100, 'the "default" ServiceAccount': 100}
    assert sum(name.startswith(("kubelet/", "proxy/")) for name in children.started) == 80
