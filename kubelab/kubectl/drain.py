"""`kubectl drain`: cordon a node, then ask every pod on it to leave, politely.

    kubectl drain node-1 --ignore-daemonsets --delete-emptydir-data
        node/node-1 cordoned
        evicting pod default/web-7c5ddbdf54-2xlrd
        error when evicting pods/"web-7c5ddbdf54-2xlrd" -n "default" (will retry after 5s): Cannot evict
            pod as it would violate the pod's disruption budget.
        evicting pod default/web-7c5ddbdf54-2xlrd
        pod/web-7c5ddbdf54-2xlrd evicted
        node/node-1 drained

Upstream's steps (k8s.io/kubectl/pkg/drain, kubectl 1.32), each a few API calls:
  1. cordon (cordon.py): spec.unschedulable, so nothing new lands there;
  2. list the node's pods (--pod-selector narrows them) and run each through the filters, in
     order, the first that refuses deciding: already being deleted (--skip-wait-for-delete-timeout),
     DaemonSet-managed (refused; skipped with --ignore-daemonsets, as its controller would put it
     right back), mirror (static) pods (skipped), emptyDir data (refused without
     --delete-emptydir-data), no controller at all (refused without --force). Any refusal stops
     the drain before a single pod is touched;
  3. evict each pod (pods/<name>/eviction, or a plain DELETE with --disable-eviction); a 429
     from a PodDisruptionBudget is retried every 5 s; then wait until the pod is gone;
  4. the node is drained when every pod has gone, or the drain fails at --timeout.

Waiting happens on the cluster's virtual clock (kubectl's goroutines, one per pod, become one
loop over virtual time, in the order upstream prints). `--timeout=0` (upstream: forever)
waits at most 10 virtual minutes in a notebook, so a budget that can never be met ends with
the timeout's message instead of a hung kernel. Without a clock, each pod is tried once.

Left out: --dry-run, --chunk-size, and draining several nodes with --ignore-errors.
"""
from __future__ import annotations

from kubelab.client import ApiError
from kubelab.objects.timefmt import parse

from . import flags
from .cordon import mark, node_objects
from .errors import KubectlError, api_error_message

FLAGS = [flags.SELECTOR, flags.Flag("ignore-daemonsets", kind="bool", default=False),
         flags.Flag("delete-emptydir-data", kind="bool", default=False),
         flags.Flag("delete-local-data", kind="bool", default=False),   # its deprecated name
         flags.Flag("force", kind="bool", default=False), flags.Flag("grace-period", kind="int", default=-1),
         flags.Flag("timeout", default="0s"), flags.Flag("pod-selector", default=""),
         flags.Flag("disable-eviction", kind="bool", default=False),
         flags.Flag("skip-wait-for-delete-timeout", kind="int", default=0)]

DAEMONSET_FATAL = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
DAEMONSET_WARNING = "ignoring DaemonSet-managed Pods"
LOCAL_STORAGE_FATAL = "Pods with local storage (use --delete-emptydir-data to override)"
LOCAL_STORAGE_WARNING = "deleting Pods with local storage"
UNMANAGED_FATAL = "cannot delete Pods that declare no controller (use --force to override)"
UNMANAGED_WARNING = "deleting Pods that declare no controller"
MIRROR = "kubernetes.io/config.mirror"
RETRY_AFTER, POLL, NOTEBOOK_FOREVER = 5.0, 1.0, 600.0


def drain(client, argv: list[str], now: float, namespace: str, clock=None) -> str:
    """Run `kubectl drain` with `argv` (everything after "drain")."""
    options, args = flags.parse("drain", argv, FLAGS)
    options["delete_emptydir_data"] |= options.pop("delete_local_data")
    options["timeout"] = flags.duration_seconds("drain", "timeout", options["timeout"])
    options["now"] = clock.now() if clock is not None else now
    out: list[str] = []
    pending: list[str] = []
    failure = None
    for node in node_objects(client, args, options["selector"], "drain"):
        out.append(mark(client, node, "drain", True))   # "node/x cordoned" (or "already cordoned")
        name = node["metadata"]["name"]
        try:
            evict_or_delete_pods(client, name, options, clock, out)
        except DrainError as error:
            failure = error
            pending.append(name)
            out.append(f'error: unable to drain node "{name}" due to error: {error}, continuing command...\n')
            out.append("There are pending nodes to be drained:\n" + "".join(f" {n}\n" for n in pending))
            break
        out.append(f"node/{name} drained\n")
    if failure is not None:
        raise KubectlError("".join(f"{message}\n" for message in failure.messages), printed="".join(out))
    return "".join(out)


class DrainError(Exception):
    """One or more errors (utilerrors.Aggregate: "[a, b]" when several, each on a line at the end)."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__(messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]")


def evict_or_delete_pods(client, node_name: str, options: dict, clock, out: list[str]) -> None:
    """deleteOrEvictPodsSimple: filter, warn, evict (or delete), wait; DrainError if any fails."""
    to_delete, warnings, errors = pods_for_deletion(client, node_name, options)
    if errors:
        raise DrainError(errors)
    if warnings:
        out.append(f"Warning: {warnings}\n")
    if not to_delete:
        return
    failures = Evictions(client, options, clock, out).run(to_delete)
    if failures:
        remaining, _, _ = pods_for_deletion(client, node_name, options)
        if remaining:
            out.append(f'There are pending pods in node "{node_name}" when an error occurred: '
                       f'{DrainError(failures)}\n' + "".join(f"pod/{p['metadata']['name']}\n" for p in remaining))
        raise DrainError(failures)


def pods_for_deletion(client, node_name: str, options: dict) -> tuple[list[dict], str, list[str]]:
    """(pods to evict, the warning line, the errors): GetPodsForDeletion with its filters."""
    pods = client.list("pods", None, label_selector=options["pod_selector"] or None,
                       field_selector=f"spec.nodeName={node_name}")["items"]
    to_delete, warned, failed = [], {}, {}
    for pod in pods:
        delete, reason, message = True, "Okay", ""
        for pod_filter in (skip_deleted, daemonset, mirror, local_storage, unreplicated):
            delete, reason, message = pod_filter(client, pod, options)
            if not delete:
                break   # the first filter that keeps the pod decides
        where = f"{pod['metadata'].get('namespace', '')}/{pod['metadata']['name']}"
        if reason == "Warning":
            warned.setdefault(message, []).append(where)
        elif reason == "Error":
            failed.setdefault(message or "unexpected error", []).append(where)
        if delete:
            to_delete.append(pod)
    errors = [f"cannot delete {message}: {', '.join(where)}" for message, where in failed.items()]
    warnings = "; ".join(f"{message}: {', '.join(where)}" for message, where in warned.items())
    return to_delete, warnings, errors


OKAY = (True, "Okay", "")


def skip_deleted(client, pod: dict, options: dict) -> tuple[bool, str, str]:
    deleted_at = pod["metadata"].get("deletionTimestamp")
    wait = options["skip_wait_for_delete_timeout"]
    if deleted_at and wait > 0 and options["now"] - parse(deleted_at) > wait:
        return False, "Skip", ""
    return OKAY


def daemonset(client, pod: dict, options: dict) -> tuple[bool, str, str]:
    owner = _controller(pod)
    if owner is None or owner.get("kind") != "DaemonSet" or _finished(pod):
        return OKAY
    try:
        client.get("daemonsets", owner["name"], pod["metadata"].get("namespace"))
    except (ApiError, KeyError, ValueError) as error:
        message = error.message if isinstance(error, ApiError) else "the server could not find the requested resource"
        if getattr(error, "code", 404) == 404 and options["force"]:
            return True, "Warning", message
        return False, "Error", message
    if not options["ignore_daemonsets"]:
        return False, "Error", DAEMONSET_FATAL
    return False, "Warning", DAEMONSET_WARNING


def mirror(client, pod: dict, options: dict) -> tuple[bool, str, str]:
    return (False, "Skip", "") if MIRROR in (pod["metadata"].get("annotations") or {}) else OKAY


def local_storage(client, pod: dict, options: dict) -> tuple[bool, str, str]:
    if not any("emptyDir" in volume for volume in pod["spec"].get("volumes") or []) or _finished(pod):
        return OKAY
    if not options["delete_emptydir_data"]:
        return False, "Error", LOCAL_STORAGE_FATAL
    return True, "Warning", LOCAL_STORAGE_WARNING


def unreplicated(client, pod: dict, options: dict) -> tuple[bool, str, str]:
    if _finished(pod) or _controller(pod) is not None:
        return OKAY
    if options["force"]:
        return True, "Warning", UNMANAGED_WARNING
    return False, "Error", UNMANAGED_FATAL


class Evictions:
    """evictPods / deletePods: one state per pod, stepped on the virtual clock in upstream's order."""

    def __init__(self, client, options: dict, clock, out: list[str]):
        self.client, self.options, self.clock, self.out = client, options, clock, out
        self.use_eviction = not options["disable_eviction"]
        timeout = options["timeout"]
        self.timeout_text = go_duration(timeout or NOTEBOOK_FOREVER)
        self.deadline = (clock.now() + (timeout or NOTEBOOK_FOREVER)) if clock is not None else None
        self.retry_at: dict[str, float] = {}   # pod uid -> when its next eviction attempt is due

    def run(self, pods: list[dict]) -> list[str]:
        """Evict (or delete) every pod and wait for each to go; the errors, in the order they came."""
        failures: list[str] = []
        retrying, waiting = [], []
        for pod in pods:
            outcome = self.evict(pod, failures) if self.use_eviction else self.delete(pod)
            (retrying if outcome == "retry" else waiting if outcome == "started" else []).append(pod)
        while True:
            for pod in list(waiting):
                if self.clock is None or self.gone(pod):
                    waiting.remove(pod)
                    self.out.append(f"pod/{_name(pod)} {'evicted' if self.use_eviction else 'deleted'}\n")
            for pod in list(retrying):
                if self.clock.now() >= self.retry_at[pod["metadata"]["uid"]]:
                    outcome = self.evict(pod, failures)
                    if outcome != "retry":
                        retrying.remove(pod)
                    if outcome == "started":
                        waiting.append(pod)
            if not retrying and not waiting:
                return failures
            if self.clock.now() >= self.deadline:
                return failures + [f'error when evicting pods/"{_name(pod)}" -n "{_namespace(pod)}": global timeout '
                                   f'reached: {self.timeout_text}' for pod in retrying] + [
                    f'error when waiting for pod "{_name(pod)}" in namespace "{_namespace(pod)}" to terminate: '
                    f'global timeout reached: {self.timeout_text}' for pod in waiting]
            self.clock.run(POLL)

    def evict(self, pod: dict, failures: list[str]) -> str:
        """One eviction attempt: "started" (the pod is going), "retry" (a 429), or "done"."""
        name, namespace = _name(pod), _namespace(pod)
        self.out.append(f"evicting pod {namespace}/{name}\n")
        body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": namespace}}
        if self.options["grace_period"] >= 0:
            body["deleteOptions"] = {"gracePeriodSeconds": self.options["grace_period"]}
        try:
            self.client.create("pods", body, namespace, subresource="eviction", name=name)
        except ApiError as error:
            if error.code == 404:
                return "done"   # already gone: that is what we wanted
            if error.code == 429 and self.clock is not None:
                self.out.append(f'error when evicting pods/"{name}" -n "{namespace}" (will retry after 5s): '
                                f'{error.message}\n')
                self.retry_at[pod["metadata"]["uid"]] = self.clock.now() + RETRY_AFTER
                return "retry"
            failures.append(f'error when evicting pods/"{name}" -n "{namespace}": {error.message}')
            return "done"
        return "started"

    def delete(self, pod: dict) -> str:
        """--disable-eviction: a plain DELETE, no budget asked."""
        name, namespace = _name(pod), _namespace(pod)
        self.out.append(f"deleting pod {namespace}/{name}\n")
        grace = self.options["grace_period"]
        try:
            self.client.delete("pods", name, namespace, **({"grace_period_seconds": grace} if grace >= 0 else {}))
        except ApiError as error:
            if error.code != 404:
                raise KubectlError(api_error_message(error), printed="".join(self.out)) from None
            return "done"
        return "started"

    def gone(self, pod: dict) -> bool:
        """Deleted, or replaced by a pod of the same name (another uid)."""
        try:
            current = self.client.get("pods", _name(pod), _namespace(pod))
        except ApiError as error:
            return error.code == 404
        return current["metadata"].get("uid") != pod["metadata"]["uid"]


def go_duration(seconds: float) -> str:
    """A time.Duration as Go prints it: 12s, 1m0s, 1h30m0s."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def _name(pod: dict) -> str:
    return pod["metadata"]["name"]


def _namespace(pod: dict) -> str:
    return pod["metadata"].get("namespace", "")


def _controller(pod: dict) -> dict | None:
    return next((ref for ref in pod["metadata"].get("ownerReferences") or [] if ref.get("controller")), None)


def _finished(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")

