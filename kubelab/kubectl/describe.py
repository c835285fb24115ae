"""`kubectl describe`: one object (or every object of a type) in words, with its events.

    kubectl describe pod web-1          kubectl describe deploy
    kubectl describe node node-1        kubectl describe svc web -n shop

Each kind has its describer (describe_pod, describe_workloads, describe_service,
describe_node); this file picks one, fetches the objects and their events, and joins several
descriptions with two blank lines between them, as kubectl does. `describe pod web` when no
pod is called exactly `web` describes every pod whose name starts with `web` — a kubectl
habit that is handy with generated names.

Left out: describing events themselves, and describing from files (`-f`).
"""
from __future__ import annotations

from kubelab.client import ApiError

from . import flags
from .describe_batch import describe_cronjob, describe_job
from .describe_disruption import describe_endpointslice, describe_poddisruptionbudget
from .describe_node import describe_node
from .describe_pod import describe_pod
from .describe_service import describe_endpoints, describe_service
from .describe_sets import describe_daemonset, describe_replicationcontroller, describe_statefulset
from .describe_storage import describe_persistentvolume, describe_persistentvolumeclaim, describe_storageclass
from .describe_workloads import describe_deployment, describe_replicaset
from .describe_writer import Writer, annotations_multiline, labels_multiline, search_events
from .describe_generic import describe_generic
from .errors import KubectlError, aggregate, api_error_message
from .resources import ResourceType
from .targets import parse_targets

FLAGS = [flags.NAMESPACE, flags.ALL_NAMESPACES, flags.SELECTOR,
         flags.Flag("show-events", kind="bool", default=True)]


def describe_namespace(client, namespace: dict, events, now: float) -> str:
    """A namespace: its labels and phase.

    kubectl then lists the namespace's ResourceQuotas and LimitRanges, or leaves both sections
    out when the server does not serve them — as kubelab's does not.
    """
    metadata = namespace.get("metadata", {})
    w = Writer()
    w.line(0, f"Name:\t{metadata.get('name', '')}")
    labels_multiline(w, "Labels", metadata.get("labels"))
    annotations_multiline(w, "Annotations", metadata.get("annotations"))
    w.line(0, f"Status:\t{(namespace.get('status') or {}).get('phase', '')}")
    return str(w)


DESCRIBERS = {"pods": describe_pod, "deployments": describe_deployment, "replicasets": describe_replicaset,
              "services": describe_service, "endpoints": describe_endpoints, "nodes": describe_node,
              "namespaces": describe_namespace}
DESCRIBERS.update({"poddisruptionbudgets": describe_poddisruptionbudget, "endpointslices": describe_endpointslice})
DESCRIBERS.update({"replicationcontrollers": describe_replicationcontroller, "daemonsets": describe_daemonset,
                   "statefulsets": describe_statefulset})
DESCRIBERS.update({"storageclasses": describe_storageclass, "persistentvolumes": describe_persistentvolume,
                   "persistentvolumeclaims": describe_persistentvolumeclaim})
DESCRIBERS.update({"jobs": describe_job, "cronjobs": describe_cronjob})


def describe(client, argv: list[str], now: float, namespace: str) -> str:
    """Run `kubectl describe` with `argv` (everything after "describe")."""
    options, args = flags.parse("describe", argv, FLAGS)
    if not args:
        raise KubectlError('error: You must specify the type of resource to describe. Use "kubectl api-resources" '
                           'for a complete list of supported resources.')
    targets, _ = parse_targets(args)
    namespace = options["namespace"] or namespace
    all_namespaces = options["all_namespaces"]
    found: list[tuple[ResourceType, dict]] = []
    errors: list[str] = []
    not_found = None
    for target in targets:
        try:
            if target.name is not None:
                found.append((target.resource, client.get(
                    target.resource.plural, target.name, namespace if target.resource.namespaced else None)))
            else:
                listed = client.list(target.resource.plural,
                                     None if all_namespaces or not target.resource.namespaced else namespace,
                                     label_selector=options["selector"] or None)
                found += [(target.resource, item) for item in listed.get("items") or []]
        except ApiError as error:
            not_found = error if error.reason == "NotFound" else not_found
            errors.append(api_error_message(error))

    if not_found is not None and len(args) == 2 and "/" not in args[0] + args[1] and not found:
        return _describe_by_prefix(client, targets[0].resource, args[1], namespace, not_found,
                                   options["show_events"], now)

    descriptions = []
    for resource, obj in found:
        try:
            descriptions.append(_describe_one(client, resource, obj, options["show_events"], now))
        except KubectlError as error:
            if error.stderr.rstrip("\n") not in errors:
                errors.append(error.stderr.rstrip("\n"))
    stdout = "\n\n".join(descriptions)
    if errors:
        raise aggregate(errors, stdout)
    if not found:
        return "No resources found\n" if all_namespaces else f"No resources found in {namespace} namespace.\n"
    return stdout


def _describe_one(client, resource: ResourceType, obj: dict, show_events: bool, now: float) -> str:
    describer = DESCRIBERS.get(resource.plural)
    if describer is None:
        describer = describe_generic   # any other kind, custom ones included (describe_generic.py)
    events = None
    if show_events:
        kind = None if resource.kind == "Pod" else resource.kind   # upstream matches pod events by uid only
        extra = (obj.get("metadata", {}).get("name", ""),) if resource.kind == "Node" else ()
        events = search_events(client, obj, kind, extra)
    return describer(client, obj, events, now)


def _describe_by_prefix(client, resource: ResourceType, prefix: str, namespace: str, error: ApiError,
                        show_events: bool, now: float) -> str:
    try:
        listed = client.list(resource.plural, namespace if resource.namespaced else None)
    except ApiError as list_error:
        raise KubectlError(api_error_message(list_error)) from None
    matches = [obj for obj in listed.get("items") or []
               if obj.get("metadata", {}).get("name", "").startswith(prefix)]
    if not matches:
        raise KubectlError(api_error_message(error))
    return "".join(_describe_one(client, resource, obj, show_events, now) + "\n" for obj in matches)
