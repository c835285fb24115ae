"""Story (a hostile tester's): in a running cluster, every kube-proxy's shared-fragment tables
are build_tables' after each change a Service or its endpoints can go through.

rule_cache.py keys a Service port's rules by the objects' uid and resourceVersion (and the
node, for Local policies). The story changes a Service in place (its port, its policy Cluster →
Local → Cluster), deletes it and makes it again under the same name, scales its pods and
relabels one out of it; after each change, each node's tables must equal the readable
reference computed from the API's current objects, and traffic must reach the pods.
"""
from kubelab import Cluster
from kubelab.proxy.iptables import iptables_save
from kubelab.proxy.rules import build_tables

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27", ports: [{containerPort: 80}]}]}
"""
SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {type: NodePort, selector: {app: web}, ports: [{name: http, port: 80, targetPort: 80}]}
"""


def assert_every_node_has_the_reference_tables(cluster: Cluster) -> None:
    services = cluster.client.list("services")["items"]
    endpoints = cluster.client.list("endpoints")["items"]
    for node, proxy in cluster.proxies.items():
        assert iptables_save(proxy.tables) == iptables_save(build_tables(services, endpoints, node)), node


def test_every_node_follows_a_service_changed_in_place_recreated_and_its_pods_moving():
    cluster = Cluster(nodes=3, seed=3)
    cluster.apply(DEPLOYMENT + "---" + SERVICE)
    cluster.settle()
    assert_every_node_has_the_reference_tables(cluster)
    client = cluster.client

    def change_service(**spec):
        current = client.get("services", "web", "default")
        client.update("services", {**current, "spec": {**current["spec"], **spec}})
        cluster.settle()
        assert_every_node_has_the_reference_tables(cluster)

    change_service(ports=[{"name": "http", "port": 8080, "targetPort": 80, "protocol": "TCP",
                           "nodePort": client.get("services", "web", "default")["spec"]["ports"][0]["nodePort"]}])
    assert set(cluster.requests("web", 30, port=8080)) <= {p["metadata"]["name"] for p in cluster.list("pods", "default")}
    change_service(externalTrafficPolicy="Local")
    change_service(internalTrafficPolicy="Local")
    change_service(externalTrafficPolicy="Cluster", internalTrafficPolicy="Cluster")
    cluster.kubectl("scale deployment web --replicas=5")
    cluster.settle()
    assert_every_node_has_the_reference_tables(cluster)
    pod = cluster.list("pods", "default", "app=web")[0]["metadata"]["name"]
    cluster.kubectl(f"label pod {pod} app=debug --overwrite")
    cluster.settle()
    assert_every_node_has_the_reference_tables(cluster)
    old_ip = client.get("services", "web", "default")["spec"]["clusterIP"]
    cluster.kubectl("delete service web")
    cluster.settle()
    assert_every_node_has_the_reference_tables(cluster)
    cluster.apply(SERVICE)
    cluster.settle()
    assert_every_node_has_the_reference_tables(cluster)
    new_ip = client.get("services", "web", "default")["spec"]["clusterIP"]
    assert all(old_ip not in proxy.iptables_save() for proxy in cluster.proxies.values()) or old_ip == new_ip
    hits = cluster.requests("web", 30)
    assert hits and pod not in hits   # the relabelled pod left the Service
