"""`kubectl rollout history|undo` for DaemonSets and StatefulSets: their ControllerRevisions.

A Deployment's history is its ReplicaSets; a DaemonSet's or a StatefulSet's is the
ControllerRevisions it owns (controllers/history.py makes them): each holds the pod template
of one version as a patch, `{"spec": {"template": {..., "$patch": "replace"}}}`, a `revision`
number, and the owner's annotations at the time (so `kubernetes.io/change-cause` shows).

    kubectl rollout history ds/fluentd              REVISION  CHANGE-CAUSE
    kubectl rollout history ds/fluentd --revision=1 that revision's pod template
    kubectl rollout undo sts/web [--to-revision=N]  the template put back; the controller rolls

As upstream's DaemonSetHistoryViewer / StatefulSetHistoryViewer and their rollbackers
(k8s.io/kubectl/pkg/polymorphichelpers, v1.32): undo without --to-revision goes to the
second newest revision ("no last revision to roll back to" if there is none); a template
that already matches is "skipped rollback (current template already matches revision N)".
Upstream sends the revision's data as a strategic merge patch; kubelab writes the same
template with an update carrying the resourceVersion it read.
"""
from __future__ import annotations

import copy

from .describe_pod import pod_template
from .describe_writer import Writer
from .errors import KubectlError
from .tabwriter import tabwrite

CHANGE_CAUSE = "kubernetes.io/change-cause"
KINDS = ("daemonsets", "statefulsets")


def revisions(client, owner: dict) -> dict[int, dict]:
    """The owner's ControllerRevisions by revision number."""
    uid = owner["metadata"].get("uid")
    listed = client.list("controllerrevisions", owner["metadata"].get("namespace"))["items"]
    return {revision.get("revision", 0): revision for revision in listed
            if any(ref.get("uid") == uid and ref.get("controller")
                   for ref in revision["metadata"].get("ownerReferences") or [])}


def template_of(revision: dict) -> dict:
    template = copy.deepcopy(((revision.get("data") or {}).get("spec") or {}).get("template") or {})
    template.pop("$patch", None)
    return template


def history(client, resource, obj: dict, options: dict) -> str:
    by_revision = revisions(client, obj)
    header = f"{resource.kind_prefix}/{obj['metadata']['name']} "
    if options["revision"]:
        revision = by_revision.get(options["revision"])
        if revision is None:
            raise KubectlError("error: unable to find the specified revision")
        template = template_of(revision)
        w = Writer()
        pod_template(w, template)
        return f"{header}with revision #{options['revision']}\n" + w.unaligned()
    rows = "REVISION\tCHANGE-CAUSE\n" + "".join(
        f"{number}\t{(by_revision[number]['metadata'].get('annotations') or {}).get(CHANGE_CAUSE, '<none>')}\n"
        for number in sorted(by_revision))
    return f"{header}\n{tabwrite(rows, minwidth=0, padding=2)}\n"


def undo(client, resource, obj: dict, options: dict) -> str:
    to_revision = options["to_revision"]
    by_revision = revisions(client, obj)
    if to_revision == 0 and len(by_revision) <= 1:
        raise KubectlError("error: no last revision to roll back to")
    if to_revision:
        revision = by_revision.get(to_revision)
        if revision is None:
            raise KubectlError(f"error: unable to find specified revision {to_revision} in history")
    else:
        revision = by_revision[sorted(by_revision)[-2]]
    done = f"{resource.kind_prefix}/{obj['metadata']['name']}"
    template = template_of(revision)
    if options["dry_run"] == "client":
        w = Writer()
        pod_template(w, template)
        return f"{done} " + w.unaligned() + " (dry run)\n"
    if template == obj["spec"].get("template"):
        return f"{done} skipped rollback (current template already matches revision {to_revision})\n"
    changed = copy.deepcopy(obj)
    changed["spec"]["template"] = template
    client.update(resource.plural, changed)
    return f"{done} rolled back\n"
