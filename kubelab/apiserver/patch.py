"""PATCH: the three patch formats kubectl and the client libraries send.

  application/merge-patch+json            JSON merge patch (RFC 7386): a partial object; keys
                                          replace, nested objects merge, null deletes, lists
                                          are replaced whole.
  application/strategic-merge-patch+json  Kubernetes' own: like a merge patch, but a list
                                          with a *merge key* merges item by item (containers
                                          by name, ports by containerPort, ...), so changing one
                                          container's image does not need the others.
                                          Directives: {"$patch": "delete"} removes a list item
                                          or map, {"$patch": "replace"} replaces instead of
                                          merging, $setElementOrder/<list> and $retainKeys are
                                          honoured, $deleteFromPrimitiveList/<list> removes values.
  application/json-patch+json             JSON patch (RFC 6902): a list of operations (add,
                                          remove, replace, move, copy, test) on JSON pointers.

Server-side apply (application/apply-patch+yaml, with managedFields) is not served: kubelab's
lesson on apply teaches the client-side three-way merge that `kubectl apply` does by default.

The merge keys below are upstream's `patchMergeKey` struct tags for the fields kubectl
touches (k8s.io/api/core/v1/types.go); upstream reads them from the Go types' tags, kubelab
from this table, keyed by the field's path (list indices left out).
"""
from __future__ import annotations

import json

from ..api import errors
from ..api.errors import ApiError
from ..api.request import Step
from .decode import clone  # a JSON value's copy, a fraction of copy.deepcopy's cost
from .handler_chain import step

MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"

# (field, or "parent.field" where a name is ambiguous) -> merge key
MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name",
    "containers.ports": "containerPort", "initContainers.ports": "containerPort",
    "spec.ports": "port",  # a Service's ports
    "env": "name", "volumes": "name", "volumeMounts": "mountPath", "volumeDevices": "devicePath",
    "imagePullSecrets": "name", "hostAliases": "ip", "conditions": "type",
    "ownerReferences": "uid", "topologySpreadConstraints": "topologyKey", "secrets": "name",
}
# Lists of scalars whose patch strategy is "merge" (a union), not "replace".
MERGED_SCALAR_LISTS = {"finalizers"}


def apply_patch(patch_type: str | None, target: dict, patch) -> dict:
    """The result of applying `patch` (of `patch_type`) to `target`; neither is modified."""
    patch_type = (patch_type or MERGE_PATCH).split(";")[0].strip()
    if patch_type == MERGE_PATCH:
        return merge_patch(target, _object(patch))
    if patch_type == STRATEGIC_MERGE_PATCH:
        return strategic_merge_patch(target, _object(patch))
    if patch_type == JSON_PATCH:
        return json_patch(target, patch)
    if patch_type == APPLY_PATCH:
        raise _server_side_apply_refused()
    raise errors.ApiError(errors.status(
        415, "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: "
        f"{JSON_PATCH}, {MERGE_PATCH}, {STRATEGIC_MERGE_PATCH}"))


def _server_side_apply_refused() -> errors.ApiError:
    return errors.ApiError(errors.status(
        415, "UnsupportedMediaType",
        "kubelab does not serve server-side apply (application/apply-patch+yaml); "
        "use client-side apply: kubectl apply --server-side=false"))


def _object(patch) -> dict:
    if not isinstance(patch, dict):
        raise errors.bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}"
                                 if isinstance(patch, list) else "the body of the request was in an unknown format")
    return patch


# -- JSON merge patch ------------------------------------------------------------------------
def merge_patch(target, patch):
    """RFC 7386: the result of applying merge patch `patch` to `target` (neither is modified)."""
    if not isinstance(patch, dict):
        return clone(patch)
    result = clone(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# -- strategic merge patch -------------------------------------------------------------------
def strategic_merge_patch(target: dict, patch: dict) -> dict:
    """Kubernetes' strategic merge patch, for the fields in MERGE_KEYS."""
    return _merge_map(clone(target), patch, ())


def _merge_key(path: tuple[str, ...]) -> str | None:
    if len(path) >= 2 and f"{path[-2]}.{path[-1]}" in MERGE_KEYS:
        return MERGE_KEYS[f"{path[-2]}.{path[-1]}"]
    return MERGE_KEYS.get(path[-1]) if path else None


def _merge_map(target: dict, patch: dict, path: tuple[str, ...]):
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: clone(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return None
    if directive is not None:
        raise errors.bad_request(f"Unknown patch type: {directive}")
    result = target if isinstance(target, dict) else {}
    order = {}
    for key, value in patch.items():
        if key.startswith("$setElementOrder/"):
            order[key.split("/", 1)[1]] = value
        elif key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            result[field] = [v for v in result.get(field) or [] if v not in value]
        elif key == "$retainKeys":
            continue
        elif value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            merged = _merge_map(result.get(key) if isinstance(result.get(key), dict) else {}, value, path + (key,))
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _merge_list(result.get(key) or [], value, path + (key,))
        else:
            result[key] = clone(value)
    if "$retainKeys" in patch:
        for key in [k for k in result if k not in patch["$retainKeys"]]:
            del result[key]
    for field, wanted in order.items():
        if isinstance(result.get(field), list):
            result[field] = _reorder(result[field], wanted, _merge_key(path + (field,)))
    return result


def _merge_list(target: list, patch: list, path: tuple[str, ...]) -> list:
    merge_key = _merge_key(path)
    if any(isinstance(item, dict) and item.get("$patch") == "replace" for item in patch):
        return [clone(item) for item in patch if not (isinstance(item, dict) and "$patch" in item)]
    if merge_key is None:
        if path[-1] in MERGED_SCALAR_LISTS:
            return list(target) + [clone(v) for v in patch if v not in target]
        return clone(patch)  # no merge key: the patch's list replaces the whole list
    result = clone(target)
    for item in patch:
        if not isinstance(item, dict) or merge_key not in item:
            raise errors.bad_request(f"map: {item} does not contain declared merge key: {merge_key}")
        index = next((i for i, existing in enumerate(result)
                      if isinstance(existing, dict) and existing.get(merge_key) == item[merge_key]), None)
        if item.get("$patch") == "delete":
            if index is not None:
                del result[index]
        elif index is None:
            result.append(_merge_map({}, item, path))
        else:
            result[index] = _merge_map(result[index], item, path)
    return result


def _reorder(items: list, wanted: list, merge_key: str | None) -> list:
    """$setElementOrder: items named in `wanted` first, in that order; the others after."""
    identity = (lambda item: item.get(merge_key) if isinstance(item, dict) else item) if merge_key else (lambda item: item)
    rank = {identity(w) if isinstance(w, dict) else w: i for i, w in enumerate(wanted)}
    return sorted(items, key=lambda item: rank.get(identity(item), len(rank)))


# -- JSON patch --------------------------------------------------------------------------------
def json_patch(target: dict, operations) -> dict:
    """RFC 6902: apply each operation in order; any failure fails the whole patch."""
    if not isinstance(operations, list):
        raise errors.bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    document = clone(target)
    for operation in operations:
        if not isinstance(operation, dict) or "op" not in operation or "path" not in operation:
            raise errors.bad_request(f"invalid JSON patch operation: {operation}")
        document = _apply_operation(document, operation)
    return document


def _unprocessable(detail: str) -> errors.ApiError:
    return errors.ApiError(errors.status(422, "Invalid", detail))


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise _unprocessable(f'JSON pointer "{path}" must start with "/"')
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _parent(document, parts: list[str], path: str):
    node = document
    for part in parts[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise _unprocessable(f"doc is missing path: \"{path}\": missing value")
    return node


def _get(document, path: str):
    parts = _pointer(path)
    if not parts:
        return document
    parent, last = _parent(document, parts, path), parts[-1]
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent[int(last)]
    raise _unprocessable(f"doc is missing path: \"{path}\": missing value")


def _remove(document, path: str):
    parts = _pointer(path)
    if not parts:
        raise _unprocessable(f'unable to remove the whole document ("{path}")')
    parent, last = _parent(document, parts, path), parts[-1]
    value = _get(document, path)
    if isinstance(parent, dict):
        del parent[last]
    else:
        del parent[int(last)]
    return value


def _add(document, path: str, value):
    parts = _pointer(path)
    if not parts:
        return clone(value)
    parent, last = _parent(document, parts, path), parts[-1]
    if isinstance(parent, dict):
        parent[last] = clone(value)
    elif isinstance(parent, list) and (last == "-" or (last.isdigit() and int(last) <= len(parent))):
        parent.insert(len(parent) if last == "-" else int(last), clone(value))
    else:
        raise _unprocessable(f"doc is missing path: \"{path}\": missing value")
    return document


def _apply_operation(document, operation: dict):
    op, path = operation["op"], operation["path"]
    if op in ("add", "replace", "test") and "value" not in operation:
        raise errors.bad_request(f"missing value for {op} operation on {path}")
    if op == "add":
        return _add(document, path, operation["value"])
    if op == "remove":
        _remove(document, path)
        return document
    if op == "replace":
        _get(document, path)  # must exist
        if not _pointer(path):
            return clone(operation["value"])
        _remove(document, path)
        return _add(document, path, operation["value"])
    if op in ("move", "copy"):
        if "from" not in operation:
            raise errors.bad_request(f"missing from for {op} operation on {path}")
        value = _remove(document, operation["from"]) if op == "move" else clone(_get(document, operation["from"]))
        return _add(document, path, value)
    if op == "test":
        if _get(document, path) != operation["value"]:
            raise _unprocessable(f"testing value {path} failed: test failed")
        return document
    raise errors.bad_request(f"Unexpected kind: {op}")


_DECODE_FAILURE = " cannot be handled as a "


def _undecodable(patched: dict, why: str) -> ApiError:
    """A patch whose result does not decode into the kind's Go type: upstream's 422 on "patch",
    with the patched object as the value (kubelab shows it as JSON for every patch type; upstream
    shows a strategic merge patch's map instead)."""
    return errors.invalid("", "", "", [errors.invalid_value("patch", json.dumps(patched, separators=(",", ":")),
                                                            why)])


PATCH_ATTEMPTS = 5  # reads-and-retries of a patch that lost a race to another writer


def patch_stored(server, resource, request) -> dict:
    """Apply the patch to the stored object and write it back. Another writer may get in
    between (another API server on the same store): then, unless the patch itself named a
    resourceVersion, read and patch again, as upstream's GuaranteedUpdate does."""
    if request.params.get("patchType") == STRATEGIC_MERGE_PATCH and server.custom.strategy(resource.plural):
        # A custom kind has no Go struct to carry patch strategies: upstream refuses, so kubectl
        # sends custom objects a JSON merge patch.
        request.steps.append(Step("validation", "refused", "415 UnsupportedMediaType: strategic merge patch"))
        raise errors.ApiError(errors.status(
            415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media "
            f"types include: {JSON_PATCH}, {MERGE_PATCH}, {APPLY_PATCH}"))
    if (request.params.get("patchType") or "").split(";")[0].strip() == APPLY_PATCH:
        with step(request, "validation"):   # refused before the object is looked up: apply creates too
            raise _server_side_apply_refused()
    body_metadata = request.body.get("metadata") if isinstance(request.body, dict) else None
    pinned = isinstance(body_metadata, dict) and "resourceVersion" in body_metadata
    recorded = len(request.steps)
    for attempt in range(PATCH_ATTEMPTS):
        del request.steps[recorded:]   # a retry's steps replace those of the attempt that lost the race
        with step(request, "store"):
            kv, old = server.read(resource, request.namespace, request.name)
        with step(request, "validation"):   # a patch that does not apply
            patched = apply_patch(request.params.get("patchType"), old, request.body)
            if not isinstance(patched, dict):
                raise errors.bad_request("the patch did not produce an object")
        if not isinstance(patched.get("metadata"), dict):
            patched["metadata"] = {}
        if patched["metadata"].get("resourceVersion") in (None, old["metadata"]["resourceVersion"]):
            patched["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        elif patched["metadata"]["resourceVersion"] != str(kv.mod_revision):
            with step(request, "store"):
                raise errors.conflict(resource.plural, resource.group, request.name, errors.STALE)
        try:
            return server._update(resource, request, patched, stored=(kv, old))   # the version patched
        except ApiError as error:
            if error.code == 400 and _DECODE_FAILURE in error.message:
                undecodable = _undecodable(patched, error.message.split(_DECODE_FAILURE, 1)[1].split(": ", 1)[1])
                request.steps[-1] = Step("validation", "refused", f"422 Invalid: {undecodable.message}")
                raise undecodable
            if pinned or error.reason != "Conflict" or attempt == PATCH_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
