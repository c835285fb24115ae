"""Cluster DNS, as CoreDNS's kubernetes plugin answers it (the DNS-based service discovery spec).

    a pod's libc ──(resolv.conf: nameserver 10.96.0.10, search …)──▶ ClusterDNS.query(name, type)
                                                                       ▲ informers: Services, Endpoints

What it models: the cluster add-on every kubeadm cluster runs (CoreDNS behind the `kube-dns`
Service at the tenth address of the service range, 10.96.0.10). Like every component it only
lists and watches the API, and answers from its caches:

    <svc>.<ns>.svc.cluster.local            A     the ClusterIP; for a headless Service
                                                  (clusterIP None) one A per ready endpoint
                                            CNAME the externalName of an ExternalName Service
    <host>.<svc>.<ns>.svc.cluster.local     A     a headless Service's endpoint: its hostname
                                                  (a pod's spec.hostname with spec.subdomain =
                                                  the Service, as a StatefulSet's web-0), or its
                                                  dashed IP (10-244-1-5) when it has none
    _<port>._<proto>.<svc>.<ns>.svc…        SRV   0 100 <port> <svc>.<ns>.svc.cluster.local (or
                                                  one per endpoint, headless)
    <a-b-c-d>.<ns>.pod.cluster.local        A     a.b.c.d (CoreDNS `pods insecure`: not checked)

Anything else in cluster.local is NXDOMAIN (a name that only has names below it, such as
default.svc.cluster.local, is NOERROR with no answer); names outside it CoreDNS forwards to the
node's resolver (dns/server.py). TTL 30 s, as kubeadm's Corefile says.

Invariant: answers come only from the informer caches, so DNS lags the API exactly as the
caches do; the server writes nothing.

Left out: in a notebook, the CoreDNS pods themselves (`Cluster` runs the server as an add-on
beside the nodes, so no lesson's pod list changes; `Cluster.dns` is it — under `kubelab up
--runtime process` they are real pods, dns/pod.py), caching, PTR records,
EndpointSlices (the Endpoints object carries the same addresses and hostnames), and
`publishNotReadyAddresses` beyond what the endpoints controller already puts in `addresses`.
"""
from __future__ import annotations

from ..client import Client, SharedInformerFactory
from ..objects import meta

CLUSTER_DOMAIN = "cluster.local"
TTL = 30
Record = tuple[str, str, str]   # (name without the final ".", type, data)


def _dashed(ip: str) -> str:
    return ip.replace(".", "-").replace(":", "-")


def records(services: list[dict], endpoints: list[dict], domain: str = CLUSTER_DOMAIN) -> list[Record]:
    """Every Service record the cluster DNS serves, from Services and their Endpoints (pure)."""
    by_key = {meta.key(obj): obj for obj in endpoints}
    out: list[Record] = []
    for service in sorted(services, key=meta.key):
        spec = service.get("spec") or {}
        base = f"{meta.name(service)}.{meta.namespace(service)}.svc.{domain}"
        if spec.get("type") == "ExternalName":
            out.append((base, "CNAME", spec.get("externalName", "")))
            continue
        ports = spec.get("ports") or []
        if spec.get("clusterIP") not in (None, "", "None"):
            out.append((base, "A", spec["clusterIP"]))
            out += [(f"_{port['name']}._{port.get('protocol', 'TCP').lower()}.{base}", "SRV",
                     f"0 100 {port['port']} {base}.") for port in ports if port.get("name")]
            continue
        # headless: the ready endpoints themselves
        seen = set()
        for subset in (by_key.get(meta.key(service)) or {}).get("subsets") or []:
            for address in subset.get("addresses") or []:
                host = f"{address.get('hostname') or _dashed(address['ip'])}.{base}"
                if address["ip"] not in seen:
                    seen.add(address["ip"])
                    out += [(base, "A", address["ip"]), (host, "A", address["ip"])]
                out += [(f"_{port['name']}._{port.get('protocol', 'TCP').lower()}.{base}", "SRV",
                         f"0 100 {port['port']} {host}.") for port in subset.get("ports") or [] if port.get("name")]
    return out


class ClusterDNS:
    """The cluster's DNS server: `query("web.default.svc.cluster.local.")` → the addresses."""
    name = "coredns"

    def __init__(self, client: Client, clock, domain: str = CLUSTER_DOMAIN):
        self.client, self.clock, self.domain = client, clock, domain
        self.pods = "insecure"      # the Corefile's `pods` option: "disabled" answers no pod names
        self.factory = SharedInformerFactory(client, clock)
        self.services = self.factory.informer("services")
        self.endpoints = self.factory.informer("endpoints")

    def start(self) -> None:
        self.factory.start()

    def stop(self) -> None:
        for informer in (self.services, self.endpoints):
            informer.stop()

    def answer(self, name: str, qtype: str = "A") -> list[Record]:
        """The records for a question; [] is NXDOMAIN (or no data of that type)."""
        return self.lookup(name, qtype)[1]

    def lookup(self, name: str, qtype: str = "A") -> tuple[str, list[Record], list[Record]]:
        """As CoreDNS answers: (rcode, answers, additional), rcode "NOERROR" | "NXDOMAIN" | "REFUSED".

        A name that exists without records of the type is NOERROR with no answer (NODATA); an SRV
        answer carries its targets' A records as additional records; a name outside the cluster
        domain is REFUSED here (the server decides whether to forward it)."""
        name = name.rstrip(".").lower()
        parts = name.split(".")
        pod_zone = f".pod.{self.domain}"
        if name.endswith(pod_zone) and len(parts) == len(pod_zone.split(".")) + 1:
            ip = parts[0].replace("-", ".")
            if getattr(self, "pods", "insecure") == "disabled" or not (ip.count(".") == 3 and all(p.isdigit() and int(p) < 256 for p in ip.split("."))):
                return "NXDOMAIN", [], []
            return "NOERROR", ([(name, "A", ip)] if qtype in ("A", "ANY") else []), []
        if name != self.domain and not name.endswith("." + self.domain):
            return "REFUSED", [], []
        every = records(self.services.list(), self.endpoints.list(), self.domain)
        found = [record for record in every if record[0] == name]
        if not found:
            # an empty non-terminal (svc.cluster.local, default.svc.cluster.local) exists: NODATA
            exists = name == self.domain or any(record[0].endswith("." + name) for record in every)
            return ("NOERROR" if exists else "NXDOMAIN"), [], []
        wanted = [record for record in found if record[1] == qtype or qtype == "ANY"]
        wanted = wanted or [record for record in found if record[1] == "CNAME"]
        targets = {record[2].split()[-1].rstrip(".") for record in wanted if record[1] == "SRV"}
        additional = [record for record in every if record[1] == "A" and record[0] in targets]
        return "NOERROR", wanted, additional

    def query(self, name: str, qtype: str = "A") -> list[str]:
        """The data of the answer: addresses for A, "prio weight port target" for SRV."""
        return [data for _, _, data in self.answer(name, qtype)]
