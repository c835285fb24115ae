"""Faults: break a running in-process cluster on purpose, one line each.

    cluster.fault.stop("scheduler")            the process exits; it stays down until start
    cluster.fault.start("scheduler")           a new process: empty caches, list + watch again
    cluster.fault.crash("kubelet/node-1")      killed; restarted 10 s later (its supervisor —
                                               systemd, the kubelet for static pods — backs off)
    cluster.fault.restart("controller-manager")   stop, then start at once
    cluster.fault.partition("node-2")          node-2's kubelet is cut from the API server: its
                                               requests fail, its watches go silent, its pods keep
                                               running; heal("node-2") reconnects it (it relists)
    cluster.fault.drop_watch("kube-proxy/node-1" or "proxy/node-1")   every watch it has ends: it relists
    cluster.fault.delay_watch("scheduler", 5)  every watch event reaches it 5 s late (0: on time)

The same words, with the same meaning, as `kubelab fault` against `kubelab up`
(kubelab/processes/control.py). Component names: apiserver-0, controller-manager,
scheduler, kubelet/node-N, proxy/node-N. How it works: every component talks to the API
server through its own ComponentTransport (its "network connection"), which a fault can cut,
slow or reset; a stopped component's connection is cut for good and a started one gets a new
component object on a new connection — exactly what a process restart is.

In process there is one API server and the store lives inside it: stopping `apiserver-0`
refuses every request (503) and ends every watch until it starts again; `store` is not a
separate component here.
"""
from __future__ import annotations

from ..client import ApiError

RESTART_DELAY = 10.0   # a crashed component is back after the first CrashLoopBackOff step


def _unavailable(message: str = "connect: connection refused") -> ApiError:
    return ApiError({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                     "message": message, "reason": "ServiceUnavailable", "code": 503})


class FaultError(ValueError):
    """A fault that cannot be done (an unknown component, say); the message is one line."""


class _Watch:
    def __init__(self, transport: "ComponentTransport", on_event):
        self.transport, self.on_event, self.handle, self.ended = transport, on_event, None, False

    def deliver(self, event_type: str, obj: dict) -> None:
        if self.ended or self.transport.cut:
            return   # a cut connection hears nothing
        delay = self.transport.watch_delay
        if delay > 0:
            self.transport.clock.call_later(delay, self._late, event_type, obj)
        else:
            self.on_event(event_type, obj)

    def _late(self, event_type: str, obj: dict) -> None:
        if not self.ended and not self.transport.cut:
            self.on_event(event_type, obj)

    def end(self, notify: bool = True) -> None:
        """The connection broke: the watcher hears one ERROR (then relists), unless told not to."""
        if self.ended:
            return
        self.ended = True
        if self.handle is not None:
            self.handle.stop()
        if notify:
            self.transport.clock.call_soon(self.on_event, "ERROR", _unavailable("watch connection reset").status)

    def stop(self) -> None:
        self.ended = True
        if self.handle is not None:
            self.handle.stop()


class ComponentTransport:
    """One component's connection to the API server, which faults can cut, slow or reset."""

    def __init__(self, transport, clock, link: "APIServerLink | None" = None):
        self.transport, self.clock, self.link = transport, clock, link
        self.cut = False           # partitioned (or stopped): nothing goes through
        self.dead = False          # the component is stopped for good
        self.watch_delay = 0.0
        self.watches: list[_Watch] = []
        self.silenced: list[_Watch] = []   # cut off by a partition, not told yet
        if link is not None:
            link.connections.append(self)

    def request(self, request):
        if self.cut or (self.link is not None and self.link.down):
            raise _unavailable()
        return self.transport.request(request)

    def discover(self, plural: str = "") -> dict:
        """Discovery's custom kinds, through the same connection (so a cut one fails too)."""
        if self.cut or (self.link is not None and self.link.down):
            raise _unavailable()
        inner = getattr(self.transport, "discover", None)
        return (inner(plural) or {}) if inner else {}

    def get_path(self, path: str) -> dict:
        """A document that is no object (OpenAPI), through the same connection."""
        if self.cut or (self.link is not None and self.link.down):
            raise _unavailable()
        return self.transport.get_path(path)

    def watch(self, request, on_event):
        if self.cut or (self.link is not None and self.link.down):
            raise _unavailable()
        watch = _Watch(self, on_event)
        watch.handle = self.transport.watch(request, watch.deliver)
        self.watches = [w for w in self.watches if not w.ended] + [watch]
        return watch

    def drop_watches(self, notify: bool = True) -> None:
        """End every open watch; with notify=False they go silent and hear their ERROR on `reconnect`."""
        for watch in self.watches:
            watch.end(notify)
            if not notify:
                self.silenced.append(watch)
        self.watches = []

    def reconnect(self) -> None:
        """The partition is over: watches that went silent now learn they broke, and relist."""
        self.cut = False
        for watch in self.silenced:
            self.clock.call_soon(watch.on_event, "ERROR", _unavailable("watch connection reset").status)
        self.silenced = []


class APIServerLink:
    """The API server as the components reach it: up, or down (every connection refused)."""

    def __init__(self):
        self.down = False
        self.connections: list[ComponentTransport] = []


class Faults:
    """`cluster.fault`: the fault vocabulary, on an in-process Cluster."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.log: list[tuple[float, str, str]] = []   # (time, verb, target): what was done, in order

    # -- components -------------------------------------------------------------------------
    def _check(self, name: str) -> str:
        name = name.replace("kube-proxy/", "proxy/")
        if name == "store":
            raise FaultError("in process the store lives inside apiserver-0: stop or crash apiserver-0")
        if name != "apiserver-0" and name not in self.cluster.builders:
            known = ", ".join(["apiserver-0", *self.cluster.builders])
            raise FaultError(f"unknown component {name!r}; known: {known}")
        return name

    def _record(self, verb: str, target: str) -> None:
        self.log.append((self.cluster.clock.now(), verb, target))

    def stop(self, component: str) -> None:
        """Stop a component (it stays down until `start`)."""
        name = self._check(component)
        self._record("stop", name)
        if name == "apiserver-0":
            self.cluster.link.down = True
            for connection in self.cluster.link.connections:
                connection.drop_watches()
            return
        self.cluster.stop_component(name)

    def start(self, component: str) -> None:
        """Start a stopped component again: a new process, which lists and watches afresh."""
        name = self._check(component)
        self._record("start", name)
        if name == "apiserver-0":
            self.cluster.link.down = False
            return
        if name in self.cluster.running:
            return   # already running
        self.cluster.start_component(name)

    def crash(self, component: str) -> None:
        """Kill a component; its supervisor starts it again after RESTART_DELAY seconds."""
        name = self._check(component)
        self.stop(name)
        self.log[-1] = (self.log[-1][0], "crash", name)
        self.cluster.clock.call_later(RESTART_DELAY, self._restart_after_crash, name)

    def _restart_after_crash(self, name: str) -> None:
        if name == "apiserver-0" or name not in self.cluster.running:
            self.start(name)

    def restart(self, component: str) -> None:
        name = self._check(component)
        self.stop(name)
        self.start(name)

    # -- a node's network ---------------------------------------------------------------------
    def _kubelet_connection(self, node: str) -> ComponentTransport:
        name = f"kubelet/{node}"
        if name not in self.cluster.builders:
            raise FaultError(f"unknown node {node!r}; nodes: {', '.join(sorted(self.cluster.kubelets))}")
        return self.cluster.connections[name]

    def partition(self, node: str) -> None:
        """Cut the node's kubelet from the API server; its containers keep running."""
        connection = self._kubelet_connection(node)
        self._record("partition", node)
        connection.cut = True
        connection.drop_watches(notify=False)   # silence: no error reaches it either

    def heal(self, node: str) -> None:
        """Reconnect the node: its kubelet's informers list again and its heartbeats get through."""
        connection = self._kubelet_connection(node)
        self._record("heal", node)
        connection.reconnect()

    # -- watches --------------------------------------------------------------------------------
    def drop_watch(self, component: str) -> None:
        """End every watch the component has open: each of its informers lists again."""
        name = self._check(component)
        self._record("drop_watch", name)
        connections = self.cluster.link.connections if name == "apiserver-0" else [self.cluster.connections[name]]
        for connection in connections:
            connection.drop_watches()

    def delay_watch(self, component: str, seconds: float) -> None:
        """Deliver the component's watch events `seconds` late (0: on time again)."""
        name = self._check(component)
        if seconds < 0:
            raise FaultError(f"delay must be 0 or more seconds, not {seconds}")
        self._record(f"delay_watch {seconds:g}s", name)
        self.cluster.connections[name].watch_delay = float(seconds)

