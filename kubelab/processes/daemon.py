"""One component, one OS process: what `kubelab scheduler --kubeconfig F` runs.

In a notebook every component shares one process and a virtual clock. Here each is a
program of its own, exactly as kube-scheduler or a kubelet is: it reads a kubeconfig to find
the API server and its credentials, builds the very same component class over an HTTP
transport and a real clock, and runs until told to stop:

    kubeconfig ──▶ HTTPTransport(server, token, clock) ──▶ Client ──▶ Scheduler(client, clock)
    RealClock.run_forever()   ◀── watch reader threads post events in
    SIGINT / SIGTERM ──▶ clock.stop() ──▶ component.stop() ──▶ exit 0

The component's code does not change at all: only the transport and the clock differ.
If the API server is not up yet, the informers keep retrying (a list that fails is tried
again a second later), so the processes may start in any order, as in a real cluster.

Faults (`kubelab fault`, processes/control.py) reach a component as signals: SIGUSR1 breaks
every watch it has open (each informer lists and watches again), SIGUSR2 rereads the delay
its watch events must wait, from DIR/faults/<component>.delay-watch beside its kubeconfig.

Real components also serve /healthz and /metrics, take dozens of flags and log with klog;
kubelab's take the few flags a lesson needs.
"""
from __future__ import annotations

import random
import signal
import sys

from ..client import Client
from ..client.http import HTTPTransport
from ..clock import RealClock


def _client(kubeconfig: str | None, clock: RealClock, user_agent: str) -> Client:
    return Client(HTTPTransport.from_kubeconfig(kubeconfig, clock), user_agent)


def _elected(component, client: Client, clock: RealClock, lock: str):
    """--leader-elect (upstream's default): act only while holding the Lease; exit when it is lost."""
    import socket
    import uuid
    from ..client.leaderelection import LeaderElected
    elected = LeaderElected(component, client, clock, lock, f"{socket.gethostname()}_{uuid.uuid4()}")
    elected.on_exit = lambda: (print("leaderelection lost", file=sys.stderr, flush=True), clock.stop())
    return elected


def build(component: str, kubeconfig: str | None, clock: RealClock, node_name: str = "",
          pod_cidr: str | None = None, node_ip: str = "10.0.0.11", seed: int | None = None,
          config: str | None = None, cloud_provider: str = "", nodes: int = 0,
          lb_provisioning_seconds: float = 20.0, controllers: list[str] | None = None,
          extra_controllers: list[str] = (), allocate_node_cidrs: bool = False, cluster_cidr: str = "",
          root_ca_file: str = "", runtime: str = "simulated", root_dir: str = "", proxy_mode: str = "iptables",
          cluster_dns: str = "", dns_server: str = ""):
    """The component object, wired to the API server named in `kubeconfig`."""
    rng = random.Random(seed)
    if component == "controller-manager":
        from ..controllers import ControllerManager
        from ..client.clientbuilder import ServiceAccountClientBuilder
        manager = _client(kubeconfig, clock, "kube-controller-manager")
        # --use-service-account-credentials: each controller as kube-system/<its name>
        from ..controllers.manager import resolve_controller
        from ..controllers.config import ControllerManagerConfig
        controller_manager = ControllerManager(
            manager, clock, controllers, client_builder=ServiceAccountClientBuilder(manager, clock),
            config=ControllerManagerConfig(allocate_node_cidrs=allocate_node_cidrs, cluster_cidr=cluster_cidr,
                                           root_ca=open(root_ca_file).read() if root_ca_file else ""))
        extra = [resolve_controller(path) for path in extra_controllers]   # a bad path: one line, exit 1
        start = controller_manager.start
        controller_manager.start = lambda: (start(), [controller_manager.add(c) for c in extra])
        return _elected(controller_manager, manager, clock, "kube-controller-manager")
    if component == "cloud-controller-manager":
        from ..cloud import CloudControllerManager, FakeCloud
        from ..client.clientbuilder import ServiceAccountClientBuilder
        from ..cloud.addresses import node_internal_ip
        cloud = FakeCloud(clock, lb_provisioning_seconds=lb_provisioning_seconds)
        for index in range(1, nodes + 1):
            cloud.launch(f"node-{index}", node_internal_ip(index))
        manager = _client(kubeconfig, clock, "cloud-controller-manager")
        return _elected(CloudControllerManager(manager, clock, cloud,
                                               client_builder=ServiceAccountClientBuilder(manager, clock)),
                        manager, clock, "cloud-controller-manager")
    if component == "scheduler":
        from ..scheduler import Scheduler, load_profiles
        load_profiles(config)  # refuse a bad --config before connecting to anything
        # --config: a KubeSchedulerConfiguration; a bad one is a ValueError (ConfigError): one line, exit 1
        client = _client(kubeconfig, clock, "kube-scheduler")
        return _elected(Scheduler(client, clock, rng, config=config), client, clock, "kube-scheduler")
    if component == "kubelet":
        from ..kubelet import Kubelet
        from .kubelet_server import KubeletServer
        container_runtime = None
        if runtime == "process":   # every container a real process on a loopback pod IP
            from ..kubelet.process_runtime import ProcessRuntime
            container_runtime = ProcessRuntime(clock, node_name, pod_cidr, root_dir or f".kubelab/{node_name}")
        kubelet = Kubelet(_client(kubeconfig, clock, f"kubelet/{node_name}"), clock, node_name,
                          pod_cidr=pod_cidr, internal_ip=node_ip, rng=rng, runtime=container_runtime)
        kubelet.machine.cloud_provider = cloud_provider
        if cluster_dns:   # --cluster-dns: what every ClusterFirst pod's resolv.conf names
            import ipaddress
            try:
                kubelet.cluster_dns = str(ipaddress.ip_address(cluster_dns))
            except ValueError:
                raise ValueError(f"invalid value {cluster_dns!r} for --cluster-dns: not an IP address") from None
        if dns_server and runtime != "process":   # --dns-server: `kubelab dns` (dns_component.py)
            from .dns_component import wire_query
            kubelet.runtime.dns = wire_query(dns_server, kubelet.cluster_dns)
        # `kubectl logs` reaches this process through the port the Node reports.
        kubelet.machine.kubelet_port = KubeletServer(kubelet, clock).port
        return kubelet
    if component == "proxy":
        from ..proxy import KubeProxy
        if proxy_mode == "userspace":   # the rules also carry real TCP on loopback (process runtime)
            from ..proxy.userspace import UserspaceKubeProxy as KubeProxy
        proxy = KubeProxy(_client(kubeconfig, clock, f"kube-proxy/{node_name}"), clock, node_name, rng)
        if kubeconfig:   # DIR/kubeconfigs/proxy-node-1 → DIR/iptables/node-1, for `kubelab iptables-save`
            from pathlib import Path
            proxy.save_to = Path(kubeconfig).resolve().parent.parent / "iptables" / node_name
            proxy.save_to.parent.mkdir(parents=True, exist_ok=True)
        return proxy
    raise ValueError(f"unknown component {component!r}")


def _listen_for_faults(component: str, kubeconfig: str | None) -> None:
    """SIGUSR1: drop every watch; SIGUSR2: take the watch delay from the faults file."""
    from pathlib import Path
    from ..client import http

    def drop(*_):
        dropped = http.drop_watches()
        print(f"{component}: fault drop-watch: {dropped} watch(es) ended", file=sys.stderr, flush=True)

    def delay(*_):
        if not kubeconfig:
            return
        path = Path(kubeconfig).resolve()
        faults = path.parent.parent / "faults" / f"{path.name}.delay-watch"
        try:
            http.WATCH_DELAY[0] = max(0.0, float(faults.read_text().strip() or 0))
        except (OSError, ValueError):
            http.WATCH_DELAY[0] = 0.0
        print(f"{component}: fault delay-watch: {http.WATCH_DELAY[0]:g}s", file=sys.stderr, flush=True)
    signal.signal(signal.SIGUSR1, drop)
    signal.signal(signal.SIGUSR2, delay)


def run(component: str, kubeconfig: str | None, **options) -> int:
    """Build the component, start it on a real clock, run until SIGINT/SIGTERM; the exit code."""
    clock = RealClock()
    try:
        built = build(component, kubeconfig, clock, **options)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: clock.stop())
    _listen_for_faults(component, kubeconfig)
    clock.call_soon(built.start)
    print(f"{component} started", file=sys.stderr, flush=True)
    clock.run_forever()
    stop = getattr(built, "stop", None)
    if stop is not None:
        stop()
    shutdown = getattr(getattr(built, "runtime", None), "shutdown", None)
    if shutdown is not None:   # the process runtime: no container outlives its kubelet
        shutdown()
    print(f"{component} stopped", file=sys.stderr, flush=True)
    return 0
