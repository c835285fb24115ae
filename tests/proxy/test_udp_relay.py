"""Stories about the userspace proxy's UDP relay: a flow per client, an idle timeout, real datagrams.

Two "pods" are UDP echo servers on loopback addresses that name themselves; the relay stands
on a Service address and asks `destination` (the rules, in kube-proxy) for each new client.
"""
import itertools
import socket
import threading
import time

import pytest

from kubelab.proxy.udp_relay import UDPRelay


class EchoPod:
    def __init__(self, ip: str, name: str):
        self.name = name
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind((ip, 0))
        self.address = self.socket.getsockname()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                data, peer = self.socket.recvfrom(2048)
            except OSError:
                return
            if peer is None:   # shut down
                return
            try:
                self.socket.sendto(self.name.encode() + b":" + data, peer)
            except OSError:
                return

    def close(self):
        try:
            self.socket.shutdown(socket.SHUT_RDWR)   # wakes the reader, so the port is really free
        except OSError:
            pass
        self.socket.close()


def client():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(2)
    return sock


def ask(sock, relay, text=b"hello"):
    sock.sendto(text, relay.address)
    data, source = sock.recvfrom(2048)
    assert source == relay.address          # the reply comes from the Service's address
    return data.decode().split(":")[0]


@pytest.fixture
def pods():
    made = [EchoPod("127.244.9.2", "pod-a"), EchoPod("127.244.9.3", "pod-b")]
    yield made
    for pod in made:
        pod.close()


def test_each_client_keeps_its_endpoint_while_its_flow_lives_and_clients_spread(pods):
    turn = itertools.cycle(pods)
    relay = UDPRelay(("127.96.9.9", 0), lambda peer: next(turn).address, timeout=2.0)
    relay.address = relay.socket.getsockname()
    first, second = client(), client()
    try:
        assert {ask(first, relay) for _ in range(5)} == {"pod-a"}      # one flow, one endpoint
        assert {ask(second, relay) for _ in range(5)} == {"pod-b"}     # the next client, the next pod
        assert len(relay.flows) == 2
    finally:
        relay.close()
        first.close()
        second.close()


def test_an_idle_flow_is_forgotten_and_the_next_datagram_chooses_again(pods):
    turn = itertools.cycle(pods)
    relay = UDPRelay(("127.96.9.9", 0), lambda peer: next(turn).address, timeout=0.25)
    relay.address = relay.socket.getsockname()
    sock = client()
    try:
        assert ask(sock, relay) == "pod-a"
        time.sleep(0.6)                       # --udp-timeout 250 ms passes with nothing sent
        assert relay.flows == {}
        assert ask(sock, relay) == "pod-b"
    finally:
        relay.close()
        sock.close()


def test_a_gone_endpoint_loses_its_flows_and_no_endpoint_drops_the_datagram(pods):
    endpoints = [pods[0].address]
    relay = UDPRelay(("127.96.9.9", 0), lambda peer: endpoints[0] if endpoints else None, timeout=5.0)
    relay.address = relay.socket.getsockname()
    sock = client()
    try:
        assert ask(sock, relay) == "pod-a"
        pods[0].close()                       # the pod dies: its port answers ICMP unreachable
        endpoints[0] = pods[1].address        # and the rules now name the other pod
        sock.sendto(b"lost", relay.address)   # refused at pod-a: the flow goes
        deadline = time.monotonic() + 3
        while relay.flows and time.monotonic() < deadline:
            time.sleep(0.05)
        assert relay.flows == {}
        assert ask(sock, relay) == "pod-b"
        endpoints.clear()                     # no ready endpoint: dropped, as upstream's proxier
        fresh = client()
        fresh.settimeout(0.3)
        fresh.sendto(b"nobody", relay.address)
        with pytest.raises(socket.timeout):
            fresh.recvfrom(2048)
        fresh.close()
        assert relay.dropped == 1
    finally:
        relay.close()
        sock.close()


def test_a_full_flow_table_drops_a_new_client_s_datagram_and_keeps_serving_the_known_ones(pods):
    relay = UDPRelay(("127.96.9.9", 0), lambda peer: pods[0].address, timeout=5.0, max_flows=2)
    relay.address = relay.socket.getsockname()
    known = [client(), client()]
    stranger = client()
    stranger.settimeout(0.3)
    try:
        assert [ask(sock, relay) for sock in known] == ["pod-a", "pod-a"]
        stranger.sendto(b"flood", relay.address)   # a third source port: no room, dropped
        with pytest.raises(socket.timeout):
            stranger.recvfrom(2048)
        assert (len(relay.flows), relay.dropped) == (2, 1)
        assert ask(known[0], relay) == "pod-a"      # the flows it has still carry
    finally:
        relay.close()
        for sock in (*known, stranger):
            sock.close()
