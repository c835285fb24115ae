"""Shared rule fragments: syncProxyRules without recomputing what another node already computed.

What it models. Nothing in a real cluster: there every kube-proxy is its own process on its own
machine and computes its tables alone. In one Python process, 5,000 kube-proxies that see the
same Services and Endpoints would compute the same chains 5,000 times — the fixed chains and,
for each Service port, its KUBE-SERVICES jump, KUBE-SVC- spread and KUBE-SEP- DNATs. So a
`Cluster` hands all its kube-proxies one `RuleCache`, which keeps each Service port's rules
as a *fragment* (the rules it appends to each chain, in order), keyed by the versions of the
objects it was computed from:

    (service uid, service resourceVersion, port index, endpoints uid, endpoints resourceVersion,
     node name — only for a Service with a Local traffic policy, whose rules hold this node's
     own endpoints)

A sync then lays the fixed chains and every port's fragment into fresh tables, in the order
`rules.build_tables` writes them, and computes only the fragments it has not seen: a sync is
O(Service ports changed) in computation and O(rules) in copying references. When no Service
has a Local policy the assembled tables are the same for every node, and the last few are
kept whole as well (a cluster's 5,000 first syncs then cost one), and the last of them by the
identity of the objects it was built from: in-process informers share one object per version
(never edited), so 5,000 kube-proxies syncing the same objects do not even compute the keys.

Invariant: `RuleCache.build(services, endpoints, node)` equals `rules.build_tables(services,
endpoints, node)` — the readable reference — rule for rule (tests/proxy/test_rule_cache.py
checks both on the same inputs). That holds because a fragment is a pure function of its key:
an object's (uid, resourceVersion) names one content for as long as one store lives, and a
cache belongs to one cluster (one store). Rules are frozen dataclasses and tables are never
edited after a sync (proxier.py's invariant), so sharing them between nodes is safe. Objects
without a resourceVersion (built by hand, not read from an API) are never cached.

Left out: eviction by age. The fragment cache is cleared whenever it holds more than
`MAX_FRAGMENTS`, which a cluster reaches only with thousands of Service ports, or Local-policy
Services on thousands of nodes; it refills on the next syncs.
"""
from __future__ import annotations

from ..objects import meta
from .iptables import Rule, Table, Tables
from .rules import fixed_rules, proxied, ready_endpoints, write_last_rule
from .service_rules import write_service_port

MAX_FRAGMENTS = 50_000   # Service-port fragments kept before the cache starts over
MAX_TABLES = 4           # whole node-independent results kept

# A fragment: per table name, per chain name (in first-touch order), the rules appended to it.
Fragment = dict[str, dict[str, list[Rule]]]

__all__ = ["RuleCache", "node_local"]


def _record(write) -> Fragment:
    """Run `write(nat, filter)` on empty tables and keep what it added beyond the built-in chains."""
    filter_table, nat = Table("filter"), Table("nat")
    write(nat, filter_table)
    return {table.name: {name: chain.rules for name, chain in table.chains.items()
                         if chain.rules or chain.policy is None}
            for table in (filter_table, nat)}


def _lay(fragment: Fragment, tables: Tables) -> None:
    """Append a fragment's rules to the tables, chain by chain (declaring its empty chains too)."""
    for table_name, chains in fragment.items():
        table = tables[table_name]
        for name, rules in chains.items():
            table.declare(name).rules.extend(rules)


def _version(obj: dict | None) -> tuple[str, str] | None:
    """What names this content of the object: its uid and resourceVersion (None: not from an API)."""
    if obj is None:
        return ("", "")
    metadata = obj.get("metadata") or {}
    version = metadata.get("resourceVersion")
    return (metadata.get("uid") or "", version) if version else None


def node_local(service: dict) -> bool:
    """Can this Service's rules differ between nodes? Only through a Local traffic policy."""
    spec = service.get("spec") or {}
    return spec.get("internalTrafficPolicy") == "Local" or spec.get("externalTrafficPolicy") == "Local"


class RuleCache:
    """Service-port fragments and whole tables, shared by the kube-proxies of one cluster."""

    def __init__(self):
        self.fragments: dict[tuple, Fragment] = {}
        self.tables: dict[tuple, Tables] = {}   # node-independent results, by their fragments' keys
        self.fixed = _record(fixed_rules)   # the chains every node has, first
        self.last = _record(lambda nat, filter_table: write_last_rule(nat))   # KUBE-NODEPORTS' jump, last
        self.computed = 0   # fragments computed (a lesson or test can see the sharing)
        self._last = None   # (ids of the objects, the objects, their tables): the last shared build

    def build(self, services: list[dict], endpoints: list[dict], node_name: str = "") -> Tables:
        """The node's tables, as `rules.build_tables` builds them, from shared fragments."""
        # In-process informers share their objects (one per version, never edited): the same
        # objects as the last node-independent build are the same tables, without a key computed.
        identity = (tuple(map(id, services)), tuple(map(id, endpoints)))
        if self._last is not None and self._last[0] == identity:
            return self._last[2]
        tables, shared = self._build(services, endpoints, node_name)
        if shared:
            self._last = (identity, (services, endpoints), tables)   # holding them keeps their ids
        return tables

    def _build(self, services: list[dict], endpoints: list[dict], node_name: str) -> tuple[Tables, bool]:
        """The tables, and whether every node gets the same (no Local policy, every object versioned)."""
        endpoints_by_key = {meta.key(obj): obj for obj in endpoints}
        ports = []
        for service in services:
            if not proxied(service):
                continue
            service_endpoints = endpoints_by_key.get(meta.key(service))
            versions = (_version(service), _version(service_endpoints))
            node = node_name if node_local(service) else None
            for index, port in enumerate(service["spec"].get("ports") or []):
                key = None if None in versions else (*versions, index, node)
                ports.append(((meta.namespace(service), meta.name(service), port.get("name") or ""),
                              key, service, port, service_endpoints))
        ports.sort(key=lambda item: item[0])   # namespace, name, port name: build_tables' order
        keys = tuple(item[1] for item in ports)
        shared = None not in keys and all(key[-1] is None for key in keys)
        if shared and keys in self.tables:
            return self.tables[keys], True
        tables: Tables = {"filter": Table("filter"), "nat": Table("nat")}
        _lay(self.fixed, tables)
        for _, key, service, port, service_endpoints in ports:
            _lay(self._fragment(key, service, port, service_endpoints, node_name), tables)
        _lay(self.last, tables)
        if shared:
            if len(self.tables) >= MAX_TABLES:
                self.tables.pop(next(iter(self.tables)))
            self.tables[keys] = tables
        return tables, shared

    def _fragment(self, key, service: dict, port: dict, endpoints: dict | None, node_name: str) -> Fragment:
        fragment = self.fragments.get(key) if key is not None else None
        if fragment is None:
            ready = ready_endpoints(endpoints, port)
            fragment = _record(lambda nat, filter_table: write_service_port(nat, filter_table, service, port,
                                                                            ready, node_name))
            self.computed += 1
            if key is not None:
                if len(self.fragments) >= MAX_FRAGMENTS:
                    self.fragments.clear()
                self.fragments[key] = fragment
        return fragment
