"""Stories of the Service environment variables the kubelet gives every container (upstream's
pkg/kubelet/envvars): the master service's always, the namespace's Services' with service links."""
import pytest

from kubelab import Cluster
from kubelab.kubelet.service_env import from_services, service_env


@pytest.fixture
def cluster():
    return Cluster(nodes=1, seed=0)


def pod(name, **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": "busybox:1.36", "command": ["sleep", "3600"],
                                     **spec.pop("container", {})}], **spec}}


def service(name, ports, cluster_ip=None, namespace="default"):
    spec = {"selector": {"app": name}, "ports": ports}
    if cluster_ip:
        spec["clusterIP"] = cluster_ip
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def env_of(cluster, name):
    return dict(line.split("=", 1) for line in cluster.exec(name, ["env"]).splitlines() if "=" in line)


def test_a_container_finds_the_api_server_and_its_namespaces_services_in_its_environment(cluster):
    cluster.apply(service("my-db", [{"name": "sql", "port": 5432}, {"name": "admin", "port": 8080, "protocol": "TCP"}]))
    cluster.apply(service("headless", [{"port": 80}], cluster_ip="None"))
    cluster.apply(pod("client"))
    cluster.run(30)
    env = env_of(cluster, "client")
    master = cluster.get("services", "kubernetes")["spec"]["clusterIP"]
    database = cluster.get("services", "my-db")["spec"]["clusterIP"]
    assert {key: value for key, value in env.items() if key.startswith("KUBERNETES_")} == {
        "KUBERNETES_SERVICE_HOST": master, "KUBERNETES_SERVICE_PORT": "443", "KUBERNETES_SERVICE_PORT_HTTPS": "443",
        "KUBERNETES_PORT": f"tcp://{master}:443", "KUBERNETES_PORT_443_TCP": f"tcp://{master}:443",
        "KUBERNETES_PORT_443_TCP_PROTO": "tcp", "KUBERNETES_PORT_443_TCP_PORT": "443",
        "KUBERNETES_PORT_443_TCP_ADDR": master}
    assert env["MY_DB_SERVICE_HOST"] == database and env["MY_DB_SERVICE_PORT"] == "5432"
    assert env["MY_DB_SERVICE_PORT_SQL"] == "5432" and env["MY_DB_SERVICE_PORT_ADMIN"] == "8080"
    assert env["MY_DB_PORT"] == f"tcp://{database}:5432"
    assert env["MY_DB_PORT_8080_TCP_ADDR"] == database and env["MY_DB_PORT_8080_TCP_PROTO"] == "tcp"
    assert not any(key.startswith("HEADLESS_") for key in env)   # no ClusterIP, no variables


def test_enable_service_links_false_leaves_only_the_master_service(cluster):
    cluster.apply(service("my-db", [{"port": 5432}]))
    cluster.apply(pod("quiet", enableServiceLinks=False))
    cluster.run(30)
    env = env_of(cluster, "quiet")
    assert "KUBERNETES_SERVICE_HOST" in env and not any(key.startswith("MY_DB_") for key in env)


def test_explicit_env_wins_and_can_use_the_service_variables(cluster):
    cluster.apply(pod("own", container={"env": [
        {"name": "KUBERNETES_SERVICE_PORT", "value": "6443"},
        {"name": "API", "value": "https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)"}]}))
    cluster.run(30)
    env = env_of(cluster, "own")
    master = cluster.get("services", "kubernetes")["spec"]["clusterIP"]
    assert env["KUBERNETES_SERVICE_PORT"] == "6443" and env["API"] == f"https://{master}:6443"


def test_a_service_made_after_the_container_started_is_not_in_its_environment(cluster):
    cluster.apply(pod("early"))
    cluster.run(30)
    cluster.apply(service("late", [{"port": 80}]))
    cluster.run(5)
    assert not any(key.startswith("LATE_") for key in env_of(cluster, "early"))
    cluster.apply(pod("later"))
    cluster.run(30)
    assert "LATE_SERVICE_HOST" in env_of(cluster, "later")


def test_only_the_pods_namespace_and_the_master_service_count():
    services = [service("kubernetes", [{"name": "https", "port": 443}], "10.96.0.1"),
                service("web", [{"port": 80, "protocol": "UDP"}], "10.96.0.20", namespace="other"),
                service("out", [{"port": 80}], namespace="default")]   # ExternalName-like: no ClusterIP
    env = service_env("default", True, services)
    assert sorted(env) == sorted(from_services(services[:1]))
    assert service_env("other", False, services) == from_services(services[:1])
    assert service_env("other", True, services)["WEB_PORT"] == "udp://10.96.0.20:80"
