"""The `kubelab` command: one subcommand per thing a user runs from a terminal.

    kubelab demo [--seed N] [--nodes N] [--pause SECONDS]   the walking skeleton's story
    kubelab kubectl [--kubeconfig F] ...                     kubelab's kubectl, against `kubelab up`
    kubelab store --data-dir DIR | --endpoints URL ...      kubelab's etcdctl (kubelab/store/cli.py)
    kubelab up [--nodes N] [--port P] [--data-dir DIR] [--store S] [--apiservers K]
                                                             the whole cluster, one process each
    kubelab fault [--data-dir DIR] VERB COMPONENT            break a running `kubelab up` on purpose
    kubelab iptables-save [--data-dir DIR] NODE              a node's kube-proxy rules under `kubelab up`
    kubelab apiserver [--port P] [--data-dir DIR] [--store S] the API server over HTTP, on 127.0.0.1
    kubelab controller-manager | scheduler --kubeconfig F    one control-plane component
    kubelab scheduler --kubeconfig F --config C.yaml         ... with a KubeSchedulerConfiguration
    kubelab kubelet | proxy --kubeconfig F --node-name N     one node's agent

Bad input gets one line on stderr and exit code 2 (argparse's usage errors) or 1, never a
traceback.
"""
from __future__ import annotations

import argparse
import sys


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kubelab", description="A small but faithful Kubernetes to learn from.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser("demo", help="tell the story of a Deployment, from kubectl apply to traffic")
    demo.add_argument("--seed", type=int, default=0, help="seed for names, IPs and choices (default 0)")
    demo.add_argument("--nodes", type=int, default=3, help="number of worker nodes (default 3)")
    demo.add_argument("--pause", type=float, default=0.0, help="real seconds to pause between acts")
    commands.add_parser("kubectl", help="kubelab's own kubectl, against a running `kubelab up` cluster",
                        add_help=False)
    commands.add_parser("store", help="kubelab's etcdctl: get, put, del, watch, compact, snapshot",
                        add_help=False)
    commands.add_parser("fault", help="break a running `kubelab up` on purpose: stop, crash, partition, ...",
                        add_help=False)
    saved = commands.add_parser("iptables-save", help="print a node's nat and filter tables, as its kube-proxy "
                                "wrote them, under a running `kubelab up`")
    saved.add_argument("node", help="the node's name, e.g. node-1")
    saved.add_argument("--data-dir", default=".kubelab", help="the `kubelab up` data directory")
    _add_process_commands(commands)
    return parser


def _add_process_commands(commands) -> None:
    """`kubelab up` and one command per component, each a process talking HTTP (processes/daemon.py)."""
    up = commands.add_parser("up", help="run the whole cluster, each component its own process")
    up.add_argument("--nodes", type=int, default=3, help="number of worker nodes (default 3)")
    up.add_argument("--port", type=int, default=6443, help="the API's port on 127.0.0.1 (default 6443)")
    up.add_argument("--data-dir", default=".kubelab", help="where the kubeconfig, logs and data go")
    up.add_argument("--store", choices=("memory", "file", "etcd"), default="memory")
    up.add_argument("--apiservers", type=int, default=1, help="API server instances behind the front")
    up.add_argument("--controller-managers", type=int, default=1,
                    help="controller managers; more than one elect a leader over a Lease (default 1)")
    up.add_argument("--schedulers", type=int, default=1,
                    help="schedulers; more than one elect a leader over a Lease (default 1)")
    up.add_argument("--cloud", action="store_true",
                    help="run a cloud controller manager over kubelab's fake cloud (LoadBalancer IPs, zones)")
    up.add_argument("--runtime", choices=("simulated", "process"), default="simulated",
                    help="process: every container a real local process on a loopback pod IP (127.244.x.y)")
    up.add_argument("--timeout", type=float, default=None, help="stop by itself after this many seconds")
    up.add_argument("--restart-backoff", type=_duration, default=10.0,
                    help="a crashed component's second restart waits this long, doubling to 5m (default 10s)")
    apiserver = commands.add_parser("apiserver", help="serve the Kubernetes API over HTTP on 127.0.0.1")
    apiserver.add_argument("--port", type=int, default=6443, help="port on 127.0.0.1 (default 6443; 0 picks one)")
    apiserver.add_argument("--data-dir", default=None, help="where the file store keeps its data")
    apiserver.add_argument("--store", choices=("memory", "file", "etcd"), default="memory")
    apiserver.add_argument("--etcd-endpoint", default="http://127.0.0.1:2379", help="etcd's client URL")
    apiserver.add_argument("--seed", type=int, default=0, help="seed for names, uids and cluster IPs")
    apiserver.add_argument("--token-auth-file", default=None,
                           help="CSV token,user,uid,\"group1,group2\": turns on authentication and RBAC")
    apiserver.add_argument("--service-account-key-file", default=None,
                           help="PEM RSA key signing and verifying service-account tokens "
                                "(default: a random key, kept in DATA_DIR/sa.key)")
    apiserver.add_argument("--service-cluster-ip-range", default="10.96.0.0/12",
                           help="the ClusterIPs' range (kubelab up --runtime process: 127.96.0.0/16, loopback)")
    apiserver.add_argument("--advertise-address", default="10.0.0.10",
                           help="the address the kubernetes Service's Endpoints give (kubelab up: its HTTPS front)")
    apiserver.add_argument("--advertise-port", type=int, default=6443,
                           help="the port with it (kube-apiserver's --secure-port; kubelab up: the front's port)")
    apiserver.add_argument("--etcd-compaction-interval", type=_duration, default=300.0,
                           help="how often the store is compacted, e.g. 5m, 90s (0 = never; default 5m)")
    apiserver.add_argument("--watch-cache", type=_go_bool, nargs="?", const=True, default=True,
                           help="serve lists and watches from memory (default true; --watch-cache=false: the store)")
    for component, what in (("controller-manager", "the controllers"), ("scheduler", "the scheduler")):
        command = commands.add_parser(component, help=f"run {what} against an API server")
        command.add_argument("--kubeconfig", default=None)
        if component == "scheduler":
            command.add_argument("--config", default=None, help="a KubeSchedulerConfiguration file (profiles)")
        else:
            command.add_argument("--controllers", default="*",
                                 help="upstream's syntax: '*' every default controller, '-name' off, 'name' on")
            command.add_argument("--allocate-node-cidrs", action="store_true",
                                 help="run node IPAM: give each Node a podCIDR from --cluster-cidr")
            command.add_argument("--cluster-cidr", default="10.244.0.0/16")
            command.add_argument("--root-ca-file", default="",
                                 help="the CA bundle root-ca-cert-publisher puts in every namespace's kube-root-ca.crt")
            command.add_argument("--controller", action="append", default=[], metavar="DOTTED.PATH",
                                 help="also run your own controller class, e.g. mypackage.module.MyController")
    dns = commands.add_parser("dns", help="serve cluster DNS (kube-dns's answers) on 127.0.0.1, for simulated pods")
    dns.add_argument("--kubeconfig", default=None)
    dns.add_argument("--port", type=int, default=10053)
    ccm = commands.add_parser("cloud-controller-manager", help="run the cloud controllers over kubelab's fake cloud")
    ccm.add_argument("--kubeconfig", default=None)
    ccm.add_argument("--cloud-provider", choices=("kubelab",), default="kubelab", help="the fake cloud")
    ccm.add_argument("--nodes", type=int, default=3, help="the fake cloud's machines: node-1 .. node-N")
    ccm.add_argument("--load-balancer-provisioning-seconds", type=float, default=20.0)
    for component, what in (("kubelet", "a node's kubelet"), ("proxy", "a node's kube-proxy")):
        command = commands.add_parser(component, help=f"run {what} against an API server")
        command.add_argument("--kubeconfig", default=None)
        command.add_argument("--node-name", required=True)
        if component == "kubelet":
            command.add_argument("--pod-cidr", default="",
                                 help="this node's pod range (default: the Node's spec.podCIDR, from node IPAM)")
            command.add_argument("--node-ip", default="10.0.0.11")
            command.add_argument("--cloud-provider", choices=("", "external"), default="",
                                 help="external: wait for the cloud controller manager to initialize the Node")
            command.add_argument("--runtime", choices=("simulated", "process"), default="simulated",
                                 help="process: each container a real local process on a loopback pod IP")
            command.add_argument("--root-dir", default="", help="the process runtime's pods, volumes and logs")
            command.add_argument("--cluster-dns", default="",
                                 help="the DNS server ClusterFirst pods ask (default: 10.96.0.10, kube-dns's ClusterIP)")
            command.add_argument("--dns-server", default="", metavar="HOST:PORT",
                                 help="simulated runtime: where questions to the cluster DNS go (`kubelab dns`)")
        else:
            command.add_argument("--proxy-mode", choices=("iptables", "userspace"), default="iptables",
                                 help="userspace: also listen on each loopback ClusterIP:port and carry its TCP")


def _go_bool(text: str) -> bool:
    """A boolean flag's value as Go's strconv.ParseBool reads it ("true", "false", "1", "0", ...)."""
    if text in ("1", "t", "T", "true", "TRUE", "True"):
        return True
    if text in ("0", "f", "F", "false", "FALSE", "False"):
        return False
    raise argparse.ArgumentTypeError(f'invalid boolean value "{text}"')


def _duration(text: str) -> float:
    """A Go-style duration as kube-apiserver's flags take it: "5m", "90s", "1h30m", "0"."""
    import re
    parts = re.fullmatch(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?", text.strip())
    if text.strip() == "0":
        return 0.0
    if not parts or not any(parts.groups()):
        raise argparse.ArgumentTypeError(f'invalid duration "{text}": use e.g. 5m, 90s, 1h30m or 0')
    hours, minutes, seconds = (float(group or 0) for group in parts.groups())
    return hours * 3600 + minutes * 60 + seconds


def _kubectl(argv: list[str]) -> int:
    """`kubelab kubectl [--kubeconfig F] ARGS`: kubelab's kubectl over HTTP, exit 1 on failure."""
    import time

    from .client import Client
    from .client import kubeconfig as kubeconfigs
    from .client.http import HTTPTransport
    from .kubectl import KubectlError, run
    path, rest = None, []
    words = iter(argv)
    for word in words:
        if word == "--kubeconfig":
            path = next(words, None)
        elif word.startswith("--kubeconfig="):
            path = word.split("=", 1)[1]
        else:
            rest.append(word)
    try:
        config = kubeconfigs.load(path)
    except FileNotFoundError as error:
        if path:  # a file named on the command line: worded as kubectl words it
            print(f"error: stat {error.filename}: no such file or directory", file=sys.stderr)
        else:  # no cluster yet: say how to get one, in one line
            print(f"error: no cluster to talk to: there is no kubeconfig at {error.filename}; "
                  "start one with `kubelab up` (./run up), then export KUBECONFIG=$PWD/.kubelab/kubeconfig",
                  file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    stdin = sys.stdin.read() if any(word in ("-", "--filename=-", "-f-") for word in rest) else None
    client = Client(HTTPTransport(config.server, config.token, certificate_authority=config.certificate_authority,
                                  insecure=config.insecure_skip_tls_verify), "kubectl")
    try:
        from .clock import RealClock   # `rollout status` waits on the wall clock here
        print(run(client, rest, time.time(), stdin=stdin, namespace=config.namespace, check=True,
                  clock=RealClock()), end="")
    except KubectlError as error:
        print(error.printed, end="")
        print(error.stderr, end="", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["kubectl"]:
        return _kubectl(argv[1:])
    if argv[:1] == ["store"]:
        from .store.cli import main as store_main
        return store_main(argv[1:])
    if argv[:1] == ["fault"]:
        from .processes.control import main as fault_main
        return fault_main(argv[1:])
    args = _parser().parse_args(argv)
    if args.command == "iptables-save":
        from pathlib import Path
        saved = Path(args.data_dir) / "iptables" / args.node
        if not saved.exists():
            print(f"kubelab iptables-save: no rules from a kube-proxy on {args.node!r} under {args.data_dir} "
                  "(is `kubelab up` running there, and is the node's name right?)", file=sys.stderr)
            return 1
        sys.stdout.write(saved.read_text())
        return 0
    if args.command == "up":
        from .processes.up import up
        return up(nodes=args.nodes, port=args.port, data_dir=args.data_dir, store=args.store,
                  apiservers=args.apiservers, timeout=args.timeout, restart_backoff=args.restart_backoff,
                  controller_managers=args.controller_managers, schedulers=args.schedulers, cloud=args.cloud,
                  runtime=args.runtime)
    if args.command == "apiserver":
        from .apiserver.http.process import run
        return run(args.port, args.store, args.data_dir, args.etcd_endpoint, args.seed,
                   args.token_auth_file, args.service_account_key_file, args.etcd_compaction_interval,
                   args.service_cluster_ip_range, args.watch_cache,
                   advertise=(args.advertise_address, args.advertise_port))
    if args.command == "dns":
        from .processes.dns_component import run
        return run(args.kubeconfig, args.port)
    if args.command == "cloud-controller-manager":
        from .processes import daemon
        return daemon.run(args.command, args.kubeconfig, nodes=args.nodes,
                          lb_provisioning_seconds=args.load_balancer_provisioning_seconds)
    if args.command in ("controller-manager", "scheduler", "kubelet", "proxy"):
        from .processes import daemon
        node = {"node_name": args.node_name} if args.command in ("kubelet", "proxy") else {}
        if args.command == "kubelet":
            node.update(pod_cidr=args.pod_cidr or None, node_ip=args.node_ip, cloud_provider=args.cloud_provider,
                        runtime=args.runtime, root_dir=args.root_dir, cluster_dns=args.cluster_dns,
                        dns_server=args.dns_server)
        if args.command == "proxy":
            node["proxy_mode"] = args.proxy_mode
        if args.command == "scheduler" and args.config:
            node["config"] = args.config
        if args.command == "controller-manager":
            node.update(controllers=args.controllers.split(","), extra_controllers=args.controller,
                        allocate_node_cidrs=args.allocate_node_cidrs, cluster_cidr=args.cluster_cidr,
                        root_ca_file=args.root_ca_file)
        return daemon.run(args.command, args.kubeconfig, **node)
    if args.command == "demo":
        if args.nodes < 1:
            print("error: --nodes must be at least 1", file=sys.stderr)
            return 2
        from .demo import run_demo
        try:
            run_demo(seed=args.seed, nodes=args.nodes, pause=args.pause)
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:
            return 0
        return 0
    _parser().print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
