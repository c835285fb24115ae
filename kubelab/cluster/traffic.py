"""Traffic: requests to a Service, routed by a node's kube-proxy rules to a pod that answers.

What it models. A client calling a Service — from a pod (its ClusterIP), from outside (a
node's address on the nodePort) or through the cloud's load balancer — has its packet
rewritten by the iptables rules of the node it reaches (proxy/traffic.py walks them), and the
pod at the chosen address answers (its container's process, kubelet/runtime.py). Nothing here
decides the route: the rules do; this only picks the starting node and delivers the packet.

A part of `Cluster` (a mixin): it reads the cluster's proxies, kubelets and machines, and the
seeded `_traffic_rng` that picks a node when none is named, so runs stay deterministic.
"""
from __future__ import annotations

from . import arguments


class Traffic:
    """`cluster.request(...)` and `cluster.requests(...)`: Services answering, as a client sees it."""

    def request(self, service: str, namespace: str = "default", port: int | None = None,
                from_node: str | None = None, source_ip: str = "", via: str = "cluster-ip") -> dict:
        """Send one request to a Service, routed by a node's kube-proxy rules.

        via="cluster-ip" (a pod on `from_node` calls the ClusterIP), "node-port" (a client
        outside calls `from_node`'s address on the Service's nodePort) or "load-balancer" (the
        cloud's load balancer hands the client's packet, still addressed to the ingress IP, to
        `from_node`). `source_ip` is the client's address (ClientIP affinity keys on it).
        Returns what happened: the node whose rules routed it, the destination chosen, and the
        pod that answered (or the error, as a client would see it).
        """
        arguments.choice("request", "via", via, ("cluster-ip", "node-port", "load-balancer"))
        svc = self.get("services", service, namespace)   # a refusal: one line, as kubectl's
        ports = svc["spec"].get("ports") or [{}]
        service_port = next((p for p in ports if p.get("port") == port), ports[0]) if port else ports[0]
        node = from_node or self._node_of(source_ip) or self._traffic_rng.choice(sorted(self.proxies))
        if via == "node-port":
            address, number = self._machines[node]["internal_ip"], service_port.get("nodePort")
        elif via == "load-balancer":
            ingress = (svc.get("status") or {}).get("loadBalancer", {}).get("ingress") or [{}]
            address, number = ingress[0].get("ip"), service_port.get("port")
        else:
            address, number = svc["spec"].get("clusterIP"), service_port.get("port")
        result = {"from_node": node, "service": f"{namespace}/{service}", via: f"{address}:{number}"}
        if via == "cluster-ip":
            result["cluster_ip"] = result.pop(via)
        if not address or address == "None" or not number:
            result["error"] = f"the Service has no {via.replace('-', ' ')}"
            return result
        route = result["route"] = self.proxies[node].route(address, number, source_ip=source_ip)
        destination = getattr(route, "destination", None)
        if destination is None:
            result["error"] = route.message or route.outcome
            return result
        ip, target_port = destination
        for kubelet in self.kubelets.values():
            answer = kubelet.runtime.serve(ip, target_port, source_ip or None)
            if answer is not None:
                result["answer"] = answer
                return result
        result["error"] = "connection refused"
        return result

    def _node_of(self, pod_ip: str) -> str | None:
        """The node a pod with this IP runs on (its packets start there), if any."""
        for node, kubelet in sorted(self.kubelets.items()):
            if pod_ip and any(sandbox.ip == pod_ip for sandbox in kubelet.runtime.sandboxes.values()):
                return node
        return None

    def requests(self, service: str, count: int = 100, namespace: str = "default", **how) -> dict[str, int]:
        """Send `count` requests to a Service; how many each pod answered. `how`: request()'s
        from_node, source_ip, via."""
        arguments.text("requests", "service", service)
        arguments.whole_number("requests", "count", count, 0, 1_000_000)
        arguments.text("requests", "namespace", namespace)
        answered: dict[str, int] = {}
        for _ in range(count):
            result = self.request(service, namespace, **how)
            who = result.get("answer", {}).get("pod") if "answer" in result else f"error: {result['error']}"
            answered[who] = answered.get(who, 0) + 1
        return dict(sorted(answered.items()))
