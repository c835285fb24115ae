"""`kubectl logs`: what a container printed, fetched from its node through the API server.

    kubectl logs web                     the pod's only container
    kubectl logs two -c b --tail=1       one container of several, the last line
    kubectl logs crash --previous        the run before the last restart
    kubectl logs deploy/web              the first of the Deployment's pods

Every read is one GET of the `pods/<name>/log` subresource; the API server asks the pod's
kubelet (apiserver/subresources/log.py), which reads the runtime's log (kubelet/container_logs.py).
Before that kubectl picks the container and the pod as kubectl 1.32 does:
- no `-c`: the `kubectl.kubernetes.io/default-container` annotation, else the first container,
  saying so on stderr when there was a choice (`Defaulted container "a" out of: a, b`);
- `TYPE/NAME` of a workload: its selector's pods, sorted as kubectl's ByLogging sorts them
  (on a node, Running, Ready, ready longest, most restarts, oldest), the first one taken
  (`Found 3 pods, using pod/web-...`); `-l`: every matching pod, the last 10 lines of each.
What kubectl writes on stderr before the log comes first in the text returned (a notebook
cell shows both, in the order a terminal would).

Simplification: `-f` cannot block a notebook cell, so it prints what has been written so far
(advance the cluster's clock and ask again to see more). Left out: --pod-running-timeout,
--ignore-errors, --max-log-requests, --insecure-skip-tls-verify-backend.
"""
from __future__ import annotations

from kubelab.client import ApiError
from kubelab.objects import selector as selectors
from kubelab.objects.timefmt import parse as parse_time

from . import flags
from .errors import KubectlError, api_error_message
from .resources import resolve

FLAGS = [flags.NAMESPACE, flags.SELECTOR, flags.Flag("container", "c"),
         flags.Flag("previous", "p", "bool", False), flags.Flag("follow", "f", "bool", False),
         flags.Flag("tail", kind="int", default=-1), flags.Flag("timestamps", kind="bool", default=False),
         flags.Flag("since", default=""), flags.Flag("since-time", default=""),
         flags.Flag("limit-bytes", kind="int", default=0), flags.Flag("all-containers", kind="bool", default=False),
         flags.Flag("prefix", kind="bool", default=False)]
USAGE = ("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
         "POD or TYPE/NAME is a required argument for the logs command\nSee 'kubectl logs -h' for help and examples")
DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"
SELECTOR_TAIL = 10   # kubectl's default --tail when pods are picked by -l


def logs(client, argv: list[str], now: float, namespace: str) -> str:
    """Run `kubectl logs` with `argv` (everything after "logs")."""
    options, args = flags.parse("logs", argv, FLAGS)
    namespace = options["namespace"] or namespace
    if options["selector"]:
        if args:
            raise KubectlError("error: only a selector (-l) or a POD name is allowed")
        return _by_selector(client, options, namespace)
    if not args or len(args) > 2:
        raise KubectlError(USAGE)
    container = options["container"] or (args[1] if len(args) == 2 else "")
    if options["container"] and len(args) == 2:
        raise KubectlError(USAGE)
    notice, pod = _pick_pod(client, args[0], namespace)
    return notice + _pod_logs(client, pod, container, options, now)


def _by_selector(client, options: dict, namespace: str) -> str:
    pods = client.list("pods", namespace, label_selector=options["selector"])["items"]
    if not pods:
        return "No resources found in %s namespace.\n" % namespace
    if options["tail"] == -1:
        options = {**options, "tail": SELECTOR_TAIL}
    return "".join(_pod_logs(client, pod, options["container"], options, 0.0) for pod in pods)


def _pick_pod(client, word: str, namespace: str) -> tuple[str, dict]:
    """(what kubectl says on stderr, the pod) for `web`, `pod/web` or `deploy/web`."""
    type_word, _, name = word.rpartition("/")
    resource = resolve(type_word) if type_word else resolve("pods")
    try:
        obj = client.get(resource.plural, name, namespace)
    except ApiError as error:
        if error.reason == "NotFound":   # kubectl wraps the lookup: lower-case, with the namespace
            raise KubectlError(f"error: error from server (NotFound): {error.message} in namespace "
                               f'"{namespace}"') from None
        raise KubectlError(api_error_message(error)) from None
    if resource.plural == "pods":
        return "", obj
    pods = _selected_pods(client, obj, namespace)
    if not pods:
        raise KubectlError("error: timed out waiting for the condition")
    pods.sort(key=_by_logging)
    notice = f"Found {len(pods)} pods, using pod/{pods[0]['metadata']['name']}\n" if len(pods) > 1 else ""
    return notice, pods[0]


def _selected_pods(client, obj: dict, namespace: str) -> list[dict]:
    chosen = (obj.get("spec") or {}).get("selector") or {}
    if obj.get("kind") in ("Service", "ReplicationController"):
        chosen = {"matchLabels": chosen}
    requirements = selectors.from_label_selector(chosen)
    if not requirements:
        return []
    return client.list("pods", namespace, label_selector=selectors.to_string(requirements))["items"]


def _by_logging(pod: dict) -> tuple:
    """kubectl's ByLogging order, smallest first: the pod whose logs are most worth reading."""
    status = pod.get("status") or {}
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), {})
    is_ready = ready.get("status") == "True"
    ready_since = parse_time(ready["lastTransitionTime"]) if is_ready and ready.get("lastTransitionTime") else 0.0
    restarts = max((c.get("restartCount", 0) for c in status.get("containerStatuses") or []), default=0)
    created = pod["metadata"].get("creationTimestamp")
    return (not (pod.get("spec") or {}).get("nodeName"),
            {"Running": 0, "Unknown": 1, "Pending": 2}.get(status.get("phase"), 3),
            not is_ready, ready_since, -restarts, parse_time(created) if created else float("inf"))


def _pod_logs(client, pod: dict, container: str, options: dict, now: float) -> str:
    name = pod["metadata"]["name"]
    spec = pod.get("spec") or {}
    names = [c["name"] for c in spec.get("containers") or []]
    inits = [c["name"] for c in spec.get("initContainers") or []]
    if options["all_containers"]:
        chosen, notice = inits + names, ""
    elif container:
        if container not in names + inits:
            raise KubectlError(f"error: container {container} is not valid for pod {name}")
        chosen, notice = [container], ""
    else:
        chosen, notice = _default_container(pod, names, inits)
    text = notice
    for each in chosen:
        try:
            log = client.get("pods", name, pod["metadata"].get("namespace"), subresource="log",
                             **_log_options(each, options))
        except ApiError as error:
            raise KubectlError(api_error_message(error), text) from None
        if options["prefix"]:
            log = "".join(f"[pod/{name}/{each}] {line}\n" for line in log.splitlines())
        text += log
    return text


def _default_container(pod: dict, names: list[str], inits: list[str]) -> tuple[list[str], str]:
    annotated = (pod["metadata"].get("annotations") or {}).get(DEFAULT_CONTAINER)
    if annotated and annotated in names + inits:
        return [annotated], ""
    notice = ""
    if annotated:
        notice = f'Default container name "{annotated}" not found in pod {pod["metadata"]["name"]}\n'
    if len(names) > 1 or inits:
        every = [f"{init} (init)" for init in inits] + names
        notice += f'Defaulted container "{names[0]}" out of: {", ".join(every)}\n'
    return names[:1], notice


def _log_options(container: str, options: dict) -> dict:
    """PodLogOptions as query parameters."""
    query = {"container": container}
    if options["previous"]:
        query["previous"] = "true"
    if options["timestamps"]:
        query["timestamps"] = "true"
    if options["tail"] >= 0:
        query["tailLines"] = options["tail"]
    if options["limit_bytes"]:
        query["limitBytes"] = options["limit_bytes"]
    if options["since"] and options["since_time"]:
        raise KubectlError("error: at most one of `sinceTime` or `sinceSeconds` may be specified")
    if options["since"]:
        query["sinceSeconds"] = max(1, int(flags.duration_seconds("logs", "since", options["since"])))
    if options["since_time"]:
        query["sinceTime"] = options["since_time"]
    return query
