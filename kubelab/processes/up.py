"""`kubelab up`: the whole cluster as separate OS processes on 127.0.0.1, talking HTTP.

In a notebook, `Cluster(...)` puts every component in one process on a virtual clock. Here
each is its own program, started the way an installer (kubeadm, or "Kubernetes the hard
way") starts them, in the order they depend on each other:

    1. the store        a real etcd (--store etcd), or kubelab's store server speaking etcd's
                        protocol (memory/file behind several API servers); with one API
                        server and memory/file, the store lives inside that API server
    2. K API servers    `kubelab apiserver`, all on the same store
    3. the front        one HTTPS address (certificate.py), connections spread round robin
                        over the instances (front.py)
    4. credentials      a bearer token per component (--token-auth-file), a kubeconfig each,
                        DIR/kubeconfig for the admin
    5. control plane    `kubelab controller-manager`, `kubelab scheduler`
    6. per node         `kubelab kubelet --node-name node-i`, `kubelab proxy --node-name node-i`
    7. add-ons          cluster DNS behind kube-dns: with --runtime process, kubeadm's CoreDNS
                        pods (dns_addon.py); simulated, `kubelab dns` (dns_component.py)

It says "ready" once the API answers /readyz, every node is Ready and the default namespace has
its "default" ServiceAccount (so a pod made at once is admitted; each wait a minute at most, the
nodes' a second more per node), then waits. On SIGINT or SIGTERM it stops the children in reverse
order (SIGTERM, then SIGKILL after a grace period) and leaves none behind; if it is itself killed
outright, every child learns it from the kernel (parent-death signal) and stops. Each logs to DIR/logs/.

Real clusters run these as systemd units or static pods with TLS everywhere; kubelab runs
plain HTTP on 127.0.0.1 with bearer tokens, which is what the real kubectl needs to talk to it.
"""
from __future__ import annotations

import datetime
import fcntl
import os
import secrets
import signal
import sys
import time
from dataclasses import dataclass, field
from ipaddress import ip_network
from pathlib import Path

from ..apiserver.authentication.rsa import random_key
from ..client import Client
from ..client import kubeconfig
from ..client.http import HTTPTransport
from ..objects import conditions
from .control import ControlServer
from .supervisor import BACKOFF_INITIAL, Supervisor, die_with_parent
from .certificate import make_serving_files, private_key_pem
from ..cloud.addresses import CLUSTER_CIDR, LARGE_CLUSTER_CIDR, node_internal_ip
from ..kubelet.dns import dns_ip
from .dns_component import IDENTITY

READY_TIMEOUT_SECONDS = 60.0
READY_SECONDS_PER_NODE = 1.0   # each node adds a kubelet and a proxy to start (~0.3 CPU-s of imports each, then lists)
PROGRESS_NODES = 100   # `kubelab up --nodes N` shows a bar of Ready nodes from this N on
PROCESS_CLUSTER_CIDR = "127.244.0.0/16"        # --runtime process: a /24 of loopback per node
PROCESS_LARGE_CLUSTER_CIDR = "127.128.0.0/9"
PROCESS_SERVICE_CIDR = "127.96.0.0/16"
_die_with_parent = die_with_parent   # the name tests and older callers know


@dataclass
class Plan:
    """Everything `kubelab up` will start, decided before anything starts (tests read it)."""
    data_dir: Path
    port: int
    nodes: int
    store: str
    apiserver_ports: list[int]
    tokens: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # component -> (token, user, groups)
    controller_managers: int = 1   # more than one: they elect a leader over a Lease (one acts)
    cloud: bool = False            # a cloud controller manager over the fake cloud; kubelets external
    schedulers: int = 1
    runtime: str = "simulated"     # "process": containers are real processes on loopback pod IPs
    dns_port: int = 0              # simulated runtime: where `kubelab dns` listens on 127.0.0.1

    @property
    def server(self) -> str:
        """Where clients connect: the front, speaking HTTPS (certificate.py says why)."""
        return f"https://127.0.0.1:{self.port}"

    @property
    def certificate_authority(self) -> str:
        return (self.data_dir / "apiserver.crt").read_text()

    @property
    def ready_timeout(self) -> float:
        """The wait for Ready nodes and what follows: a minute + a second per node (`--nodes 500`: 1,000 processes)."""
        return READY_TIMEOUT_SECONDS + READY_SECONDS_PER_NODE * self.nodes


def free_ports(count: int) -> list[int]:
    from ..store.etcd_process import free_ports as pick
    return pick(count)


def plan(nodes: int, port: int, data_dir: str, store: str, apiservers: int) -> Plan:
    """Ports and credentials: the front on `port`, the API server instances on free ports behind it."""
    directory = Path(data_dir).resolve()
    ports = free_ports(apiservers)
    cluster = Plan(directory, port, nodes, store, ports)
    cluster.dns_port, = free_ports(1)
    identities = {"admin": ("kubernetes-admin", "system:masters"),
                  "controller-manager": ("system:kube-controller-manager", ""),
                  "scheduler": ("system:kube-scheduler", ""),
                  "cloud-controller-manager": ("cloud-controller-manager", ""), "dns": IDENTITY,
                  **{f"kubelet-node-{i}": (f"system:node:node-{i}", "system:nodes") for i in range(1, nodes + 1)},
                  **{f"proxy-node-{i}": ("system:kube-proxy", "") for i in range(1, nodes + 1)}}
    for component, (user, groups) in identities.items():
        cluster.tokens[component] = (secrets.token_hex(16), user, groups)
    return cluster


def write_credentials(cluster: Plan) -> None:
    """DIR/tokens.csv for the API servers, DIR/kubeconfig for the admin, one kubeconfig per component."""
    cluster.data_dir.mkdir(parents=True, exist_ok=True)
    lines = [f'{token},{user},{user},"{groups}"' if groups else f"{token},{user},{user}"
             for token, user, groups in cluster.tokens.values()]
    token_file = cluster.data_dir / "tokens.csv"
    token_file.write_text("\n".join(lines) + "\n")
    token_file.chmod(0o600)
    # The service-account signing key, shared by every API server instance (kubeadm's sa.key).
    key_file = cluster.data_dir / "sa.key"
    if not key_file.exists():
        key_file.write_text(private_key_pem(random_key()))
        key_file.chmod(0o600)
    # apiserver.crt (also the CA clients trust, kube-root-ca.crt's) + apiserver.key, valid for the
    # names an in-cluster client uses too, as kubeadm's apiserver certificate.
    service_cidr = PROCESS_SERVICE_CIDR if cluster.runtime == "process" else "10.96.0.0/12"
    make_serving_files(cluster.data_dir, ["127.0.0.1", "localhost", str(ip_network(service_cidr)[1]), "kubernetes",
                                          "kubernetes.default", "kubernetes.default.svc",
                                          "kubernetes.default.svc.cluster.local"])
    for component, (token, user, _) in cluster.tokens.items():
        path = cluster.data_dir / ("kubeconfig" if component == "admin" else f"kubeconfigs/{component}")
        kubeconfig.write(str(path), cluster.server, token, user="admin" if component == "admin" else user,
                         certificate_authority=cluster.certificate_authority)


def apiserver_argv(cluster: Plan, index: int, etcd_servers: str) -> list[str]:
    """`kubelab apiserver` for instance `index`, on the shared store when there is one.

    Each instance gets its own seed: instances seeded alike would draw the same generated
    names (generateName) and collide on every create.
    """
    argv = ["apiserver", "--port", str(cluster.apiserver_ports[index]), "--seed", str(index + 1),
            # The kubernetes Service's Endpoints: where a pod reaches the API over HTTPS, the front
            # (the instances speak plain HTTP behind it).
            "--advertise-address", "127.0.0.1", "--advertise-port", str(cluster.port)]
    if etcd_servers:
        argv += ["--store", "etcd", "--etcd-endpoint", etcd_servers]
    else:
        argv += ["--store", cluster.store, "--data-dir", str(cluster.data_dir / "store")]
    # Authentication and RBAC on: the component tokens in DIR/tokens.csv, and one
    # service-account signing key for every instance (a token one signs, all verify).
    if cluster.runtime == "process":   # ClusterIPs are loopback addresses too (the userspace proxy binds them)
        argv += ["--service-cluster-ip-range", PROCESS_SERVICE_CIDR]
    return argv + ["--token-auth-file", str(cluster.data_dir / "tokens.csv"),
                   "--service-account-key-file", str(cluster.data_dir / "sa.key")]


def component_argvs(cluster: Plan) -> list[tuple[str, list[str]]]:
    """The control plane's and every node's commands, in start order."""
    def config(component: str) -> str:
        return str(cluster.data_dir / "kubeconfigs" / component)
    # The node IPAM controller gives each Node a /24 of the cluster CIDR (kubeadm's --pod-network-cidr).
    cidr = CLUSTER_CIDR if cluster.nodes < 256 else LARGE_CLUSTER_CIDR
    if cluster.runtime == "process":   # pod IPs are real loopback addresses (Linux routes 127/8 to lo)
        cidr = PROCESS_CLUSTER_CIDR if cluster.nodes < 256 else PROCESS_LARGE_CLUSTER_CIDR
    commands = [(name, ["controller-manager", "--kubeconfig", config("controller-manager"),
                        "--allocate-node-cidrs", "--cluster-cidr", cidr,
                        "--root-ca-file", str(cluster.data_dir / "apiserver.crt")])
                for name in ["controller-manager"] + [f"controller-manager-{i}"
                                                      for i in range(1, cluster.controller_managers)]]
    commands += [(name, ["scheduler", "--kubeconfig", config("scheduler")])
                 for name in ["scheduler"] + [f"scheduler-{i}" for i in range(1, cluster.schedulers)]]
    if cluster.cloud:   # the fake cloud's API lives in this process; it launched one machine per node
        commands.append(("cloud-controller-manager", ["cloud-controller-manager", "--kubeconfig",
                                                      config("cloud-controller-manager"), "--cloud-provider", "kubelab",
                                                      "--nodes", str(cluster.nodes),
                                                      "--load-balancer-provisioning-seconds", "5"]))
    for i in range(1, cluster.nodes + 1):
        node = f"node-{i}"
        commands.append((f"kubelet/{node}", ["kubelet", "--kubeconfig", config(f"kubelet-{node}"),
                                             "--node-name", node, "--node-ip", node_internal_ip(i),
                                             *(["--cloud-provider", "external"] if cluster.cloud else []),
                                             *(["--runtime", "process", "--root-dir", str(cluster.data_dir / "nodes" / node),
                                                "--cluster-dns", dns_ip(PROCESS_SERVICE_CIDR)]
                                               if cluster.runtime == "process" else
                                               ["--dns-server", f"127.0.0.1:{cluster.dns_port}"])]))
        commands.append((f"proxy/{node}", ["proxy", "--kubeconfig", config(f"proxy-{node}"), "--node-name", node,
                                           *(["--proxy-mode", "userspace"] if cluster.runtime == "process" else [])]))
    return commands


def wait_until(check, timeout: float, what: str, supervisor: Supervisor) -> None:
    """Poll `check()` until it is true (the process shell may use the wall clock)."""
    deadline = time.monotonic() + timeout
    while not check():
        dead = supervisor.exited()
        if dead:
            raise RuntimeError(f"{dead[0].name} exited while waiting for {what}; see {dead[0].log}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def _answers_readyz(server: str, token: str, certificate_authority: str = "") -> bool:
    try:
        HTTPTransport(server, token, timeout=2.0, certificate_authority=certificate_authority).get_path("/readyz")
        return True
    except Exception:   # not up yet: any failure means "not ready"
        return False


def _ready_nodes(client: Client, names: set[str], since: float) -> int:
    """Nodes of this run that are Ready: named in the plan, with a heartbeat since it started.

    A Node left in the store by an earlier run on the same data dir still says Ready (nobody
    marked it otherwise); it does not count until its kubelet of this run has reported.
    """
    try:
        nodes = client.list("nodes")["items"]
    except Exception:
        return 0
    return sum(1 for node in nodes if node["metadata"]["name"] in names and conditions.is_true(node, "Ready")
               and _heartbeat(node) >= since)


def _heartbeat(node: dict) -> float:
    for condition in node.get("status", {}).get("conditions", []):
        if condition.get("type") == "Ready" and condition.get("lastHeartbeatTime"):
            stamp = condition["lastHeartbeatTime"].replace("Z", "+00:00")
            return datetime.datetime.fromisoformat(stamp).timestamp()
    return 0.0


def start(cluster: Plan, supervisor: Supervisor, say=print) -> None:
    """Start every process of `cluster`, in order, waiting for each layer to answer."""
    admin = cluster.tokens["admin"][0]
    etcd_servers = _start_store(cluster, supervisor)
    for index, port in enumerate(cluster.apiserver_ports):
        supervisor.start(f"apiserver-{index}", apiserver_argv(cluster, index, etcd_servers))
    for port in cluster.apiserver_ports:
        wait_until(lambda: _answers_readyz(f"http://127.0.0.1:{port}", admin), READY_TIMEOUT_SECONDS,
                   f"the API server on port {port}", supervisor)
    supervisor.start("front", ["--port", str(cluster.port),
                               "--tls-cert-file", str(cluster.data_dir / "apiserver.crt"),
                               "--tls-private-key-file", str(cluster.data_dir / "apiserver.key"),
                               *[f"127.0.0.1:{p}" for p in cluster.apiserver_ports]],
                     module="kubelab.processes.front")
    authority = cluster.certificate_authority
    wait_until(lambda: _answers_readyz(cluster.server, admin, authority), READY_TIMEOUT_SECONDS, "the front",
               supervisor)
    say("API server instances: " + ", ".join(f"http://127.0.0.1:{p}" for p in cluster.apiserver_ports))
    say(f"API server ready at {cluster.server}")
    for name, argv in component_argvs(cluster):
        supervisor.start(name, argv)
    client = Client(HTTPTransport(cluster.server, admin, timeout=5.0, certificate_authority=authority), "kubelab-up")
    names = {f"node-{i}" for i in range(1, cluster.nodes + 1)}
    since = time.time() - 1.0   # heartbeats carry whole seconds
    bar = nodes_ready_bar(cluster.nodes)

    def all_ready() -> bool:
        ready = _ready_nodes(client, names, since)
        if bar is not None:
            bar.update(ready - bar.n)
        return ready >= cluster.nodes
    try:
        wait_until(all_ready, cluster.ready_timeout, f"{cluster.nodes} Ready node(s)", supervisor)
    finally:
        if bar is not None:
            bar.close()
    # A pod made right after "ready" would be refused ('serviceaccount "default" not found') until
    # the service account controller has made the namespace's default ServiceAccount.
    wait_until(lambda: _has(client, "serviceaccounts", "default", "default"), cluster.ready_timeout,
               'the "default" ServiceAccount', supervisor)
    from .dns_component import install_addons   # 7. add-ons: cluster DNS
    install_addons(cluster, client, supervisor, say)


def _has(client: Client, resource: str, name: str, namespace: str) -> bool:
    try:
        client.get(resource, name, namespace)
        return True
    except Exception:   # not made yet (404), or the API busy: ask again
        return False


def nodes_ready_bar(nodes: int):
    """A tqdm bar of nodes Ready out of N, for a big cluster only (100 nodes or more, as
    `Cluster.settle`'s bar), drawn once the wait has lasted 2 s; None otherwise."""
    if nodes < PROGRESS_NODES:
        return None
    from tqdm.auto import tqdm   # on stderr, beside the supervisor's lines
    return tqdm(desc="nodes Ready", total=nodes, unit=" node", delay=2.0, leave=True)


def _start_store(cluster: Plan, supervisor: Supervisor) -> str:
    """The etcd endpoint the API servers share, or "" when the one API server keeps the store itself."""
    if cluster.store == "etcd":
        # A real etcd, supervised like every other child: restarted if it dies, on the same
        # ports and data dir, and stopped with the rest (no wall-clock limit of its own).
        from ..store.etcd_process import EtcdProcess
        etcd = EtcdProcess(data_dir=str(cluster.data_dir / "etcd" / "member"))
        etcd.client_port, etcd.peer_port = free_ports(2)
        etcd.endpoint = f"http://127.0.0.1:{etcd.client_port}"
        Path(etcd.data_dir).parent.mkdir(parents=True, exist_ok=True)
        supervisor.start("store", etcd.command(), module=None)
        wait_until(etcd._answers, READY_TIMEOUT_SECONDS, "etcd", supervisor)
        return etcd.endpoint
    if len(cluster.apiserver_ports) == 1:
        return ""
    port, = free_ports(1)
    supervisor.start("store", ["--port", str(port), "--store", cluster.store,
                               "--data-dir", str(cluster.data_dir / "store")],
                     module="kubelab.processes.store_server")
    endpoint = f"http://127.0.0.1:{port}"
    wait_until(lambda: _store_answers(endpoint), READY_TIMEOUT_SECONDS, "the store", supervisor)
    return endpoint


def _store_answers(endpoint: str) -> bool:
    import urllib.request
    try:
        with urllib.request.urlopen(urllib.request.Request(endpoint + "/v3/maintenance/status", b"{}"),
                                    timeout=2.0):
            return True
    except OSError:
        return False


def lock_data_dir(data_dir: Path):
    """Hold DIR/kubelab-up.lock for this run (flock): a second `kubelab up` on DIR fails here,
    before it touches the kubeconfig, the tokens or the keys of the one already running."""
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = open(data_dir / "kubelab-up.lock", "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "?"
        handle.close()
        raise RuntimeError(f"{data_dir} is in use by another kubelab up (pid {holder}); stop it, "
                           f"or choose another --data-dir") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle   # the lock lasts as long as this file stays open


def up(nodes: int = 3, port: int = 6443, data_dir: str = ".kubelab", store: str = "memory",
       apiservers: int = 1, timeout: float | None = None, restart_backoff: float = BACKOFF_INITIAL,
       controller_managers: int = 1, schedulers: int = 1, cloud: bool = False, runtime: str = "simulated") -> int:
    """Run the cluster until SIGINT/SIGTERM (or `timeout` seconds); the exit code."""
    if nodes < 1 or apiservers < 1 or controller_managers < 1 or schedulers < 1:
        print("error: --nodes, --apiservers, --controller-managers and --schedulers must be at least 1",
              file=sys.stderr)
        return 2
    try:
        lock = lock_data_dir(Path(data_dir).resolve())
    except (RuntimeError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    cluster = plan(nodes, port, data_dir, store, apiservers)
    cluster.controller_managers, cluster.schedulers, cluster.cloud = controller_managers, schedulers, cloud
    cluster.runtime = runtime
    write_credentials(cluster)
    supervisor = Supervisor(cluster.data_dir, backoff_initial=restart_backoff)
    stopping = []
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda number, frame: stopping.append(number))
    code = 0
    control = None
    try:
        start(cluster, supervisor, say=lambda text: print(text, flush=True))
        store_inside = "apiserver-0" if store != "etcd" and apiservers == 1 else ""
        control = ControlServer(cluster.data_dir, supervisor, store_inside)
        print(f"kubelab is ready: {nodes} node(s), {apiservers} API server(s), store {store}\n"
              f"  export KUBECONFIG={cluster.data_dir / 'kubeconfig'}\n  kubectl get nodes\n"
              f"  kubelab fault --data-dir {cluster.data_dir} crash scheduler   (break it on purpose)", flush=True)
        deadline = time.monotonic() + timeout if timeout else None
        while not stopping and not (deadline and time.monotonic() > deadline):
            # A child that dies is reported and restarted with backoff (supervisor.py); one
            # stopped on purpose (`kubelab fault stop`) stays down.
            supervisor.poll()
            control.serve(0.2)
    except (RuntimeError, OSError) as error:
        if not stopping:
            print(f"error: {error}", file=sys.stderr)
            code = 1
    finally:
        print("stopping kubelab...", flush=True)
        if control is not None:
            control.close()
        supervisor.stop()
        lock.close()
        print("kubelab stopped", flush=True)
    return code
