"""/healthz, /livez, /readyz: is this API server alive, and ready to serve?

A load balancer or kubelet probes these. `livez` answers "should I be restarted?" (the
process runs), `readyz` "should I get traffic?" (it also reaches its store, and is not
shutting down). Each is a list of named checks; `?verbose` lists them, and one check can be
asked for alone (`/readyz/etcd`):

    [+]ping ok
    [+]etcd ok
    [+]shutdown ok
    readyz check passed

A failing check answers 500 with `[-]etcd failed: reason withheld`, as upstream does.
`healthz` is the older, deprecated name for both. Real kube-apiserver has a dozen more
checks (post-start hooks, informer sync, ...); kubelab keeps the ones that can fail here.
"""
from __future__ import annotations

from typing import Callable

Check = Callable[[], bool]


def checks(store, shutting_down: Callable[[], bool]) -> dict[str, dict[str, Check]]:
    """The checks behind each endpoint."""
    def etcd() -> bool:
        try:
            store.get("/registry/health")   # any read that reaches the store will do
            return True
        except Exception:
            return False
    live = {"ping": lambda: True, "log": lambda: True, "etcd": etcd}
    ready = {**live, "shutdown": lambda: not shutting_down()}
    return {"healthz": live, "livez": live, "readyz": ready}


def answer(endpoint: str, named: dict[str, Check], only: str, verbose: bool) -> tuple[int, str]:
    """(HTTP code, text) for GET /<endpoint>[/<only>][?verbose]."""
    if only:
        if only not in named:
            return 404, "404 page not found\n"
        ok = named[only]()
        return (200, "ok") if ok else (500, f"internal server error: {only} check failed\n")
    results = {name: check() for name, check in named.items()}
    passed = all(results.values())
    if not verbose and passed:
        return 200, "ok"
    lines = [f"[+]{name} ok" if ok else f"[-]{name} failed: reason withheld" for name, ok in results.items()]
    lines.append(f"{endpoint} check passed" if passed else f"{endpoint} check failed")
    return (200 if passed else 500), "\n".join(lines) + "\n"
