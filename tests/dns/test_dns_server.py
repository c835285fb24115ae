"""Stories about the cluster DNS server on the wire: real UDP and TCP packets on 127.0.0.1.

The server answers from ClusterDNS.lookup (the informers' Services and Endpoints, here lists
standing in for them), as CoreDNS's kubernetes plugin does; a stub resolver (dns/resolver.py)
asks it exactly what a pod's libc would.
"""
import socket
import threading
import time

import pytest

from kubelab.dns import wire
from kubelab.dns.coredns import ClusterDNS
from kubelab.dns.resolver import ResolvConf, Unreachable, ask, candidates, parse_resolv_conf, resolve
from kubelab.dns.server import DNSServer


class Listed:
    def __init__(self, items):
        self.items = items

    def list(self):
        return list(self.items)


def service(name, cluster_ip, namespace="default", ports=(("http", 80, "TCP"),), **spec):
    return {"metadata": {"name": name, "namespace": namespace},
            "spec": {"clusterIP": cluster_ip, **spec,
                     "ports": [{"name": n, "port": p, "protocol": proto} for n, p, proto in ports]}}


def endpoints(name, ips, namespace="default", hostnames=None):
    hostnames = hostnames or {}
    return {"metadata": {"name": name, "namespace": namespace}, "subsets": [{
        "addresses": [{"ip": ip, **({"hostname": hostnames[ip]} if ip in hostnames else {})} for ip in ips],
        "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}]}


@pytest.fixture
def dns():
    cluster_dns = ClusterDNS.__new__(ClusterDNS)
    cluster_dns.domain = "cluster.local"
    many = [f"127.244.1.{i}" for i in range(2, 60)]
    cluster_dns.services = Listed([
        service("web", "127.96.4.7"),
        service("kube-dns", "127.96.0.10", "kube-system", ports=(("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"))),
        service("nginx", "None"),
        service("crowd", "None"),
        service("search", "", type="ExternalName", externalName="example.com")])
    cluster_dns.endpoints = Listed([endpoints("nginx", ["127.244.1.5", "127.244.2.7"], hostnames={"127.244.1.5": "web-0"}),
                                    endpoints("crowd", many)])
    forwarded = []

    def forward(name, qtype):
        forwarded.append(name)
        return ("NOERROR", [(name, "A", "192.0.2.80")], []) if name == "example.com" else ("NXDOMAIN", [], [])
    server = DNSServer(cluster_dns.lookup, "127.0.0.1", 0, forward=forward).start()
    server.forwarded = forwarded
    yield server
    server.stop()


def test_a_cluster_ip_service_is_one_authoritative_a_record_with_ttl_30(dns):
    reply = ask("127.0.0.1", "web.default.svc.cluster.local", port=dns.port)
    assert reply.rcode == wire.NOERROR and reply.authoritative
    assert reply.answers == [wire.Record("web.default.svc.cluster.local", "A", "127.96.4.7", 30)]


def test_a_missing_name_is_nxdomain_with_the_zones_soa_so_resolvers_cache_the_miss(dns):
    reply = ask("127.0.0.1", "nope.default.svc.cluster.local", port=dns.port)
    assert reply.rcode == wire.NXDOMAIN and reply.answers == []
    assert [record.type for record in reply.authority] == ["SOA"]
    assert reply.authority[0].data.startswith("ns.dns.cluster.local hostmaster.cluster.local ")
    # a namespace exists as a name with only names below it: NOERROR, no answer (NODATA)
    empty = ask("127.0.0.1", "default.svc.cluster.local", port=dns.port)
    assert empty.rcode == wire.NOERROR and empty.answers == [] and empty.authority


def test_srv_names_the_port_and_the_target_with_its_address_as_additional(dns):
    reply = ask("127.0.0.1", "_dns._udp.kube-dns.kube-system.svc.cluster.local", "SRV", port=dns.port)
    assert [r.data for r in reply.answers] == ["0 100 53 kube-dns.kube-system.svc.cluster.local"]
    assert [(r.name, r.data) for r in reply.additional] == [("kube-dns.kube-system.svc.cluster.local",
                                                             "127.96.0.10")]
    assert ask("127.0.0.1", "_http._tcp.web.default.svc.cluster.local", "A", port=dns.port).answers == []


def test_a_headless_service_answers_each_ready_endpoint_and_each_pods_own_name(dns):
    reply = ask("127.0.0.1", "nginx.default.svc.cluster.local", port=dns.port)
    assert sorted(r.data for r in reply.answers) == ["127.244.1.5", "127.244.2.7"]
    assert [r.data for r in ask("127.0.0.1", "web-0.nginx.default.svc.cluster.local", port=dns.port).answers] == \
        ["127.244.1.5"]
    assert [r.data for r in ask("127.0.0.1", "127-244-2-7.nginx.default.svc.cluster.local",
                                port=dns.port).answers] == ["127.244.2.7"]
    srv = ask("127.0.0.1", "_http._tcp.nginx.default.svc.cluster.local", "SRV", port=dns.port)
    assert sorted(r.data for r in srv.answers) == ["0 100 80 127-244-2-7.nginx.default.svc.cluster.local",
                                                   "0 100 80 web-0.nginx.default.svc.cluster.local"]


def test_an_answer_too_big_for_udp_comes_truncated_and_the_resolver_asks_again_over_tcp(dns):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(5)
    sock.sendto(wire.encode(wire.query(7, "crowd.default.svc.cluster.local")), ("127.0.0.1", dns.port))
    packet = sock.recv(4096)
    sock.close()
    assert len(packet) <= 512 and wire.decode(packet).truncated
    reply = ask("127.0.0.1", "crowd.default.svc.cluster.local", port=dns.port)   # TC → TCP
    assert len(reply.answers) == 58 and not reply.truncated


def test_an_external_name_is_a_cname_and_other_names_are_forwarded_to_the_nodes_resolver(dns):
    assert [(r.type, r.data) for r in ask("127.0.0.1", "search.default.svc.cluster.local",
                                          port=dns.port).answers] == [("CNAME", "example.com")]
    assert [r.data for r in ask("127.0.0.1", "example.com", port=dns.port).answers] == ["192.0.2.80"]
    outside = ask("127.0.0.1", "nope.example", port=dns.port)
    assert outside.rcode == wire.NXDOMAIN and not outside.authoritative and dns.forwarded == ["example.com",
                                                                                              "nope.example"]


def test_a_pod_resolves_a_short_name_through_its_search_list_and_a_bad_packet_is_formerr(dns):
    conf = parse_resolv_conf("search shop.svc.cluster.local svc.cluster.local cluster.local\n"
                             "nameserver 127.0.0.1\noptions ndots:5 timeout:1 attempts:1\n")
    assert (conf.ndots, conf.timeout, conf.attempts) == (5, 1.0, 1)
    assert candidates("web.default", conf)[:2] == ["web.default.shop.svc.cluster.local",
                                                   "web.default.svc.cluster.local"]
    result = resolve("web.default", conf, port=dns.port)
    assert (result.name, result.addresses()) == ("web.default.svc.cluster.local", ["127.96.4.7"])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(5)
    sock.sendto(b"\x12\x34garbage", ("127.0.0.1", dns.port))
    reply = sock.recv(512)
    sock.close()
    assert reply[:2] == b"\x12\x34" and reply[3] & 0xF == wire.FORMERR


def test_no_server_answering_is_unreachable_after_the_configured_attempts():
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))            # bound, never answers
    try:
        with pytest.raises(Unreachable):
            resolve("web", ResolvConf(["127.0.0.1"], [], 1, 0.2, 1), port=silent.getsockname()[1])
    finally:
        silent.close()


def test_the_server_refuses_to_listen_beyond_loopback():
    with pytest.raises(ValueError, match="only loopback"):
        DNSServer(lambda name, qtype: ("NOERROR", [], []), "0.0.0.0")


def test_a_flood_past_the_in_flight_limit_is_dropped_and_the_server_answers_again_after_it():
    server = DNSServer(lambda name, qtype: ("NXDOMAIN", [], []), "127.0.0.1", 0).start()
    server.slots = threading.BoundedSemaphore(3)
    for _ in range(3):                        # three questions in flight (a hung forward, say)
        assert server.slots.acquire(blocking=False)
    flood = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for number in range(10):
            flood.sendto(wire.encode(wire.query(number, f"host{number}.default.svc.cluster.local")),
                         ("127.0.0.1", server.port))
        deadline = time.monotonic() + 10
        while server.dropped < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert (server.dropped, server.queries) == (10, 0)   # no slot: dropped, no thread made
        flood.settimeout(0.2)
        with pytest.raises(socket.timeout):
            flood.recvfrom(512)
        for _ in range(3):
            server.slots.release()              # the questions in flight end
        reply = ask("127.0.0.1", "web.default.svc.cluster.local", port=server.port)
        assert reply.rcode == wire.NXDOMAIN     # a slot free: answered again
    finally:
        flood.close()
        server.stop()
