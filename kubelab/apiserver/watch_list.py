"""List options and the watch-list protocol: a watch that begins with the list it replaces.

    GET /apis/apps/v1/namespaces/ns/deployments?watch=true&sendInitialEvents=true
        &resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true

    {"type":"ADDED","object":{...web...}}                      the current objects, one by one
    {"type":"BOOKMARK","object":{"kind":"Deployment","apiVersion":"apps/v1","metadata":
        {"resourceVersion":"57","annotations":{"k8s.io/initial-events-end":"true"}}}}
    {"type":"MODIFIED","object":{...}}                          then every change after 57

A client that used to list, then watch from the list's resourceVersion, can instead open one
watch that streams the current state and then marks where it ends: the BOOKMARK carrying the
annotation `k8s.io/initial-events-end: "true"`. client-go's reflector in kubectl 1.35 and later
(its WatchListClient gate) asks this way and waits for that bookmark; `kubectl rollout status`
says "hasn't received required bookmark event marking the end of initial events stream" if it
never comes. Upstream serves it from the watch cache (storage/cacher); kubelab, without a
cache, lists from the store at the current revision, which is "not older than" any
resourceVersion the client may name.

The rules are upstream's (apimachinery's ListOptions validation, WatchList gate on as in
v1.32's kube-apiserver): `sendInitialEvents` needs `resourceVersionMatch=NotOlderThan`, which
a watch may name only with `sendInitialEvents`; a list may not ask for initial events. A
refusal is 422 `ListOptions.meta.k8s.io "" is invalid: ...`. As upstream's defaulting does, a
watch that names neither, from no resourceVersion (or "0"), is a watch-list: it already began
with ADDED events, and now it also ends them with the bookmark when bookmarks are allowed.
The bookmark is sent only to a client that allowed bookmarks (`allowWatchBookmarks=true`), as
upstream's is.
"""
from __future__ import annotations

from ..api import errors

NOT_OLDER_THAN = "NotOlderThan"
EXACT = "Exact"
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


def flag(value) -> bool | None:
    """A query flag as Go's strconv.ParseBool reads it; None when the parameter is absent."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = str(value)
    if text in ("1", "t", "T", "true", "TRUE", "True", ""):
        return True
    if text in ("0", "f", "F", "false", "FALSE", "False"):
        return False
    raise errors.bad_request(f'invalid value for sendInitialEvents: "{text}"')


def _refuse(causes: list[dict]) -> None:
    if causes:
        raise errors.invalid("ListOptions", "meta.k8s.io", "", causes)


def validate_list(params: dict) -> None:
    """A list's options, as upstream's ValidateListOptions checks them."""
    causes = []
    match = str(params.get("resourceVersionMatch") or "")
    if match:
        if not str(params.get("resourceVersion") or ""):
            causes.append(errors.forbidden_field(
                "resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided"))
        if params.get("continue"):
            causes.append(errors.forbidden_field(
                "resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"))
        if match not in (EXACT, NOT_OLDER_THAN):
            causes.append(errors.not_supported("resourceVersionMatch", match, [EXACT, NOT_OLDER_THAN, ""]))
        if match == EXACT and str(params.get("resourceVersion")) == "0":
            causes.append(errors.forbidden_field(
                "resourceVersionMatch", 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'))
    if flag(params.get("sendInitialEvents")) is not None:
        causes.append(errors.forbidden_field("sendInitialEvents", "sendInitialEvents is forbidden for list"))
    _refuse(causes)


def watch_options(params: dict) -> bool:
    """Validate a watch's options; True when the watch begins with the current state (ADDED
    events) — asked for by `sendInitialEvents=true`, or by default from no resourceVersion."""
    send_initial = flag(params.get("sendInitialEvents"))
    match = str(params.get("resourceVersionMatch") or "")
    version = str(params.get("resourceVersion") or "")
    if send_initial is None and not match and version in ("", "0"):
        send_initial, match = True, NOT_OLDER_THAN      # upstream's SetListOptionsDefaults
    causes = []
    if send_initial is not None and match != NOT_OLDER_THAN:
        causes.append(errors.forbidden_field(
            "resourceVersionMatch", f"sendInitialEvents requires setting resourceVersionMatch to {NOT_OLDER_THAN}"))
    if match:
        if send_initial is None:
            causes.append(errors.forbidden_field(
                "resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"))
        if match != NOT_OLDER_THAN:
            causes.append(errors.not_supported("resourceVersionMatch", match, [NOT_OLDER_THAN]))
        if params.get("continue"):
            causes.append(errors.forbidden_field(
                "resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"))
    _refuse(causes)
    return bool(send_initial)


def initial_events_end(resource, revision: int) -> dict:
    """The bookmark that closes the initial events: the kind, the revision, the annotation."""
    return {"kind": resource.kind, "apiVersion": resource.api_version,
            "metadata": {"resourceVersion": str(revision), "annotations": {INITIAL_EVENTS_END: "true"}}}
