"""`kubectl get`: list or fetch objects, then print them as a table, YAML, JSON or names.

    kubectl get pods -o wide            kubectl get deploy/web svc/web
    kubectl get all -A                  kubectl get pod web-1 -o yaml

One request per target: a LIST for a bare type (in the namespace, or everywhere with `-A`),
a GET per name. Then, as kubectl's get command does:

- tables: consecutive results of one type share a table; a blank line separates tables;
  `kind/name` when more than one type was asked for; nothing printed at all becomes
  `No resources found in <ns> namespace.` (or `No resources found` when the request spans
  namespaces or includes cluster-scoped types);
- YAML / JSON: the object itself when the arguments named exactly one object, otherwise one
  `List` of everything;
- errors (a name that does not exist) are printed after whatever was found.

Watching (`-w`, `--watch-only`) is get_watch.py. Left out: custom columns and templates (`-o jsonpath=...`).
"""
from __future__ import annotations

from dataclasses import replace

from kubelab.client import ApiError

from . import flags
from .errors import KubectlError, aggregate, api_error_message
from .output import as_list, to_json, to_name, to_yaml
from .resources import ResourceType
from .sort_by import sort_objects
from .table import TableOptions, render
from .targets import parse_targets

FLAGS = [flags.NAMESPACE, flags.ALL_NAMESPACES, flags.SELECTOR, flags.FIELD_SELECTOR, flags.OUTPUT,
         flags.Flag("show-labels", kind="bool", default=False),
         flags.Flag("no-headers", kind="bool", default=False), flags.Flag("sort-by", default=""),
         flags.Flag("watch", "w", "bool", False), flags.Flag("watch-only", kind="bool", default=False),
         flags.Flag("output-watch-events", kind="bool", default=False), flags.Flag("request-timeout", default="")]

OUTPUTS = ("", "wide", "yaml", "json", "name")
_UPSTREAM_OUTPUTS = ("custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,"
                     "jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml")

Found = tuple[ResourceType, list[dict]]   # one response: the objects of one list or one get


def get(client, argv: list[str], now: float, namespace: str, clock=None) -> str:
    """Run `kubectl get` with `argv` (everything after "get"); `clock` lets -w wait (get_watch.py)."""
    options, args = flags.parse("get", argv, FLAGS)
    _check_options(options, args)
    targets, single = parse_targets(args)
    namespace = options["namespace"] or namespace
    if options["watch"] or options["watch_only"]:
        from .get_watch import watch
        return watch(client, targets, options, namespace, now, clock)
    all_namespaces = options["all_namespaces"]
    found, errors = _fetch(client, targets, options, namespace)
    if options["sort_by"]:
        found = [(resource, sort_objects(objects, options["sort_by"])) for resource, objects in found]

    output = options["output"]
    if output in ("yaml", "json", "name"):
        stdout = "" if single and errors else _print_objects(found, output, single)
    else:
        stdout = _print_tables(found, now, TableOptions(
            wide=output == "wide", with_namespace=all_namespaces,
            with_kind=len({resource.plural for resource, _ in found}) > 1,
            show_labels=options["show_labels"], no_headers=options["no_headers"]))
        if not stdout and not errors:
            if all_namespaces or not all(t.resource.namespaced for t in targets):
                return "No resources found\n"
            return f"No resources found in {namespace} namespace.\n"
    if errors:
        raise aggregate(errors, stdout)
    return stdout


def _check_options(options: dict, args: list[str]) -> None:
    output = options["output"]
    if (options["watch"] or options["watch_only"]) and output not in ("", "wide"):
        raise KubectlError(f"error: kubelab's kubectl watches tables only (-w with -o {output} is left out)")
    if output not in OUTPUTS:
        if output.split("=")[0] in _UPSTREAM_OUTPUTS.split(","):
            raise KubectlError(f'error: kubelab\'s kubectl does not support -o {output} yet; '
                               f'try -o yaml, -o json, -o name or -o wide')
        raise KubectlError(f'error: unable to match a printer suitable for the output format "{output}", '
                           f'allowed formats are: {_UPSTREAM_OUTPUTS}')
    if not args:
        raise KubectlError('You must specify the type of resource to get. Use "kubectl api-resources" '
                           'for a complete list of supported resources.\n\n'
                           'error: Required resource not specified.\n'
                           'Use "kubectl explain <resource>" for a detailed description of that '
                           'resource (e.g. kubectl explain pods).\n'
                           "See 'kubectl get -h' for help and examples")
    names_given = len(args) > 1 or "/" in args[0]
    if names_given and (options["selector"] or options["field_selector"]):
        raise KubectlError("error: name cannot be provided when a selector is specified")


def _fetch(client, targets, options: dict, namespace: str) -> tuple[list[Found], list[str]]:
    """One GET per named target, one LIST per bare type; what was found, and the errors."""
    found: list[Found] = []
    errors: list[str] = []
    for target in targets:
        resource = target.resource
        try:
            if target.name is not None:
                obj = client.get(resource.plural, target.name, namespace if resource.namespaced else None)
                found.append((resource, [obj]))
                continue
            listed = client.list(resource.plural,
                                 None if options["all_namespaces"] or not resource.namespaced else namespace,
                                 label_selector=options["selector"] or None,
                                 field_selector=options["field_selector"] or None)
            found.append((resource, [_with_kind(resource, item) for item in listed.get("items") or []]))
        except ApiError as error:
            errors.append(api_error_message(error))
    return found, errors


def _with_kind(resource: ResourceType, obj: dict) -> dict:
    """List items as kubectl shows them: each with its own apiVersion and kind, first."""
    return {"apiVersion": obj.get("apiVersion", resource.api_version), "kind": obj.get("kind", resource.kind),
            **obj}


def _print_tables(found: list[Found], now: float, options: TableOptions) -> str:
    # Consecutive responses of one type share one table, as kubectl shares one printer.
    groups: list[Found] = []
    for resource, objects in found:
        if groups and groups[-1][0] == resource:
            groups[-1] = (resource, groups[-1][1] + objects)
        else:
            groups.append((resource, list(objects)))
    tables = []
    namespace_column = False
    for resource, objects in groups:
        # kubectl 1.32 turns the NAMESPACE column on for the first namespaced type under -A and,
        # through a shared flags object, leaves it on for the tables after it, even for nodes.
        namespace_column = namespace_column or (options.with_namespace and resource.namespaced)
        tables.append(render(resource, objects, now, replace(options, with_namespace=namespace_column)))
    return "\n".join(table for table in tables if table)


def _print_objects(found: list[Found], output: str, single: bool) -> str:
    objects = [obj for _, found_objects in found for obj in found_objects]
    if output == "name":
        return "".join(to_name(resource, obj) for resource, found_objects in found for obj in found_objects)
    document = objects[0] if single and len(objects) == 1 else as_list(objects)
    return to_yaml(document) if output == "yaml" else to_json(document)
