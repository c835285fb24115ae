"""`kubectl label`: add, change or remove labels (and, through `annotate.py`, annotations).

    kubectl label pod web tier=frontend
    kubectl label pods -l app=web tier=frontend --overwrite
    kubectl label pod web tier-

The arguments are objects (`pod web`, `pod/web`, `pods -l app=web`, `pods --all`) followed by
updates: `key=value` sets, `key-` removes. A key that already holds a different value is
refused unless --overwrite. Each object gets one JSON merge patch of `metadata.labels`
(a removed key is written as null), and kubectl prints what happened to it: "labeled",
"unlabeled" (only removals) or "not labeled" (nothing changed).

Simplification: the label key and value are checked only for their `=` shape, not for
the name rules (the API server refuses a bad label with its own Status). Left out:
--resource-version, --dry-run, --list, -f.
"""
from __future__ import annotations

from kubelab.client import ApiError

from . import flags
from .errors import KubectlError, api_error_message
from .targets import parse_targets

FLAGS = [flags.NAMESPACE, flags.SELECTOR, flags.Flag("all", kind="bool", default=False),
         flags.Flag("overwrite", kind="bool", default=False)]


def label(client, argv: list[str], now: float, namespace: str) -> str:
    """Run `kubectl label` with `argv` (everything after "label")."""
    return change_metadata(client, argv, namespace, "label", "labels", "labeled")


def change_metadata(client, argv: list[str], namespace: str, command: str, field: str, verb: str) -> str:
    """Shared by label and annotate: `field` is "labels" or "annotations", `verb` "labeled"/"annotated"."""
    options, args = flags.parse("label" if command == "label" else "annotate", argv, FLAGS)
    namespace = options["namespace"] or namespace
    if options["all"] and options["selector"]:
        raise KubectlError("error: cannot set --all and --selector at the same time")
    words = [arg for arg in args if "=" not in arg and not arg.endswith("-")]
    updates = [arg for arg in args if arg not in words]
    if not updates:
        raise KubectlError(f"error: at least one {command} update is required")
    new, removed = {}, []
    for update in updates:
        if "=" in update:
            key, _, value = update.partition("=")
            if not key or "=" in value:
                raise KubectlError(f"error: invalid {command} spec: {update}")
            new[key] = value
        else:
            removed.append(update[:-1])
    if set(new) & set(removed):
        raise KubectlError(f"error: can not both modify and remove {'a label' if command == 'label' else 'an annotation'} "
                           "in the same command")
    targets, _ = parse_targets(words)
    if not targets:
        raise KubectlError("error: one or more resources must be specified as <resource> <name> or "
                           "<resource>/<name>")
    objects = []
    for target in targets:
        if target.name is not None:
            try:
                objects.append((target, client.get(target.resource.plural, target.name, namespace)))
            except ApiError as error:
                raise KubectlError(api_error_message(error)) from None
        elif options["selector"] or options["all"]:
            listed = client.list(target.resource.plural, namespace, label_selector=options["selector"] or None)
            objects += [(target, obj) for obj in listed["items"]]
        else:
            raise KubectlError("error: resource(s) were provided, but no name was specified")
    if not objects:
        return ""
    shown = ""
    for target, obj in objects:
        current = obj["metadata"].get(field) or {}
        if not options["overwrite"]:
            clashes = [f"'{key}' already has a value ({current[key]}), and --overwrite is false"
                       for key, value in new.items() if key in current and current[key] != value]
            if clashes:
                raise KubectlError("error: " + clashes[0] if len(clashes) == 1 else
                                   "error: [" + ", ".join(clashes) + "]", shown)
        for key in removed:
            if key not in current and command == "label":
                shown += f'{command} "{key}" not found.\n'
        patch = {**new, **{key: None for key in removed if key in current}}
        after = {key: value for key, value in {**current, **new}.items() if key not in removed}
        name = obj["metadata"]["name"]
        if after == current:
            message = f"not {verb}"
        else:
            message = "unlabeled" if (command == "label" and not new and not options["overwrite"]) else verb
            try:
                client.patch(target.resource.plural, name, {"metadata": {field: patch}}, namespace)
            except ApiError as error:
                raise KubectlError(api_error_message(error), shown) from None
        shown += f"{target.resource.kind_prefix}/{name} {message}\n"
    return shown
