"""`kubectl rollout`: watch, list, undo, restart, pause and resume a workload's rollout.

    kubectl rollout status deploy/web        Waiting for deployment "web" rollout to finish: ...
    kubectl rollout history deploy/web       REVISION  CHANGE-CAUSE
    kubectl rollout undo deploy/web          deployment.apps/web rolled back
    kubectl rollout restart deploy/web       deployment.apps/web restarted

A Deployment's history is its ReplicaSets: each carries `deployment.kubernetes.io/revision`
and the `kubernetes.io/change-cause` it was made with. `undo` copies an old ReplicaSet's pod
template back into the Deployment (the controller then finds that ReplicaSet again and gives
it the next revision); `restart` stamps `kubectl.kubernetes.io/restartedAt` on the pod
template, which makes a new template, so a new ReplicaSet and a fresh set of pods.

`status` reads the object until its status viewer (rollout_status.py) says done. Real kubectl
watches; kubelab's kubectl, given the cluster's clock, advances virtual time a second at a
time and prints each new message (a terminal would show one per watch event, repeats
included; a notebook shows each once). Without a clock (or with --watch=false) it prints
the status once. --timeout bounds the wait (virtual seconds; 0 means ten minutes here, never
forever, so a cell always ends).

DaemonSets and StatefulSets keep their history in ControllerRevisions (rollout_sets.py).

Left out: -f, --dry-run=server, -o for history/undo/restart.
"""
from __future__ import annotations

import copy

from kubelab.client import ApiError
from kubelab.objects.timefmt import rfc3339

from . import flags, rollout_sets
from .describe_pod import pod_template
from .describe_writer import Writer
from .errors import KubectlError, api_error_message
from .rollout_status import STATUS_VIEWERS, status_message
from .tabwriter import tabwrite
from .targets import parse_targets

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
HASH_LABEL = "pod-template-hash"
# What undo keeps of the Deployment's own annotations rather than take the ReplicaSet's (upstream's annotationsToSkip).
SKIPPED_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration", REVISION,
                       "deployment.kubernetes.io/revision-history", "deployment.kubernetes.io/desired-replicas",
                       "deployment.kubernetes.io/max-replicas", "deprecated.deployment.rollback.to")
RESTARTABLE = ("deployments", "daemonsets", "statefulsets")
UNLIMITED_WAIT = 600.0   # virtual seconds: what --timeout=0 means in a notebook

FLAGS = [flags.NAMESPACE, flags.SELECTOR, flags.Flag("revision", kind="int", default=0),
         flags.Flag("to-revision", kind="int", default=0), flags.Flag("watch", "w", "bool", True),
         flags.Flag("timeout", default="0s"), flags.Flag("dry-run", default="none")]

USAGE = """Manage the rollout of one or many resources.
        
 Valid resource types include:

  *  deployments
  *  daemonsets
  *  statefulsets

Available Commands:
  history       View rollout history
  pause         Mark the provided resource as paused
  restart       Restart a resource
  resume        Resume a paused resource
  status        Show the status of the rollout
  undo          Undo a previous rollout

Usage:
  kubectl rollout SUBCOMMAND [options]
"""


def rollout(client, argv: list[str], now: float, namespace: str, clock=None) -> str:
    """Run `kubectl rollout` with `argv` (everything after "rollout")."""
    subcommand = next((word for word in argv if not word.startswith("-")), "")
    if subcommand not in SUBCOMMANDS:
        return USAGE
    rest = list(argv)
    rest.remove(subcommand)
    options, args = flags.parse(f"rollout {subcommand}", rest, FLAGS)
    namespace = options["namespace"] or namespace
    targets, _ = parse_targets(args)
    if not targets:
        raise KubectlError("error: required resource not specified")
    shown = ""
    for target in targets:
        names = [target.name] if target.name else \
            [o["metadata"]["name"] for o in client.list(target.resource.plural, namespace,
                                                        label_selector=options["selector"] or None)["items"]]
        for name in names:
            try:
                obj = client.get(target.resource.plural, name, namespace)
            except ApiError as error:
                raise KubectlError(api_error_message(error), shown) from None
            try:
                shown += SUBCOMMANDS[subcommand](client, target.resource, obj, options, now, clock)
            except KubectlError as error:
                raise KubectlError(error.stderr, shown + error.printed) from None
            except ApiError as error:
                raise KubectlError(api_error_message(error), shown) from None
    return shown


def status(client, resource, obj: dict, options: dict, now: float, clock) -> str:
    """Print the rollout's progress until done (or once, with --watch=false or no clock)."""
    if resource.plural not in STATUS_VIEWERS:
        raise KubectlError(f"error: no status viewer has been implemented for {obj['kind']}")
    shown, last = "", None
    wait = flags.duration_seconds("rollout status", "timeout", options["timeout"]) or UNLIMITED_WAIT
    deadline = clock.now() + wait if clock is not None else None
    while True:
        message, done = status_message(resource.plural, obj, options["revision"], client)
        if done or not options["watch"] or clock is None:
            return shown + message
        if message != last:
            shown += message
            last = message
        if clock.now() >= deadline:
            raise KubectlError("error: timed out waiting for the condition", shown)
        clock.run(1.0)
        obj = client.get(resource.plural, obj["metadata"]["name"], obj["metadata"].get("namespace"))


def history(client, resource, obj: dict, options: dict, now: float, clock) -> str:
    """The REVISION / CHANGE-CAUSE table, or one revision's pod template with --revision."""
    if resource.plural in rollout_sets.KINDS:
        return rollout_sets.history(client, resource, obj, options)
    if resource.plural != "deployments":
        raise KubectlError(f'error: no history viewer has been implemented for "{obj["kind"]}"')
    by_revision = {_revision(rs): rs for rs in _replicasets(client, obj) if _revision(rs) > 0}
    header = f"{resource.kind_prefix}/{obj['metadata']['name']} "
    if options["revision"]:
        replicaset = by_revision.get(options["revision"])
        if replicaset is None:
            raise KubectlError("error: unable to find the specified revision")
        template = copy.deepcopy(replicaset["spec"]["template"])
        cause = (replicaset["metadata"].get("annotations") or {}).get(CHANGE_CAUSE)
        if cause:   # upstream shows the change cause among the template's annotations
            template.setdefault("metadata", {}).setdefault("annotations", {})[CHANGE_CAUSE] = cause
        w = Writer()
        pod_template(w, template)
        return f"{header}with revision #{options['revision']}\n" + w.unaligned()
    rows = "REVISION\tCHANGE-CAUSE\n" + "".join(
        f"{number}\t{(by_revision[number]['metadata'].get('annotations') or {}).get(CHANGE_CAUSE, '<none>')}\n"
        for number in sorted(by_revision))
    return f"{header}\n{tabwrite(rows, minwidth=0, padding=2)}\n"


def undo(client, resource, obj: dict, options: dict, now: float, clock) -> str:
    """Copy an earlier revision's pod template back into the Deployment."""
    if resource.plural in rollout_sets.KINDS:
        return rollout_sets.undo(client, resource, obj, options)
    if resource.plural != "deployments":
        raise KubectlError(f'error: no rollbacker has been implemented for "{obj["kind"]}"')
    name = obj["metadata"]["name"]
    if (obj.get("spec") or {}).get("paused"):
        raise KubectlError("error: you cannot rollback a paused deployment; resume it first with "
                           "'kubectl rollout resume' and try again")
    replicaset = _revision_to_restore(client, obj, options["to_revision"])
    template = copy.deepcopy(replicaset["spec"]["template"])
    (template.get("metadata") or {}).get("labels", {}).pop(HASH_LABEL, None)
    done = f"{resource.kind_prefix}/{name}"
    if _without_hash(template) == _without_hash(obj["spec"]["template"]):
        return f"{done} skipped rollback (current template already matches revision {_revision(replicaset)})\n"
    if options["dry_run"] == "client":
        w = Writer()
        pod_template(w, replicaset["spec"]["template"])
        return f"{done} " + w.unaligned() + " (dry run)\n"
    annotations = {key: value for key, value in (obj["metadata"].get("annotations") or {}).items()
                   if key in SKIPPED_ANNOTATIONS}
    annotations.update({key: value for key, value in (replicaset["metadata"].get("annotations") or {}).items()
                        if key not in SKIPPED_ANNOTATIONS})
    changed = copy.deepcopy(obj)
    changed["spec"]["template"] = template
    changed["metadata"]["annotations"] = annotations
    client.update(resource.plural, changed)   # resourceVersion kept: a concurrent change is refused
    return f"{done} rolled back\n"


def restart(client, resource, obj: dict, options: dict, now: float, clock) -> str:
    """Stamp the pod template with the time, so the controller rolls out fresh pods."""
    name = obj["metadata"]["name"]
    if resource.plural not in RESTARTABLE:
        raise KubectlError(f'error: {resource.group_resource} "{name}" restarting is not supported')
    if (obj.get("spec") or {}).get("paused"):
        raise KubectlError(f'error: {resource.group_resource} "{name}" can\'t restart paused deployment '
                           f"(run rollout resume first)")
    patch = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: rfc3339(now)}}}}}
    client.patch(resource.plural, name, patch, obj["metadata"].get("namespace"))
    return f"{resource.kind_prefix}/{name} restarted\n"


def pause(client, resource, obj: dict, options: dict, now: float, clock) -> str:
    return _set_paused(client, resource, obj, True)


def resume(client, resource, obj: dict, options: dict, now: float, clock) -> str:
    return _set_paused(client, resource, obj, False)


def _set_paused(client, resource, obj: dict, paused: bool) -> str:
    name = obj["metadata"]["name"]
    if resource.plural != "deployments":
        verb = "pausing" if paused else "resuming"
        raise KubectlError(f'error: {resource.group_resource} "{name}" {verb} is not supported')
    if bool((obj.get("spec") or {}).get("paused")) == paused:
        raise KubectlError(f'error: {resource.group_resource} "{name}" is {"already" if paused else "not"} paused')
    client.patch(resource.plural, name, {"spec": {"paused": True if paused else None}},
                 obj["metadata"].get("namespace"))
    return f"{resource.kind_prefix}/{name} {'paused' if paused else 'resumed'}\n"


SUBCOMMANDS = {"status": status, "history": history, "undo": undo, "restart": restart,
               "pause": pause, "resume": resume}


def _replicasets(client, deployment: dict) -> list[dict]:
    """The ReplicaSets this Deployment controls (its history)."""
    uid = deployment["metadata"].get("uid")
    listed = client.list("replicasets", deployment["metadata"].get("namespace"))["items"]
    return [rs for rs in listed
            if any(ref.get("uid") == uid and ref.get("controller") for ref in rs["metadata"].get("ownerReferences") or [])]


def _revision(obj: dict) -> int:
    try:
        return int((obj["metadata"].get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


def _revision_to_restore(client, deployment: dict, to_revision: int) -> dict:
    """upstream's deploymentRevision: the asked revision, else the second newest."""
    replicasets = sorted((rs for rs in _replicasets(client, deployment) if _revision(rs) > 0), key=_revision)
    if to_revision:
        for replicaset in replicasets:
            if _revision(replicaset) == to_revision:
                return replicaset
        raise KubectlError(f"error: unable to find specified revision {to_revision} in history")
    if len(replicasets) < 2:
        raise KubectlError(f'error: no rollout history found for deployment "{deployment["metadata"]["name"]}"')
    return replicasets[-2]


def _without_hash(template: dict) -> dict:
    template = copy.deepcopy(template)
    (template.get("metadata") or {}).get("labels", {}).pop(HASH_LABEL, None)
    return template
