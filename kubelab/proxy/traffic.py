"""Traffic: send one new connection to CLUSTER_IP:PORT through the tables, as the kernel would.

What it models: the first packet of a connection from a pod, through netfilter's hooks in the
order the kernel runs them:

    nat PREROUTING      → KUBE-SERVICES → KUBE-SVC-… → KUBE-SEP-…   (DNAT picks the endpoint)
                                      → KUBE-NODEPORTS → KUBE-EXT-… (to the node's own address)
    filter FORWARD      → KUBE-SERVICES                              (REJECT when no endpoints)
      (or INPUT, when the packet is still addressed to the node: KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS)
    nat POSTROUTING     → KUBE-POSTROUTING                           (MASQUERADE if marked)

In each chain the rules are tried top to bottom; the first that matches acts. A jump enters
another chain and comes back when it ends or RETURNs; DNAT, MASQUERADE, ACCEPT, DROP and REJECT
end the table; MARK changes the packet's mark and goes on. A `-m statistic --mode random` rule
draws 31 random bits from the seeded `rng` and matches when they fall below the rule's
threshold, as xt_statistic does, so the same seed picks the same endpoints. `-m addrtype
--dst-type LOCAL` asks whether an address is the node's own (`local_addresses`, and loopback).
`-m recent` reads and writes the kernel's recent lists (`recent`: list name → {client IP: when
last seen}, kept by the caller across connections as the kernel keeps them): `--rcheck
--seconds T` matches a client seen within T seconds, `--set` records this one now. That is
how ClientIP session affinity sends a client back to the pod it reached before.

Invariant: the tables are only read; every random draw comes from `rng`, one per statistic rule
the packet actually reaches; only `--set` writes to `recent`.

Left out: conntrack. In the kernel only a connection's first packet walks the nat table and the
answer is remembered for the rest; here every `route` is a new connection (ctstate NEW). Traffic
a node sends itself goes through nat OUTPUT and filter OUTPUT instead; kubelab routes only pod
traffic, which is what the lessons send.
"""
from __future__ import annotations

import functools
import ipaddress
import random
from dataclasses import dataclass

from .iptables import Match, Rule, Table, Tables, format_rule, statistic_threshold

ROUTED = "routed"        # DNAT to an endpoint: someone will answer
REJECTED = "rejected"    # REJECT: the client sees "connection refused" at once
DROPPED = "dropped"      # DROP: the client waits and times out
NO_ROUTE = "no route"    # no rule knew the address: not a Service here, the packet leaves unchanged

VERDICTS = ("ACCEPT", "DROP", "REJECT")


@dataclass
class Packet:
    source: str
    destination: str
    protocol: str
    destination_port: int
    mark: int = 0
    dnat: bool = False
    masqueraded: bool = False


@dataclass(frozen=True)
class Step:
    """One rule that matched on the way: where it was and what it said."""
    table: str
    chain: str
    rule: Rule

    def __str__(self) -> str:
        return f"{self.table:<6} {format_rule(self.chain, self.rule)}"


@dataclass(frozen=True)
class Route:
    """Where a connection ended up, and the walk that took it there."""
    outcome: str                               # ROUTED, REJECTED, DROPPED or NO_ROUTE
    destination: tuple[str, int] | None        # (ip, port) after DNAT, when ROUTED
    path: tuple[tuple[str, str], ...]          # (table, chain) in the order the packet entered them
    steps: tuple[Step, ...]                    # the rules that matched, in order
    masquerade: bool = False                   # source rewritten to the node's address (hairpin)

    def chains(self, table: str = "nat") -> list[str]:
        """The chains of one table the packet passed through, in order."""
        return [chain for table_name, chain in self.path if table_name == table]

    @property
    def message(self) -> str:
        if self.outcome == ROUTED:
            return "DNAT to {}:{}".format(*self.destination)
        if self.outcome == REJECTED:
            return "connection refused (REJECT --reject-with icmp-port-unreachable)"
        if self.outcome == DROPPED:
            return "connection timed out (DROP)"
        return "no route: no Service rule matched; the packet leaves the node unchanged"

    def __str__(self) -> str:
        return "\n".join([*(str(step) for step in self.steps), f"=> {self.message}"])


class Walk:
    """One packet's trip through the tables; records the chains and matched rules as it goes."""

    def __init__(self, tables: Tables, rng: random.Random, local_addresses=(), recent=None, now: float = 0.0):
        self.tables, self.rng = tables, rng
        self.local_addresses = set(local_addresses)
        self.recent = recent if recent is not None else {}
        self.now = now
        self.path: list[tuple[str, str]] = []
        self.steps: list[Step] = []

    def hook(self, table_name: str, builtin_chain: str, packet: Packet) -> str:
        """Run a built-in chain; returns the verdict, or the chain's policy if none was reached."""
        table = self.tables.get(table_name)
        if table is None or builtin_chain not in table.chains:
            return "ACCEPT"
        return self.chain(table, builtin_chain, packet) or table.chains[builtin_chain].policy or "ACCEPT"

    def chain(self, table: Table, chain_name: str, packet: Packet) -> str | None:
        """Try each rule in order; a verdict ends the table, None means 'back to the caller'."""
        self.path.append((table.name, chain_name))
        for rule in table.chains[chain_name].rules:
            if not self.matches(rule, packet):
                continue
            self.steps.append(Step(table.name, chain_name, rule))
            if rule.target in table.chains:             # a jump: come back here unless it decided
                verdict = self.chain(table, rule.target, packet)
                if verdict:
                    return verdict
            elif rule.target == "RETURN":
                return None
            elif rule.target == "MARK":
                packet.mark = _set_xmark(packet.mark, rule.target_options)
            elif rule.target == "DNAT":
                ip, port = _option(rule.target_options, "--to-destination").rsplit(":", 1)
                packet.destination, packet.destination_port, packet.dnat = ip, int(port), True
                return "ACCEPT"
            elif rule.target == "MASQUERADE":
                packet.masqueraded = True
                return "ACCEPT"
            elif rule.target in VERDICTS:
                return rule.target
            else:
                raise ValueError(f"rule in {chain_name} jumps to unknown target {rule.target!r}")
        return None

    def matches(self, rule: Rule, packet: Packet) -> bool:
        """Does the packet match? Addresses and protocol first, then each -m module in order."""
        if rule.source and not _in(packet.source, rule.source):
            return False
        if rule.destination and not _in(packet.destination, rule.destination):
            return False
        if rule.protocol and rule.protocol != packet.protocol:
            return False
        return all(self.module_matches(match, packet) for match in rule.matches)

    def module_matches(self, match: Match, packet: Packet) -> bool:
        options = _parse(match.options)
        if match.module == "comment":
            return True
        if match.module in ("tcp", "udp", "sctp"):
            negated, port = options.get("--dport", (False, None))
            if match.module != packet.protocol:
                return False
            return port is None or (int(port) == packet.destination_port) != negated
        if match.module == "conntrack":
            negated, states = options["--ctstate"]
            return ("NEW" in states.split(",")) != negated  # every routed packet opens a new connection
        if match.module == "mark":
            negated, value_mask = options["--mark"]
            value, mask = (int(part, 16) for part in value_mask.split("/"))
            return ((packet.mark & mask) == value) != negated
        if match.module == "addrtype":
            negated, kind = options.get("--dst-type") or options["--src-type"]
            address = packet.destination if "--dst-type" in options else packet.source
            return self.is_local(address) != negated
        if match.module == "recent":
            return self.recent_matches(options, packet)
        if match.module == "statistic":
            negated, printed = options["--probability"]
            return (self.rng.getrandbits(31) < statistic_threshold(printed)) != negated
        raise ValueError(f"the walker does not know the {match.module!r} match")


    def is_local(self, address: str) -> bool:
        return address in self.local_addresses or address.startswith("127.")

    def recent_matches(self, options: dict, packet: Packet) -> bool:
        """xt_recent: --set remembers the client now; --rcheck --seconds T asks if it was seen within T."""
        _, list_name = options["--name"]
        seen = self.recent.setdefault(list_name, {})
        if "--set" in options:
            seen[packet.source] = self.now
            return True
        _, seconds = options.get("--seconds", (False, None))
        if "--reap" in options and seconds is not None:   # forget clients older than the window
            for client in [client for client, when in seen.items() if self.now - when > float(seconds)]:
                del seen[client]
        when = seen.get(packet.source)
        return when is not None and (seconds is None or self.now - when <= float(seconds))


def route(tables: Tables, ip: str, port: int, rng: random.Random, protocol: str = "tcp",
          source_ip: str = "", local_addresses=(), recent: dict | None = None, now: float = 0.0) -> Route:
    """Send a new connection from `source_ip` (a pod, or a client outside) to ip:port and report
    where it ends up. `local_addresses` are the node's own; `recent` the kernel's recent lists."""
    packet = Packet(source_ip, ip, protocol.lower(), int(port))
    walk = Walk(tables, rng, local_addresses, recent, now)
    outcome = None
    for table_name, builtin_chain in (("nat", "PREROUTING"), ("filter", "FORWARD"), ("nat", "POSTROUTING")):
        if builtin_chain == "FORWARD" and walk.is_local(packet.destination):
            builtin_chain = "INPUT"   # still addressed to this node: delivered locally, not forwarded
        verdict = walk.hook(table_name, builtin_chain, packet)
        if verdict in ("DROP", "REJECT"):
            outcome = DROPPED if verdict == "DROP" else REJECTED
            break
    if outcome is None:
        outcome = ROUTED if packet.dnat else NO_ROUTE
    destination = (packet.destination, packet.destination_port) if outcome == ROUTED else None
    return Route(outcome, destination, tuple(walk.path), tuple(walk.steps), packet.masqueraded)


# -- small helpers ---------------------------------------------------------------------------
def _in(address: str, network: str) -> bool:
    return bool(address) and ipaddress.ip_address(address) in _network(network)


@functools.lru_cache(maxsize=4096)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=False)  # parsed once: the same rules are walked again and again


def _parse(words: tuple[str, ...]) -> dict[str, tuple[bool, str | None]]:
    """A match's words by option: ("!", "--mark", "0x4000/0x4000") -> {"--mark": (True, "0x4000/0x4000")}."""
    options: dict[str, tuple[bool, str | None]] = {}
    negate, option = False, None
    for word in words:
        if word == "!":
            negate = True
        elif word.startswith("--"):
            option = word
            options[option] = (negate, None)
            negate = False
        elif option is not None:
            options[option] = (options[option][0], word)
            option = None
    return options


def _option(words: tuple[str, ...], name: str) -> str:
    return words[words.index(name) + 1]


def _set_xmark(mark: int, target_options: tuple[str, ...]) -> int:
    """MARK --set-xmark value/mask: clear the bits in mask, then XOR in value."""
    value, mask = (int(part, 16) for part in _option(target_options, "--set-xmark").split("/"))
    return (mark & ~mask) ^ value
