"""The Corefile: CoreDNS's configuration, read as CoreDNS reads it (the part kubelab's server runs).

kubeadm puts this Corefile in the kube-system/coredns ConfigMap, and the CoreDNS pods mount it
at /etc/coredns/Corefile:

    .:53 {                                   a server block: every zone, port 53
        errors
        health { lameduck 5s }               GET :8080/health → OK (the liveness probe)
        ready                                GET :8181/ready  → OK once the informers synced
        kubernetes cluster.local in-addr.arpa ip6.arpa {
           pods insecure                     a-b-c-d.<ns>.pod.cluster.local answers a.b.c.d
           fallthrough in-addr.arpa ip6.arpa
           ttl 30
        }
        prometheus :9153
        forward . /etc/resolv.conf { max_concurrent 1000 }
        cache 30
        loop
        reload
        loadbalance
    }

What it models: one server block, its port, and the plugins that change answers here —
kubernetes (zone, ttl, pods, `endpoint` and `kubeconfig`), forward, health, ready. The other
plugins are named in `ignored`, and the server says so when it starts, rather than pretending.

Invariant: a Corefile this module cannot read raises CorefileError with the line, as CoreDNS
refuses to start ("plugin/kubernetes: …" / "Corefile:3 - Error during parsing: …").

Left out: several server blocks, imports, snippets, environment substitution.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

MODELLED = {"kubernetes", "forward", "health", "ready", "errors"}


class CorefileError(ValueError):
    pass


@dataclass
class Corefile:
    port: int = 53
    zone: str = "cluster.local"
    ttl: int = 30
    pods: str = "disabled"                 # disabled | insecure | verified (verified: as insecure here)
    endpoint: str = ""                     # the API server; "" = in-cluster
    kubeconfig: str = ""
    forward: bool = False
    health_port: int | None = None
    lameduck: float = 0.0                  # health { lameduck 5s }: keep serving this long after SIGTERM
    ready_port: int | None = None
    ignored: list[str] = field(default_factory=list)


Entry = tuple[int, list[str], "list | None"]   # (line, words, the entries of its { block } or None)


def _tokens(text: str) -> list[tuple[int, str]]:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0]
        out += [(number, word) for word in re.findall(r"\{|\}|[^\s{}]+", line)]
        out.append((number, "\n"))
    return out


def _block(tokens: list[tuple[int, str]], index: int, depth: int) -> tuple[list[Entry], int]:
    """The entries up to the matching "}" (or the end, at depth 0); the index after it."""
    entries: list[Entry] = []
    words, first = [], 0
    while index < len(tokens):
        line, word = tokens[index]
        index += 1
        if word == "{":
            children, index = _block(tokens, index, depth + 1)
            entries.append((line, words, children))
            words = []
        elif word == "}":
            if depth == 0:
                raise CorefileError(f"Corefile:{line} - Error during parsing: unexpected '}}'")
            if words:
                entries.append((first, words, None))
            return entries, index
        elif word == "\n":
            if words:
                entries.append((first, words, None))
            words = []
        else:
            first = line if not words else first
            words.append(word)
    if depth:
        raise CorefileError("Corefile: unexpected end of file: missing '}'")
    return entries, index


def _port(word: str, line: int, what: str) -> int:
    match = re.fullmatch(r"[^:]*:(\d+)", word)
    if not match or not 0 < int(match.group(1)) < 65536:
        raise CorefileError(f"Corefile:{line} - Error during parsing: {what}: invalid address {word!r}")
    return int(match.group(1))


def parse(text: str) -> Corefile:
    """The first server block of a Corefile."""
    entries, _ = _block(_tokens(text), 0, 0)
    if not entries:
        raise CorefileError("Corefile: no server block")
    line, keys, plugins = entries[0]
    key = keys[0]
    if not key.startswith(".") or plugins is None:
        raise CorefileError(f"Corefile:{line} - Error during parsing: server block {key!r}: kubelab serves "
                            f"the root zone only, as '.:53 {{ … }}'")
    config = Corefile(port=_port(key, line, "server block") if ":" in key else 53)
    for plugin_line, directive, block in plugins:
        _apply(config, plugin_line, directive, [(line, words) for line, words, _ in block or []])
    return config


def _apply(config: Corefile, line: int, directive: list[str], block: list[tuple[int, list[str]]]) -> None:
    name, args = directive[0], directive[1:]
    if name == "kubernetes":
        config.zone = (args[0] if args else "cluster.local").rstrip(".")
        for option_line, option in block:
            key, values = option[0], option[1:]
            if key == "ttl" and values and values[0].isdigit() and 0 <= int(values[0]) <= 3600:
                config.ttl = int(values[0])
            elif key == "pods" and values and values[0] in ("disabled", "insecure", "verified"):
                config.pods = values[0]
            elif key == "endpoint" and values:
                config.endpoint = values[0]
            elif key == "kubeconfig" and values:
                config.kubeconfig = values[0]
            elif key in ("fallthrough", "namespaces", "labels", "noendpoints"):
                config.ignored.append(f"kubernetes {key}")
            else:
                raise CorefileError(f"Corefile:{option_line} - Error during parsing: plugin/kubernetes: "
                                    f"unknown property '{' '.join(option)}'")
    elif name == "forward":
        config.forward = True
    elif name == "health":
        config.health_port = _port(args[0], line, "health") if args else 8080
        for option_line, option in block:
            duration = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)", option[1]) if option[0] == "lameduck" and \
                len(option) == 2 else None
            if duration is None:
                raise CorefileError(f"Corefile:{option_line} - Error during parsing: plugin/health: "
                                    f"unknown property or bad duration '{' '.join(option)}'")
            config.lameduck = float(duration.group(1)) * {"ms": 0.001, "s": 1, "m": 60}[duration.group(2)]
    elif name == "ready":
        config.ready_port = _port(args[0], line, "ready") if args else 8181
    elif name not in MODELLED:
        config.ignored.append(name)
