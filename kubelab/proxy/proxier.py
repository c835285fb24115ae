"""kube-proxy in iptables mode: watch Services and Endpoints, keep the node's rules in step.

    informer events ──▶ sync() ──(at most once per min_sync_period)──▶ sync_proxy_rules()
                                                                         build_tables(...)
                                                     (through a RuleCache: rule_cache.py)

What it models: one kube-proxy per node. It never talks to other components and never writes to
the API; it lists and watches Services and Endpoints into its own informer caches, and whenever
something that matters changes it recomputes the whole nat and filter tables from the caches
(upstream's syncProxyRules) and loads them into "the kernel" (`self.tables`). `route` then
sends a connection through those tables, so what a pod on this node reaches is exactly what the
rules say, stale or not.

Invariant: `self.tables` is always a complete result of `build_tables` over one moment of the
caches; it is replaced whole, never edited. No sync happens before both informers have listed
(upstream waits for servicesSynced and endpointSlicesSynced, so a restarting kube-proxy never
writes half a picture).

Rate limit: upstream runs syncProxyRules through a BoundedFrequencyRunner: changes ask for a
sync, and syncs run at most once per --iptables-min-sync-period (1 s by default), with a burst
of 2. kubelab keeps the period and skips the burst: the first change after a quiet second syncs
at once, later ones are folded into one sync a second after the last. So a lesson can watch
the rules lag the API by up to a second.

Real Kubernetes also resyncs every --iptables-sync-period (30 s) and watches a canary chain in
case someone flushed iptables; kubelab skips both because nothing else touches kubelab's tables.
It also skips the Node informer (topology hints) and healthz/metrics; for Local traffic
policies it needs only its own node's name and addresses (read once from its Node, as upstream
detects the node IP at start). The kernel's state beside the rules — the `-m recent` lists
behind ClientIP affinity — lives in `self.recent` and survives syncs, as it does in the kernel.
"""
from __future__ import annotations

import random
import re

from ..client import Client, SharedInformerFactory
from .iptables import Tables, iptables_save
from .rule_cache import RuleCache
from .traffic import Route, route

MIN_SYNC_PERIOD = 1.0  # seconds: --iptables-min-sync-period's default


class KubeProxy:
    name = "kube-proxy"

    def __init__(self, client: Client, clock, node_name: str, rng: random.Random,
                 min_sync_period: float = MIN_SYNC_PERIOD, rule_cache: RuleCache | None = None):
        """`rule_cache`: the fragments of rules this kube-proxy shares with the others of an
        in-process cluster (rule_cache.py); its own when alone, as a process is."""
        self.client, self.clock, self.node_name, self.rng = client, clock, node_name, rng
        self.rule_cache = rule_cache if rule_cache is not None else RuleCache()
        self.min_sync_period = min_sync_period
        self.factory = SharedInformerFactory(client, clock)  # its own: each kube-proxy is its own process
        self.services = self.factory.informer("services")
        self.endpoints = self.factory.informer("endpoints")
        self.services.add_handlers(on_add=self.on_add, on_update=self.on_service_update,
                                   on_delete=self.on_delete)
        self.endpoints.add_handlers(on_add=self.on_add, on_update=self.on_endpoints_update,
                                    on_delete=self.on_delete)
        self.tables: Tables = {}        # what "the kernel" holds; replaced whole by each sync
        self.recent: dict[str, dict[str, float]] = {}   # xt_recent lists: name -> {client IP: last seen}
        self.node_addresses: set[str] = set()           # the node's own IPs (addrtype LOCAL)
        self.save_to = None   # a pathlib.Path: as a process, each sync's tables go there (`kubelab iptables-save`)
        self.sync_count = 0             # how many times syncProxyRules has run
        self.last_sync: float | None = None
        self.initialized = False        # both informers have listed: syncing is allowed
        self._pending = None            # the Timer of the sync already asked for, if any

    def start(self) -> None:
        """List and watch Services and Endpoints, then write the first rules."""
        self.factory.start()
        self.initialized = True
        self.sync_proxy_rules()  # upstream: OnServiceSynced/OnEndpointSlicesSynced sync unconditionally

    def stop(self) -> None:
        for informer in (self.services, self.endpoints):
            informer.stop()
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    # -- event handlers: they only ask for a sync --------------------------------------------
    def on_add(self, obj: dict) -> None:
        self.sync()

    def on_delete(self, obj: dict) -> None:
        self.sync()

    def on_service_update(self, old: dict, new: dict) -> None:
        # A label change moves no traffic; the cloud's load-balancer IP (status) does.
        if old.get("spec") != new.get("spec") or \
                (old.get("status") or {}).get("loadBalancer") != (new.get("status") or {}).get("loadBalancer"):
            self.sync()

    def on_endpoints_update(self, old: dict, new: dict) -> None:
        if old.get("subsets") != new.get("subsets"):
            self.sync()

    def sync(self) -> None:
        """Ask for syncProxyRules: now if the last one was at least min_sync_period ago, else then."""
        if not self.initialized or self._pending is not None:
            return  # not listed yet, or a sync is already coming that will see this change too
        now = self.clock.now()
        ready_at = now if self.last_sync is None else self.last_sync + self.min_sync_period
        self._pending = self.clock.call_later(max(0.0, ready_at - now), self._run_pending_sync)

    def _run_pending_sync(self) -> None:
        self._pending = None
        self.sync_proxy_rules()

    def sync_proxy_rules(self) -> None:
        """Recompute the whole nat and filter tables from the informer caches and load them."""
        if not self.node_addresses:
            self.node_addresses = self._read_node_addresses()
        self.tables = self.rule_cache.build(self.services.list(), self.endpoints.list(), self.node_name)
        self.sync_count += 1
        self.last_sync = self.clock.now()
        if self.save_to is not None:   # written whole, then renamed: a reader never sees half a table
            partial = self.save_to.with_suffix(".partial")
            partial.write_text(iptables_save(self.tables))
            partial.replace(self.save_to)

    def _read_node_addresses(self) -> set[str]:
        try:
            node = self.client.get("nodes", self.node_name)
        except Exception:   # not registered yet (or the API is away): try again next sync
            return set()
        return {address["address"] for address in (node.get("status") or {}).get("addresses") or []
                if address.get("type") in ("InternalIP", "ExternalIP")}

    # -- what a lesson (and the Cluster) asks ------------------------------------------------
    def iptables_save(self) -> str:
        """This node's nat and filter tables, as `iptables-save` prints them on the node."""
        return iptables_save(self.tables)

    def rules_text(self, service: str | None = None) -> str:
        """This node's rules as `iptables-save` prints them; with service="ns/name", only that
        Service's rules (what `iptables-save | grep ns/name` shows on a real node)."""
        text = iptables_save(self.tables)
        if service is None:
            return text
        named = re.compile(r'(^|[" ])' + re.escape(service) + r'([:" ]|$)')
        return "\n".join(line for line in text.splitlines() if named.search(line))

    def route(self, ip: str, port: int, protocol: str = "TCP", source_ip: str = "") -> Route:
        """Where a new connection from `source_ip` (a pod here, or a client outside reaching this
        node) to ip:port goes; `.destination` is (ip, port)."""
        return route(self.tables, ip, port, self.rng, protocol, source_ip, self.node_addresses, self.recent,
                     self.clock.now())

