"""Stories about cluster DNS: a pod's resolv.conf, the search list, and what CoreDNS answers."""
import pytest

from kubelab import Cluster
from kubelab.dns import records
from kubelab.kubelet.dns import ResolvConf, candidates, pod_resolv_conf


def pod(namespace="shop", **spec):
    return {"metadata": {"name": "client", "namespace": namespace}, "spec": {"containers": [], **spec}}


def test_cluster_first_searches_the_pods_namespace_first_with_ndots_5():
    conf = pod_resolv_conf(pod())
    assert conf.text() == ("search shop.svc.cluster.local svc.cluster.local cluster.local\n"
                           "nameserver 10.96.0.10\noptions ndots:5\n")


def test_default_uses_the_nodes_resolver_and_host_network_turns_cluster_first_into_default():
    assert pod_resolv_conf(pod(dnsPolicy="Default")).text() == "nameserver 10.0.0.2\n"
    assert pod_resolv_conf(pod(hostNetwork=True)).nameservers == ["10.0.0.2"]
    assert pod_resolv_conf(pod(hostNetwork=True, dnsPolicy="ClusterFirstWithHostNet")).nameservers == ["10.96.0.10"]


def test_none_takes_only_dns_config_and_dns_config_merges_options_by_name():
    custom = {"nameservers": ["192.0.2.1"], "searches": ["ns1.svc.cluster-domain.example"],
              "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}]}
    assert pod_resolv_conf(pod(dnsPolicy="None", dnsConfig=custom)).text() == (
        "search ns1.svc.cluster-domain.example\nnameserver 192.0.2.1\noptions ndots:2 edns0\n")
    merged = pod_resolv_conf(pod(dnsConfig={"options": [{"name": "ndots", "value": "1"}]}))
    assert merged.options == ["ndots:1"] and merged.nameservers == ["10.96.0.10"]


def test_a_short_name_is_tried_with_each_search_domain_before_as_it_is():
    conf = pod_resolv_conf(pod())
    assert candidates("web", conf) == ["web.shop.svc.cluster.local.", "web.svc.cluster.local.",
                                       "web.cluster.local.", "web."]
    assert candidates("a.b.c.d.e.f", conf)[0] == "a.b.c.d.e.f."      # five dots: as it is first
    assert candidates("example.com.", conf) == ["example.com."]      # absolute
    assert candidates("x.y", ResolvConf(["10.0.0.2"], ["corp"], [])) == ["x.y.", "x.y.corp."]


def service(name, cluster_ip, namespace="default", **spec):
    return {"metadata": {"name": name, "namespace": namespace},
            "spec": {"clusterIP": cluster_ip, "ports": [{"name": "http", "port": 80, "protocol": "TCP"}], **spec}}


def test_records_for_cluster_ip_headless_with_hostnames_and_external_name():
    headless_endpoints = {"metadata": {"name": "nginx", "namespace": "default"}, "subsets": [{
        "addresses": [{"ip": "10.244.1.5", "hostname": "web-0"}, {"ip": "10.244.2.7"}],
        "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}]}
    served = records([service("web", "10.96.5.5"), service("nginx", "None"),
                      service("search", "", type="ExternalName", externalName="example.com")],
                     [headless_endpoints])
    assert sorted(served) == sorted([
        ("nginx.default.svc.cluster.local", "A", "10.244.1.5"),
        ("web-0.nginx.default.svc.cluster.local", "A", "10.244.1.5"),
        ("nginx.default.svc.cluster.local", "A", "10.244.2.7"),
        ("10-244-2-7.nginx.default.svc.cluster.local", "A", "10.244.2.7"),
        ("_http._tcp.nginx.default.svc.cluster.local", "SRV", "0 100 80 web-0.nginx.default.svc.cluster.local."),
        ("_http._tcp.nginx.default.svc.cluster.local", "SRV", "0 100 80 10-244-2-7.nginx.default.svc.cluster.local."),
        ("search.default.svc.cluster.local", "CNAME", "example.com"),
        ("web.default.svc.cluster.local", "A", "10.96.5.5"),
        ("_http._tcp.web.default.svc.cluster.local", "SRV", "0 100 80 web.default.svc.cluster.local.")])


MANIFESTS = """
apiVersion: v1
kind: Service
metadata: {name: search}
spec: {type: ExternalName, externalName: example.com}
---
apiVersion: v1
kind: Service
metadata: {name: nginx}
spec:
  clusterIP: None
  selector: {app: nginx}
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-0, labels: {app: nginx}}
spec:
  hostname: web-0
  subdomain: nginx
  containers: [{name: nginx, image: nginx:1.27, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec: {containers: [{name: shell, image: busybox:1.36, command: [sleep, "3600"]}]}
"""


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster(nodes=2, seed=3)
    cluster.apply(MANIFESTS)
    cluster.settle()
    return cluster


def test_a_pod_resolves_a_short_service_name_through_its_search_list(cluster):
    output = cluster.exec("client", "nslookup kubernetes.default")
    assert output.splitlines()[-2:] == ["Name:\tkubernetes.default.svc.cluster.local", "Address: 10.96.0.1"]
    assert cluster.exec("client", "cat /etc/resolv.conf").startswith("search default.svc.cluster.local ")


def test_a_pod_with_hostname_and_subdomain_gets_its_stable_name(cluster):
    web_0 = cluster.get("pods", "web-0")["status"]["podIP"]
    output = cluster.exec("client", "nslookup web-0.nginx")
    assert output.splitlines()[-2:] == ["Name:\tweb-0.nginx.default.svc.cluster.local", f"Address: {web_0}"]
    assert cluster.dns.query(f"{web_0.replace('.', '-')}.default.pod.cluster.local") == [web_0]


def test_an_external_name_service_is_a_canonical_name(cluster):
    assert cluster.exec("client", "nslookup search").splitlines()[-1] == \
        "search.default.svc.cluster.local\tcanonical name = example.com"


def test_an_unknown_name_is_nxdomain_and_a_stopped_dns_is_a_timeout(cluster):
    assert cluster.exec("client", "nslookup nope").splitlines()[-1] == "** server can't find nope: NXDOMAIN"
    cluster.fault.stop("coredns")
    try:
        assert cluster.exec("client", "nslookup kubernetes").strip() == \
            ";; connection timed out; no servers could be reached"
    finally:
        cluster.fault.start("coredns")
        cluster.settle()
    assert "Address: 10.96.0.1" in cluster.exec("client", "nslookup kubernetes")


def test_the_cluster_dns_address_is_the_tenth_of_the_service_range_as_kubeadm_picks_it():
    from kubelab.kubelet.dns import dns_ip
    assert dns_ip("10.96.0.0/12") == "10.96.0.10"
    assert dns_ip("127.96.0.0/16") == "127.96.0.10"      # kubelab up --runtime process
    assert dns_ip("172.20.0.0/16") == "172.20.0.10"
    with pytest.raises(ValueError, match="too small"):
        dns_ip("10.0.0.0/29")
    cluster = Cluster(nodes=1, seed=0)
    assert cluster.cluster_dns == "10.96.0.10" == cluster.get("services", "kube-dns", "kube-system")["spec"]["clusterIP"]
    assert all(kubelet.cluster_dns == "10.96.0.10" for kubelet in cluster.kubelets.values())
