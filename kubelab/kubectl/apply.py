"""`kubectl apply -f` and `kubectl create -f`: make the cluster hold what the files say.

`create` POSTs each object and fails if it exists. `apply` is declarative, as kubectl's
client-side apply is: for each object it

1. records what you applied in the `kubectl.kubernetes.io/last-applied-configuration`
   annotation (the object as JSON, keys sorted, with that annotation itself left out);
2. GETs the live object: if there is none, creates it (`deployment.apps/web created`);
3. otherwise merges three ways — last applied, your file, live (merge.py) — and PATCHes the
   difference: `configured`, or `unchanged` when there is none. A field set by someone else
   (`kubectl scale` changing replicas, the server's defaults) survives unless your file sets
   it; a field you remove from your file is removed from the object.

One object failing does not stop the others; the errors are printed at the end, naming the
file each object came from (apply reads every object first, so errors in reading — an
unknown kind, a contradicting namespace — come before errors in writing, as upstream's do).

Each write asks for `fieldValidation=Strict`, as kubectl's default `--validate=strict` does, so
a typo in a field name is refused, not silently dropped; `--validate=warn` asks for `Warn`
(the object is written and kubectl prints the server's `Warning: unknown field "..."` lines),
`--validate=ignore` (or false) for `Ignore`. `kubectl replace -f` (replace.py) shares all this.

Left out: server-side apply, `--prune`, `--dry-run`, `--save-config` and `-o`.
"""
from __future__ import annotations

import copy
import json

from kubelab.client import ApiError

from . import flags
from .errors import KubectlError, aggregate, api_error_message
from .manifests import Manifest, read_manifests
from .merge import merge_patch_between, three_way_merge
from .resources import ResourceType, for_object

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
# kubectl's default --validate=strict: the API server refuses a field its schema lacks
# ("strict decoding error: unknown field \"spec.replica\""), in process as over HTTP.
STRICT = "Strict"
VALIDATE = flags.Flag("validate", default="strict", no_value="strict")
DIRECTIVES = {"strict": "Strict", "true": "Strict", "warn": "Warn", "ignore": "Ignore", "false": "Ignore"}
FLAGS = [flags.NAMESPACE, flags.FILENAME, VALIDATE]

_NO_ANNOTATION = ("Warning: resource {resource} is missing the kubectl.kubernetes.io/last-applied-configuration "
                  "annotation which is required by kubectl apply. kubectl apply should only be used on resources "
                  "created declaratively by either kubectl create --save-config or kubectl apply. The missing "
                  "annotation will be patched automatically.")


def apply(client, argv: list[str], now: float, namespace: str, stdin: str | None = None) -> str:
    """Run `kubectl apply` with `argv` (everything after "apply")."""
    return _each_manifest("apply", client, argv, namespace, stdin, _apply_one)


def create(client, argv: list[str], now: float, namespace: str, stdin: str | None = None) -> str:
    """Run `kubectl create -f` with `argv` (everything after "create")."""
    return _each_manifest("create", client, argv, namespace, stdin, _create_one)


def _each_manifest(command: str, client, argv: list[str], namespace: str, stdin: str | None, handle) -> str:
    options, args = flags.parse(command, argv, FLAGS)
    directive = DIRECTIVES.get(options["validate"].lower())
    if directive is None:
        raise KubectlError(f'error: invalid - validate option "{options["validate"]}"; must be one of: strict '
                           f"(or true), warn, ignore (or false)")
    if args:
        raise KubectlError(f"error: Unexpected args: {args}\nSee 'kubectl {command} -h' for help and examples")
    if not options["filename"]:
        raise KubectlError("error: must specify one of -f and -k")
    # Reading: each object's resource and namespace. apply reads every object before it
    # writes any, so its reading errors come first; create reads and writes one by one.
    work, errors = [], []
    for manifest in read_manifests(options["filename"], stdin):
        try:
            resource = for_object(manifest.obj, manifest.source)
            work.append((resource, *place(manifest, resource, options["namespace"], namespace), manifest.source))
        except KubectlError as error:
            errors.append(error.stderr.rstrip("\n"))
            if command != "apply":
                work.append(error)
    if command != "apply":
        errors = []
    if not work and not errors:
        raise KubectlError(f"error: no objects passed to {command}")
    shown = ""   # what the terminal shows as it goes: warnings, then each object's line
    for item in work:
        if isinstance(item, KubectlError):
            errors.append(item.stderr.rstrip("\n"))
            continue
        resource, obj, object_namespace, source = item
        try:
            line, warnings = handle(client, resource, obj, object_namespace, source, directive)
            shown += "".join(warning + "\n" for warning in warnings) + line
        except KubectlError as error:
            errors.append(error.stderr.rstrip("\n"))
    if errors:
        raise aggregate(errors, shown)
    return shown


def place(manifest: Manifest, resource: ResourceType, namespace_flag: str, default: str) -> tuple[dict, str | None]:
    """The object to send and its namespace: the file's own, else -n, else the default."""
    obj = copy.deepcopy(manifest.obj)
    if not resource.namespaced:
        return obj, None
    metadata = obj.setdefault("metadata", {})
    own = metadata.get("namespace")
    if own and namespace_flag and own != namespace_flag:
        raise KubectlError(f'error: the namespace from the provided object "{own}" does not match the namespace '
                           f'"{namespace_flag}". You must pass \'--namespace={own}\' to perform this operation.')
    metadata["namespace"] = own or namespace_flag or default
    return obj, metadata["namespace"]


def last_applied(obj: dict) -> tuple[dict, str]:
    """(`obj` carrying the annotation, the annotation's text) as kubectl apply computes them."""
    annotated = copy.deepcopy(obj)
    metadata = annotated.setdefault("metadata", {})
    annotations = dict(metadata.get("annotations") or {})
    annotations.pop(LAST_APPLIED, None)
    metadata["annotations"] = annotations          # an empty map stays: `"annotations":{}`
    text = go_json(annotated) + "\n"
    metadata["annotations"] = {**annotations, LAST_APPLIED: text}
    return annotated, text


def go_json(value) -> str:
    """Compact JSON as Go's encoder writes it: keys sorted, <, > and & escaped."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _prune_nulls(value):
    if isinstance(value, dict):
        return {k: _prune_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune_nulls(item) for item in value]
    return value


def _apply_one(client, resource: ResourceType, obj: dict, namespace: str | None, source: str,
               directive: str = STRICT):
    name = obj.get("metadata", {}).get("name", "")
    modified, _ = last_applied(obj)
    try:
        current = client.get(resource.plural, name, namespace)
    except ApiError as error:
        if error.reason != "NotFound":
            raise KubectlError(api_error_message(error, "retrieving current configuration of", source)) from None
        try:
            client.create(resource.plural, _prune_nulls(modified), namespace, field_validation=directive)
        except ApiError as create_error:
            raise KubectlError(api_error_message(create_error, "creating", source)) from None
        return f"{resource.kind_prefix}/{name} created\n", server_warnings(client)
    warnings = []
    annotations = current.get("metadata", {}).get("annotations") or {}
    original = None
    if LAST_APPLIED in annotations:
        try:
            original = json.loads(annotations[LAST_APPLIED])
        except ValueError:
            original = None
    else:
        warnings.append(_NO_ANNOTATION.format(resource=f"{resource.plural}/{name}"))
    patch = merge_patch_between(current, three_way_merge(original, modified, current))
    if not patch:
        return f"{resource.kind_prefix}/{name} unchanged\n", warnings
    try:
        client.patch(resource.plural, name, patch, namespace, field_validation=directive)
    except ApiError as error:
        raise KubectlError(api_error_message(error, "patching", source)) from None
    return f"{resource.kind_prefix}/{name} configured\n", warnings + server_warnings(client)


def _create_one(client, resource: ResourceType, obj: dict, namespace: str | None, source: str,
                directive: str = STRICT):
    try:
        created = client.create(resource.plural, obj, namespace, field_validation=directive)
    except ApiError as error:
        raise KubectlError(api_error_message(error, "creating", source)) from None
    name = created.get("metadata", {}).get("name", "")
    return f"{resource.kind_prefix}/{name} created\n", server_warnings(client)


def server_warnings(client) -> list[str]:
    """The last answer's warnings, as kubectl prints them (before the object's line)."""
    return [f"Warning: {text}" for text in getattr(client, "warnings", None) or []]
