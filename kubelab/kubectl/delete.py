"""`kubectl delete`: by name, by label selector, by `--all`, or everything a file names.

    kubectl delete pod web-1 web-2      kubectl delete deploy/web svc/web
    kubectl delete pods -l app=web      kubectl delete -f web.yaml

Each object gets one DELETE (propagation Background, kubectl's default cascade), and one line:
`pod "web-1" deleted` (`force deleted` with `--grace-period=0`). Names that do not exist are
reported at the end; the others are still deleted.

Real kubectl then waits until the objects are really gone (a pod's containers stopped by
its kubelet). kubelab's kubectl returns at once: on a virtual clock, time only moves when
the lesson runs it, so waiting here would wait forever.

Left out: `--cascade=orphan|foreground`, `--wait`, `--dry-run`, `--interactive`.
"""
from __future__ import annotations

from kubelab.client import ApiError

from . import flags
from .errors import KubectlError, aggregate, api_error_message
from .manifests import read_manifests
from .resources import ResourceType, for_object
from .targets import parse_targets

FLAGS = [flags.NAMESPACE, flags.ALL_NAMESPACES, flags.SELECTOR, flags.FILENAME,
         flags.Flag("all", kind="bool", default=False),
         flags.Flag("grace-period", kind="int", default=-1),
         flags.Flag("force", kind="bool", default=False),
         flags.Flag("now", kind="bool", default=False),
         flags.Flag("ignore-not-found", kind="bool", default=False),
         flags.Flag("wait", kind="bool", default=True)]

_FORCE_WARNING = ("Warning: Immediate deletion does not wait for confirmation that the running resource has "
                  "been terminated. The resource may continue to run on the cluster indefinitely.\n")


def delete(client, argv: list[str], now: float, namespace: str, stdin: str | None = None) -> str:
    """Run `kubectl delete` with `argv` (everything after "delete")."""
    options, args = flags.parse("delete", argv, FLAGS)
    namespace = options["namespace"] or namespace
    grace = 1 if options["now"] else options["grace_period"]
    if options["force"] and grace < 0:
        grace = 0
    victims: list[tuple[ResourceType, str, str | None, str]] = []   # (resource, name, namespace, source)
    if options["filename"]:
        if args:
            raise KubectlError("error: when paths, URLs, or stdin is provided as input, you may not specify "
                               "resources by arguments as well")
        for manifest in read_manifests(options["filename"], stdin):
            resource = for_object(manifest.obj, manifest.source)
            metadata = manifest.obj.get("metadata") or {}
            victims.append((resource, metadata.get("name", ""),
                            (metadata.get("namespace") or namespace) if resource.namespaced else None,
                            manifest.source))
    else:
        victims = _victims_from_arguments(client, args, options, namespace)

    shown = _FORCE_WARNING if grace == 0 else ""
    errors: list[str] = []
    if not victims and (options["all"] or options["selector"]):
        return shown + "No resources found\n"
    for resource, name, object_namespace, source in victims:
        try:
            client.delete(resource.plural, name, object_namespace, propagation_policy="Background",
                          grace_period_seconds=grace if grace >= 0 else None)
            shown += f'{resource.kind_prefix} "{name}" {"force deleted" if grace == 0 else "deleted"}\n'
        except ApiError as error:
            if not (options["ignore_not_found"] and error.reason == "NotFound"):
                errors.append(api_error_message(error, "deleting", source))
    if errors:
        raise aggregate(errors, shown)
    return shown


def _victims_from_arguments(client, args: list[str], options: dict, namespace: str):
    if not args:
        raise KubectlError("error: You must provide one or more resources by argument or filename.\n"
                           "Example resource specifications include:\n   '-f rsrc.yaml'\n"
                           "   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'")
    targets, _ = parse_targets(args)
    named = [t for t in targets if t.name is not None]
    bulk = options["all"] or options["selector"]
    if named and bulk:
        raise KubectlError("error: name cannot be provided when a selector is specified")
    if not named and not bulk:
        raise KubectlError("error: resource(s) were provided, but no name was specified")
    if named:
        return [(t.resource, t.name, namespace if t.resource.namespaced else None, "") for t in named]
    victims = []
    for target in targets:
        try:
            listed = client.list(target.resource.plural,
                                 None if options["all_namespaces"] or not target.resource.namespaced else namespace,
                                 label_selector=options["selector"] or None)
        except ApiError as error:
            raise KubectlError(api_error_message(error)) from None
        for item in listed.get("items") or []:
            metadata = item.get("metadata", {})
            victims.append((target.resource, metadata.get("name", ""),
                            metadata.get("namespace") if target.resource.namespaced else None, ""))
    return victims
