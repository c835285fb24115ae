"""The three-way merge behind `kubectl apply`: your file, what you applied last time, the live object.

    original  = what you applied last time (the last-applied-configuration annotation)
    modified  = what your file says now
    current   = the live object, with everything the server and controllers added

For each field: if your file sets it, your value wins; if your file dropped it but your last
apply had it, it is removed; if neither mentions it, it belongs to someone else (a server
default, a controller, `kubectl scale`) and is left alone. Lists of named things (containers,
env, ports, volumes, ...) are merged item by item on their key, so the server's defaults
inside a container survive; other lists are replaced whole. This is what upstream's strategic
merge patch does for these fields; its other directives ($patch, $retainKeys, ...) are left out.

kubelab's client speaks JSON merge patch, so the result is sent as the difference between
the live object and the merged one (`merge_patch_between`); `{}` means "unchanged".
"""
from __future__ import annotations

# Lists whose items are merged by a key, as upstream's API types mark them (patchMergeKey).
MERGE_KEYS = {"containers": "name", "initContainers": "name", "ephemeralContainers": "name",
              "env": "name", "volumes": "name", "volumeMounts": "mountPath", "imagePullSecrets": "name",
              "conditions": "type", "hostAliases": "ip", "ownerReferences": "uid",
              "topologySpreadConstraints": "topologyKey", "ports": "containerPort|port"}


def three_way_merge(original: dict | None, modified: dict, current: dict) -> dict:
    """The object `current` becomes when `modified` is applied over it, `original` applied before."""
    return _merge_maps(original, modified, current)


def _merge_maps(original: dict | None, modified: dict, current: dict) -> dict:
    result = {}
    for key, live in current.items():
        if key in modified:
            if modified[key] is not None:
                result[key] = _merge_value(key, (original or {}).get(key), modified[key], live)
        elif original is None or key not in original:
            result[key] = live     # someone else's field: keep it
    for key, wanted in modified.items():
        if key not in current and wanted is not None:
            result[key] = wanted
    return result


def _merge_value(key: str | None, original, modified, current):
    if isinstance(modified, dict) and isinstance(current, dict):
        return _merge_maps(original if isinstance(original, dict) else None, modified, current)
    merge_key = _list_key(key, modified, current)
    if merge_key:
        return _merge_lists(merge_key, original if isinstance(original, list) else [], modified, current)
    return modified


def _list_key(key: str | None, modified, current) -> str | None:
    if key not in MERGE_KEYS or not isinstance(modified, list) or not isinstance(current, list):
        return None
    items = modified + current
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for candidate in MERGE_KEYS[key].split("|"):
        if all(candidate in item for item in items):
            return candidate
    return None


def _merge_lists(merge_key: str, original: list, modified: list, current: list) -> list:
    live = {item[merge_key]: item for item in current}
    before = {item.get(merge_key): item for item in original if isinstance(item, dict)}
    wanted_keys = {item[merge_key] for item in modified}
    result = []
    for item in modified:
        if item[merge_key] in live:
            result.append(_merge_maps(before.get(item[merge_key]), item, live[item[merge_key]]))
        else:
            result.append(item)
    for item in current:
        if item[merge_key] not in wanted_keys and item[merge_key] not in before:
            result.append(item)   # added by someone else: keep it
    return result


def merge_patch_between(current: dict, desired: dict) -> dict:
    """The JSON merge patch that turns `current` into `desired` ({} when they are equal)."""
    patch = {}
    for key, value in desired.items():
        if key not in current:
            patch[key] = value
        elif current[key] != value:
            if isinstance(value, dict) and isinstance(current[key], dict):
                patch[key] = merge_patch_between(current[key], value)
            else:
                patch[key] = value
    for key in current:
        if key not in desired:
            patch[key] = None
    return patch
