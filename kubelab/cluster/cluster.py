"""Cluster: every Kubernetes component, assembled in one Python process on a virtual clock.

    store ◀── API server ◀── controller manager (every controller in controllers/registry.py)
                         ◀── cloud controller manager (with cloud=True: a FakeCloud)
                         ◀── scheduler
                         ◀── kubelet ×N  (each with its simulated container runtime)
                         ◀── kube-proxy ×N
                         ◀── you: cluster.apply(...), cluster.kubectl("get pods")

Each component gets its own `Client` (speaking under its own name, so the trace says who
did what) and the shared clock, and nothing else: no component holds another. The clock is
virtual, so `settle()` — run until no component has work left — takes milliseconds even when
it covers minutes, and every random choice comes from generators seeded from `seed`, so two
clusters with the same seed print the same names, IPs and events.

Faults (faults.py): `cluster.fault.partition("node-2")`, `.crash("kubelet/node-1")`, … each
component has its own connection to the API server, which a fault cuts, slows or resets, and a
restarted component is a new object on a new connection, as a restarted process is.

This package is the in-process assembly only: cluster.py, faults.py, trace.py (who wrote
what), credentials.py (each component's token), arguments.py, traffic.py (requests to Services
through a node's rules), progress.py (a big run's bar),
collector.py (a big run pauses Python's cyclic GC). The same
components as separate OS processes over HTTP — `kubelab up`, the daemons, the HTTPS front,
the store server, certificates — are kubelab/processes/, beside this package.
"""
from __future__ import annotations

import random
import uuid

import yaml

from ..apiserver import APIServer
from ..client import ApiError, Client, InProcessTransport
from ..client.informer import indexes
from ..client.leaderelection import LeaderElected
from ..clock import VirtualClock
from ..controllers import ControllerManager
from ..controllers.config import ControllerManagerConfig
from ..dns import ClusterDNS
from ..kubelet import Kubelet
from ..kubelet.dns import dns_ip
from ..objects.frozen import thaw
from ..proxy import KubeProxy
from ..proxy.rule_cache import RuleCache
from ..scheduler import Scheduler
from ..store import MemoryStore
from . import arguments, collector
from . import progress as progress_bar
from ..cloud.addresses import CLUSTER_CIDR, LARGE_CLUSTER_CIDR, node_internal_ip
from .credentials import ClusterCredentials
from .faults import APIServerLink, ComponentTransport, Faults
from .trace import Trace
from .traffic import Traffic


class Cluster(Traffic):
    """A whole Kubernetes cluster in the notebook's kernel: `Cluster(nodes=3, seed=0)`."""

    def __init__(self, nodes: int = 3, seed: int = 0, node_cpu: str = "2", node_memory: str = "4Gi",
                 max_pods: int = 110, store=None, compaction_interval: float = 300.0,
                 scheduler_config: dict | str | None = None, cluster_cidr: str | None = None,
                 controller_managers: int = 1, schedulers: int = 1, cloud=None, watch_cache: bool = True,
                 informer_indexes: bool = True, progress: bool | None = None):
        arguments.cluster(nodes, seed, node_cpu, node_memory, max_pods, compaction_interval)
        arguments.whole_number("Cluster", "controller_managers", controller_managers, 1, 10)
        arguments.whole_number("Cluster", "schedulers", schedulers, 1, 10)
        if not isinstance(informer_indexes, bool):
            raise TypeError(f"Cluster: informer_indexes must be True or False, not {informer_indexes!r}")
        if not informer_indexes and (controller_managers > 1 or schedulers > 1):
            # a standby that wins the election later would build its informers indexed
            raise ValueError("Cluster: informer_indexes=False needs one controller manager and one scheduler")
        self.seed = seed
        # False (lesson 11): every component's informers answer reads by scanning their whole
        # cache instead of through their indexes — same answers, the cost an index saves.
        self.informer_indexes = informer_indexes
        self.clock = VirtualClock()
        self.started_at = self.clock.now()
        rng = random.Random(seed)
        # etcd's semantics in memory by default; any Store works the same (a FileStore restored
        # from a snapshot, a real etcd), since only the API server ever touches it.
        self.store = store if store is not None else MemoryStore(self.clock)
        # The API server compacts the store every `compaction_interval` seconds, as
        # kube-apiserver does every 5 minutes (apiserver/compactor.py); 0 keeps all history.
        self.apiserver = APIServer(self.store, self.clock, random.Random(rng.getrandbits(64)),
                                   compaction_interval=compaction_interval, watch_cache=watch_cache)
        self.apiserver.bootstrap()
        # Every component gets its own credentials; the API server authenticates and
        # authorizes each request (RBAC), in process exactly as over HTTP.
        self.credentials = credentials = ClusterCredentials(self.apiserver, seed)
        self.transport = InProcessTransport(self.apiserver)
        self.link = APIServerLink()   # apiserver-0 as everyone reaches it (faults can take it down)
        self.client = Client(ComponentTransport(self.transport, self.clock, self.link), "kubectl", credentials.admin)
        self.cluster_dns = dns_ip(str(self.apiserver.ips.network))   # kubeadm: the service range's 10th address
        self._add_kube_dns_service()
        # kubeadm's --pod-network-cidr: the node IPAM controller gives each Node a /24 of it.
        self.cluster_cidr = cluster_cidr or (CLUSTER_CIDR if nodes < 256 else LARGE_CLUSTER_CIDR)
        self.controller_manager_config = ControllerManagerConfig(allocate_node_cidrs=True,
                                                                 cluster_cidr=self.cluster_cidr)
        self.scheduler_config = scheduler_config
        # Each component reaches the API server over its own connection, which faults can cut.
        self.connections: dict[str, ComponentTransport] = {}
        self.running: dict[str, object] = {}   # component name -> the running component
        self._last: dict[str, object] = {}     # component name -> the latest built (running or not)
        # Several controller managers or schedulers elect a leader over a Lease; a single one
        # runs unelected in process (nobody to compete with; `kubelab up` always elects).
        self.manager_names = ["controller-manager"] + [f"controller-manager-{i}" for i in range(1, controller_managers)]
        self.scheduler_names = ["scheduler"] + [f"scheduler-{i}" for i in range(1, schedulers)]
        self.builders: dict = {}
        for name in self.manager_names:
            self.builders[name] = lambda transport, name=name: self._controller_manager(transport, name)
        for name in self.scheduler_names:
            self.builders[name] = lambda transport, name=name: self._scheduler(transport, name)
        # cloud=True (a FakeCloud) or a CloudProvider: kubelets run --cloud-provider=external and
        # a cloud controller manager initializes their Nodes and serves LoadBalancer Services.
        if cloud is True:
            from ..cloud import FakeCloud
            cloud = FakeCloud(self.clock)
        self.cloud = cloud
        if cloud is not None:
            self.builders["cloud-controller-manager"] = self._cloud_controller_manager
        self.kubelets: dict[str, Kubelet] = {}
        self.proxies: dict[str, KubeProxy] = {}
        # Every kube-proxy computes the same chains from the same Services: in one process they
        # share them (proxy/rule_cache.py), each node still syncing and holding its own tables.
        self.rule_cache = RuleCache()
        self._seeds = {"scheduler": rng.getrandbits(64)}
        self._machines = {}
        for index in range(1, nodes + 1):
            name = f"node-{index}"
            self._seeds[f"kubelet/{name}"] = rng.getrandbits(64)
            self._seeds[f"proxy/{name}"] = rng.getrandbits(64)
            self._machines[name] = dict(internal_ip=node_internal_ip(index),
                                        capacity={"cpu": node_cpu, "memory": node_memory, "pods": str(max_pods)})
            if cloud is not None and hasattr(cloud, "launch"):
                cloud.launch(name, node_internal_ip(index))
            self.builders[f"kubelet/{name}"] = lambda transport, node=name: self._kubelet(transport, node)
            self.builders[f"proxy/{name}"] = lambda transport, node=name: self._proxy(transport, node)
        self.builders["coredns"] = self._dns     # the DNS add-on (dns/coredns.py), beside the nodes
        self._traffic_rng = random.Random(rng.getrandbits(64))
        self._restart_rng = random.Random(rng.getrandbits(64))   # seeds of restarted components
        self.fault = Faults(self)
        for name in self.builders:
            self._build(name)
        with indexes(self.informer_indexes), collector.paused(nodes):   # informers built as components start
            for component in self.components():
                component.start()
        self.settle(progress=progress)

    # -- components and their restarts (faults.py) ------------------------------------------
    def _build(self, name: str):
        connection = self.connections[name] = ComponentTransport(self.transport, self.clock, self.link)
        with indexes(self.informer_indexes):   # the informers it builds read through indexes, or scan
            component = self.builders[name](connection)
        self.running[name] = self._last[name] = component
        return component

    def _seed(self, name: str) -> int:
        """The component's first seed, then a fresh one for each restart (still deterministic)."""
        return self._seeds.pop(name, None) or self._restart_rng.getrandbits(64)

    def _controller_manager(self, transport, name: str):
        manager_client = Client(transport, "kube-controller-manager", self.credentials.controller_manager)
        manager = ControllerManager(
            manager_client, self.clock,
            client_builder=lambda controller: self.credentials.controller_client(manager_client, controller),
            config=self.controller_manager_config)
        return self._elected(manager, manager_client, "kube-controller-manager", name, len(self.manager_names))

    def _cloud_controller_manager(self, transport):
        from ..cloud import CloudControllerManager
        client = Client(transport, "cloud-controller-manager", self.credentials.controller_manager)
        self.cloud_controller_manager = CloudControllerManager(
            client, self.clock, self.cloud,
            client_builder=lambda controller: self.credentials.controller_client(client, controller))
        return self.cloud_controller_manager

    def _scheduler(self, transport, name: str):
        client = Client(transport, "kube-scheduler", self.credentials.scheduler)
        scheduler = Scheduler(client, self.clock, random.Random(self._seed(name)), config=self.scheduler_config)
        return self._elected(scheduler, client, "kube-scheduler", name, len(self.scheduler_names))

    def _elected(self, component, client, lock: str, name: str, copies: int):
        if copies == 1:
            return component
        rng = random.Random(self._restart_rng.getrandbits(64))
        identity = f"{name}_{uuid.UUID(int=rng.getrandbits(128), version=4)}"   # upstream: hostname_uuid
        return LeaderElected(component, client, self.clock, lock, identity, rng=rng)

    def _leader(self, names: list[str]):
        running = [self.running[name] for name in names if name in self.running]
        leading = [c for c in running if getattr(c, "leading", True)]
        return (leading or running or [self._last[names[0]]])[0]

    @property
    def controller_manager(self):
        """The controller manager (the leading one, when several run)."""
        return self._leader(self.manager_names)

    @property
    def scheduler(self):
        """The scheduler (the leading one, when several run)."""
        return self._leader(self.scheduler_names)

    def _kubelet(self, transport, node: str) -> Kubelet:
        old = self.kubelets.get(node)
        kubelet = self.kubelets[node] = Kubelet(
            Client(transport, f"kubelet/{node}", self.credentials.node(node)), self.clock, node,
            pod_cidr=None, rng=random.Random(self._seed(f"kubelet/{node}")),
            runtime=old.runtime if old is not None else None,   # the containers outlive the kubelet
            **self._machines[node])
        if self.cloud is not None:
            kubelet.machine.cloud_provider = "external"
        # `kubectl logs` goes API server -> kubelet (:10250); in process, a registered function.
        self.apiserver.node_connections.register(node, kubelet.container_logs)
        kubelet.cluster_dns = self.cluster_dns
        kubelet.runtime.dns = self._dns_query   # a pod's DNS packets reach the cluster DNS (or not)
        return kubelet

    def _dns(self, transport) -> ClusterDNS:
        # CoreDNS reads Services and Endpoints; kubelab lends it kube-proxy's read-only identity.
        return ClusterDNS(Client(transport, "coredns", self.credentials.proxy), self.clock)

    def _add_kube_dns_service(self) -> None:
        """kubeadm's DNS add-on Service: kube-system/kube-dns at the tenth address of the service
        range, where every pod's resolv.conf points (the server behind it is `self.dns`). A cluster
        started on a restored store keeps the one it has."""
        if any(s["metadata"]["name"] == "kube-dns" for s in self.client.list("services", "kube-system")["items"]):
            return
        self.client.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {
            "name": "kube-dns", "namespace": "kube-system",
            "labels": {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                       "kubernetes.io/name": "CoreDNS"}},
            "spec": {"clusterIP": self.cluster_dns, "selector": {"k8s-app": "kube-dns"}, "ports": [
                {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}]}}, "kube-system")

    def _dns_query(self, server: str, name: str, qtype: str) -> list[str] | None:
        """A DNS query from a pod: the kube-dns address reaches CoreDNS (None if it is down);
        the node's own resolver knows no cluster names (NXDOMAIN)."""
        if server != self.cluster_dns:
            return []
        dns = self.running.get("coredns")
        return None if dns is None else dns.query(name, qtype)

    def _proxy(self, transport, node: str) -> KubeProxy:
        proxy = self.proxies[node] = KubeProxy(Client(transport, f"kube-proxy/{node}", self.credentials.proxy),
                                               self.clock, node, random.Random(self._seed(f"proxy/{node}")),
                                               rule_cache=self.rule_cache)
        return proxy

    def stop_component(self, name: str) -> None:
        """The component's process exits: its connection is cut for good, its loops stop."""
        self._known_component("stop_component", name)
        component = self.running.pop(name, None)
        connection = self.connections.get(name)
        if connection is not None:
            connection.cut = connection.dead = True
            connection.drop_watches(notify=False)
        stop = getattr(component, "stop", None)
        if stop is not None:
            stop()
        for informer in getattr(getattr(component, "factory", None), "informers", {}).values():
            informer.stop()

    def start_component(self, name: str) -> None:
        """A new process of the component, on a new connection: it lists, watches, acts."""
        self._known_component("start_component", name)
        component = self._build(name)
        with indexes(self.informer_indexes):
            component.start()

    def _known_component(self, method: str, name: str) -> None:
        if name not in self.builders:   # a misspelt name must not pass for a stopped component
            raise ValueError(f"{method}({name!r}): unknown component; one of: {', '.join(self.builders)}")

    def components(self) -> list:
        """Every component, control plane first, in start order."""
        control_plane = self.manager_names + ["cloud-controller-manager"] + self.scheduler_names
        return [*(self.running[n] for n in control_plane if n in self.running),
                *self.kubelets.values(), *self.proxies.values(),
                *([self.running["coredns"]] if "coredns" in self.running else [])]

    # -- time ----------------------------------------------------------------------------
    def run(self, seconds: float) -> None:
        """Let `seconds` of virtual time pass, every component doing what falls due."""
        arguments.seconds("run", "seconds", seconds)
        with collector.paused(len(self._machines)):   # a big cluster's runs skip the cyclic GC (collector.py)
            self.clock.run(seconds)

    def settle(self, max_seconds: float = 600.0, progress: bool | None = None) -> float:
        """Run until no component has work left (only heartbeats remain); returns seconds taken.
        `progress`: a bar (True/False; None: 100+ nodes and 2 s of wall time; progress.py)."""
        arguments.seconds("settle", "max_seconds", max_seconds, allow_zero=False)
        if progress is not None and not isinstance(progress, bool):
            raise TypeError(f"settle(progress={progress!r}): progress must be True, False or None")
        with collector.paused(len(self._machines)):
            if not progress_bar.wanted(progress, len(self._machines)):
                return self.clock.settle(max_seconds)
            return progress_bar.settle(self, max_seconds, delay=progress_bar.DELAY_SECONDS if progress is None else 0.0)

    # -- talking to the cluster ------------------------------------------------------------
    def kubectl(self, command: str, stdin: str | None = None) -> str:
        """What `kubectl <command>` would print against this cluster (kubelab's own kubectl)."""
        from ..kubectl import run  # kubectl is a layer above the cluster: imported on use
        return run(self.client, command, self.clock.now(), stdin=stdin, scheduler=self.scheduler,
                   clock=self.clock, executor=self._exec_sync).rstrip("\n")

    def apply(self, manifest: str | dict | list) -> str:
        """`kubectl apply -f` a manifest (YAML/JSON text, a dict, or a list of dicts)."""
        if not isinstance(manifest, str):
            documents = manifest if isinstance(manifest, list) else [manifest]
            # thaw: an informer's object is a shared FrozenDict, which YAML's safe dumper refuses
            manifest = yaml.safe_dump_all([thaw(document) for document in documents], sort_keys=False)
        return self.kubectl("apply -f -", stdin=manifest)

    def exec(self, pod: str, command: list[str] | str, namespace: str = "default",
             container: str | None = None, timeout: float = 60.0, stdin: str | None = None) -> str:
        """`kubectl exec POD -- COMMAND` in process (`echo … | kubectl exec -i` with `stdin`): run it
        in the pod's container (CRI ExecSync on its node's runtime), on virtual time; its output."""
        argv = command.split() if isinstance(command, str) else list(command)
        return self._exec_sync(namespace, pod, container, argv, stdin, timeout)[1]

    def _exec_sync(self, namespace: str, pod: str, container: str | None, argv: list[str], stdin: str | None,
                   timeout: float = 60.0) -> tuple[int, str]:
        """(exit code, output) of `argv` in the container, as the kubelet's /exec runs it."""
        spec = self.get("pods", pod, namespace)["spec"]
        name = container or spec["containers"][0]["name"]
        kubelet = self.kubelets.get(spec.get("nodeName") or "")
        message = f"container {name} is not valid for pod {pod}" \
            if name not in [c["name"] for c in spec["containers"] + (spec.get("initContainers") or [])] else \
            f"pod {pod} does not have a host assigned" if not spec.get("nodeName") else \
            f'unable to upgrade connection: container not found ("{name}")' if kubelet is None else None
        if message:   # the API server's checks (subresources/exec.py); the kubelet makes its own below
            raise ApiError({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                            "code": 400, "reason": "BadRequest", "message": message})
        result = {}
        kubelet.exec_in_container(namespace, pod, name, argv, lambda done: result.setdefault("outcome", done),
                                  timeout, stdin)
        while "outcome" not in result:
            self.run(0.1)
        return result["outcome"].exit_code, result["outcome"].output

    def get(self, resource: str, name: str, namespace: str | None = None) -> dict:
        """One object, as a dict; a refusal is raised as the API server's one-line ApiError."""
        try:
            return self.client.get(resource, name, namespace)
        except ApiError as refusal:
            raise refusal.with_traceback(None) from None   # the learner's call is the whole story

    def list(self, resource: str, namespace: str | None = None, label_selector: str | None = None) -> list[dict]:
        """Objects of a resource (all namespaces unless one is named), as dicts."""
        try:
            return self.client.list(resource, namespace, label_selector)["items"]
        except ApiError as refusal:
            raise refusal.with_traceback(None) from None

    @property
    def dns(self) -> ClusterDNS | None:
        """The cluster DNS server (CoreDNS's part): `cluster.dns.query("web.default.svc.cluster.local")`."""
        return self.running.get("coredns")

    @property
    def trace(self) -> Trace:
        """Who did what to which object, in order (the API server's record of writes)."""
        return Trace(self.apiserver.trace, self.started_at)
