"""Stories about the Corefile the CoreDNS pods read, and a CoreDNS container that cannot start."""
import pytest

from kubelab.dns import pod
from kubelab.dns.corefile import CorefileError, parse
from kubelab.processes.dns_addon import COREFILE, objects


def test_kubeadms_corefile_gives_port_53_the_zone_ttl_probes_and_names_what_is_not_modelled():
    config = parse(COREFILE % {"domain": "cluster.local", "endpoint": "https://127.0.0.1:6443"})
    assert (config.port, config.zone, config.ttl, config.pods) == (53, "cluster.local", 30, "insecure")
    assert (config.endpoint, config.forward, config.health_port, config.ready_port, config.lameduck) == \
        ("https://127.0.0.1:6443", True, 8080, 8181, 5.0)
    assert config.ignored == ["kubernetes fallthrough", "prometheus", "cache", "loop", "reload", "loadbalance"]


def test_a_corefile_coredns_would_refuse_is_refused_with_its_line():
    with pytest.raises(CorefileError, match=r"Corefile:3 - .*plugin/kubernetes: unknown property 'colour blue'"):
        parse(".:53 {\n  kubernetes cluster.local {\n    colour blue\n  }\n}\n")
    with pytest.raises(CorefileError, match="missing '}'"):
        parse(".:53 {\n  errors\n")
    with pytest.raises(CorefileError, match="root zone only"):
        parse("example.org:53 {\n  whoami\n}\n")
    with pytest.raises(CorefileError, match=r"Corefile:2 - .*plugin/health: .*'lameduck soon'"):
        parse(".:53 {\n  health {\n  lameduck soon\n  }\n}\n".replace("{\n  lameduck", "{ lameduck"))
    with pytest.raises(CorefileError, match="invalid address"):
        parse(".:99999 {\n  errors\n}\n")


def test_the_add_on_is_kubeadms_deployment_behind_kube_dns_at_the_given_address():
    made = dict((obj["kind"], obj) for _, obj in objects("127.96.0.10", "https://127.0.0.1:6443"))
    assert made["Service"]["spec"]["clusterIP"] == "127.96.0.10"
    container = made["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert (container["image"], container["args"]) == ("registry.k8s.io/coredns/coredns:v1.11.3",
                                                       ["-conf", "/etc/coredns/Corefile"])
    assert made["Deployment"]["spec"]["replicas"] == 2 and made["ClusterRoleBinding"]["subjects"][0]["name"] == "coredns"


def test_a_coredns_container_without_its_ca_or_its_corefile_exits_1_saying_why(tmp_path, capsys):
    corefile = tmp_path / "Corefile"
    corefile.write_text(COREFILE % {"domain": "cluster.local", "endpoint": "https://127.0.0.1:6443"})
    (tmp_path / "sa").mkdir()
    (tmp_path / "sa" / "token").write_text("t")
    assert pod.main(["-conf", str(corefile), "--pod-ip", "127.244.9.9", "--serviceaccount", str(tmp_path / "sa")]) == 1
    assert "[FATAL] plugin/kubernetes: open " in capsys.readouterr().err
    assert pod.main(["-conf", str(tmp_path / "missing"), "--pod-ip", "127.244.9.9"]) == 1
    assert "No such file or directory" in capsys.readouterr().err
    corefile.write_text(".:53 {\n  kubernetes cluster.local\n}\n")       # no endpoint, no kubeconfig
    assert pod.main(["-conf", str(corefile), "--pod-ip", "127.244.9.9"]) == 1
    assert "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined" in capsys.readouterr().err


def test_kubelab_up_warns_when_port_53_of_the_dns_address_is_taken_on_this_machine():
    import socket
    from kubelab.processes.dns_addon import port_53_problem
    assert port_53_problem("127.96.9.10") == ""
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        holder.bind(("127.96.9.10", 53))
    except PermissionError:
        pytest.skip("binding port 53 needs root")
    try:
        assert "127.96.9.10:53 is taken" in port_53_problem("127.96.9.10")
    finally:
        holder.close()


def test_in_a_notebook_kubeadms_coredns_deployment_comes_up_ready_on_the_simulated_runtime():
    from kubelab import Cluster
    cluster = Cluster(nodes=2, seed=0)
    for resource, obj in objects("10.96.0.10", "https://127.0.0.1:6443")[:-1]:   # kube-dns exists already
        cluster.client.create(resource, obj, obj["metadata"].get("namespace"))
    cluster.run(30)
    assert cluster.get("deployments", "coredns", "kube-system")["status"].get("readyReplicas") == 2
    endpoints = cluster.get("endpoints", "kube-dns", "kube-system")
    assert len(endpoints["subsets"][0]["addresses"]) == 2
