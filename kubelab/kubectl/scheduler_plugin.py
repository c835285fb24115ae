"""`kubectl scheduler`: a kubectl plugin that asks the scheduler why a pod went where it went.

    kubectl scheduler explain web                      # the last decision about default/web
    kubectl scheduler explain web --disable TaintToleration --weight NodeResourcesFit=5
    kubectl scheduler queue                            # activeQ, backoffQ, unschedulablePods

Designed like a real kubectl plugin (an executable `kubectl-scheduler` on the PATH, which kubectl
runs for `kubectl scheduler ...`): it is not part of kubectl's API client, since the decision
table is not in the API — only the scheduler holds it (upstream's kube-scheduler keeps no such
record either; its logs at -v=10 come closest). So the plugin talks to the scheduler directly:
in process, `Cluster.kubectl("scheduler explain web")` hands it the cluster's scheduler. Against
`kubelab up` the scheduler runs in another process and the plugin says so in one line.

`--disable` and `--weight` replay the decision on a private copy of the scheduler's view
(explain.what_if): nothing in the cluster changes.
"""
from __future__ import annotations

from .errors import KubectlError

USAGE = ("Usage: kubectl scheduler explain POD [-n NAMESPACE] [--disable PLUGIN]... [--weight PLUGIN=N]...\n"
         "       kubectl scheduler queue")


def scheduler_plugin(scheduler, argv: list[str], namespace: str) -> str:
    """What `kubectl scheduler <argv>` prints."""
    if scheduler is None:
        raise KubectlError("error: kubectl scheduler needs the scheduler in this process (Cluster.kubectl); "
                           "kubelab up's scheduler runs in a process of its own")
    if not argv or argv[0] in ("-h", "--help"):
        return USAGE + "\n"
    if argv[0] == "queue":
        pending = scheduler.queue.pending()
        return "".join(f"{queue}: {', '.join(keys) or '<none>'}\n" for queue, keys in pending.items())
    if argv[0] != "explain" or len(argv) < 2:
        raise KubectlError(f"error: unknown command {' '.join(argv)!r}\n{USAGE}")
    from ..scheduler.explain import format_explanation, what_if
    pod_name, disabled, weights = "", [], {}
    words = iter(argv[1:])
    for word in words:
        if word in ("-n", "--namespace"):
            namespace = next(words, namespace)
        elif word == "--disable":
            disabled.append(next(words, ""))
        elif word == "--weight":
            plugin, _, weight = next(words, "").partition("=")
            if not weight.isdigit():
                raise KubectlError(f"error: --weight wants PLUGIN=N, got {plugin}={weight}")
            weights[plugin] = int(weight)
        else:
            pod_name = word.split("/")[-1]
    key = f"{namespace}/{pod_name}"
    if disabled or weights:
        try:
            return format_explanation(what_if(scheduler, key, disabled=disabled, weights=weights)) + "\n"
        except ValueError as error:
            raise KubectlError(f"error: {error}") from None
    decision = next((d for d in reversed(scheduler.decisions) if d.pod == key), None)
    if decision is None:
        raise KubectlError(f'error: the scheduler has no recent decision about pod "{pod_name}" in namespace '
                           f'"{namespace}"')
    return format_explanation(decision) + "\n"
