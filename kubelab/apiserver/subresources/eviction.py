"""pods/<name>/eviction: "please go, if the application can spare you", as `kubectl drain` asks.

An Eviction (policy/v1) is a DELETE that first asks the pod's PodDisruptionBudget:

    pod Pending, Succeeded, Failed or already being deleted  -> delete (it serves no one)
    no budget guards it                                      -> delete
    more than one budget guards it                           -> 500 (upstream does not choose)
    pod not Ready, and the budget is AlwaysAllow, or healthy enough (IfHealthyBudget, the default)
                                                             -> delete (it is not healthy anyway)
    the budget's status is older than its spec               -> 429 "still being processed"
    status.disruptionsAllowed == 0                           -> 429 TooManyRequests, cause
                                                                DisruptionBudget: drain retries
    otherwise: spend one disruption — disruptionsAllowed - 1 and the pod's name in
    status.disruptedPods, in one status write of the budget — then delete.

Every delete first marks the pod with the condition DisruptionTarget (reason
EvictionByEvictionAPI), then deletes it gracefully with the Eviction's deleteOptions, exactly
as DELETE would; the answer is 201 with a Success Status. The budget's write carries its
resourceVersion, so two evictions racing for the last spare disruption cannot both win (the
loser's write conflicts and it reads the budget again).

As upstream (pkg/registry/core/pod/storage/eviction.go, v1.32). Left out: the limit on the
size of disruptedPods, and a resourceVersion precondition on the unhealthy-pod path.
"""
from __future__ import annotations

import copy

from ...api import errors
from ...api.request import Request
from ...api.resources import RESOURCES
from ...objects import conditions, meta
from ...objects.disruption_budget import guards_pod, with_disruption_allowed
from ...objects.timefmt import rfc3339
from .. import decode

VIOLATES = "Cannot evict pod as it would violate the pod's disruption budget."
MULTIPLE = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
RETRIES = 5


def create(server, resource, request) -> dict:
    body = request.body or {}
    if not isinstance(body, dict):
        raise errors.bad_request("the body of the request was in an unknown format")
    decode.check_definition("io.k8s.api.policy.v1.Eviction", body, "Eviction", "v1")
    if body.get("kind", "Eviction") != "Eviction":
        raise errors.bad_request(f'expected Eviction, got {body.get("kind")}')
    name = (body.get("metadata") or {}).get("name") or request.name
    if name != request.name:
        raise errors.bad_request("name in URL does not match name in Eviction object")
    options = dict(body.get("deleteOptions") or {})
    dry_run = bool(request.params.get("dryRun") or options.get("dryRun"))
    for attempt in range(RETRIES):
        _, pod = server.read(resource, request.namespace, request.name)
        if not budget_allows(server, request, pod, dry_run, last_try=attempt == RETRIES - 1):
            continue   # the budget changed under us: read both again
        if not dry_run:
            mark_disruption_target(server, request, pod)
        params = {"dryRun": "All"} if dry_run else {}
        server.handle_delete(Request("delete", "pods", request.namespace, request.name, body=options,
                                     params=params, user=request.user, user_info=request.user_info))
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
    raise errors.ApiError(errors.status(429, "TooManyRequests", VIOLATES))


def budget_allows(server, request, pod: dict, dry_run: bool, last_try: bool) -> bool:
    """True: go ahead and delete. Raises 429/500 when the budget says no; False: retry (conflict)."""
    if can_ignore_budget(pod):
        return True
    budgets = guarding_budgets(server, pod)
    if not budgets:
        return True
    if len(budgets) > 1:
        message = f"Internal error occurred: {MULTIPLE}"
        raise errors.ApiError(errors.status(500, "InternalError", message, {"causes": [{"message": MULTIPLE}]}))
    budget = budgets[0]
    spec, status = budget.get("spec") or {}, budget.get("status") or {}
    if not conditions.is_true(pod, "Ready"):
        if spec.get("unhealthyPodEvictionPolicy") == "AlwaysAllow":
            return True
        if status.get("currentHealthy", 0) >= status.get("desiredHealthy", 0) > 0:
            return True
    if status.get("observedGeneration", 0) < budget["metadata"].get("generation", 1):
        raise too_many_requests(f"The disruption budget {meta.name(budget)} is still being processed by the server.")
    if status.get("disruptionsAllowed", 0) < 0:
        raise errors.forbidden("poddisruptionbudgets", "policy", meta.name(budget),
                               "pdb disruptions allowed is negative")
    if status.get("disruptionsAllowed", 0) == 0:
        raise too_many_requests(f"The disruption budget {meta.name(budget)} needs {status.get('desiredHealthy', 0)} "
                                f"healthy pods and has {status.get('currentHealthy', 0)} currently")
    if dry_run:
        return True
    return spend_one_disruption(server, budget, meta.name(pod), last_try)


def can_ignore_budget(pod: dict) -> bool:
    """A pod that is not running (or already going) costs the application nothing."""
    phase = (pod.get("status") or {}).get("phase")
    return phase in ("Succeeded", "Failed", "Pending") or meta.is_being_deleted(pod)


def guarding_budgets(server, pod: dict) -> list[dict]:
    budgets = RESOURCES["poddisruptionbudgets"]
    prefix = budgets.prefix(meta.namespace(pod))
    found = [server.decode(budgets, kv) for kv in server.store.range(prefix, prefix=True).kvs]
    return [budget for budget in found if guards_pod(budget, pod)]


def too_many_requests(detail: str) -> errors.ApiError:
    return errors.ApiError(errors.status(429, "TooManyRequests", VIOLATES,
                                         {"causes": [{"reason": "DisruptionBudget", "message": detail}]}))


def spend_one_disruption(server, budget: dict, pod_name: str, last_try: bool) -> bool:
    """disruptionsAllowed - 1 and the pod in disruptedPods, written with the budget's
    resourceVersion (checkAndDecrement); False if someone else wrote it first."""
    updated = copy.deepcopy(budget)
    status = updated["status"]
    status["disruptionsAllowed"] -= 1
    if status["disruptionsAllowed"] == 0:
        status.update(with_disruption_allowed(status, server.clock.now()))
    status["disruptedPods"] = {**(status.get("disruptedPods") or {}), pod_name: rfc3339(server.clock.now())}
    request = Request("update", "poddisruptionbudgets", meta.namespace(budget), meta.name(budget),
                      subresource="status", body=updated, user="system:apiserver")
    try:
        server._update(RESOURCES["poddisruptionbudgets"], request)   # the API server's own write
    except errors.ApiError as error:
        if error.code == 409 and not last_try:
            return False
        raise
    return True


def mark_disruption_target(server, request, pod: dict) -> None:
    """The condition that tells the pod's owner (and a Job's podFailurePolicy) why it went."""
    updated = copy.deepcopy(pod)
    updated.setdefault("status", {})["conditions"] = conditions.set_condition(
        (pod.get("status") or {}).get("conditions") or [],
        {"type": "DisruptionTarget", "status": "True", "reason": "EvictionByEvictionAPI",
         "message": "Eviction API: evicting"}, server.clock.now())
    try:
        server._update(RESOURCES["pods"], Request("update", "pods", meta.namespace(pod), meta.name(pod),
                                                  subresource="status", body=updated, user=request.user,
                                                  user_info=request.user_info))
    except errors.ApiError as error:
        if error.code != 409:
            raise   # a conflict: the pod moved on; the delete below still decides
